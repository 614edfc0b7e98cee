#!/usr/bin/env node
// The playground benchmark in the real extension host (code-server, see test/rig/): four deployments stream
// 20,000 chunks each at once into the Playground view (bench/playgroundHost.ts); the figure is the time from
// the last chunk received by the host to all four columns final (each confirmed by the webview). Target < 200 ms.
//   node bench/playground.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-ws-'));
const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
  '--tests', path.join(ROOT, 'out/bench/playgroundHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench')],
{ encoding: 'utf8', timeout: 300000 });
fs.rmSync(workspace, { recursive: true, force: true });
const out = `${result.stdout}\n${result.stderr}`;
const figures = [];
for (const line of out.split('\n')) {
  const m = /bench: playground four-column catch-up ([\d.]+) ms/.exec(line);
  if (m) figures.push(Number(m[1]));
  if (/^bench: /.test(line)) console.log(line);
}
if (result.status !== 0 || figures.length === 0) {
  console.error(out);
  process.exit(1);
}
const sorted = [...figures].sort((a, b) => a - b);
const mid = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
console.log(`bench: playground, last chunk to four columns final (4 × 20,000 chunks): median ${median.toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms over ${figures.length} rounds (target < 200 ms)`);
