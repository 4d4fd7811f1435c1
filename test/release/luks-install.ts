// The real thing for issue #22, by hand (far too slow for CI): the layered Debian fixture installed encrypted
// BY THE INSTALLER, then booted through its own GRUB and initramfs with OVMF and unlocked at the prompt.
// This host's kernel has no device-mapper, so the installer runs in QEMU (TCG, 1 vCPU, 2 GiB): the tiny
// medium with the packed installer boots (its Live root gets dm-crypt, vfat and btrfs from the test
// initramfs, mkinitrd.sh --crypt, loaded with rd.driver.pre=), with a work disk (the layered Debian medium,
// the extra tools its install needs, the answers, luks-install-guest.sh) and a blank 8 GiB target disk.
// The guest composes the medium as the loader does and runs `livekit install --yes --json` (ext4 or btrfs,
// gpt-uefi, keyboard de, encrypted or not), timing each event by its own clock.
// Then, for each encrypted disk: the container read here (LUKS2, argon2id, the passphrase opens it, a wrong
// one does not, the passphrase nowhere in the image); a boot with the serial prompt (a wrong passphrase
// refused and asked again, the right one unlocks, alice logs in, / is the mapping); a boot with the screen
// prompt where the passphrase is typed as key presses: as a US keyboard types it (refused: the initramfs has
// the German keymap, z and y swapped: the negative control), then as a German keyboard types it (unlocks).
// An unencrypted disk boots to alice's login. Figures as JSON and Markdown, logs and screendumps in --out.
//
// usage: npx tsx test/release/luks-install.ts [--cases ext4-luks,ext4-plain,btrfs-luks] [--out DIR]
// Root; ~20-30 min per case under TCG on the shared 2-core machine.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { bootKernel, buildImage, buildMedium, REPO, testInitrd } from '../boot/helpers/kit.ts';
import { EncryptedBoot, grubCfgFromImage } from '../boot/helpers/luks-boot.ts';
import { QemuSession } from '../boot/helpers/qemu-session.ts';
import { fileContains, readLuks } from '../e2e/luks-check.ts';
import { bootToLogin } from '../helpers/debian-install.ts';
import { layeredDebian } from '../helpers/debian-layered.ts';
import { makeImage } from '../helpers/image.ts';
import { loopsBacking } from '../helpers/system-state.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: 'ext4-luks,ext4-plain,btrfs-luks' },
    out: { type: 'string', default: join(REPO, 'test-artifacts/luks-install') },
    memory: { type: 'string', default: '2048' },
  },
});

const HERE = new URL('./', import.meta.url).pathname;
const BUILD = join(REPO, 'test/fixtures/debian-sysroot/build.sh');
/** z and y swap places between US and German keyboards (a test passphrase, not a secret). */
const PASSPHRASE = 'Zauberwort yz';
const WRONG = 'Zauberwort zy';
const PASSWORD = 'correct horse 42';
const LABEL = 'LKLUKS';
/** dm-crypt and aes-xts (luksFormat's key slots through AF_ALG), the ESP's FAT, btrfs: the Live root has no modules. */
const DRIVERS = 'ext4,dm_crypt,xts,algif_skcipher,vfat,nls_cp437,nls_utf8,nls_ascii,btrfs';

interface Case {
  id: string;
  filesystem: 'ext4' | 'btrfs';
  encrypted: boolean;
}

function parseCase(id: string): Case {
  const m = /^(ext4|btrfs)-(luks|plain)$/.exec(id);
  if (!m) throw new Error(`unknown case ${id} (ext4-luks, ext4-plain, btrfs-luks, btrfs-plain)`);
  return { id, filesystem: m[1] as Case['filesystem'], encrypted: m[2] === 'luks' };
}

function answers(c: Case): string {
  return ['version: 1', 'variant: debian', `target: { disk: /dev/vdb, layout: gpt-uefi, filesystem: ${c.filesystem}, swap: 256MiB }`,
    `hostname: lk-${c.id}`, 'locale: de_DE.UTF-8', 'timezone: Europe/Berlin', 'keyboard: { layout: de }',
    `user: { name: alice, fullname: Alice Liddell, password: "${PASSWORD}" }`, 'bootloader: auto',
    ...(c.encrypted ? [`encryption: { passphrase: "${PASSPHRASE}" }`] : []), ''].join('\n');
}

