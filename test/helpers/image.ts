// Sparse disk images and the loop devices tests attach themselves; every attach has its release.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

export async function makeImage(path: string, bytes: number): Promise<void> {
  await execa('truncate', ['-s', String(bytes), path]);
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface Attached {
  device: string;
  part(n: number): string;
  detach(): Promise<void>;
}

/** Attaches an image with partition scanning and makes its partition nodes exist (no udev here). */
export async function attachImage(path: string): Promise<Attached> {
  const device = (await execa('losetup', ['--find', '--show', '--partscan', path])).stdout.trim();
  const part = (n: number) => `${device}p${n}`;
  await execa('partx', ['-u', device], { reject: false });
  for (let i = 0; i < 50 && !existsSync(part(1)); i++) {
    if (i === 0) await execa('partx', ['-a', device], { reject: false });
    await sleep(100);
  }
  return { device, part, detach: async () => void (await execa('losetup', ['-d', device], { reject: false })) };
}

/** Mounts read-only at a new temp dir; the returned function unmounts and removes it. */
export async function mountRo(source: string, dir: string, options: string[] = []): Promise<() => Promise<void>> {
  await execa('mkdir', ['-p', dir]);
  await execa('mount', ['-o', ['ro', ...options].join(','), source, dir]);
  return async () => {
    const r = await execa('umount', [dir], { reject: false });
    if (r.exitCode !== 0) await execa('umount', ['-l', dir], { reject: false });
    await execa('rmdir', [dir], { reject: false });
  };
}

/** Runs `fn` and always runs the cleanups, newest first. */
export async function withCleanup<T>(fn: (defer: (c: () => Promise<void>) => void) => Promise<T>): Promise<T> {
  const stack: (() => Promise<void>)[] = [];
  try {
    return await fn((c) => stack.push(c));
  } finally {
    while (stack.length) await stack.pop()!().catch(() => {});
  }
}
