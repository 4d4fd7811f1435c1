// Effects: the operating system on each partition a person might erase, found by a read-only probe.
// ext*, xfs and btrfs are mounted read-only (no journal replay) inside a private mount namespace
// (`unshare --mount`: the mount ends with the namespace, whatever happens) and their os-release read;
// Windows is recognised without mounting: NTFS beside an ESP holding EFI/Microsoft (read with mtools).
// Never probed: partitions that are mounted or swapping, and every disk of the Live system.
import { execa } from 'execa';
import type { DiskInfo, MachineFacts } from '../../shared/facts.ts';
import { isEspPartition } from '../../shared/partitions.ts';
import { parseOsRelease } from '../medium/os-release.ts';

/** The probe, run as `bash -c SCRIPT probe-os DEV FSTYPE` (the device and type are arguments, never code). */
export const PROBE_OS_SCRIPT = `# Prints the os-release of the filesystem on DEV, mounted read-only (ext*: noload, xfs: norecovery, so no
# journal is replayed) on a temporary directory. Run it inside a private mount namespace
# (\`unshare --mount --propagation private\`): the mount is gone when the namespace ends, whatever happens.
# Usage: probe-os.sh DEV FSTYPE   exit 0: os-release printed; 3: filesystem not probed; 4: no os-release
set -euo pipefail
dev=$1
fstype=$2
case $fstype in
  ext2 | ext3 | ext4) opts=ro,noload ;;
  xfs) opts=ro,norecovery ;;
  btrfs) opts=ro ;;
  *) exit 3 ;;
esac
dir=$(mktemp -d)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  umount "$dir" 2>/dev/null || true
  rmdir "$dir"
}
trap cleanup EXIT
mount -t "$fstype" -o "$opts" "$dev" "$dir"
# Symbolic links are not followed (an absolute one would lead onto the Live system): etc/os-release is
# usually a link to ../usr/lib/os-release, which is read next. \`@\` is the usual btrfs root subvolume.
for f in etc/os-release usr/lib/os-release @/etc/os-release @/usr/lib/os-release @rootfs/etc/os-release @rootfs/usr/lib/os-release; do
  if [ -f "$dir/$f" ] && [ ! -L "$dir/$f" ]; then
    head -c 8192 "$dir/$f"
    exit 0
  fi
done
exit 4
`;

const PROBED_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs']);
const TIMEOUT_MS = 8_000;

/** Pure: the partitions that may be probed (by mounting, `mount`; or by mtools, `esp`). */
export function probeCandidates(machine: Pick<MachineFacts, 'disks' | 'liveDevices'>): { disk: DiskInfo; mount: string[]; esp: string[]; ntfs: string[] }[] {
  return machine.disks
    .filter((d) => d.type !== 'image' && d.type !== 'rom' && d.sizeBytes > 0)
    .filter((d) => ![d.path, ...d.partitions.map((p) => p.path)].some((x) => machine.liveDevices.includes(x)))
    .map((disk) => {
      const idle = disk.partitions.filter((p) => p.mountpoints.length === 0 && !p.swapActive);
      return {
        disk,
        mount: idle.filter((p) => PROBED_FS.has(p.fstype ?? '')).map((p) => p.path),
        esp: idle.filter((p) => isEspPartition(p) && p.fstype === 'vfat').map((p) => p.path),
        ntfs: idle.filter((p) => p.fstype === 'ntfs').map((p) => p.path),
      };
    });
}

/** Pure: the name to show from os-release text (PRETTY_NAME, else NAME VERSION), or undefined. */
export function osNameOf(osReleaseText: string): string | undefined {
  const r = parseOsRelease(osReleaseText);
  const name = r.PRETTY_NAME ?? [r.NAME, r.VERSION].filter(Boolean).join(' ');
  return name.trim() ? name.trim().slice(0, 80) : undefined;
}

/** Pure: the NTFS partition Windows lives on: the largest NTFS partition of a disk whose ESP boots Windows. */
export function windowsPartition(disk: DiskInfo, ntfs: string[]): string | undefined {
  const parts = disk.partitions.filter((p) => ntfs.includes(p.path)).sort((a, b) => b.sizeBytes - a.sizeBytes);
  return parts[0]?.path;
}

async function probeMount(device: string, fstype: string): Promise<string | undefined> {
  const r = await execa('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', PROBE_OS_SCRIPT, 'probe-os', device, fstype], {
    timeout: TIMEOUT_MS,
    reject: false,
    stdin: 'ignore',
  });
  return r.exitCode === 0 && typeof r.stdout === 'string' ? osNameOf(r.stdout) : undefined;
}

/** Does this FAT ESP hold Windows' boot manager? Read with mtools (this kernel may not mount vfat). */
async function espBootsWindows(device: string): Promise<boolean> {
  const r = await execa('mdir', ['-b', '-i', device, '::/EFI/Microsoft/Boot'], { timeout: TIMEOUT_MS, reject: false, stdin: 'ignore', env: { MTOOLS_SKIP_CHECK: '1' } });
  return r.exitCode === 0;
}

/** Results by device and filesystem identity: the disks are re-read often, the probe is done once. */
const cache = new Map<string, string | null>();
const keyOf = (p: { path: string; uuid?: string; fstype?: string; sizeBytes: number }) => `${p.path}|${p.uuid ?? ''}|${p.fstype ?? ''}|${p.sizeBytes}`;

/** The machine's disks with `os` set on each partition an operating system was found on. */
export async function withOperatingSystems(machine: MachineFacts): Promise<MachineFacts> {
  const found = new Map<string, string>();
  await Promise.all(
    probeCandidates(machine).map(async (c) => {
      const byPath = new Map(c.disk.partitions.map((p) => [p.path, p]));
      await Promise.all(
        c.mount.map(async (dev) => {
          const p = byPath.get(dev)!;
          const key = keyOf(p);
          if (!cache.has(key)) cache.set(key, (await probeMount(dev, p.fstype!)) ?? null);
          const os = cache.get(key);
          if (os) found.set(dev, os);
        }),
      );
      if (c.ntfs.length === 0) return;
      const espKeys = c.esp.map((dev) => `win|${keyOf(byPath.get(dev)!)}`);
      for (const [i, dev] of c.esp.entries()) {
        if (!cache.has(espKeys[i]!)) cache.set(espKeys[i]!, (await espBootsWindows(dev)) ? 'Windows' : null);
      }
      // An ESP on another disk may boot this Windows too; one on the same disk is the usual case.
      if (espKeys.some((k) => cache.get(k))) {
        const win = windowsPartition(c.disk, c.ntfs);
        if (win) found.set(win, 'Windows');
      }
    }),
  );
  if (found.size === 0) return machine;
  return {
    ...machine,
    disks: machine.disks.map((d) => ({ ...d, partitions: d.partitions.map((p) => (found.has(p.path) ? { ...p, os: found.get(p.path)! } : p)) })),
  };
}
