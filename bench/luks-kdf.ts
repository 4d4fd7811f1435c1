// LUKS2 argon2id costs on this host and in QEMU TCG (#22): what unlocking takes for each memory cost,
// on the machine that formats (here, the host) and on the one that boots (a TCG guest with 2 GiB, the
// issue's smallest machine), and what cryptsetup's own benchmark picks on each. Uses the hand-made
// encrypted disk of test/boot/luks-unlock.test.ts (a copy: keyslots are added to it), one keyslot per
// setting, each timed with `cryptsetup open --test-passphrase --key-slot N` (no device-mapper needed);
// in the guest after a real unlock at the initramfs prompt, as root over the serial console.
// Prints a Markdown report (bench/RESULTS-luks-boot.md keeps one). Root; ~10 min.
//   node --import tsx bench/luks-kdf.ts [--memory 2048] [--settings 65536:4,262144:4,...]
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { EncryptedBoot } from '../test/boot/helpers/luks-boot.ts';
import { luksDisk } from '../test/boot/helpers/luks-disk.ts';
import { attachImage, withCleanup } from '../test/helpers/image.ts';

const BUILD = new URL('../test/fixtures/debian-sysroot/build.sh', import.meta.url).pathname;
// The test's disk and secrets (a test passphrase, not a secret), so its cache entry is reused.
const PASSPHRASE = 'Zauberwort yz';
const PASSWORD = 'correct horse 42';

const { values } = parseArgs({
  options: {
    memory: { type: 'string', default: '2048' },
    settings: { type: 'string', default: '65536:4,262144:4,524288:4,1048576:4' },
    out: { type: 'string', default: '/var/tmp' },
  },
});

interface Slot {
  slot: number;
  label: string;
  kdf: { type: string; time: number; memory: number; cpus: number };
  hostMs: number;
  guestMs?: number;
  guestRc?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function hostUnlockMs(device: string, slot: number): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    await execa('cryptsetup', ['open', '--test-passphrase', '--key-slot', String(slot), '--key-file=-', device], { input: PASSPHRASE });
    runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(runs);
}

