// An installed disk BOOTS: `./bin/livekit install` puts a real Debian 12 sysroot (kernel, initramfs-tools,
// systemd, GRUB) onto a sparse disk image, then QEMU (TCG) boots that image with no -kernel: the firmware
// (OVMF for UEFI, SeaBIOS for BIOS) starts the GRUB the engine installed, GRUB reads the grub.cfg that
// grub-mkconfig wrote in the target, and the kernel mounts the installed root through the regenerated
// initramfs. The serial log proves each stage; a login as the installed user proves the password.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVMF_CODE, OVMF_VARS, parseReport, runQemu } from '../boot/helpers/qemu.ts';
import { jsonEvents, runCli } from '../helpers/cli.ts';
import { attachImage, makeImage, mountRo, withCleanup } from '../helpers/image.ts';
import { loopsBacking } from '../helpers/system-state.ts';
import { blkid, partitionTable, readFstab } from '../helpers/verify.ts';
import { layeredDebian } from '../helpers/debian-layered.ts';
import { debianAnswers } from '../helpers/debian-install.ts';

const isRoot = process.getuid?.() === 0;
const NEEDS_ROOT = 'needs root: loop devices, mkfs, mounts, chroot and a debootstrap fixture';
const BUILD = new URL('../fixtures/debian-sysroot/build.sh', import.meta.url).pathname;
const COMPOSE = new URL('../../scripts/compose-sysroots.sh', import.meta.url).pathname;
const GiB = 1024 ** 3;
const PASSWORD = 'correct horse 42';
/** Per-run figures go here too, so bench/RESULTS-install-boot.md can be refreshed from a run. */
const TIMINGS = process.env.LIVEKIT_BOOT_TIMINGS;
/** Serial and install logs stay here for a human reading a failure (git-ignored); disk images do not. */
const ARTIFACTS = new URL('../../test-artifacts/install-boots/', import.meta.url).pathname;

interface Case {
  id: string;
  layout: 'gpt-uefi' | 'gpt-bios' | 'mbr-bios';
  filesystem: 'ext4' | 'btrfs';
  hostname: string;
  locale: string;
  timezone: string;
  /** From the fixture packed as three squashfs layers under an overlay (the layer copier), not a plain dir (rsync). */
  layered?: boolean;
}

const CASES: Case[] = [
  { id: 'gpt-uefi-ext4', layout: 'gpt-uefi', filesystem: 'ext4', hostname: 'lk-uefi-ext4', locale: 'de_DE.UTF-8', timezone: 'Asia/Shanghai', layered: true },
  { id: 'gpt-bios-ext4', layout: 'gpt-bios', filesystem: 'ext4', hostname: 'lk-gptbios-ext4', locale: 'fr_FR.UTF-8', timezone: 'America/New_York' },
  { id: 'mbr-bios-btrfs', layout: 'mbr-bios', filesystem: 'btrfs', hostname: 'lk-bios-btrfs', locale: 'en_GB.UTF-8', timezone: 'Europe/Berlin' },
];

function answers(c: Case, disk: string): string {
  return debianAnswers({ disk, layout: c.layout, filesystem: c.filesystem, hostname: c.hostname, locale: c.locale, timezone: c.timezone, password: PASSWORD });
}

/** What the installed disk says before it is booted: the UUID fstab names for /, and GRUB's files. */
interface Installed {
  rootUuid: string;
  grubCfg: string;
  initrdMtimeMs: number;
}

async function inspect(image: string, c: Case, work: string): Promise<Installed> {
  return withCleanup(async (defer) => {
    const loop = await attachImage(image);
    defer(loop.detach);
    const table = await partitionTable(loop.device);
    expect(table.label).toBe(c.layout === 'mbr-bios' ? 'dos' : 'gpt');
    const rootPart = loop.part(table.partitions.length);
    const rootId = await blkid(rootPart);
    expect(rootId.TYPE).toBe(c.filesystem);
    const mnt = join(work, 'mnt');
    defer(await mountRo(rootPart, mnt, c.filesystem === 'btrfs' ? ['subvol=@'] : []));
    const root = readFstab(mnt).find((e) => e.mountpoint === '/');
    expect(root?.spec).toBe(`UUID=${rootId.UUID}`);
    const cfg = readFileSync(join(mnt, 'boot/grub/grub.cfg'), 'utf8');
    const initrd = readdirSync(join(mnt, 'boot')).find((f) => f.startsWith('initrd.img-'));
    expect(initrd, 'the installed /boot has an initramfs').toBeDefined();
    if (c.layout === 'gpt-uefi') {
      // An image boots on other machines: GRUB at the removable-media path the firmware tries by itself.
      // (Read with mtools: some CI kernels cannot mount vfat.)
      const esp = await execa('mdir', ['-b', '-i', loop.part(1), '::/EFI/BOOT'], { env: { MTOOLS_SKIP_CHECK: '1' } });
      expect(esp.stdout).toMatch(/BOOTX64\.EFI/i);
    }
    return { rootUuid: rootId.UUID!, grubCfg: cfg, initrdMtimeMs: statSync(join(mnt, 'boot', initrd!)).mtimeMs };
  });
}

