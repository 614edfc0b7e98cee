#!/usr/bin/env node
// The playground benchmark in the real extension host (code-server, see test/rig/), bench/playgroundHost.ts: four
// deployments stream 20,000 chunks each at once into the Playground view; the figure is the time from the last chunk
// received by the host to all four columns confirmed on screen by the webview, against the same four runs into a
// minimal reference webview (bench/referenceWebview.ts), alternating. Target ≤ 1.2 × the reference.
// Exits non-zero when the host fails or a precondition does not hold.
//   node bench/playground.mjs [--rounds 6]   (after npm run build, npm run build:tests and test/rig/setup.sh)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { reportFigure } = createRequire(import.meta.url)(path.join(ROOT, 'out/bench/report.js'));
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 6;
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-ws-'));
const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
  '--tests', path.join(ROOT, 'out/bench/playgroundHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench'),
  '--env', `PROMPT_LAB_BENCH_ROUNDS=${rounds}`],
{ encoding: 'utf8', timeout: 600000 });
fs.rmSync(workspace, { recursive: true, force: true });
const out = `${result.stdout}\n${result.stderr}`;
const samples = out.split('\n').filter((l) => l.startsWith('BENCH-SAMPLE ')).map((l) => JSON.parse(l.slice('BENCH-SAMPLE '.length)));
for (const s of samples) console.log(JSON.stringify(s));
if (result.status !== 0 || samples.length !== rounds) {
  console.error(out);
  console.error(`playground: the host exited ${result.status} with ${samples.length} of ${rounds} rounds`);
  process.exit(1);
}
reportFigure({
  id: 'playground.catchUp', title: 'playground: last delta of four 20,000-chunk streams → all four columns show it all', unit: 'ms',
  ours: { label: 'Prompt Lab playground', values: samples.map((s) => s.ours) },
  floor: { label: 'reference webview', values: samples.map((s) => s.floor) },
  target: 1.2, note: 'the reference gets the same four runs batched per 16 ms over webview.postMessage, one text node each, side by side',
});
