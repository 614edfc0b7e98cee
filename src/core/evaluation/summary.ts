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
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Length (ms) of the union of intervals [start, end). */
export function unionLength(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [start, end] of sorted) {
    if (start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = start;
      curEnd = end;
    } else if (end > curEnd) {
      curEnd = end;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/**
 * Each deployment's figures from its cells' results (one per cell: pass the cell results, not every line).
 * `rows` is the number of test rows; cells without a result count as cancelled.
 */
export function summarize(cells: Iterable<CellResult>, rows: number, deployments: readonly string[]): Record<string, DeploymentSummary> {
  const byDeployment = new Map<string, CellResult[]>(deployments.map((d) => [d, []]));
  for (const cell of cells) byDeployment.get(cell.deployment)?.push(cell);
  const out: Record<string, DeploymentSummary> = {};
  for (const [key, list] of byDeployment) {
    const count = (o: CellOutcome): number => list.filter((c) => c.outcome === o).length;
    const passed = count('passed');
    const failed = count('failed');
    const errors = count('error');
    const finished = passed + failed + errors;
    const scored = list.filter((c) => (c.outcome === 'passed' || c.outcome === 'failed') && c.meanScore !== null).map((c) => c.meanScore as number);
    const ok = list.filter((c) => c.status === 'ok');
    const latencies = ok.map((c) => c.latencyMs).sort((a, b) => a - b);
    const ttfts = ok.map((c) => c.ttftMs).filter((t): t is number => t !== null).sort((a, b) => a - b);
    const costs = list.map((c) => c.costUsd).filter((c): c is number => typeof c === 'number');
    const completionTokens = list.reduce((a, c) => a + c.completionTokens, 0);
    const busyMs = unionLength(list.map((c) => [c.startedAtMs, c.startedAtMs + c.latencyMs] as const));
    const p = (values: number[], q: number): number | null => {
      const v = percentile(values, q);
      return v === null ? null : round(v, 1);
    };
    out[key] = {
      rows,
      passed,
      failed,
      errors,
      cancelled: rows - finished,
      passRate: finished ? round(passed / finished, 6) : null,
      meanScore: scored.length ? round(scored.reduce((a, b) => a + b, 0) / scored.length, 6) : null,
      latencyMs: { p50: p(latencies, 50), p95: p(latencies, 95) },
      ttftMs: { p50: p(ttfts, 50), p95: p(ttfts, 95) },
      usage: {
        promptTokens: list.reduce((a, c) => a + c.promptTokens, 0),
        completionTokens,
        totalTokens: list.reduce((a, c) => a + c.totalTokens, 0),
      },
      costUsd: costs.length ? round(costs.reduce((a, b) => a + b, 0), 10) : null,
      tokensPerSecond: busyMs > 0 ? round(completionTokens / (busyMs / 1000), 2) : null,
    };
  }
  return out;
}
