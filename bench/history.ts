/**
 * Run history benchmark: what the history tree's first paint costs. Prints figures; asserts nothing.
 *   npx tsc -p tsconfig.test.json && node --expose-gc out/bench/history.js [--runs 100000] [--days 30] [--full] [--keep DIR]
 * Writes a log of `--runs` runs (outputs of 200–2,000 characters, a rating for a third of them) over `--days` day
 * files in a temp folder, then, in a fresh child process, times `readHistory` (stream every file, join ratings, sort, group by prompt) and
 * reports the heap kept after a forced gc (with --expose-gc) and the growth of the resident set.
 * Targets: under 1 s and under 200 MB for 100,000 runs. `--full` keeps whole records instead of summaries; `--keep DIR`
 * writes the log to DIR and leaves it there (then `--read DIR` only reads it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readHistory } from '../src/core/history';
import type { RatingRecord, RunRecord } from '../src/core/runLog';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run of the benchmark reads the same log. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('the of and to in is that for it as with was on be by this are or from at which an but not have has were '
  + 'summary weather forecast customer invoice résumé latency token model prompt answer because however therefore ✓ '
  + 'San Francisco cloudy sunny rain temperature degrees morning evening {"key": "value"} line\nbreak "quoted"').split(' ');

function text(rand: () => number, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const word = WORDS[Math.floor(rand() * WORDS.length)] as string;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ').slice(0, chars);
}

function writeLog(dir: string, runs: number, days: number): { bytes: number; ratings: number } {
  const rand = random(42);
  const prompts = Array.from({ length: 40 }, (_, i) => `prompts/team-${i % 5}/task-${i}.prompt.json`);
  const deployments = ['gpt-4o-mini', 'azure-prod', 'ollama-local', 'mistral-small'];
  const perDay: string[][] = Array.from({ length: days }, () => []);
  const day0 = Date.UTC(2026, 9, 1);
  let ratings = 0;
  for (let i = 0; i < runs; i++) {
    const day = Math.floor((i * days) / runs);
    const startedAt = new Date(day0 + day * 86_400_000 + Math.floor(rand() * 86_000_000)).toISOString();
    const output = text(rand, 200 + Math.floor(rand() * 1800));
    const promptTokens = 50 + Math.floor(rand() * 400);
    const completionTokens = Math.round(output.length / 4);
    const record: RunRecord = {
      event: 'run', id: `${i.toString(16).padStart(8, '0')}-6f1c-4a2b-9c3d-${Math.floor(rand() * 1e12).toString(16).padStart(12, '0')}`,
      prompt: prompts[i % prompts.length] as string, deployment: deployments[i % deployments.length] as string,
      provider: 'openai-compatible', model: 'gpt-4o-2024-08-06',
      inputs: { city: 'San Francisco', topic: text(rand, 40) },
      messages: [{ role: 'system', content: text(rand, 200) }, { role: 'user', content: text(rand, 150 + Math.floor(rand() * 300)) }],
      parameters: { temperature: 0.3, max_tokens: 800 },
      output, finishReason: 'stop', usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      timing: { startedAt, ttftMs: Math.round(rand() * 8000) / 10, latencyMs: Math.round(rand() * 80000) / 10 },
      status: rand() < 0.95 ? 'ok' : 'error', costUsd: Math.round(rand() * 1e6) / 1e9, source: 'command',
    };
    (perDay[day] as string[]).push(JSON.stringify(record));
    if (i % 3 === 0) {
      const rating: RatingRecord = { event: 'rating', runId: record.id, thumb: rand() < 0.7 ? 'up' : 'down', at: new Date(Date.parse(startedAt) + 60_000).toISOString() };
      if (rand() < 0.3) rating.score = Math.round(rand() * 100) / 100;
      if (rand() < 0.1) rating.comment = text(rand, 80);
      if (rand() < 0.05) rating.betterResponse = text(rand, 200 + Math.floor(rand() * 800));
      const ratingDay = Math.min(days - 1, Math.floor((Date.parse(rating.at) - day0) / 86_400_000));
      (perDay[ratingDay] as string[]).push(JSON.stringify(rating));
      ratings++;
    }
  }
  let bytes = 0;
  perDay.forEach((lines, day) => {
    const body = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(body);
    fs.writeFileSync(path.join(dir, `${new Date(day0 + day * 86_400_000).toISOString().slice(0, 10)}.jsonl`), body);
  });
  return { bytes, ratings };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Read the log in `dir` and print the figures; runs in a fresh process so that writing the log does not blur them. */
async function measure(dir: string, full: boolean): Promise<void> {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let warnings = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const history = await readHistory(dir, { full, onWarning: () => warnings++ });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const rssAfter = process.memoryUsage().rss;
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const rated = history.runs.filter((e) => e.rating).length;
  console.log(`read + join + sort + group by prompt (${full ? 'whole records' : 'summaries'}): ${ms.toFixed(0)} ms for ${history.runs.length} runs `
    + `(${rated} rated, ${history.byPrompt.size} prompts, ${warnings} warnings), CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms — target < 1000 ms`);
  const heapNote = (globalThis as { gc?: unknown }).gc ? 'heapUsed after a forced gc' : 'heapUsed, no forced gc: run with --expose-gc';
  console.log(`memory: heap kept ${mb(heap1 - heap0)} (${heapNote}), rss growth ${mb(rssAfter - rss0)} — target < 200 MB`);
}

async function main(): Promise<void> {
  const readAt = process.argv.indexOf('--read');
  const full = process.argv.includes('--full');
  if (readAt > 0) return measure(process.argv[readAt + 1] as string, full);
  const runs = arg('runs', 100_000);
  const days = arg('days', 30);
  const keep = process.argv.indexOf('--keep');
  const dir = keep > 0 ? (process.argv[keep + 1] as string) : fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-history-bench-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    const { bytes, ratings } = writeLog(dir, runs, days);
    console.log(`log: ${runs} runs, ${ratings} ratings, ${days} day files, ${mb(bytes)}`);
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--read', dir, ...(full ? ['--full'] : [])], { stdio: 'inherit' });
    if (child.status !== 0) console.log(`the reading process failed (exit ${child.status})`);
    console.log(`reproduce: npx tsc -p tsconfig.test.json && node --expose-gc out/bench/history.js --runs ${runs} --days ${days}${full ? ' --full' : ''}`);
  } finally {
    if (keep < 0) fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
