// The GRUB menus without booting: the sources parse (grub-script-check), the .pot is what xgettext
// extracts now, every message is translated in en/zh_CN/zh_TW and compiles, the font GRUB gets
// has a glyph for every character the menus show, and mkmenu.sh turns a real tiny medium's
// livekit.conf/sysroots.json into entries (the NVIDIA sysroot found from its hint).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMedium, isRoot, NEEDS_ROOT, REPO } from './helpers/kit.ts';
import { pf2CodePoints } from './helpers/pf2.ts';

const GRUB = join(REPO, 'scripts/grub');
const LOCALES = join(REPO, 'locales/grub');
const LANGS = ['en', 'zh_CN', 'zh_TW'];

function msgids(po: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^msgid "(.*)"\nmsgstr "(.*)"$/gm;
  for (let m = re.exec(po); m; m = re.exec(po)) if (m[1]) out.set(m[1], m[2] ?? '');
  return out;
}

describe('GRUB menu sources and translations', () => {
  let tmp = '';
  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'livekit-grub-')); });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('parse with grub-script-check', async () => {
    for (const f of ['grub.cfg', 'boot.cfg']) {
      const r = await execa('grub-script-check', [join(GRUB, f)], { reject: false });
      expect(r.exitCode, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it('livekit-grub.pot holds exactly the $"..." strings xgettext extracts from the menus today', async () => {
    const fresh = join(tmp, 'fresh.pot');
    await execa('xgettext', ['--language=Shell', '--from-code=UTF-8', '-o', fresh, 'scripts/grub/grub.cfg', 'scripts/grub/boot.cfg'], { cwd: REPO });
    const committed = [...msgids(readFileSync(join(LOCALES, 'livekit-grub.pot'), 'utf8')).keys()].sort();
    const extracted = [...msgids(readFileSync(fresh, 'utf8')).keys()].sort();
    expect(extracted).toContain('Start the Live desktop');
    expect(committed).toEqual(extracted);
  });

  it('every message is translated in en, zh_CN and zh_TW, and msgfmt --check compiles them', async () => {
    const ids = [...msgids(readFileSync(join(LOCALES, 'livekit-grub.pot'), 'utf8')).keys()];
    for (const lang of LANGS) {
      const po = msgids(readFileSync(join(LOCALES, `${lang}.po`), 'utf8'));
      for (const id of ids) expect(po.get(id), `${lang}: "${id}"`).toBeTruthy();
      if (lang !== 'en') for (const id of ids) expect(po.get(id), `${lang}: "${id}" left in English`).not.toBe(id);
    }
    const r = await execa('bash', [join(GRUB, 'mklocales.sh'), '--mo', join(tmp, 'mo')]);
    expect(r.exitCode).toBe(0);
    const zh = readFileSync(join(tmp, 'mo', 'zh_CN.mo'));
    expect(zh.includes(Buffer.from('启动 Live 桌面'))).toBe(true);
  });

  it("GRUB's unicode font (the one grub-mkrescue installs) has a glyph for every character of the menus", () => {
    const points = pf2CodePoints('/usr/share/grub/unicode.pf2');
    const text = LANGS.map((l) => [...msgids(readFileSync(join(LOCALES, `${l}.po`), 'utf8')).values()].join('')).join('')
      + readFileSync(join(GRUB, 'grub.cfg'), 'utf8').match(/menuentry "([^"]+)"/g)?.join('');
    const missing = [...new Set([...text].filter((c) => !points.has(c.codePointAt(0) ?? 0)))];
    expect(points.size).toBeGreaterThan(20_000);
    expect(missing).toEqual([]);
  });
});

describe.skipIf(!isRoot)('mkmenu.sh on a real tiny medium', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'livekit-mkmenu-'));
    await buildMedium(join(tmp, 'medium'));
  }, 300_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes the label, the default and NVIDIA sysroots, and one titled entry per sysroot', async () => {
    await execa('bash', [join(GRUB, 'mkmenu.sh'), '--medium', join(tmp, 'medium'), '--out', join(tmp, 'grub'), '--label', 'LKMENU', '--serial', '--timeout', '7']);
    const env = readFileSync(join(tmp, 'grub/livekit/env.cfg'), 'utf8');
    expect(env).toContain('set livekit_label="LKMENU"');
    expect(env).toContain('set livekit_default="livekit"');
    expect(env).toContain('set livekit_nvidia="desktop-nvidia"');
    expect(env).toContain('set livekit_timeout=7');
    expect(env).toMatch(/livekit_cmdline="console=ttyS0,115200/);
    const entries = readFileSync(join(tmp, 'grub/livekit/sysroots.cfg'), 'utf8');
    expect(entries).toContain(`menuentry '服务器' --id 'sysroot-server' { livekit_linux "server"; }`);
    expect(entries).toContain(`menuentry '伺服器' --id 'sysroot-server'`);
    expect(entries).toContain(`menuentry 'Server' --id 'sysroot-server'`);
    for (const f of ['env.cfg', 'sysroots.cfg']) {
      const r = await execa('grub-script-check', [join(tmp, 'grub/livekit', f)], { reject: false });
      expect(r.exitCode, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it('offers the automatic install only on a medium with default answers (mklive --autoinstall)', async () => {
    const mk = () => execa('bash', [join(GRUB, 'mkmenu.sh'), '--medium', join(tmp, 'medium'), '--out', join(tmp, 'grub-ai'), '--label', 'LKMENU']);
    await mk();
    expect(readFileSync(join(tmp, 'grub-ai/livekit/env.cfg'), 'utf8')).toContain('set livekit_autoinstall=""');
    mkdirSync(join(tmp, 'medium/livekit/answers'), { recursive: true });
    writeFileSync(join(tmp, 'medium/livekit/answers/default.yaml'), 'version: 1\n');
    try {
      await mk();
      expect(readFileSync(join(tmp, 'grub-ai/livekit/env.cfg'), 'utf8')).toContain('set livekit_autoinstall="/livekit/answers/default.yaml"');
    } finally {
      rmSync(join(tmp, 'medium/livekit/answers'), { recursive: true, force: true });
    }
    // The entry itself: guarded by that variable, passing it on the kernel line.
    const boot = readFileSync(join(GRUB, 'boot.cfg'), 'utf8');
    expect(boot).toMatch(/if \[ -n "\$\{livekit_autoinstall\}" \]; then\n\s+#[^\n]*\n\s+menuentry \$"Automatic install \(answers on the medium\)"/);
    expect(boot).toContain('livekit.autoinstall=${livekit_autoinstall}');
  });

  it('refuses a label GRUB or udev would mangle', async () => {
    const r = await execa('bash', [join(GRUB, 'mkmenu.sh'), '--medium', join(tmp, 'medium'), '--out', join(tmp, 'bad'), '--label', 'BAD"LABEL'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('unsafe value');
  });
});

if (!isRoot) console.warn(`test/boot/grub-menus: mkmenu part skipped (${NEEDS_ROOT})`);
