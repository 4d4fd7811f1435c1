// One rule set for the account's password and full name (shared/account-rules.ts), and every front end on
// it: each refusal is made by the install's validation (user and root), by the service's repair (before the
// plan is confirmed or run) and by the wizard's repair page, with the same code; the CLI's repair hands the
// rule the whole of stdin. The limits are those measured on Debian 12 (see the rules' opening comment).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFullname, checkPassword, FULLNAME_MAX_BYTES, PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from '../../electron/shared/account-rules.ts';
import { validateAnswers } from '../../electron/engine/answers/validate.ts';
import { RepairController } from '../../electron/engine/service/repairs.ts';
import { PasswordRefusedError, type RescuePort } from '../../electron/engine/service/rescue.ts';
import { EventHub } from '../../electron/engine/service/hub.ts';
import { secretFromStdin as passwordFromStdin, stdinSecretFindings } from '../../electron/cli/read-secret.ts';
import { checkPassword as passwordRule } from '../../electron/shared/account-rules.ts';
const stdinPasswordFindings = (input: Buffer) => stdinSecretFindings(input, passwordRule);
import { passwordReady } from '../../renderer/store/derive.ts';
import type { RepairPlan } from '../../electron/shared/rescue.ts';
import type { SysrootInfo } from '../../electron/shared/facts.ts';

const PLAN = (JSON.parse(readFileSync(new URL('../fixtures/repair-plans/password-alice.json', import.meta.url), 'utf8')) as { plan: RepairPlan }).plan;

/** The service's rescue port, recording what reached it: a refused password must reach nothing. */
class RecordingRescue implements RescuePort {
  calls: string[] = [];
  systems = async () => ({ systems: [], locked: [], others: [] });
  unlock = async () => {
    throw new Error('not offered here');
  };
  planRepair = async () => ({ ok: false as const, problems: [], refusals: [] });
  terminal = async () => ({ started: false, command: [] });
  async confirmRepair(planId: string) {
    this.calls.push(`confirm ${planId}`);
    return { plan: PLAN };
  }
  async runRepair(planId: string) {
    this.calls.push(`run ${planId}`);
    return { ok: true, cancelled: false };
  }
}

const SYSROOT: SysrootInfo = {
  name: 'desktop',
  path: '/nonexistent',
  title: 'desktop',
  description: '',
  sizeBytes: 1,
  inodes: 1,
  measured: false,
  installable: true,
  hints: {},
  layers: ['base', 'desktop'],
  osRelease: {},
  tools: { grubPlatforms: [], kernels: [], useradd: true, chpasswd: true, adminGroups: ['sudo'], existingUsers: ['root'] },
  recommended: false,
};

function answers(user: Record<string, unknown>, root?: Record<string, unknown>) {
  return {
    version: 1,
    variant: 'desktop',
    target: { disk: '/dev/sdb' },
    hostname: 'pc',
    user: { name: 'alice', password: 'pw-long-enough', ...user },
    ...(root ? { root } : {}),
  };
}

/** The codes the install's validation gives at `path`. */
function installCodes(raw: unknown, path: string): string[] {
  const r = validateAnswers(raw, { sysroots: [SYSROOT], cmdline: '' });
  return r.ok ? [] : r.problems.filter((p) => p.path === path).map((p) => p.code);
}

/** The code the service's repair refuses the password with, and what reached the rescue port. */
async function serviceRepair(password: string): Promise<{ code: string | null; calls: string[] }> {
  const rescue = new RecordingRescue();
  const controller = new RepairController(rescue, new EventHub(), () => false);
  try {
    await controller.start('plan-1', password);
    await controller.current;
    return { code: null, calls: rescue.calls };
  } catch (e) {
    expect(e).toBeInstanceOf(PasswordRefusedError);
    return { code: (e as PasswordRefusedError).code, calls: rescue.calls };
  }
}

