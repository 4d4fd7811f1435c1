// QA's unattended install on the release medium, end to end (by hand: far too slow for CI). QEMU (TCG,
// SeaBIOS) boots the release image's kernel with GRUB's Live command line plus
// `livekit.autoinstall=LABEL=ANSWERS:/qa.yaml`, with an ext4 answers disk and a blank virtio disk; the
// Live system's livekit-autoinstall.service installs the MATE desktop variant onto the only disk that may
// be erased and powers off. Then the installed disk boots alone through its own GRUB; after a while the
// guest is powered off over ACPI and its persistent journal is read to prove LightDM's greeter started.
//
// usage: npx tsx test/release/autoinstall-release.ts --image FILE --direct KERNEL,INITRD [--out DIR]
//        [--variant desktop] [--boot-seconds 420] [--source label|http]
// --source http: the answers come from this host over HTTP (QEMU's user network: 10.0.2.2), with no
// answers disk: `livekit.autoinstall=http://10.0.2.2:PORT/qa.yaml`.
// Prints one JSON line of figures; serial logs, the result, screenshots and the journal excerpt go to
// --out (default test-artifacts/release/autoinstall/).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { plainText } from '../boot/helpers/qemu.ts';
import { attachImage, makeImage, mountRo, withCleanup } from '../helpers/image.ts';
import { Monitor } from './monitor.ts';

const { values } = parseArgs({
  options: {
    image: { type: 'string' }, direct: { type: 'string' }, out: { type: 'string' }, label: { type: 'string', default: 'LIVEKIT' },
    variant: { type: 'string', default: 'desktop' }, 'boot-seconds': { type: 'string', default: '420' },
    source: { type: 'string', default: 'label' },
  },
});
if (!values.image || !values.direct) throw new Error('--image FILE and --direct KERNEL,INITRD are required');
const [kernel, initrd] = values.direct.split(',') as [string, string];
const out = values.out ?? join('test-artifacts', 'release', 'autoinstall');
mkdirSync(out, { recursive: true });
const target = join(out, 'target-disk.img');
const answersImage = join(out, 'answers.img');
const PASSWORD = 'correct horse 42';
const RESULT = /LIVEKIT-AUTOINSTALL-RESULT (\{.*\})/;

const ANSWERS = [
  'version: 1',
  `variant: ${values.variant}`,
  'target:',
  '  layout: auto',
  '  filesystem: ext4',
  '  swap: auto',
  'hostname: lk-release-qa',
  'locale: zh_CN.UTF-8',
  'timezone: Asia/Shanghai',
  'user:',
  '  name: alice',
  '  fullname: Alice Liddell',
  `  password: "${PASSWORD}"`,
  'after: poweroff',
  '',
].join('\n');

/** An ext4 volume labelled ANSWERS holding qa.yaml (this host's kernel has no vfat). */
async function answersDisk(): Promise<void> {
  const src = mkdtempSync(join(tmpdir(), 'lk-answers-'));
  try {
    writeFileSync(join(src, 'qa.yaml'), ANSWERS);
    await makeImage(answersImage, 16 * 1024 ** 2);
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'ANSWERS', '-d', src, answersImage]);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

interface Run {
  log: string;
  seconds: number;
  marks: Record<string, number>;
}

