// The installer packed onto the medium (issue #11's CI part): the `tiny` medium built with
// `--installer yes` carries the engine, the CLI and the UI with their own Node runtime in the `livekit`
// layer. The real loader composes the Live root; inside it (chroot, no network but loopback, an empty
// environment, no build tree in sight) `livekit --help`, `livekit sysroots` and `livekit serve` answer.
// Built with `--electron-dist` given a stand-in release (the real Electron cannot be downloaded here): the
// layer carries it with the installer's Electron shell, and the Live session's launcher prefers it to
// Chromium, handing over the engine's URL file and never the token on a command line.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, build, isRoot, NEEDS_ROOT, REPO, tempDir, type Boot } from './helpers.ts';

if (!isRoot) console.warn(`test/medium/installer-pack: skipped (${NEEDS_ROOT})`);

// The Live root as a booted system sees it: /proc, /sys, /dev, and /run/livekit (the medium, layers
// and sysroots the loader mounted). `live` runs a command there with an empty environment, in a network
// namespace of its own with only loopback up.
const LIVE_ROOT = `
mount -t proc proc "$ROOT/proc"; mount --rbind /sys "$ROOT/sys"; mount --rbind /dev "$ROOT/dev"
mkdir -p "$ROOT/run/livekit"; mount --rbind "$RUN" "$ROOT/run/livekit"
live() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$ROOT" "$@"; }
export -f live; export ROOT
`;

const CHECKS = `${LIVE_ROOT}
echo "== which"; live /bin/sh -c 'command -v livekit'
echo "== help"; live livekit --help | head -n 1
echo "== sysroots"; live livekit sysroots --json
echo "== in-repo"; grep -rhoa -- ".\{0,60\}$REPO_PATH.\{0,60\}" "$ROOT/usr/lib/livekit" | head -n 3 || true; echo none
echo "== node_modules"; find "$ROOT/usr/lib/livekit" -name node_modules | head -n 1; echo end
echo "== serve"
cat >"$ROOT/tmp/fetch.mjs" <<'JS'
// A browser's first load: follow redirects, keeping the cookies the service sets.
let url = process.argv[2];
let cookie = '';
for (let hop = 0; hop < 5; hop++) {
  const r = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const set = r.headers.getSetCookie();
  if (set.length > 0) cookie = set.map((c) => c.split(';')[0]).join('; ');
  if (r.status >= 300 && r.status < 400) {
    url = new URL(r.headers.get('location'), url).href;
    continue;
  }
  console.log('status', r.status, (await r.text()).includes('<div id="root">'));
  break;
}
JS
unshare -n bash -euo pipefail -c '
  ip link set lo up
  # Not through the live() function: a function in the background is a subshell, and SIGTERM to it
  # would leave the service (and the namespace that holds the loop devices of the layers) running.
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$ROOT" livekit serve --port 0 >"$T/serve.out" 2>"$T/serve.err" &
  pid=$!
  url=""
  for _ in $(seq 1 300); do
    # a whole line only: the URL may be read while it is being written
    [ "$(wc -l <"$T/serve.out")" -ge 1 ] && url=$(head -n 1 "$T/serve.out" | grep -o "http://127.0.0.1:[0-9]*/[^ ]*" || true)
    [ -n "$url" ] && break
    sleep 0.2
  done
  [ -n "$url" ] || { echo "no URL"; cat "$T/serve.err"; kill "$pid"; exit 1; }
  echo "url $url"
  live /usr/lib/livekit/node /tmp/fetch.mjs "$url"
  kill -TERM "$pid"; wait "$pid" || true
  if kill -0 "$pid" 2>/dev/null; then echo "serve still running"; fi
'
echo "== electron"
E=/usr/lib/livekit/electron
ls -ln "$ROOT$E/chrome-sandbox" | cut -d' ' -f1,3,4
for f in app/package.json app/main/index.mjs app/preload/index.cjs; do [ -s "$ROOT$E/$f" ] && echo "has $f"; done
cp "$LAUNCHER" "$ROOT/tmp/livekit-installer"
printf 'http://127.0.0.1:4242/?token=%s\n' "$TOKEN" >"$ROOT/tmp/engine-url"
chmod 600 "$ROOT/tmp/engine-url"
live /bin/sh -c 'LIVEKIT_ENGINE_URL_FILE=/tmp/engine-url exec /bin/sh /tmp/livekit-installer'
echo "== chromium"
mkdir -p "$ROOT/tmp/bin" "$ROOT/tmp/xdg"
printf '#!/bin/sh\necho "chromium argv: $*"\n' >"$ROOT/tmp/bin/chromium"; chmod 755 "$ROOT/tmp/bin/chromium"
live /bin/sh -c 'PATH=/tmp/bin:/usr/bin:/bin XDG_RUNTIME_DIR=/tmp/xdg LIVEKIT_ELECTRON_DIR=/nowhere LIVEKIT_ENGINE_URL_FILE=/tmp/engine-url exec /bin/sh /tmp/livekit-installer'
stat -c 'open.html %a' "$ROOT/tmp/xdg/livekit-installer/open.html"
grep -c "$TOKEN" "$ROOT/tmp/xdg/livekit-installer/open.html"
echo "== done"
`;