/**
 * Install (user and root), service repair, wizard repair page, CLI stdin: all refuse `password` with `code`.
 * `stdin`: the bytes the CLI would get instead, when the string has no byte form (a lone surrogate).
 */
async function refusedEverywhere(password: string, code: string, stdin = Buffer.from(`${password}\n`)): Promise<void> {
  expect(checkPassword(password).map((f) => f.code)).toContain(code);
  expect(installCodes(answers({ password }), 'user.password')).toContain(code);
  expect(installCodes(answers({}, { password }), 'root.password')).toContain(code);
  expect(await serviceRepair(password)).toEqual({ code: `validation:${checkPassword(password)[0]!.code}`, calls: [] });
  expect(passwordReady(password, password)).toBe(false);
  expect(stdinPasswordFindings(stdin).refused.map((f) => f.code)).toContain(code);
}

/** …and all accept it (the service's repair runs the kept plan). */
async function acceptedEverywhere(password: string): Promise<void> {
  expect(checkPassword(password)).toEqual([]);
  expect(installCodes(answers({ password }), 'user.password')).toEqual([]);
  expect(installCodes(answers({}, { password }), 'root.password')).toEqual([]);
  expect(await serviceRepair(password)).toEqual({ code: null, calls: ['confirm plan-1', 'run plan-1'] });
  expect(passwordReady(password, password)).toBe(true);
  expect(passwordFromStdin(Buffer.from(`${password}\n`))).toBe(password);
}

describe('password: control characters (user.password-chars)', () => {
  // \n and NUL break chpasswd's input; the others chpasswd takes, but nobody can type them back.
  it.each([
    ['line feed (a second chpasswd line: root:...)', 'Newpass-1\nroot:Pwned-99'],
    ['carriage return', 'Newpass-1\rroot:Pwned-99'],
    ['NUL (chpasswd: "line too long")', 'Newpass-1\u0000root:Pwned-99'],
    ['tab (a greeter moves the focus)', 'pass\tword'],
    ['DEL (the tty erases a character)', 'pass\u007fword'],
    ['^U (the tty kills the line)', 'pass\u0015word'],
    ['escape', 'pass\u001bword'],
    ['a C1 control (NEL)', 'pass\u0085word'],
  ])('%s: refused by install, service repair, wizard and CLI', async (_name, password) => {
    await refusedEverywhere(password, 'user.password-chars');
  });

  it('broken text (user.not-unicode): a lone surrogate, or stdin that is not UTF-8, would reach chpasswd as U+FFFD', async () => {
    await refusedEverywhere('pass\ud800word', 'user.not-unicode', Buffer.from([0x70, 0x61, 0xe4, 0x73, 0x73, 0x0a]));
    expect(passwordFromStdin(Buffer.from([0x70, 0x61, 0xe4, 0x73, 0x73]))).toBeUndefined();
  });

  it('takes what a person types: spaces, colons, quotes, non-Latin letters, emoji, U+2028', async () => {
    for (const pw of [' pass word ', 'a:b:c:d', `"'{}\\`, '新密码-Reset', '🔑🔑🔑🔑', 'line\u2028sep']) await acceptedEverywhere(pw);
  });
});

describe(`password: at most ${PASSWORD_MAX_BYTES} bytes of UTF-8 (user.password-long, pam_unix)`, () => {
  it.each([
    ['512 ASCII characters', 'a'.repeat(512)],
    ['171 Chinese characters (513 bytes)', '密'.repeat(171)],
    ['128 emoji (512 bytes)', '😀'.repeat(128)],
  ])('%s: refused everywhere', async (_name, password) => {
    await refusedEverywhere(password, 'user.password-long');
    expect(checkPassword(password).find((f) => f.code === 'user.password-long')?.params).toMatchObject({ max: 511 });
  });

  it('takes 511 ASCII characters, 170 Chinese ones (510 bytes), 127 emoji (508 bytes)', async () => {
    for (const pw of ['a'.repeat(511), '密'.repeat(170), '😀'.repeat(127)]) await acceptedEverywhere(pw);
  });
});

