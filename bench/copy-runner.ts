// The engine's copy stage alone, for bench/copy.ts: bundled by esbuild and run by plain node as the medium
// runs the engine (scripts/mklive/lib/installer.sh), so that its memory is measured without the bench's own
// process, tsx or the sampling. Prints every progress callback as a JSON line on stdout.
// Usage: node copy-runner.mjs rsync|layers SOURCE TARGET TOTAL_BYTES
import { RsyncCopier } from '../electron/engine/run/copier.ts';
import { LayerCopier } from '../electron/engine/run/layer-copier.ts';
import { detectCopyMethod } from '../electron/engine/run/layer-stack.ts';
import { ExecaRunner } from '../electron/engine/run/runner.ts';

const [kind, source, target, total] = process.argv.slice(2);
if (!source || !target || !total || (kind !== 'rsync' && kind !== 'layers')) {
  console.error('usage: copy-runner rsync|layers SOURCE TARGET TOTAL_BYTES');
  process.exit(2);
}
const req = {
  source,
  target,
  totalBytes: Number(total),
  totalFiles: 0,
  runner: new ExecaRunner(),
  onProgress: (p: { percent: number }) => process.stdout.write(`${JSON.stringify({ percent: p.percent })}\n`),
  onWarn: (line: string) => console.error(line),
};
if (kind === 'rsync') await new RsyncCopier().copy(req);
else {
  const method = detectCopyMethod(source);
  if (method.kind !== 'layers') throw new Error(`${source}: not a squashfs layer stack: ${method.detail}`);
  await new LayerCopier(method.layers, new RsyncCopier()).copy(req);
}
