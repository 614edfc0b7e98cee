#!/usr/bin/env node
// Runs view benchmark in the real extension host (code-server, see test/rig/): writes a log of --runs runs (default
// 100,000; outputs of 200–2,000 characters, a rating for a third of them, over 30 day files) to a temp folder, opens a
// workspace whose promptLab.log.directory points there, and runs bench/runsViewHost.ts: the time from opening the
// Prompt Lab container to the Runs view's roots, the extension host's memory, the refresh after an appended line.
// Prints the figures; asserts nothing.
//   node bench/runsView.mjs [--runs 100000]   (after npm run build, npm run build:tests and test/rig/setup.sh)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 100_000;
const DAYS = 30;

// The same generated log as bench/history.ts.
const require = createRequire(import.meta.url);
const { writeHistoryLog } = require(path.join(ROOT, 'out/bench/historyLog.js'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-runs-view-'));
try {
  const logDir = path.join(tmp, 'log');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  // An absolute log directory outside the workspace: the rig copies the workspace, and a copy of the log would be slow.
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'promptLab.log.directory': logDir }, null, 2));
  const { bytes } = writeHistoryLog(logDir, RUNS, DAYS);
  console.log(`log: ${RUNS} runs over ${DAYS} day files, ${(bytes / 1024 / 1024).toFixed(0)} MB`);
  const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
    '--tests', path.join(ROOT, 'out/bench/runsViewHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench'),
    '--env', `PROMPT_LAB_BENCH_RUNS_VIEW_LOG=${logDir}`, '--env', `PROMPT_LAB_BENCH_RUNS_VIEW_RUNS=${RUNS}`],
  { encoding: 'utf8', timeout: 300000 });
  const out = `${result.stdout}\n${result.stderr}`;
  for (const line of out.split('\n')) if (/^bench: /.test(line)) console.log(line);
  if (result.status !== 0) {
    console.error(out);
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
