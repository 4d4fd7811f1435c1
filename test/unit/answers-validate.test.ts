import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateAnswers, type Problem } from '../../electron/engine/answers/validate.ts';
import { englishMessage } from '../../electron/engine/answers/messages.ts';
import type { SysrootInfo } from '../../electron/shared/facts.ts';

const tmp = mkdtempSync(join(tmpdir(), 'livekit-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sysroot(name: string, over: Partial<SysrootInfo> = {}): SysrootInfo {
  return {
    name,
    path: join(tmp, name),
    title: name,
    description: '',
    sizeBytes: 1,
    inodes: 1,
    measured: false,
    installable: true,
    hints: {},
    layers: ['base', name],
    osRelease: {},
    tools: { grubPlatforms: [], kernels: [], useradd: true, chpasswd: true, adminGroups: ['sudo'], existingUsers: ['root', 'daemon', 'alice2'] },
    recommended: false,
    ...over,
  };
}

// `zoned` carries its own zoneinfo: only Asia/Shanghai and UTC (UTC through an absolute symlink).
mkdirSync(join(tmp, 'zoned/usr/share/zoneinfo/Asia'), { recursive: true });
writeFileSync(join(tmp, 'zoned/usr/share/zoneinfo/Asia/Shanghai'), 'TZif');
writeFileSync(join(tmp, 'zoned/usr/share/zoneinfo/Etc-UTC'), 'TZif');
symlinkSync('/usr/share/zoneinfo/Etc-UTC', join(tmp, 'zoned/usr/share/zoneinfo/UTC'));
// An absolute link whose target exists on the host but not in the sysroot: not a zone of the variant.
symlinkSync('/usr/share/zoneinfo/Europe/Berlin', join(tmp, 'zoned/usr/share/zoneinfo/Hostlink'));

const SYSROOTS = [sysroot('desktop'), sysroot('server'), sysroot('livekit', { installable: false }), sysroot('zoned')];
const ctx = { sysroots: SYSROOTS, cmdline: 'root=live:CDLABEL=X quiet' };

const good = (): Record<string, any> => ({
  version: 1,
  variant: 'desktop',
  target: { disk: '/dev/sdb' },
  hostname: 'aosc-pc',
  timezone: 'Asia/Shanghai',
  user: { name: 'alice', fullname: 'Alice Liddell', password: 'secret' },
});

function problemsOf(raw: unknown, c = ctx): Problem[] {
  const r = validateAnswers(raw, c);
  if (r.ok) throw new Error('expected problems');
  for (const p of r.problems) expect(p.message).toBe(englishMessage(p.code, p.params)); // English from the en locale
  return r.problems;
}
const codes = (raw: unknown, c = ctx): string[] => problemsOf(raw, c).map((p) => `${p.path}: ${p.code}`);
const withSet = (path: string, value: unknown): Record<string, any> => {
  const a = good();
  const keys = path.split('.');
  let o = a;
  for (const k of keys.slice(0, -1)) o = o[k];
  if (value === undefined) delete o[keys.at(-1)!];
  else o[keys.at(-1)!] = value;
  return a;
};

describe('validateAnswers: defaults', () => {
  it('accepts a good answer set and applies the defaults', () => {
    const r = validateAnswers(good(), ctx);
    expect(r).toEqual({
      ok: true,
      answers: {
        ...good(),
        target: { disk: '/dev/sdb', layout: 'auto', filesystem: 'ext4', swap: 'auto' },
        user: { ...good().user, admin: true, autologin: false },
        locale: 'en_US.UTF-8',
        keyboard: { layout: 'us' },
        rtc: 'utc',
        bootloader: 'auto',
      },
    });
  });

  it('takes the locale from LANG= on the kernel command line, unless the answers give one', () => {
    const c = { ...ctx, cmdline: 'quiet LANG=zh_CN.UTF-8 splash' };
    const r1 = validateAnswers(good(), c);
    expect(r1.ok && r1.answers.locale).toBe('zh_CN.UTF-8');
    const r2 = validateAnswers({ ...good(), locale: 'zh_TW.UTF-8' }, c);
    expect(r2.ok && r2.answers.locale).toBe('zh_TW.UTF-8');
    const r3 = validateAnswers(good(), { ...ctx, cmdline: 'LANG=garbage' });
    expect(r3.ok && r3.answers.locale).toBe('en_US.UTF-8');
  });

  it('defaults the timezone to UTC where the locale names no single zone (en_US)', () => {
    const r = validateAnswers(withSet('timezone', undefined), ctx);
    expect(r.ok && r.answers.timezone).toBe('UTC');
  });

  it('defaults the timezone and the keyboard layout from the locale (zh_CN → Asia/Shanghai, cn; zh_TW → Asia/Taipei, tw)', () => {
    const r = validateAnswers({ ...withSet('timezone', undefined), locale: 'zh_CN.UTF-8' }, ctx);
    expect(r.ok && [r.answers.timezone, r.answers.keyboard]).toEqual(['Asia/Shanghai', { layout: 'cn' }]);
    const tw = validateAnswers({ ...withSet('timezone', undefined) }, { ...ctx, cmdline: 'LANG=zh_TW.UTF-8' });
    expect(tw.ok && [tw.answers.timezone, tw.answers.keyboard]).toEqual(['Asia/Taipei', { layout: 'tw' }]);
    // A zone the answers give wins over the locale's.
    const given = validateAnswers({ ...good(), locale: 'zh_CN.UTF-8', timezone: 'Europe/Berlin' }, ctx);
    expect(given.ok && given.answers.timezone).toBe('Europe/Berlin');
  });

  it('accepts a keyboard layout and variant, and refuses unknown or malformed ones', () => {
    const ok = validateAnswers({ ...good(), keyboard: { layout: 'de', variant: 'nodeadkeys' } }, ctx);
    expect(ok.ok && ok.answers.keyboard).toEqual({ layout: 'de', variant: 'nodeadkeys' });
    const bad = problemsOf({ ...good(), keyboard: { layout: 'klingon', variant: 'Bad Variant' } });
    expect(bad.map((p) => [p.path, p.code])).toEqual([
      ['keyboard.layout', 'keyboard.layout-unknown'],
      ['keyboard.variant', 'keyboard.variant-format'],
    ]);
    expect(bad[0]!.message).toMatch(/^"klingon" is not a keyboard layout/);
    expect(problemsOf({ ...good(), keyboard: {} }).map((p) => p.path)).toEqual(['keyboard.layout']);
  });

  it('checks a root password like the user\'s, and never both password and hash', () => {
    expect(problemsOf({ ...good(), root: { password: 'ab' } }).map((p) => p.code)).toEqual(['user.password-short']);
    expect(problemsOf({ ...good(), root: { password: 'abcd', 'password-hash': 'x' } }).map((p) => p.code)).toContain('user.password-and-hash');
    expect(validateAnswers({ ...good(), root: { password: 'secret' }, user: { ...good().user, admin: false, autologin: true } }, ctx).ok).toBe(true);
  });

  it('says every English message with a capital letter', () => {
    const all = problemsOf({ version: 2, variant: '', target: { swap: 'x' }, hostname: '-', user: { name: 'A', password: '1' }, timezone: 'Mars/Base' });
    expect(all.length).toBeGreaterThan(4);
    for (const p of all) expect(p.message, p.code).toMatch(/^[A-Z"]/);
  });
});

describe('validateAnswers: shape (strict schema)', () => {
  it('names unknown keys at every level', () => {
    expect(codes({ ...good(), extra: 1 })).toEqual(['extra: schema.unknown-key']);
    expect(codes(withSet('target.size', 5))).toEqual(['target.size: schema.unknown-key']);
    expect(codes(withSet('user.passwd', 'x'))).toEqual(['user.passwd: schema.unknown-key']);
  });
  it('names missing and mistyped keys and bad enum values', () => {
    expect(codes(withSet('hostname', undefined))).toEqual(['hostname: schema.required']);
    expect(codes(withSet('version', 2))).toEqual(['version: schema.value']);
    expect(codes(withSet('rtc', 'gmt'))).toEqual(['rtc: schema.value']);
    expect(problemsOf(withSet('target.filesystem', 'ntfs'))[0]!.message).toBe('Must be one of: ext4, xfs, btrfs');
    expect(codes(withSet('hostname', 42))).toEqual(['hostname: schema.type']);
    expect(codes('just text')).toEqual([': schema.type']);
  });
  it('reports every problem at once', () => {
    const raw = { ...good(), hostname: '-bad-', locale: 'xx', user: { name: 'Root', password: 'abcd', 'password-hash': 'b' } };
    expect(codes(raw)).toEqual(['hostname: hostname.label-hyphen', 'locale: locale.format', 'user.name: user.name-format', 'user: user.password-and-hash', 'user.password-hash: user.hash-format']);
  });
});

describe('validateAnswers: variant', () => {
  it('refuses an unknown variant, listing the installable ones', () => {
    const [p] = problemsOf(withSet('variant', 'gaming'));
    expect(p).toMatchObject({ path: 'variant', code: 'variant.unknown', params: { variant: 'gaming', installable: 'desktop, server, zoned' } });
    expect(p!.message).toBe('No variant named "gaming" on this medium; installable variants: desktop, server, zoned');
  });
  it('refuses a Live-only variant', () => {
    expect(codes(withSet('variant', 'livekit'))).toEqual(['variant: variant.not-installable']);
  });
});

describe('validateAnswers: target', () => {
  it('needs exactly one of disk and partitions', () => {
    expect(codes(withSet('target', {}))).toEqual(['target: target.disk-or-partitions']);
    expect(codes(withSet('target', { disk: '/dev/sdb', partitions: { root: '/dev/sdb2' } }))).toEqual(['target: target.disk-and-partitions']);
    expect(validateAnswers(withSet('target', { partitions: { root: '/dev/sdb2', efi: '/dev/sdb1' } }), ctx).ok).toBe(true);
  });
  it('refuses a non-auto layout with partitions, and relative partition paths', () => {
    expect(codes(withSet('target', { partitions: { root: '/dev/sdb2' }, layout: 'gpt-bios' }))).toEqual(['target.layout: target.layout-with-partitions']);
    expect(validateAnswers(withSet('target', { partitions: { root: '/dev/sdb2' }, layout: 'auto' }), ctx).ok).toBe(true);
    expect(codes(withSet('target', { partitions: { root: 'sdb2', efi: 'sdb1' } }))).toEqual([
      'target.partitions.root: target.not-absolute',
      'target.partitions.efi: target.not-absolute',
    ]);
  });
  it('checks swap sizes', () => {
    for (const ok of ['auto', 'none', '4GiB', '512M', '16MiB', '1TiB']) expect(validateAnswers(withSet('target.swap', ok), ctx).ok, ok).toBe(true);
    expect(codes(withSet('target.swap', 'lots'))).toEqual(['target.swap: swap.invalid']);
    expect(codes(withSet('target.swap', '1MiB'))).toEqual(['target.swap: swap.too-small']);
    expect(problemsOf(withSet('target.swap', '2TiB'))[0]!.message).toBe('Swap of 2TiB is too large (at most 1 TiB)');
  });
});

describe('validateAnswers: hostname (RFC 1123)', () => {
  it.each(['aosc-pc', 'a', 'PC1', '1pc', 'host.example.org', 'a'.repeat(63), `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`])(
    'accepts %s',
    (h) => expect(validateAnswers(withSet('hostname', h), ctx).ok).toBe(true),
  );
  it.each([
    ['', 'hostname.empty'],
    ['-pc', 'hostname.label-hyphen'],
    ['pc-', 'hostname.label-hyphen'],
    ['my_pc', 'hostname.label-chars'],
    ['my pc', 'hostname.label-chars'],
    ['电脑', 'hostname.label-chars'],
    ['a..b', 'hostname.label-empty'],
    ['pc.', 'hostname.label-empty'],
    ['a'.repeat(64), 'hostname.label-too-long'],
  ])('refuses %j with %s', (h, code) => {
    expect(codes(withSet('hostname', h))).toEqual([`hostname: ${code}`]);
  });
  it('refuses more than 253 characters', () => {
    const long = Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.');
    expect(codes(withSet('hostname', long))).toEqual(['hostname: hostname.too-long']);
  });
});

describe('validateAnswers: user', () => {
  it.each(['alice', '_svc', 'a1-b_c', 'a'.repeat(32)])('accepts the name %s', (n) => {
    expect(validateAnswers(withSet('user.name', n), ctx).ok).toBe(true);
  });
  it.each([
    ['Alice', 'user.name-format'],
    ['1alice', 'user.name-format'],
    ['-alice', 'user.name-format'],
    ['al ice', 'user.name-format'],
    ['', 'user.name-format'],
    ['a'.repeat(33), 'user.name-too-long'],
    ['root', 'user.name-reserved'],
    ['daemon', 'user.name-reserved'],
    ['nobody', 'user.name-reserved'],
    ['sudo', 'user.name-reserved'],
    ['alice2', 'user.name-exists'], // in the variant's /etc/passwd
  ])('refuses the name %j with %s', (n, code) => {
    expect(codes(withSet('user.name', n))).toEqual([`user.name: ${code}`]);
  });
  it('names the variant when the user already exists there', () => {
    expect(problemsOf(withSet('user.name', 'alice2'))[0]!.message).toBe('"alice2" already exists in the variant desktop');
  });
  it('needs exactly one of password and password-hash', () => {
    expect(codes(withSet('user', { name: 'alice' }))).toEqual(['user: user.no-password']);
    expect(codes(withSet('user', { name: 'alice', password: 'x', 'password-hash': '$6$abc' }))).toContain('user: user.password-and-hash');
    expect(codes(withSet('user.password', ''))).toEqual(['user.password: user.password-empty']);
    expect(codes(withSet('user.password', 'a\nroot::0:0'))).toEqual(['user.password: user.password-chars']);
  });
  // Real hashes of "secret": openssl passwd -6 / -5, mkpasswd -m yescrypt / bcrypt.
  it.each([
    '$6$D0Jcrhbr/KENsSvS$V6WpFA5XNUAxdfu2n9aDGWqzKMdBkiGHXI.p9JF7coQxLhKvBSgweT/GoKeF2dvJ1vZGca803v58zoflczitE/',
    '$5$IbFPdcqzAXxySb7K$oqLjwwec8XHXD1EgaiaePtCHUoeXmaGmyk0uuJj2gb.',
    '$y$j9T$kPZ3OSmi4l.jZLMMBMHHL.$FEb4sz7MG9pc6erNjyHIbfl.pMGJtxjpPlMW0CXG/o8',
    '$2b$05$YHnGjScOnucIJulpM/Qoye.DWJPw99mwK/PDb/Ild0rohr3wqIB4u',
  ])('accepts the hash %s', (hash) => {
    expect(validateAnswers(withSet('user', { name: 'alice', 'password-hash': hash }), ctx).ok).toBe(true);
  });
  it.each(['secret', '$1$abc$def', 'abJnggxhB/yWI', '$6$salt$short', '$6$D0Jcrhbr/KENsSvS$V6Wp:A5X', '!', '*', ''])('refuses the hash %j', (hash) => {
    expect(codes(withSet('user', { name: 'alice', 'password-hash': hash }))).toEqual(['user.password-hash: user.hash-format']);
  });
  it('refuses a full name that would break /etc/passwd', () => {
    expect(codes(withSet('user.fullname', 'Alice: admin'))).toEqual(['user.fullname: user.fullname-chars']);
    expect(codes(withSet('user.fullname', 'Liddell, Alice'))).toEqual(['user.fullname: user.fullname-chars']);
    expect(validateAnswers(withSet('user.fullname', '爱丽丝 Liddell'), ctx).ok).toBe(true);
  });
});

describe('validateAnswers: locale and timezone', () => {
  it('checks the locale format', () => {
    expect(validateAnswers(withSet('locale', 'C.UTF-8'), ctx).ok).toBe(true);
    expect(codes(withSet('locale', 'zh_CN'))).toEqual(['locale: locale.format']);
    expect(codes(withSet('locale', 'chinese'))).toEqual(['locale: locale.format']);
  });
  it.each(['UTC', 'Etc/UTC', 'Etc/GMT-8', 'Asia/Shanghai', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta'])(
    'accepts %s (no zoneinfo in the variant: ICU data)',
    (tz) => expect(validateAnswers(withSet('timezone', tz), ctx).ok).toBe(true),
  );
  it.each(['Mars/Olympus', 'Asia', 'asia/shanghai ', '../../etc/passwd', 'Asia/../Asia/Shanghai', '', 'GMT+8'])('refuses %j', (tz) => {
    expect(codes(withSet('timezone', tz))).toEqual(['timezone: timezone.unknown']);
  });
  it("prefers the variant's own usr/share/zoneinfo, resolving symlinks inside the variant", () => {
    const zoned = (tz: string): Record<string, any> => ({ ...withSet('timezone', tz), variant: 'zoned' });
    expect(validateAnswers(zoned('Asia/Shanghai'), ctx).ok).toBe(true);
    expect(validateAnswers(zoned('UTC'), ctx).ok).toBe(true);
    expect(codes(zoned('Europe/Berlin'))).toEqual(['timezone: timezone.unknown']); // not in this variant
    expect(codes(zoned('Hostlink'))).toEqual(['timezone: timezone.unknown']); // points at the host's file
    expect(codes(zoned('Asia'))).toEqual(['timezone: timezone.unknown']); // a directory
  });
});
