#!/usr/bin/env node
// The playground benchmark in the real extension host (code-server, see test/rig/), bench/playgroundHost.ts: four
// deployments stream 20,000 chunks each at once into the Playground view; the figure is the time from the last chunk
// received by the host to all four columns confirmed on screen by the webview, against the same four runs into a
// minimal reference webview (bench/referenceWebview.ts), alternating. Target ≤ 1.2 × the reference.
// Exits non-zero when the host fails or a precondition does not hold.
// The window is given --timeout seconds (default 300 + 120 per round: a loaded machine finishes slowly rather than
// being cut off); inside it every wait is bounded by a multiple of the first round (bench/playgroundHost.ts). A
// failure says which round stopped and what it was waiting for, with the rounds done so far.
//   node bench/playground.mjs [--rounds 6] [--timeout SEC]   (after npm run build, npm run build:tests and test/rig/setup.sh)
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
const timeoutAt = process.argv.indexOf('--timeout');
const timeoutSec = timeoutAt > 0 ? Number(process.argv[timeoutAt + 1]) : 300 + 120 * rounds;
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-ws-'));
const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
  '--tests', path.join(ROOT, 'out/bench/playgroundHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench'),
  '--timeout', String(timeoutSec), '--env', `PROMPT_LAB_BENCH_ROUNDS=${rounds}`],
{ encoding: 'utf8', timeout: (timeoutSec + 120) * 1000 });
fs.rmSync(workspace, { recursive: true, force: true });
const out = `${result.stdout}\n${result.stderr}`;
for (const line of out.split('\n')) if (line.startsWith('bench: ')) console.log(line);
const samples = out.split('\n').filter((l) => l.startsWith('BENCH-SAMPLE ')).map((l) => JSON.parse(l.slice('BENCH-SAMPLE '.length)));
for (const s of samples) console.log(JSON.stringify(s));
if (result.status !== 0 || samples.length !== rounds) {
  console.error(out);
  const why = result.error?.code === 'ETIMEDOUT' || result.signal ? `was stopped after ${timeoutSec + 120} s (${result.signal ?? result.error?.code})`
    : /no codeAutomationExit within/.test(out) ? `did not finish within --timeout ${timeoutSec} s (raise it with --timeout)`
    : `exited ${result.status}`;
  const stopped = out.split('\n').find((l) => /not done within|precondition:/.test(l));
  console.error(`playground: the window ${why} with ${samples.length} of ${rounds} rounds done${stopped ? `; ${stopped.trim()}` : ''}`);
  process.exit(1);
}
reportFigure({
  id: 'playground.catchUp', title: 'playground: last delta of four 20,000-chunk streams → all four columns show it all', unit: 'ms',
  ours: { label: 'Prompt Lab playground', values: samples.map((s) => s.ours) },
  floor: { label: 'reference webview', values: samples.map((s) => s.floor) },
  target: 1.2, note: 'the reference gets the same four runs batched per 16 ms over webview.postMessage, one text node each, side by side',
});
