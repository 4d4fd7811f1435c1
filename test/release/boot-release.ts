// The release image as a person meets it (by hand or from the bench script; far too slow for CI):
// QEMU (TCG) boots the hybrid image from a CD drive with a blank virtual disk, the language is chosen
// in GRUB over the serial console, the Live session starts MATE and the installer; the engine says on
// the console when the installer's page asked it for facts; QEMU's monitor takes screenshots (PNG).
//
// usage: npx tsx test/release/boot-release.ts --image FILE --lang zh_CN|en [--out DIR] [--timeout S]
//        [--direct KERNEL,INITRD]   start the kernel directly with the command line GRUB's entry writes
//                                   (the image's own, extracted), instead of choosing in GRUB over serial
// Prints one JSON line of figures; screenshots and the serial log go to --out (default
// test-artifacts/release/<lang>/).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { plainText } from '../boot/helpers/qemu.ts';
import { Monitor } from './monitor.ts';

const { values } = parseArgs({
  options: { image: { type: 'string' }, lang: { type: 'string', default: 'zh_CN' }, out: { type: 'string' }, timeout: { type: 'string', default: '1500' }, direct: { type: 'string' }, label: { type: 'string', default: 'LIVEKIT' } },
});
if (!values.image) throw new Error('--image FILE is required');
const lang = values.lang === 'en' ? 'en' : 'zh_CN';
const out = values.out ?? join('test-artifacts', 'release', lang);
mkdirSync(out, { recursive: true });
const monitor = join(out, 'monitor.sock');
const disk = join(out, 'blank-disk.img');

/** GRUB's language menu (scripts/grub): English first, 简体中文 next; then the boot menu's first entry. */
const LANGUAGE_KEYS = lang === 'zh_CN'
  ? [{ after: /繁體中文/, send: '\x1b[B' }, { after: /简体中文/, send: '\r' }, { after: /启动 Live 桌面/, send: '\r' }]
  : [{ after: /繁體中文/, send: '\r' }, { after: /Start the Live desktop/, send: '\r' }];
/** What GRUB's "Start the Live desktop" entry passes (scripts/grub/boot.cfg), for --direct. */
const DIRECT_CMDLINE = `root=livekit:CDLABEL=${values.label} livekit.boot=livekit LANG=${lang === 'zh_CN' ? 'zh_CN' : 'en_US'}.UTF-8 console=tty0 console=ttyS0,115200`;
const FACTS = /livekit serve: a client asked for the machine's facts/;

const qmon = new Monitor(monitor);
const screenshot = (name: string) => qmon.screenshot(out, name);

async function main(): Promise<void> {
  await new Promise<void>((r, j) => spawn('truncate', ['-s', '32G', disk]).on('exit', (c) => (c === 0 ? r() : j(new Error('truncate')))));
  const direct = values.direct?.split(',');
  const boot = direct ? ['-kernel', direct[0]!, '-initrd', direct[1]!, '-append', DIRECT_CMDLINE] : [];
  // -nodefaults: with QEMU's default devices GRUB never saw the keys sent over the serial port (the menu
  // timed out to English); with only the devices below, as the boot tests use, it does.
  const argv = [...boot, '-nodefaults', '-accel', 'tcg', '-smp', '2', '-m', '4096', '-vga', 'std', '-display', 'none', '-no-reboot',
    '-serial', 'stdio', '-monitor', `unix:${monitor},server,nowait`,
    '-drive', `file=${values.image},media=cdrom,readonly=on`,
    '-drive', `file=${disk},format=raw,if=virtio`, '-nic', 'user,model=virtio-net-pci'];
  const started = Date.now();
  const qemu = spawn('qemu-system-x86_64', argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  let raw = '';
  const keys = direct ? [] : [...LANGUAGE_KEYS];
  let keyFrom = 0;
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const marks: Record<string, number> = {};
  const mark = (name: string, re: RegExp, text: string) => { if (marks[name] === undefined && re.test(text)) marks[name] = seconds(); };
  let factsAt: number | undefined;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Number(values.timeout) * 1000);
    qemu.stdout.on('data', (d: Buffer) => {
      raw += d.toString('utf8');
      appendFileSync(join(out, 'serial.raw.log'), d); // as it comes, for a person following a slow run
      const text = plainText(raw);
      const step = keys[0];
      if (step && step.after.test(text.slice(keyFrom))) { keys.shift(); keyFrom = text.length; qemu.stdin.write(step.send); }
      mark('grub', /GNU GRUB|简体中文/, text);
      mark('kernel', /Linux version/, text);
      mark('loader', /LiveKit: /, text);
      mark('engine', /livekit serve: listening/, text);
      if (factsAt === undefined && FACTS.test(text)) {
        factsAt = seconds();
        // Let Chromium paint the page the engine just answered, then look.
        setTimeout(() => { clearTimeout(timer); resolve(); }, 45_000);
      }
    });
    qemu.on('exit', () => { clearTimeout(timer); resolve(); });
  });
  // A screenshot a minute while booting, for a person following a slow run.
  const periodic = setInterval(() => { void screenshot(`t${String(Math.round(seconds())).padStart(4, '0')}`).catch(() => {}); }, 60_000);
  await done;
  clearInterval(periodic);
  const final = await screenshot(`installer-${lang}`).catch((e: Error) => `screendump failed: ${e.message}`);
  qemu.kill('SIGKILL');
  writeFileSync(join(out, 'serial.log'), plainText(raw));
  console.log(JSON.stringify({ lang, factsRequestedAt: factsAt ?? null, marks, screenshot: final, serialLog: join(out, 'serial.log') }));
  if (factsAt === undefined) process.exitCode = 1;
}

await main();
