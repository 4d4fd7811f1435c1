// Password hashing off the service's event loop. SHA-512 crypt is 5000 rounds of SHA-512 over the
// password and a digest, in JavaScript: milliseconds for a password, but its cost grows with the
// square of the password's length, and while it runs on the service's thread nothing else is answered.
// Here it runs in a worker thread, at most two at a time (the rest wait their turn), and refuses a
// password longer than any the rules let through.
//
// The worker is started from source text (`eval`), not from a file: the Live medium's engine is one
// esbuild bundle, where no second module file exists beside it. The text is the crypt function's own
// (sha512-crypt.ts keeps it self-contained) with node:crypto's createHash handed in. It runs from the
// sources (tsx), under vitest and bundled: test/unit/serve-runtimes.test.ts starts the service each way.
import { Worker } from 'node:worker_threads';
import { newSalt, sha512CryptWith } from './sha512-crypt.ts';

/** Hashes each password with a new salt (the service's port: tests hand in their own). */
export type HashPasswords = (passwords: readonly string[]) => Promise<string[]>;

/** The hashing's own bound, in UTF-8 bytes (the RPC takes 1024 UTF-16 units at most: 3072 bytes). */
export const MAX_HASHED_BYTES = 4096;
const AT_ONCE = 2;

// Run from the sources, tsx (esbuild with keepNames) wraps the function's inner helpers in
// `__name(fn, "name")`, a helper defined at the top of its module: the worker defines its own.
const WORKER_SOURCE = `'use strict';
const __name = (target, value) => Object.defineProperty(target, 'name', { value, configurable: true });
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sha512CryptWith = (${sha512CryptWith.toString()});
parentPort.postMessage(workerData.map((job) => sha512CryptWith(createHash, job.password, job.salt)));
`;

/** A fixed number of slots; a finished job hands its slot to the next waiting one. */
class Slots {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const slots = new Slots(AT_ONCE);

export class PasswordTooLongError extends Error {
  constructor() {
    super(`a password longer than ${MAX_HASHED_BYTES} bytes is not hashed`);
    this.name = 'PasswordTooLongError';
  }
}

function inWorker(jobs: { password: string; salt: string }[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: jobs,
      // Plain JavaScript: none of the parent's loaders (tsx), no environment, a small heap.
      execArgv: [],
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    worker.once('message', (hashes: string[]) => resolve(hashes));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the hashing worker ended (exit code ${code}) without an answer`)));
  });
}

/** The service's hashing: SHA-512 crypt with a fresh salt per password, in a worker thread. */
export const hashPasswordsInWorker: HashPasswords = async (passwords) => {
  if (passwords.some((p) => Buffer.byteLength(p, 'utf8') > MAX_HASHED_BYTES)) throw new PasswordTooLongError();
  if (passwords.length === 0) return [];
  return slots.run(() => inWorker(passwords.map((password) => ({ password, salt: newSalt() }))));
};
