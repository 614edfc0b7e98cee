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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 100_000;
const DAYS = 30;

/** Deterministic pseudo-random numbers (mulberry32), so every run of the benchmark reads the same log. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS = 'the of and to in is that for summary weather forecast customer invoice résumé latency token model prompt answer ✓ "quoted" line\nbreak'.split(' ');
function text(rand, chars) {
  const parts = [];
  for (let n = 0; n < chars;) { const w = WORDS[Math.floor(rand() * WORDS.length)]; parts.push(w); n += w.length + 1; }
  return parts.join(' ').slice(0, chars);
}

function writeLog(dir) {
  const rand = random(42);
  const prompts = Array.from({ length: 40 }, (_, i) => `prompts/team-${i % 5}/task-${i}.prompt.json`);
  const deployments = ['gpt-4o-mini', 'azure-prod', 'ollama-local', 'mistral-small'];
  const perDay = Array.from({ length: DAYS }, () => []);
  const day0 = Date.UTC(2026, 9, 1);
  for (let i = 0; i < RUNS; i++) {
    const day = Math.floor((i * DAYS) / RUNS);
    const startedAt = new Date(day0 + day * 86_400_000 + Math.floor(rand() * 86_000_000)).toISOString();
    const output = text(rand, 200 + Math.floor(rand() * 1800));
    const promptTokens = 50 + Math.floor(rand() * 400);
    const completionTokens = Math.round(output.length / 4);
    const id = `${i.toString(16).padStart(8, '0')}-6f1c-4a2b-9c3d-${Math.floor(rand() * 1e12).toString(16).padStart(12, '0')}`;
    perDay[day].push(JSON.stringify({
      event: 'run', id, prompt: prompts[i % prompts.length], deployment: deployments[i % deployments.length], provider: 'openai-compatible',
      model: 'gpt-4o-2024-08-06', inputs: { city: 'San Francisco', topic: text(rand, 40) },
      messages: [{ role: 'system', content: text(rand, 200) }, { role: 'user', content: text(rand, 150 + Math.floor(rand() * 300)) }],
      parameters: { temperature: 0.3, max_tokens: 800 }, output, finishReason: 'stop',
      usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      timing: { startedAt, ttftMs: Math.round(rand() * 8000) / 10, latencyMs: Math.round(rand() * 80000) / 10 },
      status: rand() < 0.95 ? 'ok' : 'error', costUsd: Math.round(rand() * 1e6) / 1e9, source: 'command',
    }));
    if (i % 3 === 0) {
      const rating = { event: 'rating', runId: id, thumb: rand() < 0.7 ? 'up' : 'down', at: new Date(Date.parse(startedAt) + 60_000).toISOString() };
      if (rand() < 0.3) rating.score = Math.round(rand() * 100) / 100;
      perDay[Math.min(DAYS - 1, Math.floor((Date.parse(rating.at) - day0) / 86_400_000))].push(JSON.stringify(rating));
    }
  }
  let bytes = 0;
  perDay.forEach((lines, day) => {
    const body = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(body);
    fs.writeFileSync(path.join(dir, `${new Date(day0 + day * 86_400_000).toISOString().slice(0, 10)}.jsonl`), body);
  });
  return bytes;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-runs-view-'));
try {
  const logDir = path.join(tmp, 'log');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  // An absolute log directory outside the workspace: the rig copies the workspace, and a copy of the log would be slow.
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'promptLab.log.directory': logDir }, null, 2));
  const bytes = writeLog(logDir);
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
