// Writes a plain filesystem image into a LUKS2 data segment, encrypted as dm-crypt would
// (aes-xts-plain64): for hosts without device-mapper (this project's build machines), where
// `cryptsetup open` cannot work but the guest's kernel decrypts the result at boot.
// usage: node xts-encrypt.mjs VOLUME_KEY_FILE PLAIN LENGTH DEVICE SEGMENT_OFFSET SECTOR_SIZE
// (PLAIN: a file or block device whose first LENGTH bytes are the filesystem)
// The volume key is read from a file (never argv); the IV is plain64: the 512-byte sector number
// relative to the segment's start, whatever the segment's sector size (cryptsetup sets no
// iv_large_sectors for LUKS2), little-endian in the first 8 of 16 bytes.
import { createCipheriv } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

const [keyFile, plain, lengthArg, device, offsetArg, sectorArg] = process.argv.slice(2);
if (!keyFile || !plain || !lengthArg || !device || !offsetArg || !sectorArg) {
  console.error('usage: xts-encrypt.mjs VOLUME_KEY_FILE PLAIN LENGTH DEVICE SEGMENT_OFFSET SECTOR_SIZE');
  process.exit(2);
}
const key = readFileSync(keyFile);
if (key.length !== 64) throw new Error(`aes-256-xts needs a 64-byte volume key, got ${key.length}`);
const offset = Number(offsetArg);
const sector = Number(sectorArg);
const CHUNK = 8 << 20;

const src = openSync(plain, 'r');
const dst = openSync(device, 'r+');
const total = Number(lengthArg);
if (total % sector) throw new Error(`${plain}: ${total} bytes is not a multiple of the ${sector}-byte sector`);
const buf = Buffer.alloc(CHUNK);
const out = Buffer.alloc(CHUNK);
const iv = Buffer.alloc(16);
for (let pos = 0; pos < total; ) {
  const n = readSync(src, buf, 0, Math.min(CHUNK, total - pos), pos);
  if (n <= 0 || n % sector) throw new Error(`short read at ${pos}`);
  for (let i = 0; i < n; i += sector) {
    iv.fill(0);
    iv.writeBigUInt64LE(BigInt((pos + i) / 512));
    const c = createCipheriv('aes-256-xts', key, iv);
    c.update(buf.subarray(i, i + sector)).copy(out, i);
    c.final();
  }
  writeSync(dst, out, 0, n, offset + pos);
  pos += n;
}
closeSync(src);
closeSync(dst);
