// Reads the character index of a GRUB PF2 font: sections are a 4-byte name and a big-endian
// 4-byte length; CHIX holds 9-byte entries (code point u32 BE, flags u8, offset u32 BE).
import { readFileSync } from 'node:fs';

export function pf2CodePoints(file: string): Set<number> {
  const buf = readFileSync(file);
  const points = new Set<number>();
  let at = 0;
  while (at + 8 <= buf.length) {
    const name = buf.toString('latin1', at, at + 4);
    const len = buf.readUInt32BE(at + 4);
    if (name === 'CHIX') {
      for (let e = at + 8; e + 9 <= at + 8 + len; e += 9) points.add(buf.readUInt32BE(e));
      return points;
    }
    if (name === 'DATA') break; // DATA runs to the end of the file
    at += 8 + len;
  }
  throw new Error(`${file}: no CHIX section before DATA`);
}
