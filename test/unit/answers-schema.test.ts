import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answersJsonSchema } from '../../electron/engine/answers/json-schema.ts';
import { englishMessage } from '../../electron/engine/answers/messages.ts';
import { LANGUAGES, LOCALES_DIR, engineI18n } from '../../electron/engine/i18n.ts';

type Json = Record<string, any>;

describe('answersJsonSchema', () => {
  const schema = answersJsonSchema() as Json;

  it('is a strict JSON Schema of the answers, input side (keys with defaults are optional)', () => {
    expect(schema['$schema']).toMatch(/json-schema\.org/);
    expect(schema['type']).toBe('object');
    expect(schema['additionalProperties']).toBe(false);
    expect(schema['required'].sort()).toEqual(['hostname', 'target', 'user', 'variant', 'version']);
    expect(schema['properties']['version']).toMatchObject({ const: 1 });
    const target = schema['properties']['target'];
    expect(target['additionalProperties']).toBe(false);
    expect(target['required'] ?? []).toEqual([]);
    expect(target['properties']['layout']).toMatchObject({ enum: ['auto', 'gpt-uefi', 'gpt-bios', 'mbr-bios'], default: 'auto' });
    expect(target['properties']['filesystem']['enum']).toEqual(['ext4', 'xfs', 'btrfs']);
    expect(Object.keys(schema['properties']['user']['properties']).sort()).toEqual(['admin', 'autologin', 'fullname', 'name', 'password', 'password-hash']);
    expect(schema['properties']['keyboard']).toMatchObject({ type: 'object', additionalProperties: false, required: ['layout'] });
    expect(Object.keys(schema['properties']['keyboard']['properties']).sort()).toEqual(['layout', 'variant']);
    expect(Object.keys(schema['properties']['root']['properties']).sort()).toEqual(['password', 'password-hash']);
    expect(schema['properties']['rtc']['enum']).toEqual(['utc', 'local']);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});

/** Dotted keys of a nested translation file. */
function keysOf(tree: Json, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keysOf(v as Json, `${prefix}${k}.`)));
}

describe('validation translations', () => {
  const read = (lng: string): Json => JSON.parse(readFileSync(join(LOCALES_DIR, lng, 'validation.json'), 'utf8')) as Json;
  const en = read('en');

  it('are complete in every language, with the same placeholders', () => {
    for (const lng of LANGUAGES) {
      const t = read(lng);
      expect(keysOf(t).sort(), lng).toEqual(keysOf(en).sort());
      for (const key of keysOf(en)) {
        const get = (tree: Json): string => key.split('.').reduce<any>((n, p) => n[p], tree) as string;
        const ph = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();
        expect(ph(get(t)), `${lng} ${key}`).toEqual(ph(get(en)));
      }
    }
  });

  it('cover every code the validator can emit (each code in the source has English text)', () => {
    const dir = join(LOCALES_DIR, '..', 'electron', 'engine', 'answers');
    // The account rules are shared with the wizard and the repairs.
    const elsewhere = ['electron/shared/account-rules.ts'].map((f) => join(LOCALES_DIR, '..', f));
    const source = [...readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)), ...elsewhere]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const used = [...source.matchAll(/code: '([a-z-]+\.[a-z-]+)'/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(20);
    for (const code of used) expect(() => englishMessage(code, {}), code).not.toThrow();
    // and nothing unused lingers in the files
    for (const key of keysOf(en).filter((k) => !k.startsWith('file.'))) expect(used, key).toContain(key);
  });

  it("cover every answer-file and input-file refusal (`file.*`: load.ts names its keys, input-file.ts composes them)", () => {
    const dir = join(LOCALES_DIR, '..', 'electron', 'engine');
    const load = readFileSync(join(dir, 'answers', 'load.ts'), 'utf8');
    const fromLoad = [...load.matchAll(/'(file\.[a-z-]+)'/g)].map((m) => m[1]!);
    const codes = ['missing', 'unreadable', 'too-large', 'changed'];
    const kinds = ['directory', 'char-device', 'block-device', 'fifo', 'socket', 'other'];
    const fromInput = [...codes.map((c) => `file.${c}`), ...kinds.map((k) => `file.not-regular.${k}`)];
    expect(keysOf(en).filter((k) => k.startsWith('file.')).sort()).toEqual([...new Set([...fromLoad, ...fromInput])].sort());
  });

  it('resolve through the engine translator as validation:<code>, in each language', () => {
    const params = { variant: 'gaming', installable: 'desktop, server' };
    expect(engineI18n('zh-CN').t('validation:variant.unknown', params)).toBe('本介质上没有名为“gaming”的变体；可安装的变体：desktop, server');
    expect(engineI18n('zh-TW').t('validation:user.name-reserved', { name: 'root' })).toBe('「root」為系統保留名稱');
    expect(engineI18n('en').t('validation:user.name-reserved', { name: 'root' })).toBe(englishMessage('user.name-reserved', { name: 'root' }));
  });

  it('fills placeholders in the English message', () => {
    expect(englishMessage('user.name-reserved', { name: 'root' })).toBe('"root" is reserved for the system');
    expect(() => englishMessage('no.such-code')).toThrow(/missing English text/);
  });
});