const root = (await execa('bash', [BUILD, '--print-root'])).stdout.trim();
const disk = await luksDisk({ root, passphrase: PASSPHRASE, password: PASSWORD, layout: 'de', control: true });
const work = mkdtempSync(join(values.out!, 'lk-luks-kdf-'));
chmodSync(work, 0o700);
try {
  const image = join(work, 'disk.img');
  cpSync(disk.image, image);
  const keyFile = join(work, 'passphrase');
  writeFileSync(keyFile, PASSPHRASE, { mode: 0o600 });
  const settings = values.settings!.split(',').map((s) => s.split(':').map(Number) as [number, number]);
  const slots: Slot[] = [];
  let hostBenchmark = '';
  await withCleanup(async (defer) => {
    const loop = await attachImage(image);
    defer(loop.detach);
    const dev = loop.part(3);
    const addKey = async (slot: number, pbkdf: string[]) =>
      execa('cryptsetup', ['luksAddKey', '--batch-mode', '--key-file=-', '--key-slot', String(slot), '--pbkdf', 'argon2id', ...pbkdf, dev, keyFile], { input: PASSPHRASE });
    let n = 1;
    for (const [mem, it] of settings) await addKey(n++, ['--pbkdf-memory', String(mem), '--pbkdf-parallel', '4', '--pbkdf-force-iterations', String(it)]);
    await addKey(n++, []); // cryptsetup's default: benchmarked here for --iter-time 2000, memory up to 1 GiB
    const meta = JSON.parse((await execa('cryptsetup', ['luksDump', '--dump-json-metadata', dev])).stdout) as { keyslots: Record<string, { kdf: Slot['kdf'] }> };
    for (const [k, v] of Object.entries(meta.keyslots)) {
      const slot = Number(k);
      slots.push({ slot, label: slot === 0 ? 'the disk (test setting)' : slot === n - 1 ? "cryptsetup's default (host benchmark)" : `forced`, kdf: v.kdf, hostMs: await hostUnlockMs(dev, slot) });
    }
    hostBenchmark = (await execa('cryptsetup', ['benchmark', '--pbkdf', 'argon2id'], { reject: false })).stdout.split('\n').find((l) => l.startsWith('argon2id')) ?? '';
  });

  const boot = await EncryptedBoot.start({ image, prompt: 'serial', workDir: work, logFile: join(work, 'serial.log'), memoryMiB: Number(values.memory) });
  let promptUnlock = 0;
  let guestBenchmark = '';
  let guestMemory = '';
  try {
    await boot.waitForPrompt();
    promptUnlock = (await boot.unlock(PASSPHRASE)).seconds;
    await boot.login({ user: 'alice', password: PASSWORD });
    // sudo's credential cached once; then each slot timed by the guest's own clock.
    const sudo = boot.run('sudo -v', /assword|\$ ?$/m);
    if (/assword/.test(await sudo)) await boot.run(PASSWORD, /\$ ?$/m);
    const mem = await boot.run('grep -E "^Mem(Total|Available):" /proc/meminfo', /MemAvailable:\s+\d+ kB/);
    const kb = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+)`).exec(mem)?.[1]) / 1024);
    guestMemory = `${kb('MemTotal')} MiB total, ${kb('MemAvailable')} MiB available`;
    for (const s of slots) {
      const out = await boot.run(
        `s=$(date +%s%N); printf %s '${PASSPHRASE}' | sudo cryptsetup open --test-passphrase --key-slot ${s.slot} --key-file=- /dev/vda3; echo "KDF-SLOT ${s.slot} rc=$? ms=$(( ($(date +%s%N) - s) / 1000000 ))"`,
        new RegExp(`KDF-SLOT ${s.slot} rc=\\d+ ms=\\d+`),
        900_000,
      );
      const m = new RegExp(`KDF-SLOT ${s.slot} rc=(\\d+) ms=(\\d+)`).exec(out)!;
      s.guestRc = Number(m[1]);
      s.guestMs = Number(m[2]);
    }
    // (The marker is computed, so the echoed command line cannot match it.)
    const b = await boot.run('sudo cryptsetup benchmark --pbkdf argon2id; echo BENCH-$((6 * 7))-DONE', /BENCH-42-DONE/, 900_000);
    guestBenchmark = b.split('\n').map((l) => l.trim()).find((l) => l.startsWith('argon2id')) ?? '';
  } finally {
    await boot.stop();
  }

  const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;
  console.log(`## argon2id unlock times (${new Date().toISOString().slice(0, 10)})\n`);
  console.log(`Guest: QEMU TCG, 1 vCPU, -m ${values.memory} (${guestMemory} once logged in). Host: this machine (2 shared cores, \`nproc\` ${(await execa('nproc')).stdout}).\n`);
  console.log('| keyslot | setting | memory | iterations | lanes | host unlock | TCG guest unlock | guest/host |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of slots) {
    const g = s.guestRc === 0 ? `${(s.guestMs! / 1000).toFixed(1)} s` : `failed (rc ${s.guestRc})`;
    const ratio = s.guestRc === 0 ? `${(s.guestMs! / s.hostMs).toFixed(1)}×` : '—';
    console.log(`| ${s.slot} | ${s.label} | ${mib(s.kdf.memory)} | ${s.kdf.time} | ${s.kdf.cpus} | ${(s.hostMs / 1000).toFixed(2)} s | ${g} | ${ratio} |`);
  }
  console.log(`\nAt the initramfs prompt (keyslot 0, Enter → root mounted): ${promptUnlock.toFixed(1)} s.`);
  console.log(`\ncryptsetup benchmark --pbkdf argon2id (what luksFormat would pick for 2 s):\n- host: ${hostBenchmark}\n- TCG guest: ${guestBenchmark}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
