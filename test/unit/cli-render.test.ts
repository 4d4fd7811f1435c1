import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineI18n, LOCALES_DIR } from '../../electron/engine/i18n.ts';
import { EventPrinter, effectLines, problemLine, refusalLines, warningLines } from '../../electron/cli/render.ts';
import type { Plan } from '../../electron/shared/plan.ts';
import { COMMANDS } from '../../electron/cli/args.ts';

function keys(o: unknown, prefix = ''): string[] {
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => (typeof v === 'object' && v ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe('cli translations', () => {
  it('en, zh-CN and zh-TW have the same keys', () => {
    const en = keys(JSON.parse(readFileSync(`${LOCALES_DIR}/en/cli.json`, 'utf8'))).sort();
    for (const lng of ['zh-CN', 'zh-TW']) expect(keys(JSON.parse(readFileSync(`${LOCALES_DIR}/${lng}/cli.json`, 'utf8'))).sort()).toEqual(en);
  });
  it('every key the CLI code uses exists', () => {
    const cliDir = new URL('../../electron/cli/', import.meta.url);
    const src = readdirSync(cliDir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(new URL(f, cliDir), 'utf8')).join('\n');
    const en = new Set(keys(JSON.parse(readFileSync(`${LOCALES_DIR}/en/cli.json`, 'utf8'))));
    const used = [...src.matchAll(/'cli:([\w.]+)'/g)].map((m) => m[1]!);
    used.push(...[...src.matchAll(/UsageError\('([\w.]+)'/g)].map((m) => m[1]!));
    used.push(...[...src.matchAll(/'(error\.\w+)'/g)].map((m) => m[1]!)); // keys chosen by a condition
    // `cli:help.${command}`: one help text per command, no more.
    expect(src).toContain('cli:help.${');
    used.push(...COMMANDS.map((c) => `help.${c}`));
    // Families keyed by a code (`cli:systems.problem.${p.code}`): each template must be in the code, and its
    // codes are checked against the engine's types in the next test.
    for (const family of ['systems.problem', 'systems.other', 'repair.kind', 'repair.skipped', 'repair.problem']) {
      expect(src).toContain(`cli:${family}.\${`);
      used.push(...[...en].filter((k) => k.startsWith(`${family}.`)));
    }
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((k) => !en.has(k))).toEqual([]);
    expect([...en].filter((k) => !used.includes(k))).toEqual([]);
  });
});

describe('maintenance codes all have words', () => {
  it('every problem, other-volume kind, repair kind, skip reason and repair problem is translated', () => {
    const en = new Set(keys(JSON.parse(readFileSync(`${LOCALES_DIR}/en/cli.json`, 'utf8'))));
    const union = (text: string, name: string) => [...(new RegExp(`${name}\\s*=([^;]+);`).exec(text)?.[1] ?? '').matchAll(/'([\w-]+)'/g)].map((m) => m[1]!);
    // The codes' types live in the shared contract (the wizard says them too).
    const types = readFileSync(new URL('../../electron/shared/rescue.ts', import.meta.url), 'utf8');
    const plan = types;
    const wanted = [
      ...union(types, 'export type SystemProblemCode').map((c) => `systems.problem.${c}`),
      ...union(types, 'export type OtherKind').map((c) => `systems.other.${c}`),
      ...['boot', 'fstab', 'password', 'fsck', 'copy-home', 'mount'].map((c) => `repair.kind.${c}`),
      ...["stale", "no-vfat", "not-local"].map((c) => `repair.skipped.${c}`),
      ...[...(/code: ([^;]+);/.exec(plan.slice(plan.indexOf('interface RepairProblem')))?.[1] ?? '').matchAll(/'([\w-]+)'/g)].map((m) => `repair.problem.${m[1]}`),
    ];
    expect(wanted.length).toBeGreaterThan(25);
    expect(wanted.filter((k) => !en.has(k))).toEqual([]);
  });
});

describe('render', () => {
  const t = engineI18n('en').t;
  it('renders a validation problem with its translated message, falling back to English', () => {
    expect(problemLine(t, { path: 'hostname', code: 'no.such.key', message: 'bad host' })).toBe('  hostname: bad host');
  });
  it('renders refusals per disk', () => {
    const lines = refusalLines(t, [{ disk: '/dev/sdb', refusals: [{ code: 'read-only' }] }]);
    expect(lines[0]).toBe('The target is refused:');
    expect(lines[1]).toMatch(/^ {2}\/dev\/sdb: /);
  });
  it('says each effect, what loses data marked with !, naming the system found on it', () => {
    const GiB = 1024 ** 3;
    const erase = {
      effects: [
        { kind: 'delete-partition', part: { disk: '/dev/sdc', number: 1, device: '/dev/sdc1' }, sizeBytes: 20 * GiB, existing: { fstype: 'ext4', os: 'Old Linux 1.0' } },
        { kind: 'new-table', disk: '/dev/sdc', table: 'gpt', sizeBytes: 64 * GiB, model: 'Disk' },
        { kind: 'create-partition', part: { disk: '/dev/sdc', number: 2, device: '/dev/sdc2' }, role: 'root', sizeBytes: 63 * GiB },
        { kind: 'encrypt', part: { disk: '/dev/sdc', number: 2, device: '/dev/sdc2' }, sizeBytes: 63 * GiB },
        { kind: 'format', part: { disk: '/dev/sdc', number: 2, device: '/dev/sdc2' }, fstype: 'ext4', sizeBytes: 63 * GiB, mountpoint: '/', encrypted: true },
      ],
    } as unknown as Plan;
    expect(effectLines(t, erase)).toEqual([
      '  ! Delete /dev/sdc1 (20 GiB) — holds Old Linux 1.0 (ext4)',
      '  ! New GPT partition table on /dev/sdc (Disk, 64 GiB): everything on it is erased',
      '  - Create /dev/sdc2: system partition (/), 63 GiB',
      '  - Encrypt /dev/sdc2 with LUKS2 (63 GiB): it opens only with the passphrase',
      '  - Format the encrypted /dev/sdc2 as ext4 for / (63 GiB)',
    ]);
    const image = { effects: [{ kind: 'create-partition', part: { disk: '/tmp/vm.img', number: 1 }, role: 'esp', sizeBytes: 512 * 1024 ** 2 }] } as unknown as Plan;
    expect(effectLines(t, image)).toEqual(['  - Create partition 1 of /tmp/vm.img: EFI system partition, 512 MiB']);
    const keep = { effects: [{ kind: 'format', part: { disk: '/dev/sdb', number: 3, device: '/dev/sdb3' }, fstype: 'xfs', sizeBytes: GiB, mountpoint: '/', existing: {} }] } as unknown as Plan;
    expect(effectLines(t, keep)).toEqual(['  ! Format /dev/sdb3 as xfs for / (1 GiB)']);
  });
  it('prints progress in place on a terminal and each 10 % elsewhere', () => {
    const p = (percent: number) => ({ type: 'progress' as const, step: 'copy' as const, bytes: 1, total: 2, rate: 3, eta: 4, percent });
    const tty = new EventPrinter(t, true);
    expect(tty.print(p(1))).toMatch(/^\r\x1b\[K/);
    const plain = new EventPrinter(t, false);
    expect(plain.print(p(1))).toMatch(/\n$/);
    expect(plain.print(p(5))).toBe('');
    expect(plain.print(p(12))).toMatch(/12\.0 %/);
    expect(plain.print({ type: 'step', step: 'copy', label: 'plan:step.copy', index: 4, count: 14, state: 'start' })).toMatch(/^\[5\/14\] /);
  });
  it('prints an error with the command and the stderr tail', () => {
    const s = new EventPrinter(t, false).print({ type: 'error', step: 'copy', message: 'rsync exited with code 11', command: ['rsync', '-a'], stderrTail: 'No space left on device\n' });
    expect(s).toContain('"copy"');
    expect(s).toContain('rsync -a');
    expect(s).toContain('No space left on device');
  });
  it('says a coded error in the CLI\'s language, with the UI\'s wording', () => {
    const zh = engineI18n('zh-CN').getFixedT('zh-CN');
    const s = new EventPrinter(zh, false).print({ type: 'error', step: 'copy', message: 'rsync exited with code 11: x', code: 'command-failed', params: { program: 'rsync', exitCode: 11 } });
    expect(s).toContain('rsync 异常退出，退出码 11。');
    expect(s).not.toContain('exited with code');
  });
  it('a refusal before the first step is "not installed", and an install with no log names none', () => {
    const printer = new EventPrinter(engineI18n('en').getFixedT('en'), false);
    const refused = printer.print({ type: 'error', step: null, message: 'The target disk /dev/sdb is no longer the disk the plan was made for', code: 'target-changed', params: { disk: '/dev/sdb', changes: 'serial' } });
    expect(refused).toMatch(/^Not installed: /);
    expect(refused).not.toContain('step');
    const done = printer.print({ type: 'done', ok: false });
    expect(done).toContain('released');
    expect(done).not.toContain('Log:');
    expect(printer.print({ type: 'done', ok: false, logPath: '/var/log/livekit/x.log' })).toContain('Log: /var/log/livekit/x.log');
  });
});

describe('machine warnings on the command line', () => {
  it('say little memory and battery power in the reader’s language, sizes in binary units', () => {
    const warnings = [{ code: 'low-ram' as const, params: { ramBytes: 1024 ** 3, minBytes: 2 * 1024 ** 3 } }, { code: 'on-battery' as const }];
    const en = warningLines(engineI18n('en').t, warnings);
    expect(en[0]).toBe('This computer has 1 GiB of memory; at least 2 GiB is recommended. The installation and the installed desktop may be slow.');
    expect(en[1]).toMatch(/^This computer runs on its battery/);
    const zh = warningLines(engineI18n('zh-CN').t, warnings);
    expect(zh[0]).toContain('1 GiB');
    expect(zh[1]).toMatch(/电池/);
  });
});
