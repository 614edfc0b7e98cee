#!/usr/bin/env node
// Runs view benchmark in the real extension host (code-server, see test/rig/): writes a log of --runs runs (default
// 100,000) and one of 1,000 runs (outputs of 200–2,000 characters, a rating for a third of them, over 30 day files;
// bench/historyLog.ts), opens a workspace whose promptLab.log.directory points at the large one, and runs
// bench/runsViewHost.ts in each of --hosts windows:
// - runsView.firstPaintPartial: opening the Prompt Lab container to the first roots, a partial paint of the newest
//   days (no target: it is not the whole log); runsView.firstPaintWhole: to the roots of the whole log (target).
// - runsView.refresh: after one appended line, the refresh on the large log against the same refresh on the 1,000-run
//   log, alternating within rounds; target ≤ 1.2 (a refresh must not cost more as the history grows).
// Exits non-zero when a host fails or a precondition does not hold.
//   node bench/runsView.mjs [--runs 100000] [--hosts 2] [--rounds 5]   (after npm run build, npm run build:tests and test/rig/setup.sh)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const RUNS = arg('runs', 100_000);
const SMALL = 1000;
const hosts = arg('hosts', 2);
const rounds = arg('rounds', 5);
const DAYS = 30;

const require = createRequire(import.meta.url);
const { writeHistoryLog } = require(path.join(ROOT, 'out/bench/historyLog.js'));
const { reportFigure } = require(path.join(ROOT, 'out/bench/report.js'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-runs-view-'));
const samples = [];
try {
  const logDir = path.join(tmp, 'log');
  const smallDir = path.join(tmp, 'small');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(smallDir, { recursive: true });
  const { bytes } = writeHistoryLog(logDir, RUNS, DAYS);
  writeHistoryLog(smallDir, SMALL, DAYS);
  console.log(`logs: ${RUNS} runs (${(bytes / 1024 / 1024).toFixed(0)} MB) and ${SMALL} runs, over ${DAYS} day files each`);
  for (let h = 0; h < hosts; h++) {
    const workspace = path.join(tmp, `workspace-${h}`);
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    // Absolute log folders outside the workspace: the rig copies the workspace, and a copy of the log would be slow.
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'promptLab.log.directory': logDir }, null, 2));
    const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
      '--tests', path.join(ROOT, 'out/bench/runsViewHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench'),
      '--timeout', '900',
      '--env', `PROMPT_LAB_BENCH_RUNS_VIEW_LOG=${logDir}`, '--env', `PROMPT_LAB_BENCH_RUNS_VIEW_RUNS=${RUNS}`,
      '--env', `PROMPT_LAB_BENCH_RUNS_VIEW_SMALL=${smallDir}`, '--env', `PROMPT_LAB_BENCH_RUNS_VIEW_SMALL_RUNS=${SMALL}`,
      '--env', `PROMPT_LAB_BENCH_ROUNDS=${rounds}`],
    { encoding: 'utf8', timeout: 1000000 });
    const out = `${result.stdout}\n${result.stderr}`;
    for (const line of out.split('\n')) {
      if (!line.startsWith('BENCH-SAMPLE ')) continue;
      samples.push(JSON.parse(line.slice('BENCH-SAMPLE '.length)));
      console.log(`host ${h + 1}: ${line.slice('BENCH-SAMPLE '.length)}`);
    }
    if (result.status !== 0) {
      console.error(out);
      console.error(`runsView: host ${h + 1} failed (exit ${result.status})`);
      process.exit(1);
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const paint = samples.filter((s) => s.kind === 'firstPaint');
const refresh = samples.filter((s) => s.kind === 'refresh');
if (paint.length !== hosts || refresh.length !== hosts * rounds) {
  console.error(`runsView: expected ${hosts} first paints and ${hosts * rounds} refresh rounds, got ${paint.length} and ${refresh.length}`);
  process.exit(1);
}
reportFigure({
  id: 'runsView.firstPaintPartial', title: `Runs view first paint, PARTIAL (the newest days only, median ${Math.round(paint.map((s) => s.partialRuns).sort((a, b) => a - b)[Math.floor(paint.length / 2)])} of ${RUNS.toLocaleString('en-US')} runs)`, unit: 'ms',
  ours: { label: 'open container → first roots', values: paint.map((s) => s.partialMs) },
  note: 'not the whole log: see runsView.firstPaintWhole; one round per window',
});
reportFigure({
  id: 'runsView.firstPaintWhole', title: `Runs view first paint of the whole ${RUNS.toLocaleString('en-US')}-run log`, unit: 'ms',
  ours: { label: 'open container → roots of every run', values: paint.map((s) => s.wholeMs) }, target: 2000,
  note: 'absolute; one round per window; history.read puts the read itself against its floor',
});
reportFigure({
  id: 'runsView.refresh', title: 'Runs view refresh after one appended line (read started → new roots handed to VS Code)', unit: 'ms',
  ours: { label: `${RUNS.toLocaleString('en-US')}-run log`, values: refresh.map((s) => s.big.refreshMs) },
  floor: { label: `${SMALL.toLocaleString('en-US')}-run log`, values: refresh.map((s) => s.small.refreshMs) }, target: 1.2,
  note: `${hosts} windows × ${rounds} rounds, alternating; the refresh timed is the one whose read holds the appended rating; from the append itself (watcher and 200 ms debounce included): median ${median(refresh.map((s) => s.big.appendMs)).toFixed(0)} ms against ${median(refresh.map((s) => s.small.appendMs)).toFixed(0)} ms`,
});
function median(v) { const s = [...v].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; }
