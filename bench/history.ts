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
import { readHistory } from '../src/core/log/history';
import { writeHistoryLog } from './historyLog';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
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
    const { bytes, ratings } = writeHistoryLog(dir, runs, days);
    console.log(`log: ${runs} runs, ${ratings} ratings, ${days} day files, ${mb(bytes)}`);
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--read', dir, ...(full ? ['--full'] : [])], { stdio: 'inherit' });
    if (child.status !== 0) console.log(`the reading process failed (exit ${child.status})`);
    console.log(`reproduce: npx tsc -p tsconfig.test.json && node --expose-gc out/bench/history.js --runs ${runs} --days ${days}${full ? ' --full' : ''}`);
  } finally {
    if (keep < 0) fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
