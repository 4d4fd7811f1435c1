import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MediumConfigError, keyOf, parseLivekitConf, parseLivekitConfWithWarnings } from '../../electron/engine/medium/config.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/media/${name}/livekit/livekit.conf`, import.meta.url), 'utf8');

/** The refusal for `text`: its line and reason. */
function refusal(text: string): { line: number; reason: string; file: string } {
  try {
    parseLivekitConf(text, 'test.conf');
  } catch (e) {
    expect(e).toBeInstanceOf(MediumConfigError);
    const err = e as MediumConfigError;
    expect(err.message).toBe(`test.conf:${err.line}: ${err.reason}`);
    return { line: err.line, reason: err.reason, file: err.file };
  }
  throw new Error('expected a refusal');
}

const MINI = 'LAYERS=(desktop)\nSYSROOT_LAYERS=(desktop)\nSYSROOT_DEP_desktop=(base desktop)\n';

describe('parseLivekitConf: accepted forms', () => {
  it('reads an AOSC-style config: implicit base, $FSTYPE in templates, hyphenated names', () => {
    const c = parseLivekitConf(fixture('aosc-style'), 'aosc.conf');
    expect(c.fstype).toBe('erofs');
    expect(c.layers).toEqual(['desktop-common', 'desktop', 'dkms-common', 'driver-nvidia', 'driver-nvidia-open', 'livekit', 'server']);
    expect(c.sysroots).toEqual(['desktop', 'desktop-nvidia', 'desktop-nvidia-open', 'livekit', 'server']);
    expect(c.deps['server']).toEqual(['base', 'server']);
    // every `-` maps to `_`: desktop_nvidia_open is desktop-nvidia-open, not desktop-nvidia_open
    expect(c.deps['desktop-nvidia-open']).toEqual(['base', 'desktop-common', 'desktop', 'dkms-common', 'driver-nvidia-open']);
    expect(c.deps['desktop-nvidia']).toEqual(['base', 'desktop-common', 'desktop', 'dkms-common', 'driver-nvidia']);
    expect(c.templates).toEqual({ 'desktop-nvidia': 'desktop.erofs', 'desktop-nvidia-open': 'desktop.erofs' });
    expect(c.defaultBootTarget).toBeUndefined();
  });

  it("reads AOSC's amd64 installer config as its builder writes it: stray loonggpu entries ignored with a warning each", () => {
    const { config: c, warnings } = parseLivekitConfWithWarnings(fixture('aosc-installer'), 'i.conf');
    expect(c.fstype).toBe('erofs');
    expect(c.sysroots).toHaveLength(12);
    expect(c.sysroots).not.toContain('base');
    expect(Object.keys(c.deps).sort()).toEqual([...c.sysroots].sort());
    expect(c.deps['desktop-arise']).toEqual(['base', 'desktop-common', 'desktop', 'dkms-common', 'driver-glenfly-arise']);
    expect(c.templates['livekit-nvidia-open']).toBe('livekit.erofs');
    expect(c.templates['desktop-loonggpu']).toBeUndefined();
    expect(warnings).toEqual([
      'i.conf:14: ignoring SYSROOT_DEP_desktop_loonggpu: no sysroot "desktop_loonggpu" (or "desktop-loonggpu") is declared in SYSROOT_LAYERS',
      'i.conf:21: ignoring SYSROOT_DEP_livekit_loonggpu: no sysroot "livekit_loonggpu" (or "livekit-loonggpu") is declared in SYSROOT_LAYERS',
      'i.conf:28: ignoring TEMPLATE_desktop_loonggpu: no sysroot "desktop_loonggpu" (or "desktop-loonggpu") is declared in SYSROOT_LAYERS',
      'i.conf:35: ignoring TEMPLATE_livekit_loonggpu: no sysroot "livekit_loonggpu" (or "livekit-loonggpu") is declared in SYSROOT_LAYERS',
    ]);
    // a stray entry may name layers the medium does not have: not checked
    expect(parseLivekitConfWithWarnings(`${MINI}SYSROOT_DEP_server=(base nowhere)\nTEMPLATE_server=x.squashfs\n`, 'x').warnings).toHaveLength(2);
  });

  it("reads AOSC's LiveKit config (SYSROOT_DEP_base and FSTYPE only) and lets DEFAULT_BOOT_TARGET be base", () => {
    const { config, warnings } = parseLivekitConfWithWarnings(fixture('aosc-livekit'), 'l.conf');
    expect(config).toEqual({ layers: [], sysroots: [], deps: { base: ['base'] }, templates: {}, fstype: 'erofs' });
    expect(warnings).toEqual([]);
    expect(parseLivekitConf('DEFAULT_BOOT_TARGET=base\n', 'x').defaultBootTarget).toBe('base');
  });

  it('reads arrays over several lines, comments (also trailing and inside arrays), all quoting forms', () => {
    const c = parseLivekitConf(fixture('multiline'), 'm.conf');
    expect(c).toEqual({
      layers: ['base', 'desktop-common', 'desktop', 'server'],
      sysroots: ['desktop', 'server', 'livekit-test'],
      deps: {
        desktop: ['base', 'desktop-common', 'desktop'],
        server: ['base', 'server'],
        'livekit-test': ['base', 'desktop-common'],
      },
      templates: { 'livekit-test': 'livekit.squashfs' },
      defaultBootTarget: 'livekit-test',
      fstype: 'squashfs',
    });
  });

  it('defaults FSTYPE to squashfs, and accepts an empty file (a base-only medium)', () => {
    expect(parseLivekitConf(MINI, 'x').fstype).toBe('squashfs');
    expect(parseLivekitConf('', 'x')).toEqual({ layers: [], sysroots: [], deps: {}, templates: {}, fstype: 'squashfs' });
  });

  it('accepts empty arrays and values, tabs, and no final newline', () => {
    const c = parseLivekitConf('LAYERS=()\n\tSYSROOT_LAYERS=( )\nDEFAULT_BOOT_TARGET=""\nFSTYPE=\'erofs\'', 'x');
    expect(c).toEqual({ layers: [], sysroots: [], deps: {}, templates: {}, fstype: 'erofs' });
  });

  it("accepts mklive's form: base declared as a sysroot with SYSROOT_DEP_base", () => {
    const c = parseLivekitConf('LAYERS=("desktop")\nSYSROOT_LAYERS=("base" "desktop")\nSYSROOT_DEP_base=("base")\nSYSROOT_DEP_desktop=("base" "desktop")\n', 'x');
    expect(c.sysroots).toEqual(['base', 'desktop']);
    expect(c.deps).toEqual({ base: ['base'], desktop: ['base', 'desktop'] });
  });

  it("accepts AOSC's base-only form SYSROOT_DEP_base=('base')", () => {
    const c = parseLivekitConf("# LiveKit itself is the base layer\nSYSROOT_DEP_base=('base')\n", 'x');
    expect(c.deps).toEqual({ base: ['base'] });
    expect(c.sysroots).toEqual([]);
  });

  it('joins quoted and unquoted parts of one word, keeps # inside a word, handles escapes', () => {
    const c = parseLivekitConf(
      `LAYERS=(de"sk"'top' \\\nb)\nSYSROOT_LAYERS=(desktop)\nSYSROOT_DEP_desktop=(base desktop b)\nTEMPLATE_desktop="t\\"x"#y\nDEFAULT_BOOT_TARGET= # unset\n`,
      'x',
    );
    expect(c.layers).toEqual(['desktop', 'b']);
    expect(c.templates['desktop']).toBe('t"x#y');
    expect(c.defaultBootTarget).toBeUndefined();
  });

  it('accepts CRLF line ends and a backslash line continuation', () => {
    const c = parseLivekitConf('LAYERS=(desktop)\r\nSYSROOT_LAYERS=(desktop)\r\nSYSROOT_DEP_desktop=(base \\\n desktop)\r\n', 'x');
    expect(c.deps['desktop']).toEqual(['base', 'desktop']);
  });

  it('maps keys with keyOf replacing every hyphen', () => {
    expect(keyOf('desktop-nvidia-open')).toBe('desktop_nvidia_open');
  });
});

