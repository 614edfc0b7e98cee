#!/usr/bin/env node
// `npm run bench`: builds what the benchmarks need, runs every benchmark one after another (never two at once: they
// share the machine's cores), collects the figures each prints as `BENCH-FIGURE <json>` (bench/report.ts), prints
// one table and writes it to .test-artifacts/bench/results.json and results.md. Every figure is a median over
// rounds with its spread, beside a floor measured in the same run, and its ratio to that floor.
//   node bench/run.mjs [--only analysis,history] [--skip-build] [--strict]
// --strict: exit 1 when a figure misses its target (without it, only a benchmark that fails exits 1).
// Benchmarks contact only 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, '.test-artifacts', 'bench');

/** Every benchmark: a name, the command (from the repository root), and what it needs. */
const BENCHMARKS = [
  { name: 'analysis', command: ['node', 'out/bench/analyze.js'] },
  { name: 'render', command: ['node', 'out/bench/render.js'] },
  { name: 'core', command: ['node', 'out/bench/core.js'] },
  { name: 'coreLoad', command: ['node', 'out/bench/coreLoad.js'] },
  { name: 'history', command: ['node', '--expose-gc', 'out/bench/history.js'] },
  { name: 'vscode', command: ['node', 'bench/vscode.mjs'], rig: true },
  { name: 'diagnostics', command: ['node', 'bench/diagnostics.mjs'], rig: true },
  { name: 'runsView', command: ['node', 'bench/runsView.mjs'], rig: true },
  { name: 'playground', command: ['node', 'bench/playground.mjs'], rig: true },
  { name: 'evaluationGrid', command: ['node', 'out/bench/evaluationGrid.js'] },
  // The longest (~40 min on 2 cores): the throughput table, promptfoo side by side (installed on first use into
  // ~/.cache/prompt-lab-bench), the 429 storm and 100,000 cells; its own options in bench/evaluate.ts.
  { name: 'evaluate', command: ['node', 'out/bench/evaluate.js', '--scale-rounds', '2'] },
];

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(String(args[onlyAt + 1] ?? '').split(',')) : undefined;
const selected = BENCHMARKS.filter((b) => !only || only.has(b.name));
if (selected.length === 0) {
  console.error(`bench: nothing selected; benchmarks are ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

function run(command, options = {}) {
  const result = spawnSync(command[0], command.slice(1), { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`bench: ${command.join(' ')} failed (exit ${result.status})`);
    process.exit(1);
  }
}

if (!args.includes('--skip-build')) {
  run(['npm', 'run', '--silent', 'build']);
  run(['npm', 'run', '--silent', 'build:tests']);
  if (selected.some((b) => b.rig)) run(['bash', 'test/rig/setup.sh']);
}

/** Runs one benchmark, echoing its output, and resolves with its figures and exit code. */
function runBenchmark(bench) {
  return new Promise((resolve) => {
    console.log(`\n=== ${bench.name}: ${bench.command.join(' ')}`);
    const child = spawn(bench.command[0], bench.command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const figures = [];
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('BENCH-FIGURE ')) figures.push(JSON.parse(line.slice('BENCH-FIGURE '.length)));
        else process.stdout.write(`${line}\n`);
      }
    });
    child.on('close', (code) => resolve({ name: bench.name, code, figures }));
  });
}

const fmt = (v) => (!Number.isFinite(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));
const spread = (s, unit) => `${fmt(s.median)} ${unit} (${fmt(s.min)}–${fmt(s.max)})`;

const results = [];
for (const bench of selected) results.push(await runBenchmark(bench));

const rows = results.flatMap((r) => r.figures.map((f) => ({
  id: f.id,
  figure: f.title,
  ours: spread(f.ours, f.unit),
  floor: f.floor ? `${f.floor.label}: ${spread(f.floor, f.unit)}` : '—',
  ratio: f.ratio ? `${fmt(f.ratio.median)} (${fmt(f.ratio.min)}–${fmt(f.ratio.max)})` : '—',
  target: f.target === undefined ? '—' : `${f.atLeast ? '≥' : '≤'} ${fmt(f.target)}${f.ratio ? '×' : ` ${f.unit}`}`,
  met: f.met === undefined ? '—' : f.met ? 'yes' : 'NO',
  rounds: String(f.rounds),
})));
const columns = ['id', 'ours', 'floor', 'ratio', 'target', 'met', 'rounds'];
const markdown = [
  `# Benchmarks (${new Date().toISOString()}, ${process.platform} ${process.arch}, Node ${process.version})`,
  '',
  `| ${columns.join(' | ')} |`,
  `| ${columns.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${columns.map((c) => r[c].replace(/\|/g, '\\|')).join(' | ')} |`),
  '',
  ...results.filter((r) => r.code !== 0).map((r) => `**${r.name} failed (exit ${r.code}).**`),
].join('\n');
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, 'results.json'), `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
fs.writeFileSync(path.join(OUT, 'results.md'), `${markdown}\n`);
console.log(`\n${markdown}\n\nbench: written to ${path.relative(ROOT, OUT)}/results.{json,md}`);
const failed = results.filter((r) => r.code !== 0);
const missed = rows.filter((r) => r.met === 'NO');
if (failed.length > 0) process.exit(1);
if (args.includes('--strict') && missed.length > 0) process.exit(1);
