// Reads the text of a Linux framebuffer console from a QEMU screendump (PPM), cell by cell: every
// character cell is compared, bit for bit, with the glyphs of a PSF console font. The kernel's built-in
// 8x16 font (fbcon's, at the passphrase prompt) has the ASCII glyphs of console-setup's
// Ethiopian-Goha16.psf.gz (checked on screendumps of a Debian 12 boot: every character cell matched;
// the *-VGA16 fonts differ in ' ` f v ~), so tests read fonts from the guest's own tree rather than
// carrying one. No OCR guesswork: a cell is a known character or '?'.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, rows top to bottom. */
  rgb: Buffer;
}

/** A binary PPM (P6, maxval 255): what QMP's screendump writes by default. */
export function parsePpm(data: Buffer): Image {
  const header: string[] = [];
  let pos = 0;
  while (header.length < 4) {
    while (pos < data.length && /\s/.test(String.fromCharCode(data[pos]!))) pos++;
    if (data[pos] === 0x23) {
      while (pos < data.length && data[pos] !== 0x0a) pos++; // a comment
      continue;
    }
    const start = pos;
    while (pos < data.length && !/\s/.test(String.fromCharCode(data[pos]!))) pos++;
    header.push(data.subarray(start, pos).toString('ascii'));
  }
  const [magic, w, h, max] = header;
  if (magic !== 'P6' || max !== '255') throw new Error(`not an 8-bit binary PPM (${magic} ${max})`);
  const width = Number(w);
  const height = Number(h);
  const rgb = data.subarray(pos + 1, pos + 1 + width * height * 3);
  if (rgb.length !== width * height * 3) throw new Error('truncated PPM');
  return { width, height, rgb };
}

export interface Font {
  width: number;
  height: number;
  /** Glyph bitmap (hex of its rows) → the printable ASCII character it draws. */
  glyphs: Map<string, string>;
}

/** Loads a PSF1 or PSF2 font (gzip or not) with a Unicode table; keeps its printable ASCII glyphs. */
export function loadPsf(path: string): Font {
  let d = readFileSync(path);
  if (d[0] === 0x1f && d[1] === 0x8b) d = gunzipSync(d);
  let width: number;
  let height: number;
  let count: number;
  let start: number;
  let table: Buffer;
  let psf2 = false;
  if (d[0] === 0x36 && d[1] === 0x04) {
    width = 8;
    height = d[3]!;
    count = d[2]! & 1 ? 512 : 256;
    start = 4;
    if (!(d[2]! & 2)) throw new Error(`${path}: no Unicode table`);
  } else if (d.readUInt32LE(0) === 0x864ab572) {
    psf2 = true;
    start = d.readUInt32LE(8);
    if (!(d.readUInt32LE(12) & 1)) throw new Error(`${path}: no Unicode table`);
    count = d.readUInt32LE(16);
    height = d.readUInt32LE(24);
    width = d.readUInt32LE(28);
  } else throw new Error(`${path}: not a PSF font`);
  const bytesPerRow = Math.ceil(width / 8);
  const size = bytesPerRow * height;
  table = d.subarray(start + count * size);
  const glyphs = new Map<string, string>();
  let index = 0;
  const add = (codepoint: number) => {
    if (codepoint < 0x20 || codepoint > 0x7e) return;
    const key = d.subarray(start + index * size, start + (index + 1) * size).toString('hex');
    if (!glyphs.has(key)) glyphs.set(key, String.fromCharCode(codepoint));
  };
  if (psf2) {
    // UTF-8 sequences per glyph, 0xFF ends a glyph's list, 0xFE starts combining sequences.
    let seq = false;
    for (let i = 0; i < table.length && index < count; ) {
      const b = table[i]!;
      if (b === 0xff) { index++; seq = false; i++; continue; }
      if (b === 0xfe) { seq = true; i++; continue; }
      const len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      if (!seq) add(table.subarray(i, i + len).toString('utf8').codePointAt(0)!);
      i += len;
    }
  } else {
    let seq = false;
    for (let i = 0; i + 1 < table.length && index < count; i += 2) {
      const v = table.readUInt16LE(i);
      if (v === 0xffff) { index++; seq = false; continue; }
      if (v === 0xfffe) { seq = true; continue; }
      if (!seq) add(v);
    }
  }
  return { width, height, glyphs };
}

/**
 * The console's text, one string per row of character cells. A cell is lit where a pixel is brighter
 * than the background; it is read as the font's character with exactly that bitmap, else '?'.
 */
export function screenText(img: Image, font: Font): string[] {
  const cols = Math.floor(img.width / font.width);
  const rows = Math.floor(img.height / font.height);
  const bytesPerRow = Math.ceil(font.width / 8);
  const cell = Buffer.alloc(bytesPerRow * font.height);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      cell.fill(0);
      for (let y = 0; y < font.height; y++) {
        for (let x = 0; x < font.width; x++) {
          const o = ((r * font.height + y) * img.width + c * font.width + x) * 3;
          const i = y * bytesPerRow + (x >> 3);
          if (img.rgb[o]! + img.rgb[o + 1]! + img.rgb[o + 2]! > 200) cell[i] = cell[i]! | (0x80 >> (x & 7));
        }
      }
      line += font.glyphs.get(cell.toString('hex')) ?? '?';
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