interface StepTime { step: string; seconds: number }

/** Each step's duration from the guest's uptime-stamped events (`<uptime> <json>` per line). */
function stepTimes(events: string): StepTime[] {
  const start = new Map<string, number>();
  const out: StepTime[] = [];
  for (const line of events.split('\n')) {
    const m = /^([\d.]+) (\{.*\})$/.exec(line);
    if (!m) continue;
    const e = JSON.parse(m[2]!) as { type: string; step?: string; state?: string };
    if (e.type !== 'step' || !e.step) continue;
    if (e.state === 'start') start.set(e.step, Number(m[1]));
    else if (e.state === 'done' && start.has(e.step)) out.push({ step: e.step, seconds: Number(m[1]) - start.get(e.step)! });
  }
  return out;
}

/**
 * Each command's duration (its `$ argv` log line to the next command, step event or "opened" line), for those
 * over 1 s: where a step's time goes (luksFormat, cryptsetup open, mkfs, update-initramfs).
 */
function actionTimes(events: string): { action: string; seconds: number }[] {
  const lines = events.split('\n').map((l) => /^([\d.]+) (\{.*\})$/.exec(l)).filter((m) => m !== null);
  const out: { action: string; seconds: number }[] = [];
  lines.forEach((m, i) => {
    const e = JSON.parse(m[2]!) as { type: string; message?: string };
    if (e.type !== 'log' || !e.message?.startsWith('$ ')) return;
    const next = lines.slice(i + 1).find((n) => /"type":"step"|"message":"(?:\$ |opened )/.test(n[2]!));
    const seconds = Math.round(((next ? Number(next[1]) : Number(m[1])) - Number(m[1])) * 100) / 100;
    if (seconds > 1) out.push({ action: e.message.slice(2, 100), seconds });
  });
  return out;
}

const t = () => Date.now();
const secs = (from: number) => Math.round((Date.now() - from) / 100) / 10;

const out = values.out!;
mkdirSync(out, { recursive: true });
const work = mkdtempSync('/var/tmp/lk-luks-install-');
const results: Record<string, unknown>[] = [];
const say = (s: string) => console.error(`luks-install: ${s}`);
try {
  const cases = values.cases!.split(',').map(parseCase);
  // The pieces: boot kit kernel, the crypt-capable test initramfs, the tiny medium with the installer, the
  // layered Debian medium, the extra tools.
  const kernel = await bootKernel();
  const initrd = await testInitrd('systemd', { crypt: true });
  const tiny = join(work, 'tiny');
  await buildMedium(tiny, 'tiny', ['--installer', 'yes', '--separate', 'estimate']);
  const iso = join(work, 'tiny.iso');
  await buildImage({ medium: tiny, kernel, initrd, out: iso, label: LABEL });
  const debianRoot = (await execa('bash', [BUILD, '--print-root'], { timeout: 1_800_000 })).stdout.trim();
  const { medium } = await layeredDebian(debianRoot);
  const stage = join(work, 'stage');
  mkdirSync(join(stage, 'answers'), { recursive: true });
  mkdirSync(join(stage, 'out'));
  await execa('cp', ['-a', medium, join(stage, 'medium')]);
  await execa('bash', [join(HERE, 'luks-install-tools.sh'), join(stage, 'tools')]);
  copyFileSync(join(REPO, 'scripts/compose-sysroots.sh'), join(stage, 'compose-sysroots.sh'));
  copyFileSync(join(HERE, 'luks-install-guest.sh'), join(stage, 'run.sh'));
  for (const c of cases) writeFileSync(join(stage, 'answers', `${c.id}.yaml`), answers(c));
  const stageBytes = Number((await execa('du', ['-sb', stage])).stdout.split('\t')[0]);
  const fonts = ['Ethiopian-Goha16.psf.gz', 'Uni2-VGA16.psf.gz', 'Lat15-Fixed16.psf.gz'].map((f) => join(debianRoot, 'usr/share/consolefonts', f)).filter(existsSync);

  for (const c of cases) {
    const dir = join(out, c.id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const r: Record<string, unknown> = { case: c.id, filesystem: c.filesystem, encrypted: c.encrypted };
    results.push(r);
    // A failing case is recorded (error) and the next one still runs.
    try {
      // A fresh work disk per case (the guest writes its results there) and a blank target.
      const workDisk = join(work, `${c.id}-work.img`);
      await makeImage(workDisk, stageBytes + 256 * 1024 ** 2);
      await execa('mkfs.ext4', ['-q', '-F', '-L', 'LKWORK', '-d', stage, workDisk]);
      const target = join(work, `${c.id}-target.img`);
      await makeImage(target, 8 * 1024 ** 3);

      say(`${c.id}: installing in QEMU`);
      const t0 = t();
      const vm = await QemuSession.start({
        args: ['-kernel', kernel, '-initrd', initrd, '-cdrom', iso,
          '-drive', `file=${workDisk},format=raw,if=virtio`, '-drive', `file=${target},format=raw,if=virtio`,
          '-append', `root=livekit:CDLABEL=${LABEL} livekit.boot=livekit init=/bin/sh rd.driver.pre=${DRIVERS} console=ttyS0,115200 panic=1 rd.shell=0`],
        memoryMiB: Number(values.memory),
        logFile: join(dir, 'install.serial.log'),
      });
      try {
        await vm.waitSerial(/^[/~]? ?# ?$/m, { timeoutMs: 600_000, what: "the Live root's shell" });
        r.liveShellAt = vm.elapsed();
        await vm.typeSerial(`mkdir -p /mnt/work && mount /dev/vda /mnt/work && exec sh /mnt/work/run.sh ${c.id}\n`, 10);
        await vm.waitSerial(/LUKS-INSTALL-END \S+ [\d.]+ [\d.]+/, { timeoutMs: 3_600_000, what: 'the end of the install' });
        for (let i = 0; i < 100 && !/reboot: Power down/.test(vm.serial()); i++) await new Promise((res) => setTimeout(res, 100));
      } finally {
        await vm.stop();
      }
      r.qemuInstallSeconds = secs(t0);
      const end = /LUKS-INSTALL-END (\S+) ([\d.]+) ([\d.]+)/.exec(vm.serial())!;
      r.exitCode = Number(end[1]);
      r.installSeconds = Math.round((Number(end[3]) - Number(end[2])) * 10) / 10;
      await execa('debugfs', ['-R', `rdump /out/${c.id} ${dir}`, workDisk]);
      const results1 = join(dir, c.id);
      const events = readFileSync(join(results1, 'events.txt'), 'utf8');
      r.steps = stepTimes(events);
      r.actions = actionTimes(events);
      r.passphraseInConsoleOrLogs = [vm.serial(), events, readFileSync(join(results1, 'install.log'), 'utf8'), readFileSync(join(results1, 'stderr.txt'), 'utf8')]
        .some((x) => x.includes(PASSPHRASE));
      say(`${c.id}: exit ${r.exitCode} in ${r.installSeconds} s (QEMU ${r.qemuInstallSeconds} s)`);
      if (r.exitCode !== 0) continue;

      if (!c.encrypted) {
        const b0 = t();
        const boot = await bootToLogin({ image: target, uefi: true, varsDir: dir, hostname: `lk-${c.id}`, user: 'alice', password: PASSWORD,
          command: 'echo "PLAIN-LOGIN $(findmnt -n -o SOURCE /) $(id -un)"', until: /PLAIN-LOGIN \S+ alice/, logFile: join(dir, 'boot.serial.log') });
        r.boot = { loggedIn: boot.matched, loginSeconds: secs(b0), root: /PLAIN-LOGIN (\S+) alice/.exec(boot.log)?.[1], emergencyMode: /You are in emergency mode/.test(boot.log) };
        continue;
      }

      // The container, read here.
      const luks = await readLuks(target, PASSPHRASE, { readSystem: false });
      r.luks = { version: luks.version, uuid: luks.uuid, kdfs: luks.kdfs, kdfCosts: luks.kdfCosts, ciphers: luks.ciphers, keyBits: luks.keyBits, opens: luks.opens, wrongOpens: luks.wrongOpens };
      r.passphraseInImage = await fileContains(target, PASSPHRASE);
      r.controlPassphraseOnWorkDisk = await fileContains(workDisk, PASSPHRASE);

      // Serial prompt: wrong, then right, then alice.
      const serial = await EncryptedBoot.start({ image: target, prompt: 'serial', workDir: dir, logFile: join(dir, 'serial-prompt.log'), memoryMiB: 2048 });
      try {
        const mapping = await serial.waitForPrompt(600_000);
        const promptAt = serial.vm.elapsed();
        const wrong = await serial.unlock(WRONG);
        const right = await serial.unlock(PASSPHRASE);
        const run = await serial.loginAndRun({
          user: 'alice', password: PASSWORD, timeoutMs: 600_000,
          command: 'echo "LUKS-LOGIN $(findmnt -n -o SOURCE /) $(findmnt -n -o SOURCE /boot) $(findmnt -n -o SOURCE /boot/efi) $(id -un) $(grep -c . /etc/crypttab) $(. /etc/default/keyboard; echo $XKBLAYOUT)"',
          until: /LUKS-LOGIN \S+ \S+ \S+ \S+ \d+ \S+/,
        });
        const m = /LUKS-LOGIN (\S+) (\S+) (\S+) (\S+) (\d+) (\S+)/.exec(run)!;
        r.serial = { mapping, promptAt, wrong: wrong.result, refusedSeconds: wrong.seconds, right: right.result, unlockSeconds: right.seconds,
          loginAt: serial.vm.elapsed(), root: m[1], boot: m[2], esp: m[3], user: m[4], crypttabLines: Number(m[5]), xkb: m[6] };
      } finally {
        await serial.stop();
      }

      // Screen prompt: US key presses refused by the German keymap, then German key presses unlock.
      const grubCfg = await grubCfgFromImage(target, 2);
      const screen = await EncryptedBoot.start({ image: target, prompt: 'screen', grubCfg, workDir: dir, fontFiles: fonts, logFile: join(dir, 'screen-prompt.log'), memoryMiB: 2048 });
      try {
        await screen.waitForPrompt(600_000);
        const promptAt = screen.vm.elapsed();
        await screen.vm.screendump(join(dir, 'prompt-screen.png'));
        const us = await screen.unlock(PASSPHRASE, { layout: 'us' });
        await screen.vm.screendump(join(dir, 'refused-us-keys.png'));
        const de = us.result === 'refused' ? await screen.unlock(PASSPHRASE, { layout: 'de' }) : undefined;
        await screen.vm.screendump(join(dir, 'after-de-keys.png'));
        r.screen = { promptAt, usKeys: us.result, usSeconds: us.seconds, deKeys: de?.result, deUnlockSeconds: de?.seconds };
      } finally {
        // What the screen showed last (the evidence when a step above timed out).
        await screen.vm.screendump(join(dir, 'screen-last.png')).catch(() => undefined);
        await screen.stop();
      }
      // The typed passphrases (right and wrong) echoed nowhere on the boots' consoles.
      r.passphraseInBootConsoles = ['serial-prompt.log', 'screen-prompt.log'].some((f) => existsSync(join(dir, f)) && /Zauberwort/.test(readFileSync(join(dir, f), 'utf8')));
      r.loopsLeft = await loopsBacking([target, workDisk]);
    } catch (e) {
      r.error = e instanceof Error ? e.message.slice(0, 2000) : String(e);
      say(`${c.id}: FAILED: ${r.error}`);
    }
  }
} finally {
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
}

// A Markdown summary for bench/RESULTS-luks-install.md.
const row = (r: Record<string, unknown>, k: string) => (r[k] === undefined ? '—' : String(r[k]));
console.log(`## Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} (load ${(await execa('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ')})\n`);
console.log('| case | exit | install (guest clock) | QEMU boot → power-off |');
console.log('|---|---|---|---|');
for (const r of results) console.log(`| ${r.case} | ${row(r, 'exitCode')} | ${row(r, 'installSeconds')} s | ${row(r, 'qemuInstallSeconds')} s |`);
const allSteps = [...new Set(results.flatMap((r) => ((r.steps as StepTime[] | undefined) ?? []).map((s) => s.step)))];
console.log(`\n| step | ${results.map((r) => r.case).join(' | ')} |`);
console.log(`|---|${results.map(() => '---').join('|')}|`);
for (const s of allSteps) console.log(`| ${s} | ${results.map((r) => ((r.steps as StepTime[] | undefined) ?? []).find((x) => x.step === s)?.seconds.toFixed(1) ?? '—').join(' | ')} |`);
console.log(`\n\`\`\`json\n${JSON.stringify(results.map((r) => ({ ...r, steps: undefined })), null, 2)}\n\`\`\``);
