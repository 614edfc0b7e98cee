/**
 * An evaluation's lines in the run log, written and read through the front end's {@link FileSystem}:
 * appending coalesces the lines waiting for one file into one write (lines stay whole: each write is of whole lines on
 * a file opened for appending), and reading back finds the cells of an evaluation for a resume.
 */
import { logFileName, type EvaluationRecord, type RatingRecord, type RunRecord } from '../log/runLog';
import { isFileSystemError, joinPath, type FileSystem } from '../platform/fileSystem';
import { cellResultOf, isDone, replacesResult, type CellResult } from './summary';

/**
 * Appends log lines, one write per file at a time, coalescing what arrives meanwhile. `append` resolves once the
 * line is written and rejects with the file system's error.
 */
export class LineLog {
  private readonly pending = new Map<string, { text: string[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] }>();
  private flushing: Promise<void> | undefined;

  constructor(private readonly fs: FileSystem, private readonly dir: string) {}

  /** Append `value` as a JSON line to the file of `at`'s UTC date. */
  append(value: RunRecord | EvaluationRecord, at: Date): Promise<void> {
    const file = joinPath(this.dir, logFileName(at));
    let batch = this.pending.get(file);
    if (!batch) {
      batch = { text: [], waiters: [] };
      this.pending.set(file, batch);
    }
    batch.text.push(`${JSON.stringify(value)}\n`);
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    // Let the lines of the same turn of the event loop join the batch.
    await Promise.resolve();
    while (this.pending.size > 0) {
      const batches = [...this.pending];
      this.pending.clear();
      await Promise.all(batches.map(async ([file, batch]) => {
        try {
          await this.fs.appendFile(file, batch.text.join(''));
          for (const w of batch.waiters) w.resolve();
        } catch (err) {
          for (const w of batch.waiters) w.reject(err);
        }
      }));
    }
    this.flushing = undefined;
  }
}

/** Judge runs of an evaluation: how many, their tokens and cost (`priced`: at least one run had a cost). */
export interface JudgeTotals {
  runs: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  priced: boolean;
}

/** Empty {@link JudgeTotals}. */
export function noJudgeRuns(): JudgeTotals {
  return { runs: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0, priced: false };
}

/** Adds a judge run's tokens and cost to `totals`. */
export function addJudgeRun(totals: JudgeTotals, record: RunRecord): void {
  totals.runs++;
  totals.promptTokens += record.usage?.promptTokens ?? 0;
  totals.completionTokens += record.usage?.completionTokens ?? 0;
  totals.totalTokens += record.usage?.totalTokens ?? 0;
  if (typeof record.costUsd === 'number') {
    totals.costUsd += record.costUsd;
    totals.priced = true;
  }
}

/** What the log holds of an evaluation. */
export interface LoggedEvaluation {
  /** Each cell's result (see summary.ts), keyed by {@link cellKey}. */
  cells: Map<string, CellResult>;
  /** Its judges' runs: how many, their tokens and cost. */
  judges: JudgeTotals;
  /** Its `event: "evaluation"` lines, oldest first. */
  records: EvaluationRecord[];
  /** Lines that mention the evaluation but could not be read. */
  unreadable: number;
  /** With `options.records`: the run line of each cell's result, keyed like `cells`. */
  runs?: Map<string, RunRecord>;
  /** With `options.records`: the newest rating (by `at`, then file order) of each cell's run, keyed by run id. */
  ratings?: Map<string, RatingRecord>;
}

/** What {@link readLoggedEvaluation} keeps besides the compact results. */
export interface ReadEvaluationOptions {
  /** Keep each cell's whole run line and its run's newest rating (the evaluation panel's grid). */
  records?: boolean;
}

/** The key of a cell: deployment and row. */
export function cellKey(deployment: string, testIndex: number): string {
  return `${testIndex}\u0000${deployment}`;
}

/**
 * Every line of the log's day files (`YYYY-MM-DD.jsonl` in `logDir`, in date order; with `since`, a UTC date, only
 * files of that day and later; with `until`, of that day and earlier), each passed to `onLine` without its newline. A missing folder has no lines.
 * @throws FileSystemError when a file cannot be read.
 */
