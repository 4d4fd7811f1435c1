// The release recipe gives every variant that has a kernel what an encrypted install needs (#22): the
// recipe is sourced and checked as mklive does (recipe_check), then each sysroot's packages are the
// base's plus those of every layer in its stack. (Whether apt resolves them is proven by the release
// build; the Debian fixture installs the same set: test/fixtures/debian-sysroot/build.sh.)
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.ts';

const MKLIVE_DIR = join(REPO, 'scripts/mklive');
/** cryptsetup and its initramfs hook; console-setup + keyboard-configuration + kbd: the keymap at the prompt. */
const ENCRYPTION = ['cryptsetup', 'cryptsetup-initramfs', 'console-setup', 'keyboard-configuration', 'kbd'];

/** Each sysroot of a recipe with the packages of its whole stack, as `name: pkg pkg ...` lines. */
async function sysrootPackages(recipe: string): Promise<Map<string, string[]>> {
  const script = `
    set -euo pipefail
    MKLIVE_DIR=$1
    source "$MKLIVE_DIR/lib/common.sh"
    source "$MKLIVE_DIR/lib/recipe.sh"
    recipe_locate "$2"
    source "$RECIPE_FILE"
    recipe_check >&2
    for s in "\${SYSROOTS[@]}"; do
      pkgs=("\${BASE_PACKAGES[@]}")
      while read -r l; do
        [ "$l" = base ] && continue
        mapfile -t more < <(layer_packages "$l")
        pkgs+=("\${more[@]}")
      done < <(sysroot_stack "$s")
      echo "$s: \${pkgs[*]}"
    done`;
  const r = await execa('bash', ['-c', script, 'recipe-packages', MKLIVE_DIR, recipe], { stdin: 'ignore' });
  return new Map(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim().split(/\s+/)]));
}

describe('the release recipe and encryption', () => {
  it('every release variant with a kernel carries cryptsetup, its initramfs hook and the console keymap tools', async () => {
    const sysroots = await sysrootPackages('release');
    const withKernel = [...sysroots].filter(([, pkgs]) => pkgs.some((p) => p.startsWith('linux-image-')));
    expect(withKernel.map(([s]) => s).sort()).toEqual(['base', 'desktop', 'desktop-nvidia', 'desktop-wine', 'livekit', 'server']);
    for (const [s, pkgs] of withKernel) expect(pkgs, s).toEqual(expect.arrayContaining(ENCRYPTION));
  });
});
