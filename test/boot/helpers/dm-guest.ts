// A QEMU guest (TCG) whose kernel has device-mapper and dm-crypt (the boot kit's Debian kernel), for tests
// that open LUKS containers where this machine's kernel cannot. The guest's root is this machine's own
// root, shared read-only over 9p under a tmpfs overlay (what the guest writes stays in its memory), so it
// runs the same checkout, node, cryptsetup and mkfs tools; /tmp, /run and its devices are its own (no udev,
// as here). A small initramfs (busybox, the modules for 9p and overlayfs) sets that up and switches to it
// (the kernel's module loader then finds modprobe, which dm-crypt's ciphers need), where one command runs
// as root as PID 1, loopback up; its output comes back on the serial console and its exit code after a marker.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { bootKernel } from './kit.ts';
import { runQemu } from './qemu.ts';

/** Modules the init loads from the initramfs to reach its root (the rest comes from the share). */
const ROOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'];
/** Modules the command may need, loaded from the share once it is the root. */
const RUN_MODULES = ['loop', 'dm_mod', 'dm_crypt', 'ext4', 'btrfs', 'xfs', 'squashfs', 'isofs'];
const EXIT_MARK = 'LIVEKIT-GUEST-EXIT=';

/** Pure: the modules `wanted` need, dependencies first, from modules.dep (`path: dep dep…`). */
export function moduleOrder(modulesDep: string, wanted: string[]): string[] {
  const deps = new Map<string, string[]>();
  for (const line of modulesDep.split('\n')) {
    const [mod, rest] = line.split(':');
    if (mod && rest !== undefined) deps.set(mod.trim(), rest.trim().split(/\s+/).filter(Boolean));
  }
  const byName = new Map([...deps.keys()].map((p) => [basename(p).replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_'), p]));
  const out: string[] = [];
  const visit = (path: string) => {
    if (out.includes(path)) return;
    for (const d of deps.get(path) ?? []) visit(d);
    out.push(path);
  };
  for (const w of wanted) {
    const p = byName.get(w.replace(/-/g, '_'));
    if (!p) throw new Error(`no module ${w} in modules.dep`);
    visit(p);
  }
  return out;
}

/** `modulesDir`: the kernel's folder of modules folders (lib/modules), bound at the guest's /lib/modules. */
function initScript(modulesDir: string): string {
  return `#!/bin/busybox sh
B=/bin/busybox
$B mkdir -p /proc /sys /dev /host /rw /newroot
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
$B mount -t devtmpfs dev /dev
# Loopback, for what listens on 127.0.0.1 (the service's tests).
$B ip link set lo up
for m in $($B cat /modules.order); do $B insmod "/modules/$m" || echo "guest: insmod $m failed"; done
$B mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /host || echo "guest: no 9p root"
$B mount -t tmpfs -o size=85% tmpfs /rw
$B mkdir -p /rw/upper /rw/work
$B mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot || echo "guest: no overlay root"
for d in proc sys dev; do $B mount --move /$d /newroot/$d; done
$B mkdir -p /newroot/dev/pts /newroot/dev/shm /newroot/lib/modules
$B mount -t devpts devpts /newroot/dev/pts
# What udev would link (bash's process substitution reads /dev/fd/N).
$B ln -sf /proc/self/fd /newroot/dev/fd
$B ln -sf /proc/self/fd/0 /newroot/dev/stdin
$B ln -sf /proc/self/fd/1 /newroot/dev/stdout
$B ln -sf /proc/self/fd/2 /newroot/dev/stderr
$B mount -t tmpfs tmpfs /newroot/dev/shm
$B mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
$B mount -t tmpfs -o mode=755 tmpfs /newroot/run
$B mount --bind "/host${modulesDir}" /newroot/lib/modules
$B cp /job.sh /newroot/run/guest-job.sh
exec $B switch_root /newroot /bin/sh /run/guest-job.sh
`;
}

function jobScript(o: { cwd: string; command: string; env: Record<string, string> }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const env = Object.entries({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', ...o.env })
    .map(([k, v]) => `export ${k}=${q(v)}`)
    .join('\n');
  return `${env}
for m in ${RUN_MODULES.join(' ')}; do modprobe -q "$m" || echo "guest: modprobe $m failed"; done
code=97
cd ${q(o.cwd)} && { ${o.command}; code=$?; }
echo "${EXIT_MARK}$code"
sync
# PID 1 must not exit: the guest powers itself off.
echo 1 > /proc/sys/kernel/sysrq
echo o > /proc/sysrq-trigger
sleep 60
`;
}

export interface GuestRun {
  code: number | null;
  /** The serial console's text (kernel messages, the init's and the command's output). */
  output: string;
  seconds: number;
  timedOut: boolean;
}

/** Runs `command` (a shell command line) as root in a guest whose kernel has dm-crypt; see the file's opening. */
export async function runInDmGuest(o: { cwd: string; command: string; env?: Record<string, string>; timeoutMs: number; logFile?: string; memoryMiB?: number }): Promise<GuestRun> {
  const kernel = await bootKernel();
  const version = basename(kernel).replace(/^vmlinuz-/, '');
  const modulesDir = join(dirname(dirname(kernel)), 'lib', 'modules', version);
  const dir = mkdtempSync(join(tmpdir(), 'lk-dm-guest-'));
  try {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'bin'), { recursive: true });
    mkdirSync(join(tree, 'modules'));
    copyFileSync('/usr/bin/busybox', join(tree, 'bin/busybox'));
    const order = moduleOrder(readFileSync(join(modulesDir, 'modules.dep'), 'utf8'), ROOT_MODULES);
    for (const m of order) {
      const src = join(modulesDir, m);
      if (!existsSync(src)) throw new Error(`${src}: missing`);
      copyFileSync(src, join(tree, 'modules', basename(m)));
    }
    writeFileSync(join(tree, 'modules.order'), `${order.map((m) => basename(m)).join('\n')}\n`);
    writeFileSync(join(tree, 'init'), initScript(dirname(modulesDir)), { mode: 0o755 });
    writeFileSync(join(tree, 'job.sh'), jobScript({ cwd: o.cwd, command: o.command, env: o.env ?? {} }));
    const initrd = join(dir, 'initrd.cpio.gz');
    await execa('sh', ['-c', 'cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 > "$2"', 'sh', tree, initrd]);
    const r = await runQemu({
      args: ['-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet loglevel=3 panic=-1', '-virtfs', 'local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap'],
      until: new RegExp(`${EXIT_MARK}\\d+`),
      timeoutMs: o.timeoutMs,
      memoryMiB: o.memoryMiB ?? 4096,
      ...(o.logFile ? { logFile: o.logFile } : {}),
    });
    const code = new RegExp(`${EXIT_MARK}(\\d+)`).exec(r.log)?.[1];
    return { code: code === undefined ? null : Number(code), output: r.log, seconds: r.seconds, timedOut: r.timedOut };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
