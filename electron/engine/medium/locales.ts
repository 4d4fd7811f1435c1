// Which locales a sysroot already has compiled: glibc's usr/lib/locale/locale-archive (read as
// data, never with the host's localedef) and per-locale directories beside it (C.utf8).
import { open } from 'node:fs/promises';
import { existsInRoot, resolveInRoot, subdirsInRoot } from './in-root.ts';

const ARCHIVE_MAGIC = 0xde020109;
const HEADER_BYTES = 56; // struct locarhead: 14 × uint32
const NAMEHASH_ENTRY_BYTES = 12; // struct namehashent: hashval, name_offset, locrec_offset
const MAX_ENTRIES = 1 << 20;

/** Locale names in a glibc locale-archive (`zh_CN.utf8`, ...), or [] when it is not one. */
export async function readLocaleArchive(file: string): Promise<string[]> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    if ((await fh.read(head, 0, HEADER_BYTES, 0)).bytesRead < HEADER_BYTES) return [];
    // glibc writes the archive in host byte order; every target we install is little-endian
    // (x86_64, arm64, loongarch64, riscv64), so a big-endian magic means "not ours": skip it.
    if (head.readUInt32LE(0) !== ARCHIVE_MAGIC) return [];
    const hashOffset = head.readUInt32LE(8);
    const hashSize = head.readUInt32LE(16);
    if (hashSize > MAX_ENTRIES) return [];
    const table = Buffer.alloc(hashSize * NAMEHASH_ENTRY_BYTES);
    await fh.read(table, 0, table.length, hashOffset);
    const names: string[] = [];
    const nameBuf = Buffer.alloc(256);
    for (let e = 0; e < hashSize; e++) {
      const nameOffset = table.readUInt32LE(e * NAMEHASH_ENTRY_BYTES + 4);
      const locrec = table.readUInt32LE(e * NAMEHASH_ENTRY_BYTES + 8);
      if (nameOffset === 0 || locrec === 0) continue; // an empty slot
      const { bytesRead } = await fh.read(nameBuf, 0, nameBuf.length, nameOffset);
      const end = nameBuf.subarray(0, bytesRead).indexOf(0);
      if (end > 0) names.push(nameBuf.toString('utf8', 0, end));
    }
    return names.sort();
  } finally {
    await fh.close();
  }
}

/** Compiled locales of a sysroot: the archive's names plus directories holding LC_CTYPE. */
export async function compiledLocales(root: string): Promise<string[]> {
  const found = new Set<string>();
  const archive = await resolveInRoot(root, 'usr/lib/locale/locale-archive');
  if (archive !== undefined) for (const n of await readLocaleArchive(archive).catch(() => [])) found.add(n);
  for (const d of await subdirsInRoot(root, 'usr/lib/locale')) {
    if (await existsInRoot(root, `usr/lib/locale/${d}/LC_CTYPE`)) found.add(d);
  }
  return [...found].sort();
}
