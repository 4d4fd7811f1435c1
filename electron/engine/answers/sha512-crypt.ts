// SHA-512 crypt(3) (`$6$salt$hash`, Ulrich Drepper's specification), so that exported answers carry a
// `password-hash` that chpasswd -e, shadow and `livekit validate` accept, without the password ever
// reaching a command line. Pure apart from the random salt.
//
// `sha512CryptWith` is self-contained (it gets node:crypto's createHash as an argument and refers to
// nothing outside its own body) because the service runs it in a worker thread from its source text
// (hash-worker.ts): that works the same from the sources, under the tests and in the medium's bundle.
import { createHash, randomBytes } from 'node:crypto';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt(password, `$6$[rounds=N$]salt`) → `$6$[rounds=N$]salt$hash`, given node:crypto's createHash. */
export function sha512CryptWith(
  createHashFn: (algorithm: 'sha512') => { update(data: Uint8Array): unknown; digest(): Uint8Array },
  password: string,
  salt: string,
  rounds?: number,
): string {
  const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const sha512 = (parts: Uint8Array[]): Uint8Array => {
    const h = createHashFn('sha512');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  // `n` bytes of `src` repeated (the spec's "for each block of 64 bytes ... then the remaining bytes").
  const repeat = (src: Uint8Array, n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const b64From24 = (b2: number, b1: number, b0: number, n: number): string => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    let s = '';
    for (let i = 0; i < n; i++) {
      s += alphabet[w & 0x3f];
      w >>>= 6;
    }
    return s;
  };
  const utf8 = new TextEncoder();

  const key = utf8.encode(password);
  const saltText = salt.slice(0, 16);
  const s = utf8.encode(saltText);
  const r = rounds === undefined ? 5000 : Math.min(999_999_999, Math.max(1000, rounds));

  const b = sha512([key, s, key]);
  const aParts: Uint8Array[] = [key, s, repeat(b, key.length)];
  for (let n = key.length; n > 0; n >>= 1) aParts.push(n & 1 ? b : key);
  const a = sha512(aParts);

  const dp = repeat(sha512(Array<Uint8Array>(key.length).fill(key)), key.length);
  const ds = repeat(sha512(Array<Uint8Array>(16 + a[0]!).fill(s)), s.length);

  let c = a;
  for (let i = 0; i < r; i++) {
    const parts: Uint8Array[] = [i & 1 ? dp : c];
    if (i % 3) parts.push(ds);
    if (i % 7) parts.push(dp);
    parts.push(i & 1 ? c : dp);
    c = sha512(parts);
  }
  // The permuted base-64 of the final digest: triples (0,21,42), (22,43,1), (44,2,23), ... then byte 63.
  let encoded = '';
  let [x, y, z] = [0, 21, 42];
  for (let i = 0; i < 21; i++) {
    encoded += b64From24(c[x]!, c[y]!, c[z]!, 4);
    [x, y, z] = [y + 1, z + 1, x + 1];
  }
  encoded += b64From24(0, 0, c[63]!, 2);
  const prefix = rounds === undefined ? `$6$${saltText}` : `$6$rounds=${r}$${saltText}`;
  return `${prefix}$${encoded}`;
}

/** crypt(password, `$6$[rounds=N$]salt`) → `$6$[rounds=N$]salt$hash`. */
export function sha512Crypt(password: string, salt: string, rounds?: number): string {
  return sha512CryptWith(createHash, password, salt, rounds);
}

/** A random 16-character salt. */
export function newSalt(): string {
  return [...randomBytes(16)].map((x) => B64[x & 0x3f]).join('');
}

/** A new `$6$` hash of `password` with a random 16-character salt (on the calling thread). */
export function hashPassword(password: string): string {
  return sha512Crypt(password, newSalt());
}
