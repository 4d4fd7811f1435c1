// ExecaRunner against real commands (sh, sleep): streaming, stdin, exit codes, cancel of a whole process group.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CommandError, ExecaRunner, RecordingRunner } from '../../electron/engine/run/runner.ts';

const runner = new ExecaRunner();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('ExecaRunner', () => {
  it('returns stdout and streams \\r and \\n terminated lines', async () => {
    const lines: string[] = [];
    const r = await runner.run(['sh', '-c', 'printf "a\\rb\\nc\\n"; printf "err\\n" >&2'], { onLine: (l, s) => lines.push(`${s}:${l}`) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\rb\nc\n');
    expect(lines.sort()).toEqual(['stderr:err', 'stdout:a', 'stdout:b', 'stdout:c']);
  });

  it('feeds stdin and never needs a shell for arguments', async () => {
    const r = await runner.run(['cat'], { stdin: 'alice:s3cr3t\n' });
    expect(r.stdout).toBe('alice:s3cr3t\n');
    const r2 = await runner.run(['printf', '%s', '$(echo no) ; rm -rf /nothing']);
    expect(r2.stdout).toBe('$(echo no) ; rm -rf /nothing');
  });

  it('rejects on a bad exit code with the stderr tail, accepts okExitCodes', async () => {
    const err = await runner.run(['sh', '-c', 'echo boom >&2; exit 3']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).exitCode).toBe(3);
    expect((err as CommandError).code).toBe('command-failed');
    expect((err as CommandError).stderrTail).toContain('boom');
    await expect(runner.run(['sh', '-c', 'exit 23'], { okExitCodes: [0, 23] })).resolves.toMatchObject({ code: 23 });
  });

  it('reports a missing command as code 127', async () => {
    const err = (await runner.run(['/nonexistent/cmd']).catch((e: unknown) => e)) as CommandError;
    expect(err.exitCode).toBe(127);
  });

  it('passes env additions', async () => {
    const r = await runner.run(['sh', '-c', 'echo "$FOO"'], { env: { FOO: 'bar' } });
    expect(r.stdout.trim()).toBe('bar');
  });

  it('abort kills the whole process group, children included', async () => {
    const ac = new AbortController();
    let childPid = 0;
    const p = runner.run(['sh', '-c', 'sleep 60 & echo $!; wait'], {
      signal: ac.signal,
      onLine: (l) => {
        childPid = Number(l);
        ac.abort();
      },
    });
    const err = (await p.catch((e: unknown) => e)) as CommandError;
    expect(err).toBeInstanceOf(CommandError);
    expect(err.aborted).toBe(true);
    expect(childPid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(childPid)).toBe(false);
  });
});

describe('RecordingRunner', () => {
  it('records argv without stdin text and returns canned output', async () => {
    const r = new RecordingRunner((argv) => (argv[0] === 'losetup' ? { stdout: '/dev/loop9\n' } : undefined));
    const out = await r.run(['losetup', '--find', '--show', 'x.img']);
    await r.run(['chpasswd'], { stdin: 'alice:secret\n' });
    expect(out.stdout.trim()).toBe('/dev/loop9');
    expect(r.commands).toEqual([
      { argv: ['losetup', '--find', '--show', 'x.img'], stdin: false },
      { argv: ['chpasswd'], stdin: true },
    ]);
    expect(JSON.stringify(r.commands)).not.toContain('secret');
  });
});
