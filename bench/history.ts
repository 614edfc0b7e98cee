/**
 * History read benchmark: what the Runs view's first read of a large log costs, against the floor of reading the
 * same files and `JSON.parse` of every line and nothing else. Plain Node.
 *   node --expose-gc out/bench/history.js [--runs 100000] [--days 30] [--rounds 5]
 * Writes a log of `--runs` runs (outputs of 200–2,000 characters, a rating for a third of them) over `--days` day
 * files in a temp folder (bench/historyLog.ts), then, per round, measures in a fresh process each (alternating which
 * goes first):
 * - ours: `readHistory` (stream every file, keep summaries, join ratings, sort, group by prompt);
 * - the floor: `fs.readFile` of every file, split into lines, `JSON.parse` of every line.
 * File cache: warm and the same for both: every file is read once in the measuring process just before the clock
 * starts (the page cache is shared, so nothing is dropped for the other engineers of the machine).
 * Also reports the heap `readHistory` keeps (after a forced gc: run with --expose-gc), against an absolute target.
 * Exits non-zero when a child fails or the two sides disagree on the number of lines.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readHistory } from '../src/core/log/history';
import { nodeFileSystem } from '../src/node/fileSystem';
import { writeHistoryLog } from './historyLog';
import { reportFigure } from './report';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Reads every file once, so that both sides start on a warm page cache. */
function warm(dir: string): string[] {
  const files = fs.readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort().map((n) => path.join(dir, n));
  for (const f of files) fs.readFileSync(f);
  return files;
}

interface Measured { ms: number; runs: number; lines: number; heapKeptBytes?: number }

/** One side, in this (fresh) process; prints `HISTORY-SAMPLE <json>`. */
async function measure(side: 'ours' | 'floor', dir: string): Promise<void> {
  const files = warm(dir);
  let result: Measured;
  if (side === 'floor') {
    const t0 = performance.now();
    let lines = 0;
    let runs = 0;
    for (const file of files) {
      const text = await fs.promises.readFile(file, 'utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const value = JSON.parse(line) as { event?: string };
        lines++;
        if (value.event === 'run') runs++;
      }
    }
    result = { ms: performance.now() - t0, runs, lines };
  } else {
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    let warnings = 0;
    const t0 = performance.now();
    const history = await readHistory(nodeFileSystem(), dir, { onWarning: () => warnings++ });
    const ms = performance.now() - t0;
    gc();
    const heapKeptBytes = process.memoryUsage().heapUsed - heap0;
    const ratings = history.runs.filter((e) => e.rating).length;
    if (warnings > 0) throw new Error(`precondition: readHistory warned ${warnings} times on a clean log`);
    result = { ms, runs: history.runs.length, lines: history.runs.length + ratings, heapKeptBytes };
    if (!(globalThis as { gc?: unknown }).gc) delete result.heapKeptBytes;
  }
  console.log(`HISTORY-SAMPLE ${JSON.stringify(result)}`);
}

function child(side: 'ours' | 'floor', dir: string): Measured {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--measure', side, dir], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('HISTORY-SAMPLE '));
  if (r.status !== 0 || !line) throw new Error(`the ${side} process failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(line.slice('HISTORY-SAMPLE '.length)) as Measured;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--measure');
  if (at > 0) return measure(process.argv[at + 1] as 'ours' | 'floor', process.argv[at + 2] as string);
  const runs = arg('runs', 100_000);
  const days = arg('days', 30);
  const rounds = arg('rounds', 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-history-bench-'));
  try {
    const { bytes, ratings } = writeHistoryLog(dir, runs, days);
    console.log(`log: ${runs} runs, ${ratings} ratings, ${days} day files, ${(bytes / 1024 / 1024).toFixed(0)} MB`);
    const ours: Measured[] = [];
    const floor: Measured[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2) { floor.push(child('floor', dir)); ours.push(child('ours', dir)); } else { ours.push(child('ours', dir)); floor.push(child('floor', dir)); }
    }
    // Every run line is a run of the history; the rating lines are a third of the runs (each rating its run's newest).
    for (const [i, o] of ours.entries()) {
      const f = floor[i] as Measured;
      if (o.runs !== runs || f.runs !== runs) throw new Error(`precondition: round ${i}: ours read ${o.runs} runs, the floor ${f.runs}, of ${runs}`);
      if (f.lines !== runs + ratings) throw new Error(`precondition: round ${i}: the floor parsed ${f.lines} lines of ${runs + ratings}`);
    }
    reportFigure({
      id: 'history.read', title: `history: read a ${runs.toLocaleString('en-US')}-run log (summaries, ratings joined, sorted, grouped)`, unit: 'ms',
      ours: { label: 'readHistory', values: ours.map((m) => m.ms) },
      floor: { label: 'readFile + JSON.parse of every line', values: floor.map((m) => m.ms) },
      target: 1.5, note: `a fresh process per sample, alternating; warm file cache for both (every file read once just before the clock starts); ${(bytes / 1024 / 1024).toFixed(0)} MB over ${days} files`,
    });
    const heap = ours.map((m) => m.heapKeptBytes).filter((b): b is number => b !== undefined);
    if (heap.length === ours.length) {
      reportFigure({
        id: 'history.heap', title: `history: heap kept after reading ${runs.toLocaleString('en-US')} runs`, unit: 'MB',
        ours: { label: 'readHistory', values: heap.map((b) => b / 1024 / 1024) }, target: 200,
        note: 'absolute; heapUsed after a forced gc, less before',
      });
    } else {
      console.log('history: heap figure skipped (run with --expose-gc)');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