/** Runs QEMU until it exits or `stopAfter` seconds; `onSerial` sees the plain serial text. */
function qemu(args: string[], o: { name: string; stopAfter: number; marks: Record<string, RegExp>; whileRunning?: (m: Monitor, seconds: () => number) => Promise<void> }): Promise<Run> {
  const monitor = new Monitor(join(out, `${o.name}.monitor.sock`));
  const argv = ['-accel', 'tcg', '-smp', '2', '-m', '4096', '-vga', 'std', '-display', 'none', '-no-reboot',
    '-serial', 'stdio', '-monitor', `unix:${monitor.socket},server,nowait`, ...args];
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const child = spawn('qemu-system-x86_64', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let raw = '';
  const marks: Record<string, number> = {};
  const logFile = join(out, `${o.name}.serial.log`);
  writeFileSync(logFile, '');
  child.stdout.on('data', (d: Buffer) => {
    raw += d.toString('utf8');
    appendFileSync(logFile, d); // as it comes, for a person following a slow run; rewritten plain at the end
    const text = plainText(raw);
    for (const [name, re] of Object.entries(o.marks)) if (marks[name] === undefined && re.test(text)) marks[name] = seconds();
  });
  const periodic = setInterval(() => { void monitor.screenshot(out, `${o.name}-t${String(Math.round(seconds())).padStart(4, '0')}`).catch(() => {}); }, 60_000);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const limit = setTimeout(() => child.kill('SIGKILL'), o.stopAfter * 1000);
  void o.whileRunning?.(monitor, seconds);
  return exited.then(() => {
    clearTimeout(limit);
    clearInterval(periodic);
    const log = plainText(raw);
    writeFileSync(logFile, log);
    return { log, seconds: seconds(), marks };
  });
}

/** Serves the answers on all of this host's addresses (QEMU's user network reaches it as 10.0.2.2); counts requests. */
async function answersServer(): Promise<{ server: Server; port: number; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (req.url === '/qa.yaml') res.writeHead(200, { 'content-type': 'text/yaml' }).end(ANSWERS);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return { server, port: (server.address() as AddressInfo).port, requests: () => requests };
}

/** Phase 1: the Live system installs from the answers and powers off. */
async function install(spec: string, answersDrive: string[]): Promise<{ run: Run; result: Record<string, unknown> }> {
  const cmdline = `root=livekit:CDLABEL=${values.label} livekit.boot=livekit LANG=zh_CN.UTF-8 livekit.autoinstall=${spec} console=tty0 console=ttyS0,115200`;
  const run = await qemu(['-kernel', kernel, '-initrd', initrd, '-append', cmdline,
    '-drive', `file=${values.image},media=cdrom,readonly=on`, ...answersDrive,
    '-drive', `file=${target},format=raw,if=virtio`, '-nic', 'user,model=virtio-net-pci'], {
    name: 'install', stopAfter: 3600,
    marks: { kernel: /Linux version/, loader: /LiveKit: /, autoinstallStarted: /livekit-autoinstall/, copy: /"step":"copy"/, result: RESULT },
  });
  const m = RESULT.exec(run.log);
  if (!m) throw new Error(`no LIVEKIT-AUTOINSTALL-RESULT line: see ${out}/install.serial.log`);
  return { run, result: JSON.parse(m[1]!) as Record<string, unknown> };
}

/** Phase 2: the installed disk alone, through its own GRUB; powered off over ACPI after `bootSeconds`. */
async function bootInstalled(bootSeconds: number): Promise<Run> {
  return qemu(['-drive', `file=${target},format=raw,if=virtio`, '-nic', 'user,model=virtio-net-pci'], {
    name: 'installed', stopAfter: bootSeconds + 180, marks: {},
    whileRunning: async (monitor) => {
      await new Promise((r) => setTimeout(r, bootSeconds * 1000));
      await monitor.screenshot(out, 'installed-desktop').catch(() => {});
      await monitor.command('system_powerdown').catch(() => {});
    },
  });
}

/** What the installed system's own journal says about its boots, read from the powered-off disk. */
async function journalOf(): Promise<{ lightdm: string[]; greeter: boolean; boots: number; osRelease: string; hostname: string }> {
  return withCleanup(async (defer) => {
    const loop = await attachImage(target);
    defer(loop.detach);
    const parts = (await execa('blkid', ['-o', 'device', '-t', 'TYPE=ext4'])).stdout.split('\n').filter((d) => d.startsWith(loop.device));
    if (parts.length !== 1) throw new Error(`expected one ext4 root on ${loop.device}, found: ${parts.join(' ')}`);
    const dir = mkdtempSync(join(tmpdir(), 'lk-installed-'));
    defer(await mountRo(parts[0]!, dir, ['noload']));
    const j = await execa('journalctl', ['-D', join(dir, 'var/log/journal'), '--no-pager', '-o', 'short-monotonic'], { reject: false });
    const lines = j.stdout.split('\n');
    writeFileSync(join(out, 'installed-journal.txt'), j.stdout);
    const boots = (await execa('journalctl', ['-D', join(dir, 'var/log/journal'), '--list-boots', '--no-pager'], { reject: false })).stdout.split('\n').filter((l) => /^\s*-?\d+\s/.test(l)).length;
    return {
      lightdm: lines.filter((l) => /lightdm/i.test(l)).slice(0, 12),
      greeter: lines.some((l) => /pam_unix\(lightdm-greeter:session\): session opened for user lightdm/.test(l)),
      boots,
      osRelease: /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync(join(dir, 'etc/os-release'), 'utf8'))?.[1] ?? '',
      hostname: readFileSync(join(dir, 'etc/hostname'), 'utf8').trim(),
    };
  });
}

async function main(): Promise<void> {
  rmSync(target, { force: true });
  await makeImage(target, 32 * 1024 ** 3);
  let http: Awaited<ReturnType<typeof answersServer>> | null = null;
  let spec = 'LABEL=ANSWERS:/qa.yaml';
  let answersDrive = ['-drive', `file=${answersImage},format=raw,if=virtio`];
  if (values.source === 'http') {
    http = await answersServer();
    spec = `http://10.0.2.2:${http.port}/qa.yaml`;
    answersDrive = [];
  } else {
    await answersDisk();
  }
  const { run, result } = await install(spec, answersDrive).finally(() => http?.server.close());
  const installed = await bootInstalled(Number(values['boot-seconds']));
  const journal = await journalOf();
  const figures = { variant: values.variant, source: spec, answersRequests: http?.requests() ?? null, installRun: { seconds: run.seconds, marks: run.marks }, result, installedBoot: { seconds: installed.seconds }, journal };
  writeFileSync(join(out, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures));
  if (result.exitCode !== 0 || !journal.greeter) process.exitCode = 1;
}

await main();
