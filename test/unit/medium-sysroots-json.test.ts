import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SysrootsJsonError, parseSysrootsJson, pickTranslation, translationKeys } from '../../electron/engine/medium/sysroots-json.ts';

const fixture = readFileSync(new URL('../fixtures/media/multiline/livekit/sysroots.json', import.meta.url), 'utf8');

describe('sysroots.json', () => {
  it('reads the wrapped form with translations, sizes, flags and hints', () => {
    const meta = parseSysrootsJson(fixture, 'sysroots.json');
    expect(Object.keys(meta)).toEqual(['desktop', 'server', 'livekit-test']);
    expect(meta['desktop']).toMatchObject({ size: 1234567, inodes: 4321, installable: true });
    expect(meta['desktop']!.title!['zh_CN']).toBe('桌面版');
    expect(meta['server']!.hints).toEqual({ arch: 'loongarch64' });
    expect(meta['livekit-test']).toMatchObject({ installable: false, hints: { gpu: 'nvidia' } });
  });

  it('reads the bare map form too', () => {
    const meta = parseSysrootsJson('{"server": {"size": 10, "inodes": 2}}', 'x');
    expect(meta).toEqual({ server: { size: 10, inodes: 2 } });
  });

  it('ignores unknown fields (newer media) but refuses wrong types, naming the field', () => {
    expect(parseSysrootsJson('{"a": {"size": 1, "future": true}}', 'x')).toEqual({ a: { size: 1 } });
    const bad: [string, RegExp][] = [
      ['{"a": {"size": -1}}', /^x: a\.size: /],
      ['{"a": {"size": "big"}}', /^x: a\.size: /],
      ['{"a": {"installable": "yes"}}', /^x: a\.installable: /],
      ['{"a": {"hints": {"gpu": "matrox"}}}', /^x: a\.hints\.gpu: /],
      ['{"a": {"title": {"en": 3}}}', /^x: a\.title\.en: /],
      ['{"version": 1, "sysroots": {"a": {"inodes": 1.5}}}', /^x: sysroots\.a\.inodes: /],
      ['{"../etc": {}}', /not a valid sysroot name/],
      ['[1]', /^x: \(top level\)/],
      ['{"a": ', /^x: not valid JSON/],
    ];
    for (const [text, re] of bad) {
      expect(() => parseSysrootsJson(text, 'x'), text).toThrow(SysrootsJsonError);
      expect(() => parseSysrootsJson(text, 'x'), text).toThrow(re);
    }
  });

  it('falls back zh_TW → zh_CN → en, zh_CN → zh_TW → en, and to any text last', () => {
    const t = { en: 'Desktop', zh_CN: '桌面', zh_TW: '桌面（繁）' };
    expect(pickTranslation(t, 'zh_TW.UTF-8')).toBe('桌面（繁）');
    expect(pickTranslation(t, 'zh-CN')).toBe('桌面');
    expect(pickTranslation(t, 'de_DE.UTF-8')).toBe('Desktop');
    expect(pickTranslation({ en: 'D', zh_CN: '桌面' }, 'zh-TW')).toBe('桌面');
    expect(pickTranslation({ en: 'D' }, 'zh-TW')).toBe('D');
    expect(pickTranslation({ zh_TW: '桌' }, 'zh_CN')).toBe('桌');
    expect(pickTranslation({ fr: 'Bureau' }, 'en')).toBe('Bureau');
    expect(pickTranslation({ 'zh-CN': '桌面' }, 'zh_CN.UTF-8')).toBe('桌面');
    expect(pickTranslation(undefined, 'en')).toBeUndefined();
    expect(translationKeys('zh_HK.UTF-8')[0]).toBe('zh_TW');
  });
});
