// The wizard's store slices and the pure helpers behind its fields.
import { describe, expect, it } from 'vitest';
import { createStore, pageFor, sessionOf } from '../../renderer/store/index.ts';
import { filterZones, zoneLabel, zonesFor } from '../../renderer/store/zones.ts';
import { buildAnswers, deriveHostname, deriveUsername, isSuggestedUsername, pageOfPath, passphraseReady, passphraseStrength, passwordStrength } from '../../renderer/store/derive.ts';
import { formatBytes, formatDuration, formatRate } from '../../renderer/store/format.ts';
import { initialInstallState, reduceInstall } from '../../electron/api.ts';
import { answersSchema } from '../../electron/shared/answers.ts';
import type { Plan } from '../../electron/api.ts';

describe('user slice derivations', () => {
  it('derives the user name and host name from the full name until they are edited', () => {
    const s = createStore();
    s.getState().setFullname('Alice Liddell');
    expect(s.getState().user).toMatchObject({ username: 'alice', hostname: 'alice-pc' });
    s.getState().setUsername('al');
    expect(s.getState().user).toMatchObject({ username: 'al', hostname: 'al-pc', usernameEdited: true });
    s.getState().setFullname('Bob Builder');
    expect(s.getState().user.username).toBe('al');
    s.getState().setHostname('wonderland');
    s.getState().setUsername('bob');
    expect(s.getState().user.hostname).toBe('wonderland');
  });
  it('keeps derived names inside the engine rules', () => {
    expect(deriveUsername('  Émile Zola ')).toBe('emile');
    // A name without Latin letters suggests `user` instead of nothing (and an error).
    expect(deriveUsername('42 Douglas')).toBe('user');
    expect(deriveUsername('张三')).toBe('user');
    expect(isSuggestedUsername('张三', 'user')).toBe(true);
    expect(isSuggestedUsername('User Person', 'user')).toBe(false);
    expect(deriveUsername('')).toBe('');
    expect(deriveHostname('a_b')).toBe('a-b-pc');
    expect(deriveHostname('')).toBe('');
  });
  it('grades passwords', () => {
    expect(passwordStrength('')).toBe('empty');
    expect(passwordStrength('abc')).toBe('weak');
    expect(passwordStrength('abcdefg1')).toBe('fair');
    expect(passwordStrength('Correct-Horse-9')).toBe('strong');
  });
});

describe('disk, variant and summary slices', () => {
  it('drops a confirmed plan when the disk or variant changes', () => {
    const s = createStore();
    s.getState().setPlan({ version: 1 } as Plan, []);
    s.getState().setConfirmed(true);
    s.getState().setDisk({ disk: '/tmp/b.img' });
    expect(s.getState().confirmed).toBe(false);
    expect(s.getState().plan).toBeNull();
    s.getState().setConfirmed(true);
    s.getState().setVariant('server');
    expect(s.getState().confirmed).toBe(false);
  });
  it('sets the POSIX locale with the language', () => {
    const s = createStore();
    s.getState().setLanguage('zh-TW');
    expect(s.getState().locale).toBe('zh_TW.UTF-8');
  });
});