/** What Bash itself makes of a fixture (sourced in a child shell, as the boot module does). */
function bashView(name: string): { layers: string[]; sysroots: string[]; deps: Record<string, string[]>; templates: Record<string, string> } {
  const path = new URL(`../fixtures/media/${name}/livekit/livekit.conf`, import.meta.url).pathname;
  const script = `source "$1"
    printf 'L\\t%s\\n' "\${LAYERS[@]}"; printf 'S\\t%s\\n' "\${SYSROOT_LAYERS[@]}"
    for s in "\${SYSROOT_LAYERS[@]}"; do k=\${s//-/_}; d="SYSROOT_DEP_$k[@]"; t="TEMPLATE_$k"
      a=("\${!d}"); printf 'D\\t%s\\t%s\\n' "$s" "\${a[*]}"; [ -n "\${!t:-}" ] && printf 'T\\t%s\\t%s\\n' "$s" "\${!t}"; done; true`;
  const out = execFileSync('bash', ['-c', script, 'bash', path], { encoding: 'utf8' });
  const view = { layers: [] as string[], sysroots: [] as string[], deps: {} as Record<string, string[]>, templates: {} as Record<string, string> };
  for (const line of out.split('\n').filter(Boolean)) {
    const [kind, a, b] = line.split('\t') as [string, string, string | undefined];
    if (kind === 'L') view.layers.push(a);
    if (kind === 'S') view.sysroots.push(a);
    if (kind === 'D') view.deps[a] = b!.split(' ');
    if (kind === 'T') view.templates[a] = b!;
  }
  return view;
}