async function forEachLogLine(fs: FileSystem, logDir: string, onLine: (line: string) => void, since?: string, until?: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readDirectory(logDir);
  } catch (err) {
    if (isFileSystemError(err) && err.code === 'not-found') return;
    throw err;
  }
  const files = names.filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n) && (since === undefined || n.slice(0, 10) >= since) && (until === undefined || n.slice(0, 10) <= until)).sort();
  const decoder = new TextDecoder('utf-8');
  for (const name of files) {
    const text = decoder.decode(await fs.readFile(joinPath(logDir, name)));
    for (let start = 0; start < text.length;) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      onLine(line);
    }
  }
}

/**
 * Read every `*.jsonl` file of `logDir` (in date order; with `since`, a UTC date `YYYY-MM-DD`, only files of that day
 * and later) for the lines of evaluation `evaluationId`. A missing folder holds nothing.
 * @throws FileSystemError when a file cannot be read.
 */
export async function readLoggedEvaluation(fs: FileSystem, logDir: string, evaluationId: string, since?: string, options: ReadEvaluationOptions = {}): Promise<LoggedEvaluation> {
  const out: LoggedEvaluation = { cells: new Map(), judges: noJudgeRuns(), records: [], unreadable: 0 };
  const runs = options.records ? new Map<string, RunRecord>() : undefined;
  const ratings = options.records ? new Map<string, RatingRecord>() : undefined;
  const needle = JSON.stringify(evaluationId);
  await forEachLogLine(fs, logDir, (line) => {
    if (ratings && line.includes('"event":"rating"') && readRating(line, ratings)) return;
    if (!line.includes(needle)) return;
    let value: RunRecord | EvaluationRecord;
    try {
      value = JSON.parse(line) as RunRecord | EvaluationRecord;
    } catch {
      out.unreadable++;
      return;
    }
    if (value.event === 'evaluation' && value.id === evaluationId) {
      out.records.push(value);
    } else if (value.event === 'run' && value.evaluationId === evaluationId && typeof value.testIndex === 'number') {
      if (value.source === 'judge') {
        addJudgeRun(out.judges, value);
        return;
      }
      const cell = cellResultOf(value);
      const key = cellKey(cell.deployment, cell.testIndex);
      if (replacesResult(out.cells.get(key), cell)) {
        out.cells.set(key, cell);
        runs?.set(key, value);
      }
    }
  }, since);
  if (runs && ratings) {
    const ids = new Set([...out.cells.values()].map((c) => c.runId));
    for (const runId of [...ratings.keys()]) if (!ids.has(runId)) ratings.delete(runId);
    out.runs = runs;
    out.ratings = ratings;
  }
  return out;
}

/**
 * The run line of run `runId` in the log (every `*.jsonl` file of `logDir`; with `day`, a UTC date `YYYY-MM-DD`, only
 * that day's file, where a run started that day is written), or undefined when there is none. A missing folder holds none.
 * @throws FileSystemError when a file cannot be read.
 */
export async function readLoggedRun(fs: FileSystem, logDir: string, runId: string, day?: string): Promise<RunRecord | undefined> {
  const needle = `"id":${JSON.stringify(runId)}`;
  let found: RunRecord | undefined;
  await forEachLogLine(fs, logDir, (line) => {
    if (found || !line.includes(needle)) return;
    try {
      const value = JSON.parse(line) as RunRecord;
      if (value.event === 'run' && value.id === runId) found = value;
    } catch {
      // Another line that mentions the id; an unreadable one is no run.
    }
  }, day, day);
  return found;
}

/** Keeps `line` in `ratings` when it is a rating newer than the one kept for its run; false when it is no rating. */
function readRating(line: string, ratings: Map<string, RatingRecord>): boolean {
  let value: RatingRecord;
  try {
    value = JSON.parse(line) as RatingRecord;
  } catch {
    return false;
  }
  if (value.event !== 'rating' || typeof value.runId !== 'string') return false;
  const current = ratings.get(value.runId);
  if (!current || !(Date.parse(value.at) < Date.parse(current.at))) ratings.set(value.runId, value);
  return true;
}

