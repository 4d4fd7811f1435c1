// SHA-512 crypt(3) (`$6$salt$hash`, Ulrich Drepper's specification), so that exported answers carry a
// `password-hash` that chpasswd -e, shadow and `livekit validate` accept, without the password ever
// reaching a command line. Pure apart from the random salt.
import { createHash, randomBytes } from 'node:crypto';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS_DEFAULT = 5000;

const sha512 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `n` bytes of `src` repeated (the spec's "for each block of 64 bytes ... then the remaining bytes"). */
function repeat(src: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = src[i % src.length]!;
  return out;
}

function b64From24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let s = '';
  for (let i = 0; i < n; i++) {
    s += B64[w & 0x3f];
    w >>>= 6;
  }
  return s;
}

/** The permuted base-64 of the final 64-byte digest: triples (0,21,42), (22,43,1), (44,2,23), ... then byte 63. */
function encode(f: Buffer): string {
  let s = '';
  let [a, b, c] = [0, 21, 42];
  for (let i = 0; i < 21; i++) {
    s += b64From24(f[a]!, f[b]!, f[c]!, 4);
    [a, b, c] = [b + 1, c + 1, a + 1];
  }
  return s + b64From24(0, 0, f[63]!, 2);
}

/** crypt(password, `$6$[rounds=N$]salt`) → `$6$[rounds=N$]salt$hash`. */
export function sha512Crypt(password: string, salt: string, rounds?: number): string {
  const key = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, 16), 'utf8');
  const r = rounds === undefined ? ROUNDS_DEFAULT : Math.min(999_999_999, Math.max(1000, rounds));

  const b = sha512(key, s, key);
  const aParts: Buffer[] = [key, s, repeat(b, key.length)];
  for (let n = key.length; n > 0; n >>= 1) aParts.push(n & 1 ? b : key);
  const a = sha512(...aParts);

  const dp = repeat(sha512(...Array<Buffer>(key.length).fill(key)), key.length);
  const ds = repeat(sha512(...Array<Buffer>(16 + a[0]!).fill(s)), s.length);

  let c = a;
  for (let i = 0; i < r; i++) {
    const parts: Buffer[] = [i & 1 ? dp : c];
    if (i % 3) parts.push(ds);
    if (i % 7) parts.push(dp);
    parts.push(i & 1 ? c : dp);
    c = sha512(...parts);
  }
  const prefix = rounds === undefined ? `$6$${s.toString()}` : `$6$rounds=${r}$${s.toString()}`;
  return `${prefix}$${encode(c)}`;
}

/** A new `$6$` hash of `password` with a random 16-character salt. */
export function hashPassword(password: string): string {
  const salt = [...randomBytes(16)].map((x) => B64[x & 0x3f]).join('');
  return sha512Crypt(password, salt);
}
