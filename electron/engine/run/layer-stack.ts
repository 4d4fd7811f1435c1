// Which squashfs images compose a mounted sysroot, read from the kernel's mount table: the fast copier
// unpacks them bottom-up, and rsync stays the copier whenever the stack is not exactly known.
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve, dirname } from 'node:path';
import { mountAt, mountsUnder, parseMountinfo, unescapeOctal, type MountEntry } from '../disks/mounts.ts';
import type { CopyMethod, SquashfsLayer } from '../../shared/plan.ts';

/** A loop device's backing file and offset, or undefined when the source is not a configured loop. */
export type LoopBacking = (source: string) => { file: string; offset: number } | undefined;

const rsync = (reason: Extract<CopyMethod, { kind: 'rsync' }>['reason'], detail: string): CopyMethod => ({ kind: 'rsync', reason, detail });

/** The overlay's lower dirs, top first, from its super options; undefined when they cannot be read safely. */
export function overlayLowerDirs(superOptions: string): { lower: string[]; problem?: string } {
  const lower: string[] = [];
  for (const opt of superOptions.split(',')) {
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? '' : unescapeOctal(opt.slice(eq + 1));
    if (key === 'upperdir') return { lower, problem: 'the overlay has an upper dir (not read-only layers)' };
    if (key === 'metacopy' && value === 'on') return { lower, problem: 'metacopy=on (data lives in other layers)' };
    if (key === 'datadir+' || value.includes('::')) return { lower, problem: 'data-only lower layers' };
    if (key === 'lowerdir') lower.push(...value.split(':'));
    if (key === 'lowerdir+') lower.push(value);
  }
  if (lower.some((d) => d === '' || d.includes('\\'))) return { lower, problem: 'lower dirs with escaped characters' };
  return { lower };
}

/**
 * Pure: the copy method for the sysroot mounted at `sysroot` (a real path). A read-only overlay (or a
 * read-only bind) whose every lower dir is the root of a squashfs image on a loop device gives its images
 * bottom first; anything else (EROFS, a plain directory, mounts inside the tree, metacopy) gives rsync and why.
 */
export function copyMethodFrom(mounts: MountEntry[], sysroot: string, backing: LoopBacking): CopyMethod {
  const top = mountAt(mounts, sysroot);
  if (!top) return rsync('not-layered', `${sysroot} is a plain directory, not a composed sysroot`);
  if (mountsUnder(mounts, sysroot).length) return rsync('mounts-inside', `filesystems are mounted inside ${sysroot}`);
  let dirs: string[];
  if (top.fstype === 'overlay') {
    const { lower, problem } = overlayLowerDirs(top.superOptions ?? '');
    if (problem) return rsync('overlay-options', problem);
    // The loader writes relative lower dirs when absolute ones would not fit a page: relative to its run
    // dir, the parent of the sysroots dir.
    const runDir = dirname(dirname(sysroot));
    dirs = lower.map((d) => (isAbsolute(d) ? d : resolve(runDir, d)));
  } else {
    dirs = [sysroot]; // a single layer, bind-mounted read-only
  }
  const layers: SquashfsLayer[] = [];
  for (const dir of dirs.reverse()) {
    const m = dir === sysroot ? top : mountAt(mounts, dir);
    if (!m) return rsync('not-layered', `the lower dir ${dir} is not a mounted layer`);
    if (m.fstype === 'erofs') return rsync('erofs', `${basename(dir)} is an EROFS layer`);
    if (m.fstype !== 'squashfs') return rsync('not-squashfs', `${basename(dir)} is ${m.fstype}, not squashfs`);
    if ((m.root ?? '/') !== '/') return rsync('not-layered', `${dir} mounts a subdirectory of its image`);
    const b = backing(m.source);
    if (!b) return rsync('no-image', `the image behind ${m.source} is unknown`);
    layers.push({ image: b.file, offset: b.offset, mount: dir });
  }
  return { kind: 'layers', layers };
}

/** /sys/block/loopN/loop: the backing file (not deleted) and its offset. */
export function loopBacking(source: string): { file: string; offset: number } | undefined {
  const m = /^\/dev\/(loop\d+)$/.exec(source);
  if (!m) return undefined;
  try {
    const file = readFileSync(`/sys/block/${m[1]}/loop/backing_file`, 'utf8').replace(/\n$/, '');
    if (!file || file.endsWith(' (deleted)')) return undefined;
    const offset = Number(readFileSync(`/sys/block/${m[1]}/loop/offset`, 'utf8').trim());
    return { file, offset: Number.isFinite(offset) ? offset : 0 };
  } catch {
    return undefined;
  }
}

/** What the layer copier runs (layer-copier.ts, layer-scan.ts); stdbuf is optional there. */
export const LAYER_COPIER_PROGRAMS = ['unsquashfs', 'getfattr', 'setfattr'] as const;

function onPath(program: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The copy method for a sysroot path, from this process's mount table; rsync when the layer copier's
 * programs are missing here (a Live system without squashfs-tools or attr must still install). */
export function detectCopyMethod(path: string): CopyMethod {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return rsync('not-layered', `${path} cannot be resolved`);
  }
  const method = copyMethodFrom(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')), real, loopBacking);
  if (method.kind !== 'layers') return method;
  const missing = LAYER_COPIER_PROGRAMS.filter((p) => !onPath(p));
  return missing.length ? rsync('no-tools', `the layer copier needs ${missing.join(' and ')}, not found on PATH`) : method;
}