describe('parseLivekitConf agrees with Bash', () => {
  it.each(['aosc-style', 'multiline'])('on the %s fixture', (name) => {
    const c = parseLivekitConf(fixture(name), name);
    expect({ layers: c.layers, sysroots: c.sysroots, deps: c.deps, templates: c.templates }).toEqual(bashView(name));
  });
});

describe('parseLivekitConf: refusals name file, line and reason', () => {
  const cases: [string, string, number, RegExp][] = [
    ['command substitution $(...)', 'LAYERS=(a)\nFSTYPE=$(echo erofs)\n', 2, /command substitution/],
    ['command substitution in backticks', 'LAYERS=(a `id`)\n', 1, /command substitution/],
    ['backticks inside double quotes', 'FSTYPE="`x`"\n', 1, /command substitution/],
    ['a variable expansion', 'LAYERS=(a)\nSYSROOT_LAYERS=($HOME)\n', 2, /expansion \$HOME/],
    ['a ${...} parameter expansion', 'FSTYPE="${X:-erofs}"\n', 1, /parameter expansion/],
    ['$FSTYPE before FSTYPE is set', `${MINI}TEMPLATE_desktop="d.$FSTYPE"\nFSTYPE=erofs\n`, 4, /before FSTYPE is set/],
    ['$((arithmetic))', 'FSTYPE=$((1+1))\n', 1, /command substitution/],
    ['an unknown statement (a command)', 'LAYERS=(a)\nrm -rf /\n', 2, /unknown statement "rm -rf \/"/],
    ['source', 'source /etc/profile\n', 1, /unknown statement/],
    ['an append +=', 'LAYERS=(a)\nLAYERS+=(b)\n', 2, /unknown statement/],
    ['declare', 'declare -a LAYERS=(a)\n', 1, /unknown statement/],
    ['an indexed assignment', 'LAYERS[0]=a\n', 1, /unknown statement/],
    ['a function', 'f() { reboot; }\n', 1, /unknown statement/],
    ['a space before =', 'FSTYPE =erofs\n', 1, /unknown statement/],
    ['export', 'export FSTYPE=erofs\n', 1, /unknown statement/],
    ['an assignment followed by a command', 'FSTYPE=erofs reboot\n', 1, /unexpected text/],
    ['two statements on a line', 'FSTYPE=erofs; LAYERS=(a)\n', 1, /one assignment per line/],
    ['a redirection', 'FSTYPE=erofs >/tmp/x\n', 1, /redirections/],
    ['an unknown key', 'LAYERS=(a)\n\nCOMPRESSION=zstd\n', 3, /unknown key COMPRESSION/],
    ['an unterminated double quote', 'LAYERS=(a)\nFSTYPE="erofs\nLAYERS=(b)\n', 2, /unterminated double quote/],
    ["an unterminated single quote", "LAYERS=('a\n", 1, /unterminated single quote/],
    ['an unterminated array', 'LAYERS=(a)\nSYSROOT_LAYERS=(a\n b\n', 2, /unterminated array/],
    ['an unquoted glob', 'LAYERS=(a*)\n', 1, /glob/],
    ['a brace expansion', 'LAYERS=(a{b,c})\n', 1, /brace/],
    ['a tilde expansion', 'LAYERS=(a)\nTEMPLATE_a=x:~\n', 2, /tilde/],
    ['a dependency on an undeclared layer', 'LAYERS=(a)\nSYSROOT_LAYERS=(a)\nSYSROOT_DEP_a=(base\n  b)\n', 4, /depends on "b", which is not declared/],
    ['a duplicate layer', 'LAYERS=(a b\n a)\n', 2, /duplicate layer "a" in LAYERS \(first on line 1\)/],
    ['a duplicate sysroot', 'LAYERS=(a)\nSYSROOT_LAYERS=(a a)\n', 2, /duplicate sysroot "a"/],
    ['a duplicate key', `${MINI}FSTYPE=erofs\nFSTYPE=squashfs\n`, 5, /FSTYPE is already set on line 4/],
    ['a duplicate dependency', 'LAYERS=(a)\nSYSROOT_LAYERS=(a)\nSYSROOT_DEP_a=(base a a)\n', 3, /duplicate layer "a" in SYSROOT_DEP_a/],
    ['a sysroot without SYSROOT_DEP', 'LAYERS=(a)\nSYSROOT_LAYERS=(a\n  b)\nSYSROOT_DEP_a=(base a)\n', 3, /sysroot "b" has no SYSROOT_DEP_b/],
    ['an empty SYSROOT_DEP', 'LAYERS=(a)\nSYSROOT_LAYERS=(a)\nSYSROOT_DEP_a=()\n', 3, /is empty/],
    ['a TEMPLATE path outside templates/', `${MINI}TEMPLATE_desktop=../../etc/shadow\n`, 4, /must name a file in livekit\/templates/],
    ['DEFAULT_BOOT_TARGET not a sysroot', `${MINI}DEFAULT_BOOT_TARGET=server\n`, 4, /DEFAULT_BOOT_TARGET "server" is not a sysroot/],
    ['a bad FSTYPE', 'FSTYPE=ext4\n', 1, /FSTYPE must be squashfs or erofs, got "ext4"/],
    ['a scalar where an array is needed', 'LAYERS=desktop\n', 1, /LAYERS must be an array/],
    ['an array where a scalar is needed', 'FSTYPE=(erofs)\n', 1, /must be a single value/],
    ['base not first in LAYERS', 'LAYERS=(a base)\n', 1, /base must be the first layer/],
    ['an invalid name', 'LAYERS=("a b")\n', 1, /invalid layer name "a b"/],
    ['colliding sysroot names', 'LAYERS=(a)\nSYSROOT_LAYERS=(desktop-nvidia\n desktop_nvidia)\n', 3, /"desktop-nvidia" and "desktop_nvidia" collide/],
    ["SYSROOT_DEP_base other than ('base')", 'LAYERS=(a)\nSYSROOT_DEP_base=(base a)\n', 2, /SYSROOT_DEP_base may only be/],
    ['nested parentheses', 'LAYERS=(a (b))\n', 1, /nested parentheses/],
    ['an indexed element', 'LAYERS=([0]=a)\n', 1, /glob|indexed/],
    ['a hyphen in the key mapped only once (${name/-/_} bug)', 'LAYERS=(a)\nSYSROOT_LAYERS=(desktop-nvidia-open)\nSYSROOT_DEP_desktop_nvidia-open=(base)\n', 3, /unknown statement/],
  ];
  it.each(cases)('refuses %s', (_what, text, line, reason) => {
    const r = refusal(text);
    expect(r.file).toBe('test.conf');
    expect(r.reason).toMatch(reason);
    expect(r.line).toBe(line);
  });
});
