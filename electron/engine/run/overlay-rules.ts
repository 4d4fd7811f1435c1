// Pure overlayfs rules for one layer laid over the tree composed from the layers below it: what is opaque,
// where a redirected directory's lower content comes from, and what the fast copier cannot reproduce.
import type { LayerScan } from './layer-scan.ts';
import { joinRel } from './layer-scan.ts';

export const OPAQUE = 'trusted.overlay.opaque';
export const REDIRECT = 'trusted.overlay.redirect';

const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
const nameOf = (rel: string): string => rel.slice(rel.lastIndexOf('/') + 1);

export function isOpaque(scan: Pick<LayerScan, 'overlayXattrs'>, rel: string): boolean {
  return scan.overlayXattrs.get(rel)?.get(OPAQUE) === 'y';
}

/**
 * Where the lower content of directory `rel` is, in the tree below this layer (relative path), or null
 * when it has none to merge: an opaque dir stops the lookup; a redirect names the origin, absolute from
 * the root or relative to the parent's own lower path (overlayfs's lookup).
 */
export function lowerPathOf(scan: Pick<LayerScan, 'overlayXattrs'>, rel: string, memo = new Map<string, string | null>()): string | null {
  if (rel === '') return isOpaque(scan, '') ? null : '';
  const known = memo.get(rel);
  if (known !== undefined) return known;
  let result: string | null;
  const redirect = scan.overlayXattrs.get(rel)?.get(REDIRECT);
  if (isOpaque(scan, rel)) result = null;
  else if (redirect?.startsWith('/')) result = redirect.replace(/^\/+|\/+$/g, '');
  else {
    const parent = lowerPathOf(scan, parentOf(rel), memo);
    result = parent === null ? null : joinRel(parent, redirect ?? nameOf(rel));
  }
  memo.set(rel, result);
  return result;
}

/** Redirected directories with their lower paths, the deepest lower path first (moved aside in that order). */
export function redirectsOf(scan: Pick<LayerScan, 'overlayXattrs' | 'dirs'>): { rel: string; from: string }[] {
  const memo = new Map<string, string | null>();
  const out: { rel: string; from: string }[] = [];
  for (const [rel, xattrs] of scan.overlayXattrs) {
    if (!xattrs.has(REDIRECT) || !scan.dirs.has(rel)) continue;
    const from = lowerPathOf(scan, rel, memo);
    if (from !== null && from !== rel) out.push({ rel, from });
  }
  const depth = (p: string) => p.split('/').length;
  return out.sort((a, b) => depth(b.from) - depth(a.from));
}

/** True when relative path `path` is `dir` or inside it ('' is the root). */
const within = (path: string, dir: string) => dir === '' || path === dir || path.startsWith(`${dir}/`);

const isUtf8 = (rel: string) => Buffer.from(Buffer.from(rel, 'latin1').toString('utf8'), 'utf8').toString('latin1') === rel;

/**
 * Dirs of the lower layers that carry xattrs of their own (ACLs, user.*): where an upper layer merges one of
 * them, unsquashfs sets the upper dir's xattrs but keeps the lower's others, which overlayfs does not show.
 * These are compared with the composed tree once every layer is unpacked. `layers` bottom-up.
 */
export function mergedXattrDirs(layers: Pick<LayerScan, 'dirs' | 'otherXattrs'>[]): string[] {
  const out = new Set<string>();
  for (const layer of layers.slice(0, -1)) {
    for (const rel of layer.otherXattrs.keys()) if (layer.dirs.has(rel)) out.add(rel);
  }
  return [...out];
}

/**
 * Why those dirs cannot be put right after unpacking, or undefined: a redirect above would move one to a
 * path the comparison does not look at, and setfattr's argv cannot name a path that is not UTF-8.
 */
export function mergedXattrProblem(dirs: string[], uppers: Pick<LayerScan, 'overlayXattrs' | 'dirs'>[]): string | undefined {
  for (const rel of dirs) if (!isUtf8(rel)) return 'xattrs on a dir whose name is not UTF-8';
  for (const upper of uppers) {
    for (const { rel, from } of redirectsOf(upper)) {
      const moved = dirs.find((d) => within(d, from));
      if (moved !== undefined) return `a redirected dir (${rel}) over a dir with xattrs (${moved})`;
    }
  }
  return undefined;
}

/**
 * Why a redirected dir cannot be moved into place by rename: its origin or its destination is on another
 * filesystem mounted inside the target (an ESP at boot/efi), or holds one. `mounted`: the target's mount
 * points, relative, bytes as latin1.
 */
export function redirectAcrossMounts(uppers: Pick<LayerScan, 'overlayXattrs' | 'dirs'>[], mounted: string[]): string | undefined {
  for (const upper of uppers) {
    for (const { rel, from } of redirectsOf(upper)) {
      const m = mounted.find((m) => [rel, from].some((p) => within(p, m) || within(m, p)));
      if (m !== undefined) return `a redirected dir (${rel}) across the target's mount at ${m}`;
    }
  }
  return undefined;
}

/** Why this layer cannot be unpacked with an identical result, or undefined when it can. */
export function unsupportedIn(scan: Pick<LayerScan, 'overlayXattrs'>): string | undefined {
  const root = scan.overlayXattrs.get('');
  if (root?.has(OPAQUE) || root?.has(REDIRECT)) return 'an opaque or redirected root';
  for (const [rel, xattrs] of scan.overlayXattrs) {
    for (const [name, value] of xattrs) {
      if (/^trusted\.overlay\.(whiteouts?|metacopy)$/.test(name)) return `${name} on ${rel || '/'} (xattr whiteouts or metacopy)`;
      if (name === OPAQUE && value !== 'y') return `${name}=${value} on ${rel || '/'}`;
      if (name === REDIRECT && (value === '' || value.split('/').some((c) => c === '..' || c === '.'))) return `an odd redirect on ${rel || '/'}`;
    }
    // The overlay xattrs are removed with setfattr, whose argv is UTF-8.
    if (!isUtf8(rel)) return `overlay xattrs on a name that is not UTF-8`;
  }
  return undefined;
}
