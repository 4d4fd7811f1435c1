// Pure: which block devices and paths belong to the running Live system, from the mount table and
// the loop devices' backing files (both collected elsewhere). A disk holding any of them is never a target.
import type { DiskInfo } from '../../shared/facts.ts';
// The composed sysroots' directories: an image file never goes there.
import { DEFAULT_MEDIUM_DIRS, DEFAULT_SYSROOTS_DIRS } from '../medium/sysroots.ts';
import { diskOfDevice } from './lsblk.ts';
import { isWithin, mountAt, mountHolding, mountsUnder, type MountEntry } from './mounts.ts';

export interface LiveInput {
  mounts: MountEntry[];
  /** Loop device path → its backing file (`/sys/block/loopN/loop/backing_file`). */
  loopBacking: Record<string, string>;
  mediumDir: string;
  layersDir: string;
  disks: DiskInfo[];
}

export interface LiveSets {
  liveDevices: string[];
  livePaths: string[];
}


const isDevice = (s: string) => s.startsWith('/dev/');

export function liveSetsFrom(input: LiveInput): LiveSets {
  const { mounts, loopBacking, mediumDir, layersDir, disks } = input;
  const devices = new Set<string>();
  // Both medium mount points count: ours (/run/livekit/medium) and AOSC's (/run/livekit/livemnt).
  const mediumDirs = [...new Set([mediumDir, ...DEFAULT_MEDIUM_DIRS])];
  const paths = new Set<string>([...mediumDirs, layersDir, ...DEFAULT_SYSROOTS_DIRS]);
  /** Disks that carry the medium itself or the layers' files: loop devices over files there are live too. */
  const mediumDisks = new Set<string>();

  // A device and, when it is a loop device, the device under its backing file, recursively.
  const addDevice = (dev: string, medium: boolean, depth = 0): void => {
    if (!isDevice(dev) || depth > 8) return;
    devices.add(dev);
    if (medium) mediumDisks.add(diskOfDevice(disks, dev)?.path ?? dev);
    const backing = loopBacking[dev];
    if (backing) {
      paths.add(backing);
      const under = mountHolding(mounts, backing);
      if (under) addDevice(under.source, true, depth + 1);
    }
  };

  // The medium: mounted at mediumDir in a Live session; in tests a plain directory on some disk.
  for (const dir of mediumDirs) {
    const mediumMount = mountAt(mounts, dir);
    if (mediumMount) addDevice(mediumMount.source, true);
  }
  for (const layer of mountsUnder(mounts, layersDir)) addDevice(layer.source, true);
  // The running root, unless it is the Live overlay (then its lower layers were counted above).
  const root = mountAt(mounts, '/');
  if (root && root.fstype !== 'overlay') addDevice(root.source, false);

  // Loop devices whose backing file is a Live file or sits on a disk carrying the medium.
  for (const [loop, file] of Object.entries(loopBacking)) {
    const onLivePath = [...paths].some((p) => p !== '/' && isWithin(file, p));
    const under = mountHolding(mounts, file);
    const underDisk = under && isDevice(under.source) ? (diskOfDevice(disks, under.source)?.path ?? under.source) : '';
    if (onLivePath || mediumDisks.has(underDisk)) devices.add(loop);
  }

  // Partitions resolve to their disks: the whole disk is refused.
  for (const dev of [...devices]) {
    const disk = diskOfDevice(disks, dev);
    if (disk) devices.add(disk.path);
  }
  return { liveDevices: [...devices].sort(), livePaths: [...paths].sort() };
}
