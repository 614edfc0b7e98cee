/**
 * An evaluation's figures, computed from its cells' run lines only, so anyone can compute them again from the log:
 *
 * - a cell's result is its newest run line that is done (status `ok` and every evaluator gave a result), else its
 *   newest run line; a cell is passed when every evaluator passed (or it has none), failed when one did not, an error
 *   when its run failed or an evaluator errored, and cancelled when its run was cancelled or an evaluator was;
 * - `passRate` = passed / (passed + failed + errors); `meanScore` = the mean, over passed and failed cells with at
 *   least one score, of each cell's mean score;
 * - `latencyMs` and `ttftMs`: nearest-rank 50th and 95th percentiles over the cells whose run is `ok`;
 * - `usage` and `costUsd`: sums over the cells' result runs, any status;
 * - `tokensPerSecond`: their completion tokens divided by the time (s) during which at least one of them was in flight
 *   (the union of [startedAt, startedAt + latencyMs]), so the pause between a cancel and a resume does not count.
 *
 * Figures are rounded: ms to 0.1, rates and scores to 6 decimals, USD to 10 decimals, tokens/s to 0.01.
 */
import type { DeploymentSummary, EvaluatorResult, RunRecord } from '../log/runLog';

/** Evaluator error text of a judge that was cancelled: such a cell is not done, and a resume runs it again. */
export const CANCELLED_EVALUATOR = 'cancelled';

/** How a cell came out. */
export type CellOutcome = 'passed' | 'failed' | 'error' | 'cancelled';

/** What the figures need of one cell's run line; small, so 100,000 cells fit. */
export interface CellResult {
  testIndex: number;
  deployment: string;
  /** The run's id. */
  runId: string;
  status: RunRecord['status'];
  outcome: CellOutcome;
  /** Mean of the evaluators' scores; null when none has one. */
  meanScore: number | null;
  /** Epoch ms of `timing.startedAt`. */
  startedAtMs: number;
  latencyMs: number;
  ttftMs: number | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number | undefined;
}

/** How a run line of a cell came out (see the module comment). */
export function cellOutcome(status: RunRecord['status'], evaluations: readonly EvaluatorResult[] | undefined): CellOutcome {
  if (status === 'cancelled') return 'cancelled';
  if (status === 'error') return 'error';
  const results = evaluations ?? [];
  if (results.some((e) => e.error === CANCELLED_EVALUATOR)) return 'cancelled';
  if (results.some((e) => e.error !== undefined)) return 'error';
  return results.every((e) => e.passed) ? 'passed' : 'failed';
}

/** Whether a cell with this result needs no further run: its run is ok and every evaluator gave a result. */
export function isDone(cell: Pick<CellResult, 'status' | 'outcome'>): boolean {
  return cell.status === 'ok' && cell.outcome !== 'cancelled';
}

/** The compact result of a cell's run line (`evaluationId`, `testIndex` set). */
export function cellResultOf(record: RunRecord): CellResult {
  const scores = (record.evaluations ?? []).map((e) => e.score).filter((s): s is number => typeof s === 'number');
  return {
    testIndex: record.testIndex ?? -1,
    deployment: record.deployment,
    runId: record.id,
    status: record.status,
    outcome: cellOutcome(record.status, record.evaluations),
    meanScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    startedAtMs: Date.parse(record.timing.startedAt),
    latencyMs: record.timing.latencyMs,
    ttftMs: record.timing.ttftMs,
    promptTokens: record.usage?.promptTokens ?? 0,
    completionTokens: record.usage?.completionTokens ?? 0,
    totalTokens: record.usage?.totalTokens ?? 0,
    costUsd: record.costUsd,
  };
}

/** Whether `candidate`, a later line of the same cell, replaces `current` as the cell's result. */
export function replacesResult(current: CellResult | undefined, candidate: CellResult): boolean {
  return current === undefined || isDone(candidate) || !isDone(current);
}

/** Nearest-rank percentile (`p` in 0..100) of values sorted ascending; null for none. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Length (ms) of the union of intervals [start, end). */
export function unionLength(intervals: readonly (readonly [number, number])[]): number {
  return unionLengthOf(Float64Array.from(intervals, (i) => i[0]), Float64Array.from(intervals, (i) => i[1]));
}

/**
 * Length of the union of intervals [starts[i], ends[i]) (ends[i] ≥ starts[i]), sweeping the starts and the ends
 * each sorted on its own: covered while more intervals have started than ended. Sorts both arrays in place (numeric
 * typed-array sorts: over 100,000 cells, a sort of [start, end] pairs with a comparator held the event loop ~100 ms).
 */
