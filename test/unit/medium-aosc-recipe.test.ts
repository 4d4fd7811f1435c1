// manifest/recipe.json + recipe-i18n.json (AOSC OS media) → SysrootMeta, and where the engine looks
// for the medium (ours, then AOSC's mount point).
import { describe, expect, it } from 'vitest';
import { AoscRecipeError, parseAoscRecipe } from '../../electron/engine/medium/aosc-recipe.ts';
import { DEFAULT_MEDIUM_DIRS, defaultMediumDir } from '../../electron/engine/medium/sysroots.ts';
import { pickTranslation } from '../../electron/engine/medium/sysroots-json.ts';

// The shape aosc-mklive's gen-recipe.py and gen-i18n.py write (texts shortened).
const RECIPE = JSON.stringify({
  ver: 1,
  bulletin: { type: 'info', title: 'Thanks', 'title-tr': 'bulletin-title', body: 'B', 'body-tr': 'bulletin-body' },
  variants: [
    {
      name: 'Desktop', 'name-tr': 'desktop-name', retro: false, description: 'Full-featured desktop.', 'description-tr': 'desktop-description',
      'dir-name': 'desktop', tarballs: [],
      squashfs: [
        { arch: 'arm64', downloadSize: 0, instSize: 1, path: '/run/livekit/sysroots/desktop', sha256sum: '', inodes: 2, date: '20260101' },
        { arch: 'amd64', downloadSize: 0, instSize: 6000000000, path: '/run/livekit/sysroots/desktop', sha256sum: '', inodes: 250000, date: '20260101' },
      ],
    },
    // no dir-name: the path's last part names the sysroot; no translation: the English name
    { name: 'Server', 'name-tr': 'server-name', retro: false, description: 'S', 'description-tr': 'server-description', tarballs: [],
      squashfs: [{ arch: 'amd64', instSize: 5, path: '/run/livekit/sysroots/server/', inodes: 6 }] },
    { name: 'Base', 'name-tr': 'base-name', retro: false, description: 'Minimal.', 'description-tr': 'base-description', 'dir-name': 'base', tarballs: [], squashfs: [] },
  ],
  mirrors: [],
});
const I18N = JSON.stringify({
  en: { 'desktop-name': 'Desktop', 'desktop-description': 'Standard desktop system', 'base-name': 'Base', 'base-description': '' },
  'zh-CN': { 'desktop-name': '桌面版', 'desktop-description': '标准桌面系统', 'base-name': '基础版' },
  'zh-TW': { 'desktop-name': '桌面版', 'base-name': '基礎版' },
});

describe('parseAoscRecipe', () => {
  it('maps each variant to its sysroot with translated titles, descriptions and the arch’s size', () => {
    const m = parseAoscRecipe(RECIPE, 'recipe.json', I18N, 'recipe-i18n.json', 'amd64');
    expect(Object.keys(m)).toEqual(['desktop', 'server', 'base']);
    expect(m['desktop']).toEqual({
      title: { en: 'Desktop', 'zh-CN': '桌面版', 'zh-TW': '桌面版' },
      description: { en: 'Standard desktop system', 'zh-CN': '标准桌面系统' },
      size: 6000000000,
      inodes: 250000,
    });
    expect(pickTranslation(m['desktop']!.title, 'zh_CN.UTF-8')).toBe('桌面版');
    expect(pickTranslation(m['desktop']!.description, 'zh_TW.UTF-8')).toBe('标准桌面系统');
    expect(m['server']).toEqual({ title: { en: 'Server' }, description: { en: 'S' }, size: 5, inodes: 6 });
    // an empty translation falls back to the recipe's English text; no squashfs entry: no size
    expect(m['base']).toEqual({ title: { en: 'Base', 'zh-CN': '基础版', 'zh-TW': '基礎版' }, description: { en: 'Minimal.' } });
  });

  it('takes the first squashfs entry for another arch, and works without recipe-i18n.json', () => {
    const m = parseAoscRecipe(RECIPE, 'recipe.json', undefined, 'recipe-i18n.json', 'riscv64');
    expect(m['desktop']).toMatchObject({ title: { en: 'Desktop' }, size: 1, inodes: 2 });
  });

  it('refuses malformed files with the file and the reason', () => {
    expect(() => parseAoscRecipe('{', 'r.json', undefined, 'i.json')).toThrow(AoscRecipeError);
    expect(() => parseAoscRecipe('{"variants": 3}', 'r.json', undefined, 'i.json')).toThrow(/^r\.json: variants: /);
    expect(() => parseAoscRecipe(RECIPE, 'r.json', '{"en": []}', 'i.json')).toThrow(/^i\.json: en: /);
  });
});

describe('defaultMediumDir', () => {
  it('is ours when it has a config, else AOSC’s livemnt when that has one, else ours', () => {
    expect(DEFAULT_MEDIUM_DIRS).toEqual(['/run/livekit/medium', '/run/livekit/livemnt']);
    expect(defaultMediumDir((p) => p.startsWith('/run/livekit/'))).toBe('/run/livekit/medium');
    expect(defaultMediumDir((p) => p === '/run/livekit/livemnt/livekit/livekit.conf')).toBe('/run/livekit/livemnt');
    expect(defaultMediumDir(() => false)).toBe('/run/livekit/medium');
  });
});