describe('answers', () => {
  const fields = {
    locale: 'zh_CN.UTF-8',
    variant: 'desktop',
    disk: { mode: 'erase' as const, disk: '/tmp/a.img', root: '', efi: '', filesystem: 'btrfs' as const, swap: 'size' as const, swapSize: ' 1GiB ', bootloader: 'auto' as const, encrypt: false },
    passphrase: '',
    user: { fullname: 'Alice', username: 'alice', password: 'pw', hostname: 'alice-pc', timezone: 'Asia/Shanghai', rtc: 'local' as const, admin: true, autologin: false, root: 'locked' as const, rootPassword: '' },
    keyboard: { layout: 'cn', variant: '' },
  };
  it('builds an answers object the answer-file schema accepts', () => {
    const a = buildAnswers(fields, true);
    expect(answersSchema.safeParse(a).success).toBe(true);
    expect(a.target).toEqual({ disk: '/tmp/a.img', layout: 'auto', filesystem: 'btrfs', swap: '1GiB' });
    expect(a.user.password).toBe('pw');
    expect(a.keyboard).toEqual({ layout: 'cn' });
    const root = buildAnswers({ ...fields, user: { ...fields.user, root: 'password', rootPassword: 'toor1', autologin: true, admin: false }, keyboard: { layout: 'us', variant: 'dvorak' } }, true);
    expect(answersSchema.safeParse(root).success).toBe(true);
    expect([root.root, root.user.admin, root.user.autologin, root.keyboard]).toEqual([{ password: 'toor1' }, false, true, { layout: 'us', variant: 'dvorak' }]);
  });
  it('exports without the password, and with partitions instead of a disk', () => {
    const a = buildAnswers({ ...fields, disk: { ...fields.disk, mode: 'partitions', root: '/dev/sdb2', efi: '/dev/sdb1', swap: 'none' } }, false);
    expect(answersSchema.safeParse(a).success).toBe(true);
    expect(a.user).toEqual({ name: 'alice', fullname: 'Alice', admin: true, autologin: false });
    expect(a.target).toEqual({ partitions: { root: '/dev/sdb2', efi: '/dev/sdb1' }, filesystem: 'btrfs', swap: 'none' });
  });
  it('asks for encryption with the passphrase when a whole disk is erased, never into partitions', () => {
    const enc = { ...fields, disk: { ...fields.disk, encrypt: true }, passphrase: 'Open Sesame 42' };
    const a = buildAnswers(enc, true);
    expect(answersSchema.safeParse(a).success).toBe(true);
    expect(a.encryption).toEqual({ passphrase: 'Open Sesame 42' });
    // Without the secrets (an exported file's shape): the passphrase is null, for a person to fill in.
    expect(buildAnswers(enc, false).encryption).toEqual({ passphrase: null });
    expect(buildAnswers({ ...enc, disk: { ...enc.disk, mode: 'partitions', root: '/dev/sdb2' } }, true)).not.toHaveProperty('encryption');
    expect(buildAnswers(fields, true)).not.toHaveProperty('encryption');
  });
  it('grades passphrases by length and character classes, and readies them by the shared rule', () => {
    expect(passphraseStrength('')).toBe('empty');
    expect(passphraseStrength('abcdefgh')).toBe('weak');
    expect(passphraseStrength('password1')).toBe('weak');
    expect(passphraseStrength('Wonder-land')).toBe('fair');
    expect(passphraseStrength('Wonder-land-42')).toBe('strong');
    // Plain words, but long: strong, as they are.
    expect(passphraseStrength('correct horse battery staple')).toBe('strong');
    expect(passphraseReady('Wonder-land-42', 'Wonder-land-42')).toBe(true);
    expect(passphraseReady('Wonder-land-42', 'Wonder-land-43')).toBe(false);
    expect(passphraseReady('short', 'short')).toBe(false);
    expect(passphraseReady('密码密码密码密码', '密码密码密码密码')).toBe(false);
  });
  it('maps problem paths to pages', () => {
    expect(pageOfPath('encryption.passphrase')).toBe('disk');
    expect(pageOfPath('encryption')).toBe('disk');
    expect(pageOfPath('target.disk')).toBe('disk');
    expect(pageOfPath('user.name')).toBe('user');
    expect(pageOfPath('hostname')).toBe('user');
    expect(pageOfPath('variant')).toBe('variant');
  });
});

describe('install slice', () => {
  const plan = { steps: [{ id: 'copy', label: 'plan:step.copy', weight: 1, actions: [] }] } as unknown as Plan;
  it('follows the install: progress page while running, failed or done after, and after a reload', () => {
    const s = createStore();
    s.getState().go('summary');
    s.getState().apply({ type: 'event', event: { type: 'plan', plan } });
    expect(s.getState().page).toBe('progress');
    s.getState().apply({ type: 'event', event: { type: 'progress', step: 'copy', bytes: 5, total: 10, rate: 1, eta: 5, percent: 50 } });
    s.getState().apply({ type: 'event', event: { type: 'progress', step: 'copy', bytes: 4, total: 10, rate: 1, eta: 5, percent: 40 } });
    expect(s.getState().install.percent).toBe(50);
    s.getState().apply({ type: 'event', event: { type: 'error', step: 'copy', message: 'boom' } });
    s.getState().apply({ type: 'event', event: { type: 'done', ok: false, logPath: '/tmp/l' } });
    expect(s.getState().page).toBe('failed');
    expect(s.getState().install).toMatchObject({ phase: 'failed', logPath: '/tmp/l', error: { step: 'copy', message: 'boom' } });

    const fresh = createStore();
    let st = reduceInstall(initialInstallState(), { type: 'plan', plan });
    st = reduceInstall(st, { type: 'step', step: 'copy', label: 'plan:step.copy', index: 0, count: 1, state: 'start' });
    fresh.getState().apply({ type: 'snapshot', state: st });
    expect(fresh.getState().page).toBe('progress');
    expect(fresh.getState().install.steps[0]?.state).toBe('running');
  });
  it('lets the user leave the failed page to change the disk', () => {
    const failed = { ...initialInstallState(), phase: 'failed' as const };
    expect(pageFor(failed, 'disk')).toBe('disk');
    expect(pageFor(failed, 'progress')).toBe('failed');
    expect(pageFor(initialInstallState(), 'done')).toBe('summary');
  });
});