function unionLengthOf(starts: Float64Array, ends: Float64Array): number {
  starts.sort();
  ends.sort();
  let total = 0;
  let open = 0;
  let from = 0;
  let s = 0;
  let e = 0;
  while (s < starts.length) {
    const start = starts[s] as number;
    const end = ends[e] as number;
    if (start <= end) {
      if (open++ === 0) from = start;
      s++;
    } else {
      if (--open === 0) total += end - from;
      e++;
    }
  }
  // Every interval has started: the rest end in order, the last closes the union.
  if (open > 0) total += (ends[ends.length - 1] as number) - from;
  return total;
}

const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** What {@link summarize} may leave out. */
export interface SummarizeOptions {
  /** false: `tokensPerSecond` is null, and the busy time it needs (two sorts of every cell's interval) is not computed. */
  tokensPerSecond?: boolean;
}

/** Numbers appended to a growing Float64Array (no boxed numbers, a native sort). */
class Numbers {
  private buffer = new Float64Array(256);
  private length = 0;

  push(value: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Float64Array(this.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value;
  }

  /** The numbers pushed so far: a view on the buffer (sorting it sorts them in place). */
  values(): Float64Array {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * Each deployment's figures from its cells' results (one per cell: pass the cell results, not every line).
 * `rows` is the number of test rows; cells without a result count as cancelled.
 */
export function summarize(cells: Iterable<CellResult>, rows: number, deployments: readonly string[], options: SummarizeOptions = {}): Record<string, DeploymentSummary> {
  // One pass over the cells, numbers into typed arrays sorted natively: run every second over 100,000 cells while an
  // evaluation's panel is open, filters and comparator sorts over objects held the host's event loop 200-350 ms.
  const busy = options.tokensPerSecond !== false;
  interface Acc {
    passed: number; failed: number; errors: number; scored: number; scoreSum: number; costs: number; costSum: number;
    promptTokens: number; completionTokens: number; totalTokens: number;
    latencies: Numbers; ttfts: Numbers; starts: Numbers; ends: Numbers;
  }
  const byDeployment = new Map<string, Acc>(deployments.map((d) => [d, {
    passed: 0, failed: 0, errors: 0, scored: 0, scoreSum: 0, costs: 0, costSum: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0,
    latencies: new Numbers(), ttfts: new Numbers(), starts: new Numbers(), ends: new Numbers(),
  }]));
  for (const cell of cells) {
    const a = byDeployment.get(cell.deployment);
    if (!a) continue;
    if (cell.outcome === 'passed') a.passed++;
    else if (cell.outcome === 'failed') a.failed++;
    else if (cell.outcome === 'error') a.errors++;
    if ((cell.outcome === 'passed' || cell.outcome === 'failed') && cell.meanScore !== null) {
      a.scored++;
      a.scoreSum += cell.meanScore;
    }
    if (cell.status === 'ok') {
      a.latencies.push(cell.latencyMs);
      if (cell.ttftMs !== null) a.ttfts.push(cell.ttftMs);
    }
    if (typeof cell.costUsd === 'number') {
      a.costs++;
      a.costSum += cell.costUsd;
    }
    a.promptTokens += cell.promptTokens;
    a.completionTokens += cell.completionTokens;
    a.totalTokens += cell.totalTokens;
    if (busy) {
      a.starts.push(cell.startedAtMs);
      a.ends.push(cell.startedAtMs + cell.latencyMs);
    }
  }
  const out: Record<string, DeploymentSummary> = {};
  for (const [key, a] of byDeployment) {
    const finished = a.passed + a.failed + a.errors;
    const latencies = a.latencies.values().sort();
    const ttfts = a.ttfts.values().sort();
    const busyMs = busy ? unionLengthOf(a.starts.values(), a.ends.values()) : 0;
    const p = (values: Float64Array, q: number): number | null => {
      const v = percentile(values, q);
      return v === null ? null : round(v, 1);
    };
    out[key] = {
      rows,
      passed: a.passed,
      failed: a.failed,
      errors: a.errors,
      cancelled: rows - finished,
      passRate: finished ? round(a.passed / finished, 6) : null,
      meanScore: a.scored ? round(a.scoreSum / a.scored, 6) : null,
      latencyMs: { p50: p(latencies, 50), p95: p(latencies, 95) },
      ttftMs: { p50: p(ttfts, 50), p95: p(ttfts, 95) },
      usage: { promptTokens: a.promptTokens, completionTokens: a.completionTokens, totalTokens: a.totalTokens },
      costUsd: a.costs ? round(a.costSum, 10) : null,
      tokensPerSecond: busyMs > 0 ? round(a.completionTokens / (busyMs / 1000), 2) : null,
    };
  }
  return out;
}
