import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveSetsFrom } from '../../electron/engine/disks/live.ts';
import { parseLsblk } from '../../electron/engine/disks/lsblk.ts';
import { isWithin, mountHolding, parseMountinfo, parseProcSwaps } from '../../electron/engine/disks/mounts.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'machines');
const disks = parseLsblk(readFileSync(join(FIX, 'lsblk-handwritten.json'), 'utf8'));

/** A Live session: the medium (sda1) at /run/livekit/medium, two layers from loop devices, the overlay root. */
const LIVE_MOUNTINFO = [
  '22 1 0:21 / / rw,relatime shared:1 - overlay overlay rw,lowerdir=/run/livekit/sysroots/desktop,upperdir=/run/livekit/rw/upper',
  '23 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=4096k',
  '30 22 0:25 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755',
  '31 30 0:26 / /run/livekit rw,relatime shared:6 - tmpfs tmpfs rw,size=2G',
  '32 31 8:1 / /run/livekit/medium ro,relatime shared:7 - iso9660 /dev/sda1 ro,nojoliet',
  '33 31 7:3 / /run/livekit/layers/base ro,relatime shared:8 - squashfs /dev/loop3 ro',
  '34 31 7:4 / /run/livekit/layers/desktop ro,relatime shared:9 - squashfs /dev/loop4 ro',
  '35 31 0:27 / /run/livekit/sysroots/desktop ro,relatime shared:10 - overlay overlay ro,lowerdir=/run/livekit/layers/desktop:/run/livekit/layers/base',
  '40 22 259:2 / /mnt/with\\040space rw,relatime shared:11 - ext4 /dev/nvme0n1p2 rw',
].join('\n');

describe('mount and swap tables', () => {
  it('parses mountinfo with escapes', () => {
    const m = parseMountinfo(LIVE_MOUNTINFO);
    expect(m).toHaveLength(9);
    expect(m[0]).toEqual({ majorMinor: '0:21', mountpoint: '/', fstype: 'overlay', source: 'overlay', root: '/', superOptions: 'rw,lowerdir=/run/livekit/sysroots/desktop,upperdir=/run/livekit/rw/upper' });
    expect(m[8]).toMatchObject({ mountpoint: '/mnt/with space', source: '/dev/nvme0n1p2' });
  });

  it('finds the mount holding a path', () => {
    const m = parseMountinfo(LIVE_MOUNTINFO);
    expect(mountHolding(m, '/run/livekit/medium/livekit/base.squashfs')?.source).toBe('/dev/sda1');
    expect(mountHolding(m, '/run/livekit/rw/x')?.fstype).toBe('tmpfs');
    expect(mountHolding(m, '/usr/bin')?.mountpoint).toBe('/');
    expect(isWithin('/run/livekitx', '/run/livekit')).toBe(false);
    expect(isWithin('/a/b', '/')).toBe(true);
  });

  it('parses /proc/swaps', () => {
    const text = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t4194300\t\t0\t\t100\n/swap\\040file  file  1048572  0  -2\n';
    expect(parseProcSwaps(text)).toEqual([
      { path: '/dev/zram0', type: 'partition' },
      { path: '/swap file', type: 'file' },
    ]);
    expect(parseProcSwaps('Filename\tType\tSize\tUsed\tPriority\n')).toEqual([]);
  });
});

describe('the Live system’s own devices', () => {
  it('in a Live session: the medium partition and its disk, the layer loops; the overlay root adds nothing', () => {
    const s = liveSetsFrom({
      mounts: parseMountinfo(LIVE_MOUNTINFO),
      loopBacking: {
        '/dev/loop3': '/run/livekit/medium/livekit/base.squashfs',
        '/dev/loop4': '/run/livekit/medium/livekit/layers/desktop.squashfs',
        // A user's own image on the nvme disk: not Live.
        '/dev/loop7': '/mnt/with space/vm.img',
      },
      mediumDir: '/run/livekit/medium',
      layersDir: '/run/livekit/layers',
      disks,
    });
    expect(s.liveDevices).toEqual(['/dev/loop3', '/dev/loop4', '/dev/sda', '/dev/sda1']);
    expect(s.livePaths).toEqual(
      expect.arrayContaining(['/run/livekit/medium', '/run/livekit/layers', '/sysroots', '/run/livekit/medium/livekit/base.squashfs']),
    );
  });

  it("AOSC's loader: the medium only at /run/livekit/livemnt is found though the engine looks at /run/livekit/medium", () => {
    const aosc = LIVE_MOUNTINFO.replace(' /run/livekit/medium ', ' /run/livekit/livemnt ');
    const s = liveSetsFrom({
      mounts: parseMountinfo(aosc),
      loopBacking: { '/dev/loop3': '/run/livekit/livemnt/livekit/base.squashfs', '/dev/loop4': '/run/livekit/livemnt/livekit/layers/desktop.squashfs' },
      mediumDir: '/run/livekit/medium',
      layersDir: '/run/livekit/layers',
      disks,
    });
    expect(s.liveDevices).toEqual(['/dev/loop3', '/dev/loop4', '/dev/sda', '/dev/sda1']);
    expect(s.livePaths).toEqual(expect.arrayContaining(['/run/livekit/medium', '/run/livekit/livemnt']));
  });

  it('layers copied to RAM (livekit.ram): backing files on tmpfs, the loops are still live', () => {
    const mounts = parseMountinfo(LIVE_MOUNTINFO.replace(/\n32 .*\n/, '\n'));
    const s = liveSetsFrom({
      mounts,
      loopBacking: { '/dev/loop3': '/run/livekit/ram/base.squashfs', '/dev/loop4': '/run/livekit/ram/desktop.squashfs' },
      mediumDir: '/run/livekit/medium',
      layersDir: '/run/livekit/layers',
      disks,
    });
    expect(s.liveDevices).toEqual(['/dev/loop3', '/dev/loop4']);
  });

  it('an ISO file loop-mounted as the medium: its loop, the disk holding the ISO, and loops over files on that disk', () => {
    const mounts = parseMountinfo(
      [
        '22 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw',
        '32 22 7:0 / /run/livekit/medium ro - iso9660 /dev/loop0 ro',
        '33 22 8:17 / /data rw - ext4 /dev/sdb1 rw',
      ].join('\n'),
    );
    const s = liveSetsFrom({
      mounts,
      loopBacking: { '/dev/loop0': '/home/me/livekit.iso', '/dev/loop7': '/home/me/other.img', '/dev/loop3': '/data/x.img' },
      mediumDir: '/run/livekit/medium',
      layersDir: '/run/livekit/layers',
      disks,
    });
    // The root disk (not an overlay) is live; loop7's file sits on the disk holding the ISO: live too.
    expect(s.liveDevices).toEqual(['/dev/loop0', '/dev/loop7', '/dev/nvme0n1', '/dev/nvme0n1p2']);
    expect(s.livePaths).toContain('/home/me/livekit.iso');
  });

  it('a host whose root is a plain disk: that disk is live, loops over files on it are not', () => {
    const s = liveSetsFrom({
      mounts: parseMountinfo('22 1 254:0 / / rw,relatime - ext4 /dev/vda rw'),
      loopBacking: { '/dev/loop0': '/tmp/x/disk.img' },
      mediumDir: '/run/livekit/medium',
      layersDir: '/run/livekit/layers',
      disks: parseLsblk(readFileSync(join(FIX, 'lsblk-host-vda-zram.json'), 'utf8')),
    });
    expect(s.liveDevices).toEqual(['/dev/vda']);
  });
});