describe('formatting per language', () => {
  it('formats sizes, rates and durations with Intl', () => {
    // Binary units like the CLI (2,000,000,000 bytes = 1.9 GiB), the number in the language's own form.
    expect(formatBytes(2_000_000_000, 'en')).toBe('1.9 GiB');
    expect(formatBytes(3 * 1024 ** 3, 'zh-CN')).toBe('3 GiB');
    expect(formatBytes(1536 * 1024 ** 2, 'de')).toBe('1,5 GiB');
    expect(formatBytes(1_500_000, 'zh-CN')).toBe('1.4 MiB');
    expect(formatRate(12_300_000, 'en')).toBe('11.7 MiB/s');
    expect(formatDuration(125, 'en')).toBe('2 min 5 sec');
    expect(formatDuration(125, 'zh-CN')).toBe('2分钟 5秒');
  });
});

describe('issue 13: locale defaults, the session, zones', () => {
  it('the language suggests the time zone and the keyboard layout until the person chooses them', () => {
    const s = createStore();
    s.getState().setLanguage('zh-CN');
    expect([s.getState().user.timezone, s.getState().keyboard.layout]).toEqual(['Asia/Shanghai', 'cn']);
    s.getState().setLanguage('zh-TW');
    expect([s.getState().user.timezone, s.getState().keyboard.layout]).toEqual(['Asia/Taipei', 'tw']);
    s.getState().setTimezone('Europe/Berlin');
    s.getState().setKeyboard({ layout: 'de' });
    s.getState().setLanguage('zh-CN');
    expect([s.getState().user.timezone, s.getState().keyboard.layout]).toEqual(['Europe/Berlin', 'de']);
  });
  it('a session saved by one window resumes in another: page, language, answers and passwords', () => {
    const a = createStore();
    a.getState().setLanguage('zh-CN');
    a.getState().setFullname('张三');
    a.getState().setUser({ password: 'secret1', confirm: 'secret1' });
    a.getState().go('user');
    const session = sessionOf(a.getState());
    expect(session.fields).not.toHaveProperty('user.password');
    expect(JSON.stringify(session.fields)).not.toContain('secret1');
    expect(session.secrets.password).toBe('secret1');
    const b = createStore();
    b.getState().resume(JSON.parse(JSON.stringify(session)));
    expect(b.getState()).toMatchObject({ resumed: true, page: 'user', language: 'zh-CN', locale: 'zh_CN.UTF-8' });
    expect(b.getState().user).toMatchObject({ fullname: '张三', username: 'user', password: 'secret1', confirm: 'secret1', timezone: 'Asia/Shanghai' });
  });
  it('keeps the disk passphrase with the secrets, never in the fields, and resumes it', () => {
    const a = createStore();
    a.getState().setDisk({ disk: '/tmp/a.img', encrypt: true });
    a.getState().setPassphrase({ value: 'Open Sesame 42', confirm: 'Open Sesame 4' });
    a.getState().go('disk');
    const session = sessionOf(a.getState());
    expect(JSON.stringify(session.fields)).not.toContain('Open Sesame');
    expect(session.fields).toMatchObject({ disk: { encrypt: true } });
    expect(session.secrets).toMatchObject({ passphrase: 'Open Sesame 42', passphraseConfirm: 'Open Sesame 4' });
    const b = createStore();
    b.getState().resume(JSON.parse(JSON.stringify(session)));
    expect(b.getState().passphrase).toEqual({ value: 'Open Sesame 42', confirm: 'Open Sesame 4' });
    expect(b.getState().disk.encrypt).toBe(true);
    // A changed passphrase drops the plan made with the old one.
    b.getState().setPlan({ version: 1 } as Plan, [], 'p1');
    b.getState().setPassphrase({ confirm: 'Open Sesame 42' });
    expect([b.getState().plan, b.getState().planId]).toEqual([null, null]);
  });
  it('time zones filter by id, city and Chinese city name', () => {
    const zones = zonesFor('zh-CN');
    expect(filterZones(zones, 'Shangh').map((z) => z.id)).toEqual(['Asia/Shanghai']);
    expect(filterZones(zones, '上海').map((z) => z.id)).toEqual(['Asia/Shanghai']);
    expect(filterZones(zones, '臺北').map((z) => z.id)).toEqual(['Asia/Taipei']);
    expect(filterZones(zones, 'new york').map((z) => z.id)).toEqual(['America/New_York']);
    expect(filterZones(zones, 'shangh').some((z) => z.id === 'UTC')).toBe(false);
    expect(zoneLabel('Asia/Shanghai', 'zh-CN')).toBe('上海 · Asia/Shanghai');
    expect(zoneLabel('Asia/Taipei', 'zh-TW')).toBe('臺北 · Asia/Taipei');
    expect(zoneLabel('America/New_York', 'en')).toBe('America/New York');
  });
});