/**
 * The evaluations of the log (every `*.jsonl` file of `logDir`), each by its newest `event: "evaluation"` line,
 * newest first by `startedAt`; with `promptPath` (workspace-relative, forward slashes) only that prompt's.
 * A missing folder holds none; unreadable lines are skipped.
 * @throws FileSystemError when a file cannot be read.
 */
export async function listEvaluationRecords(fs: FileSystem, logDir: string, promptPath?: string): Promise<EvaluationRecord[]> {
  const byId = new Map<string, EvaluationRecord>();
  await forEachLogLine(fs, logDir, (line) => {
    if (!line.includes('"event":"evaluation"')) return;
    let value: EvaluationRecord;
    try {
      value = JSON.parse(line) as EvaluationRecord;
    } catch {
      return;
    }
    if (value.event !== 'evaluation' || typeof value.id !== 'string' || (promptPath !== undefined && value.prompt !== promptPath)) return;
    const current = byId.get(value.id);
    if (!current || current.endedAt <= value.endedAt) byId.set(value.id, value);
  });
  return [...byId.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/** An evaluation of one prompt as the log tells it, for Resume Evaluation to offer. */
export interface LoggedEvaluationSummary {
  /** The `evaluationId`. */
  id: string;
  /**
   * `complete` or `cancelled` from its newest `event: "evaluation"` line; `incomplete` when it has run lines but no
   * such line (the window closed or reloaded while it ran).
   */
  status: 'complete' | 'cancelled' | 'incomplete';
  /** ISO 8601 UTC: the earliest `startedAt` of its lines (the first evaluation line's, else the first run's). */
  startedAt: string;
  /** Deployment keys: those of its newest evaluation line, else those its cell runs name (in order of appearance). */
  deployments: string[];
  /** Test rows, from its newest evaluation line (undefined for an incomplete one). */
  rows?: number;
  /** Cells with a done (`ok`, evaluated) run so far. */
  doneCells: number;
}

/**
 * The evaluations of the prompt `promptPath` (workspace-relative, forward slashes) that the run log under `logDir`
 * holds, newest first. Reads every `YYYY-MM-DD.jsonl` file; lines that are not JSON are skipped. A missing folder
 * holds none.
 * @throws FileSystemError when a file cannot be read.
 */
export async function listLoggedEvaluations(fs: FileSystem, logDir: string, promptPath: string): Promise<LoggedEvaluationSummary[]> {
  const byId = new Map<string, { startedAt: string; deployments: string[]; record?: EvaluationRecord; done: Set<string> }>();
  const entry = (id: string, at: string) => {
    let e = byId.get(id);
    if (!e) byId.set(id, (e = { startedAt: at, deployments: [], done: new Set() }));
    else if (at < e.startedAt) e.startedAt = at;
    return e;
  };
  const promptNeedle = `"prompt":${JSON.stringify(promptPath)}`;
  await forEachLogLine(fs, logDir, (line) => {
    // Cheap filters first: only this prompt's evaluation lines and evaluation cells are parsed.
    if (!line.includes(promptNeedle) || !(line.includes('"evaluationId"') || line.startsWith('{"event":"evaluation"'))) return;
    let value: RunRecord | EvaluationRecord;
    try {
      value = JSON.parse(line) as RunRecord | EvaluationRecord;
    } catch {
      return;
    }
    if (value.prompt !== promptPath) return;
    if (value.event === 'evaluation') {
      const e = entry(value.id, value.startedAt);
      if (!e.record || value.endedAt >= e.record.endedAt) e.record = value;
    } else if (value.event === 'run' && typeof value.evaluationId === 'string' && value.source !== 'judge' && typeof value.testIndex === 'number') {
      const e = entry(value.evaluationId, value.timing.startedAt);
      if (!e.deployments.includes(value.deployment)) e.deployments.push(value.deployment);
      if (isDone(cellResultOf(value))) e.done.add(cellKey(value.deployment, value.testIndex));
    }
  });
  const out: LoggedEvaluationSummary[] = [];
  for (const [id, e] of byId) {
    const summary: LoggedEvaluationSummary = {
      id, status: e.record?.status ?? 'incomplete', startedAt: e.startedAt,
      deployments: e.record ? Object.keys(e.record.deployments) : e.deployments, doneCells: e.done.size,
    };
    if (e.record) summary.rows = e.record.rows;
    out.push(summary);
  }
  return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}
