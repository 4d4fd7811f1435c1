// Where an unattended install's answers come from: `livekit.autoinstall=<source>` on the kernel
// command line. Pure parsing; fetch.ts reads the file.
//   /livekit/answers/qa.yaml   a path on the Live medium
//   LABEL=ANSWERS:/qa.yaml     a file on another disk or stick, found by its filesystem label
//   http://host:port/qa.yaml   a URL (a network rig)

export type AnswersSource =
  | { kind: 'medium'; path: string }
  | { kind: 'label'; label: string; path: string }
  | { kind: 'url'; url: string };

export class SourceError extends Error {
  constructor(readonly spec: string) {
    super(`livekit.autoinstall=${spec}: not a path on the medium, LABEL=<label>:<path> or an http(s):// URL`);
    this.name = 'SourceError';
  }
}

/** The value of `livekit.autoinstall=` (the last one wins, as the kernel's own parameters do), if any. */
export function autoinstallSpec(cmdline: string): string | undefined {
  let spec: string | undefined;
  for (const word of cmdline.split(/\s+/)) if (word.startsWith('livekit.autoinstall=')) spec = word.slice('livekit.autoinstall='.length);
  return spec;
}

/** The kernel escapes a space in a label as \x20 (as AOSC and dracut write CDLABEL=). */
function unescapeLabel(label: string): string {
  return label.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function parseSource(spec: string): AnswersSource {
  if (/^https?:\/\/\S+$/.test(spec)) return { kind: 'url', url: spec };
  const label = /^LABEL=([^:]+):(\/\S*)$/.exec(spec);
  if (label) return { kind: 'label', label: unescapeLabel(label[1]!), path: label[2]! };
  if (/^\/\S*$/.test(spec) && !spec.split('/').includes('..')) return { kind: 'medium', path: spec };
  throw new SourceError(spec);
}