describe(`password: at least ${PASSWORD_MIN_LENGTH} characters (user.password-short), not empty (user.password-empty)`, () => {
  it.each([
    ['three characters', 'abc'],
    ['two emoji (four UTF-16 units, two characters)', '🔑🔑'],
  ])('%s: refused everywhere', async (_name, password) => {
    await refusedEverywhere(password, 'user.password-short');
  });

  it('an empty password: refused everywhere', async () => {
    expect(installCodes(answers({ password: '' }), 'user.password')).toContain('user.password-empty');
    expect(await serviceRepair('')).toEqual({ code: 'validation:user.password-empty', calls: [] });
    expect(passwordReady('', '')).toBe(false);
  });

  it('a password repair started without a password is refused after the plan is confirmed, before it runs', async () => {
    const rescue = new RecordingRescue();
    const controller = new RepairController(rescue, new EventHub(), () => false);
    await expect(controller.start('plan-1', undefined)).rejects.toMatchObject({ code: 'validation:user.password-empty' });
    expect(rescue.calls).toEqual(['confirm plan-1']);
  });

  it('four characters of any script are enough', async () => {
    for (const pw of ['abcd', '密码密码', '🔑🔑🔑🔑']) await acceptedEverywhere(pw);
  });
});

describe('the CLI reads the whole of stdin as the password, but for one final line ending', () => {
  it('keeps a second line (the rule refuses it) instead of silently taking the first', () => {
    expect(passwordFromStdin(Buffer.from('Newpass-1\nroot:Pwned-99\n'))).toBe('Newpass-1\nroot:Pwned-99');
    expect(passwordFromStdin(Buffer.from('Newpass-1\r\n'))).toBe('Newpass-1');
    expect(passwordFromStdin(Buffer.from('Newpass-1'))).toBe('Newpass-1');
    expect(passwordFromStdin(Buffer.from('Newpass-1\n\n'))).toBe('Newpass-1\n');
  });
});

describe('full name (useradd -c)', () => {
  it.each([
    ['a colon (the passwd field separator)', 'Alice:Liddell'],
    ['a comma (the GECOS separator)', 'Liddell, Alice'],
    ['a line feed', 'Alice\nLiddell'],
    ['a NUL', 'Alice\u0000Liddell'],
    ['a tab (useradd fails writing /etc/passwd)', 'Alice\tLiddell'],
    ['a DEL', 'Alice\u007fLiddell'],
    ['a C1 control (CSI)', 'Alice\u009bLiddell'],
  ])('%s: user.fullname-chars', (_name, fullname) => {
    expect(checkFullname(fullname).map((f) => f.code)).toEqual(['user.fullname-chars']);
    expect(installCodes(answers({ fullname }), 'user.fullname')).toEqual(['user.fullname-chars']);
  });

  it('broken text (a lone surrogate): user.not-unicode', () => {
    expect(installCodes(answers({ fullname: 'Alice\udc00' }), 'user.fullname')).toEqual(['user.not-unicode']);
  });

  it(`more than ${FULLNAME_MAX_BYTES} bytes: user.fullname-long (bytes, not characters)`, () => {
    expect(installCodes(answers({ fullname: 'A'.repeat(257) }), 'user.fullname')).toEqual(['user.fullname-long']);
    expect(checkFullname('张'.repeat(86))).toEqual([{ code: 'user.fullname-long', params: { bytes: 258, max: 256 } }]);
    expect(checkFullname('张'.repeat(85))).toEqual([]);
    expect(checkFullname('A'.repeat(256))).toEqual([]);
  });

  it('takes names people have', () => {
    for (const fullname of ['Alice Liddell', '张三', 'Zoë O\'Brien-Łukasiewicz', 'Иван Петров', '']) expect(installCodes(answers({ fullname }), 'user.fullname')).toEqual([]);
  });
});