/** What Electron would do first with the app folder it is given; the real binary cannot be had here. */
const STAND_IN_ELECTRON = `#!/bin/sh
echo "electron argv: $*"
echo "url file: $LIVEKIT_ENGINE_URL_FILE"
/usr/lib/livekit/node -e 'const p = require(process.argv[1] + "/package.json"); console.log("main:", p.main, require("fs").existsSync(process.argv[1] + "/" + p.main))' "$1"
`;
const TOKEN = 'standInToken0123456789abcdef';

function section(out: string, name: string): string {
  const m = new RegExp(`== ${name}\\n([\\s\\S]*?)(?:\\n== |$)`).exec(out);
  return m ? m[1]!.trim() : '';
}

describe.skipIf(!isRoot)('the installer packed into the tiny medium', () => {
  const t = tempDir('installer-pack');
  const medium = join(t.dir, 'medium');
  let r: Boot;
  beforeAll(async () => {
    const dist = join(t.dir, 'electron-dist');
    mkdirSync(join(dist, 'locales'), { recursive: true });
    writeFileSync(join(dist, 'electron'), STAND_IN_ELECTRON);
    chmodSync(join(dist, 'electron'), 0o755);
    writeFileSync(join(dist, 'chrome-sandbox'), '');
    const b = await build('tiny', medium, ['--installer', 'yes', '--electron-dist', dist]);
    expect(b.code, b.stderr.slice(-3000)).toBe(0);
    expect(b.stderr).toContain('installer: packed into the layer');
    expect(b.stderr).toContain('installer: Electron from');
    const env = `T="$(mktemp -d)"; export T REPO_PATH="${REPO.replace(/\/$/, '')}" LAUNCHER="${join(REPO, 'scripts/live-session/livekit-installer')}" TOKEN="${TOKEN}"`;
    r = await boot(medium, 'livekit.boot=livekit', `${env}\n${CHECKS}`);
  }, 900_000);
  afterAll(() => t.remove());

  it('is on PATH in the Live root, as one bundle with its runtime (no node_modules)', () => {
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(section(r.stdout, 'which')).toBe('/usr/bin/livekit');
    expect(section(r.stdout, 'node_modules')).toBe('end');
  });

  it('carries nothing of the build tree (no path of the checkout in the bundle)', () => {
    expect(section(r.stdout, 'in-repo')).toBe('none');
  });

  it('`livekit --help` answers in the Live root', () => {
    expect(section(r.stdout, 'help')).toBe('Usage: livekit <command> [options]');
  });

  it('`livekit sysroots` lists every variant of the medium from /run/livekit', () => {
    const list = JSON.parse(section(r.stdout, 'sysroots')) as { name: string; installable: boolean; title: string }[];
    expect(list.map((s) => s.name).sort()).toEqual(['base', 'desktop', 'desktop-nvidia', 'livekit', 'server']);
    expect(list.find((s) => s.name === 'livekit')!.installable).toBe(false);
    expect(list.find((s) => s.name === 'desktop')!.title).toBe('Desktop');
  });

  it('`livekit serve` serves the installer UI on loopback', () => {
    const out = section(r.stdout, 'serve');
    expect(out).toMatch(/^url http:\/\/127\.0\.0\.1:\d+\/\?token=/m);
    expect(out).toMatch(/^status 200 true$/m);
    // SIGTERM stopped it: no packed service is left running (it would hold the layers' loop devices).
    expect(out).not.toContain('serve still running');
    const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('/usr/lib/livekit/app/electron/cli/main.mjs');
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  });

  it('carries the Electron release given with --electron-dist and the installer\'s shell; the sandbox helper is setuid root', () => {
    const out = section(r.stdout, 'electron');
    expect(out).toMatch(/^-rwsr-xr-x 0 0$/m);
    for (const f of ['app/package.json', 'app/main/index.mjs', 'app/preload/index.cjs']) expect(out).toContain(`has ${f}`);
  });

  it('the Live session\'s launcher opens Electron with the engine\'s URL file, the token on no command line', () => {
    const out = section(r.stdout, 'electron');
    expect(out).toMatch(/^electron argv: \/usr\/lib\/livekit\/electron\/app$/m);
    expect(out).toMatch(/^url file: \/tmp\/engine-url$/m);
    expect(out).toMatch(/^main: main\/index\.mjs true$/m);
    expect(out).not.toMatch(new RegExp(`argv: .*${TOKEN}`));
  });

  it('without Electron it opens Chromium in app mode on a private page that holds the token', () => {
    const out = section(r.stdout, 'chromium');
    expect(out).toMatch(/^chromium argv: --app=file:\/\/\/tmp\/xdg\/livekit-installer\/open\.html --user-data-dir=\/tmp\/xdg\/livekit-installer\/chromium /m);
    expect(out).not.toContain(TOKEN);
    expect(out).toMatch(/^open\.html 600$/m);
    expect(out).toMatch(/^1$/m);
  });
});
