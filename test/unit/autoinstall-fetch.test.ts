// The autoinstall's answers from the medium (and, the same code, a labelled volume) are read as any input
// file: a FIFO or a device there is refused at once, never read; over http the body is cut at 1 MiB.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchAnswers, FetchError } from '../../electron/engine/autoinstall/fetch.ts';

const medium = mkdtempSync(join(tmpdir(), 'livekit-fetch-'));
mkdirSync(join(medium, 'answers'));
afterAll(() => rmSync(medium, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<FetchError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FetchError);
  return e as FetchError;
}

describe('fetchAnswers from the medium', () => {
  it('reads a regular file', async () => {
    writeFileSync(join(medium, 'answers/qa.yaml'), 'version: 1\n');
    expect(await fetchAnswers({ kind: 'medium', path: '/answers/qa.yaml' }, medium)).toEqual({ text: 'version: 1\n' });
  });

  it('refuses a FIFO (no writer: it would block) and a device (/dev/zero: it would grow)', async () => {
    execFileSync('mkfifo', [join(medium, 'answers/fifo.yaml')]);
    expect((await failure(fetchAnswers({ kind: 'medium', path: '/answers/fifo.yaml' }, medium))).message).toBe('/answers/fifo.yaml: is a FIFO (named pipe), not a regular file');
    symlinkSync('/dev/zero', join(medium, 'answers/zero.yaml'));
    expect((await failure(fetchAnswers({ kind: 'medium', path: '/answers/zero.yaml' }, medium))).reason).toMatch(/character device/);
  });

  it('refuses a file over 1 MiB', async () => {
    writeFileSync(join(medium, 'answers/big.yaml'), Buffer.alloc(1024 * 1024 + 1, 0x61));
    expect((await failure(fetchAnswers({ kind: 'medium', path: '/answers/big.yaml' }, medium))).reason).toBe('is larger than 1 MiB');
  });
});

describe('fetchAnswers over http', () => {
  let server: Server | undefined;
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('cuts an endless body off at 1 MiB instead of holding it (it used to read to the end first)', async () => {
    let closed = false;
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/yaml' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const more = () => {
        while (!closed && res.write(chunk));
        if (!closed) res.once('drain', more);
      };
      res.on('close', () => (closed = true));
      more();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const e = await failure(fetchAnswers({ kind: 'url', url: `http://127.0.0.1:${port}/qa.yaml` }, medium));
    expect(e.reason).toBe('larger than 1 MiB');
  }, 30_000);
});