if (!isRoot) console.warn(`test/integration/install-boots: skipped (${NEEDS_ROOT})`);

describe.skipIf(!isRoot)('an installed Debian disk boots through its own GRUB in QEMU (TCG)', () => {
  let sysroots = '';
  let layered: { medium: string; run: string } | undefined;
  let work = '';
  let buildSeconds = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    // First build 2-6 min (debootstrap + kernel + GRUB; measured 117-321 s); cached afterwards.
    sysroots = (await execa('bash', [BUILD], { timeout: 1_500_000 })).stdout.trim();
    buildSeconds = (Date.now() - t0) / 1000;
    work = mkdtempSync(join(tmpdir(), 'livekit-boots-'));
    if (CASES.some((c) => c.layered)) {
      // Packed once (mksquashfs, minutes), then composed the way the loader composes a sysroot.
      const { medium } = await layeredDebian(join(sysroots, 'debian'));
      layered = { medium, run: join(work, 'layered-run') };
      await execa('bash', [COMPOSE, 'mount', medium, layered.run]);
    }
  }, 2_400_000);
  afterAll(async () => {
    if (layered) await execa('bash', [COMPOSE, 'umount', layered.run], { reject: false });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.id}: installs, then GRUB boots the kernel from the installed root to a login as alice`, async () => {
      const dir = join(work, c.id);
      const logs = join(ARTIFACTS, c.id);
      for (const d of [dir, logs]) {
        rmSync(d, { recursive: true, force: true });
        mkdirSync(d, { recursive: true });
      }
      const image = join(dir, 'disk.img');
      await makeImage(image, 4 * GiB);
      const config = join(logs, 'answers.yaml');
      writeFileSync(config, answers(c, image));

      const t0 = Date.now();
      const source = c.layered ? ['--medium', layered!.medium, '--sysroots', join(layered!.run, 'sysroots')] : ['--sysroots', sysroots];
      const r = await runCli(['install', '--config', config, '--yes', '--json', ...source, '--log', join(logs, 'install.log')]);
      const installSeconds = (Date.now() - t0) / 1000;
      const events = jsonEvents(r.stdout);
      const failure = events.find((e) => e.type === 'error');
      expect(r.code, `install failed: ${JSON.stringify(failure)}\n${r.stderr.slice(-2000)}`).toBe(0);
      expect(r.stdout).not.toContain(PASSWORD);
      expect(readFileSync(join(logs, 'install.log'), 'utf8')).toMatch(c.layered ? /copy: copier unsquashfs, 3 squashfs layer/ : /copy: copier rsync/);
      expect(await loopsBacking([image]), 'the engine detached its loop device').toEqual([]);

      const disk = await inspect(image, c, dir);
      // The engine regenerated the initramfs with the target's update-initramfs, during this install.
      expect(disk.initrdMtimeMs).toBeGreaterThan(t0);
      expect(disk.grubCfg).toContain(`root=UUID=${disk.rootUuid}`);

      const firmware =
        c.layout === 'gpt-uefi'
          ? (() => {
              const vars = join(dir, 'OVMF_VARS.fd');
              copyFileSync(OVMF_VARS, vars);
              return ['-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`];
            })()
          : [];
      const serial = join(logs, 'serial.log');
      const boot = await runQemu({
        args: [...firmware, '-drive', `if=virtio,format=raw,file=${image}`],
        keys: [
          { after: new RegExp(`${c.hostname} login: ?$`, 'm'), send: 'alice\r' },
          // The prompt speaks the installed locale ("Mot de passe :" for fr_FR): match its colon.
          { after: /\S ?: ?$/m, send: `${PASSWORD}\r` },
          // A serial login may come before multi-user is reached: the run level is waited for (180 s at most).
          { after: /\$ ?$/m, send: 'u=$(cut -d" " -f1 /proc/uptime); for i in $(seq 180); do LC_ALL=C who -r | grep -q run-level && break; sleep 1; done; echo "LOGIN-OK $u $(id -un) $(LC_ALL=C who -r)"; PATH=/usr/sbin:$PATH /usr/local/sbin/livekit-report\r' },
        ],
        until: /LOGIN-OK \d[\s\S]*LIVEKIT-REPORT-END/,
        timeoutMs: 600_000,
        memoryMiB: 1536,
        logFile: serial,
      });
      expect(boot.timedOut, `no login in time; serial log: ${serial}`).toBe(false);
      const log = boot.log;

      // 1. GRUB ran: its menu on the serial port, then the grub.cfg's own messages.
      expect(log).toMatch(/GNU GRUB/);
      expect(log).toMatch(/Loading Linux \S+ \.\.\./);
      expect(log).toMatch(/Loading initial ramdisk \.\.\./);
      // 3. systemd reached multi-user: the serial getty greets with the planned hostname, alice logs in.
      expect(log).toContain(`${c.hostname} login:`);
      const login = /LOGIN-OK (\d+(?:\.\d+)?) (\S+) +run-level (\d)/.exec(log);
      expect(login?.[2], 'alice logged in with the planned password').toBe('alice');
      // The run level systemd-update-utmp records once multi-user (3) or graphical (5) is reached
      // (minbase has no D-Bus, so systemctl cannot be asked as alice; systemd's status lines stop
      // once the serial getty owns the console).
      expect(['3', '5']).toContain(login?.[3]);
      // 4. What the installer configured, as the booted system sees it.
      // The fixture's livekit-report.service printed it while booting; alice's session prints it again,
      // last, so a report cut short by a tty hang-up cannot hide what the installed system says.
      expect(log, 'livekit-report.service ran while booting').toMatch(/LIVEKIT-REPORT-BEGIN/);
      const report = parseReport(log.slice(log.lastIndexOf('LIVEKIT-REPORT-BEGIN')));
      expect(report, 'no complete report in the login session').toBeDefined();
      // 2. The kernel's command line came from that grub.cfg and names the root fstab names. Read from
      // /proc/cmdline in the session: the kernel's own early "Command line:" print can lose characters
      // on a busy host (the early serial console has no flow control).
      const cmdline = report!.get('cmdline')[0] ?? '';
      expect(cmdline).toContain(`root=UUID=${disk.rootUuid}`);
      expect(cmdline).toContain('console=ttyS0');
      if (c.filesystem === 'btrfs') expect(cmdline).toContain('rootflags=subvol=@');
      expect(report!.get('root-uuid')).toEqual([disk.rootUuid]);
      expect(report!.get('root')[0]).toMatch(new RegExp(`^\\S+\\s+${c.filesystem}\\s+rw`));
      expect(report!.get('hostname')).toEqual([c.hostname]);
      expect(report!.get('locale.conf')).toEqual([`LANG=${c.locale}`]);
      expect(report!.get('timezone')[0]).toMatch(new RegExp(`zoneinfo/${c.timezone}$`));
      // (`groups=` is translated too: "groupes=" under fr_FR.)
      expect(report!.get('id')[0]).toMatch(/^uid=1000\(alice\) gid=1000\(alice\) \S+=.*\(sudo\)/);
      const swap = report!.get('swap');
      expect(swap).toHaveLength(1);
      // btrfs mkswapfile keeps the last page for itself: 256 MiB less at most 64 KiB.
      const swapBytes = Number(/^\S+ file (\d+)$/.exec(swap[0]!)?.[1]);
      expect(swapBytes).toBeGreaterThan(256 * 1024 ** 2 - 65536);
      expect(swapBytes).toBeLessThanOrEqual(256 * 1024 ** 2);

      const line = `${c.id}: build/cache ${buildSeconds.toFixed(1)} s, install ${installSeconds.toFixed(1)} s, ` +
        `QEMU until logged in ${boot.seconds.toFixed(1)} s, guest uptime at login ${login?.[1]} s`;
      console.log(line);
      if (TIMINGS) appendFileSync(TIMINGS, `${line}\n`);
    }, 1_000_000);
  }
});
