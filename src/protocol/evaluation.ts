/**
 * The messages between the extension host and the evaluation webview ("Evaluation: <prompt name>", a WebviewPanel):
 * the grid of an evaluation (a row per test case, a column per deployment), its live updates, the comparison with an
 * earlier evaluation of the same prompt and the throughput chart. Both sides import this file, so a change here is a
 * compile error on whichever side falls behind.
 *
 * Every message is `{ method, params }`. Host → webview messages are sent after the webview said `ready` (the host
 * queues them until then). Live updates come batched: one `evaluation/cells` message carries every cell that started,
 * streamed or finished since the last one (the host sends at most one per {@link LIVE_BATCH_MS}), never one per token.
 */

/** How often (ms) the host posts the cells and samples that changed while an evaluation runs. */
export const LIVE_BATCH_MS = 100;

/** Characters of a cell's output the grid receives; the run panel (click the cell) shows the whole output. */
export const OUTPUT_PREVIEW_CHARS = 2000;

/** How a cell came out (the core's CellOutcome), or `running` while its run streams. */
export type CellOutcomeView = 'passed' | 'failed' | 'error' | 'cancelled' | 'running';

/** One evaluator's result on a cell, as the grid shows it (score 0..1, null when it has none). */
export interface EvaluatorResultView {
  name: string;
  passed: boolean;
  score: number | null;
  /** Why the evaluator gave no result; the cell is then an error. */
  error?: string;
  /** What was checked or what the judge answered. */
  details?: string;
}

/** A test case: its inputs as text (strings as they are, other values as JSON) and its `expected`, if it has one. */
export interface RowView {
  /** 0-based index of the test row (the log's `testIndex`). */
  index: number;
  inputs: Record<string, string>;
  expected?: string;
}

/** A cell: one test row on one deployment. */
export interface CellView {
  testIndex: number;
  deployment: string;
  runId: string;
  outcome: CellOutcomeView;
  /** The first {@link OUTPUT_PREVIEW_CHARS} characters of the output (partial while running). */
  output: string;
  /** Characters of the whole output. */
  outputLength: number;
  evaluations: EvaluatorResultView[];
  /** Mean of the evaluators' scores, 0..1; null when none has one. */
  meanScore: number | null;
  /** Tokens of the chat completion's `usage`; null when the server sent none. */
  promptTokens: number | null;
  completionTokens: number | null;
  /** From the request to the end of the stream, ms; null while running. */
  latencyMs: number | null;
  ttftMs: number | null;
  costUsd: number | null;
  /** The run's error sentence, for an error cell. */
  error?: string;
  /** The cell's newest thumb rating, if it has one. */
  thumb?: 'up' | 'down';
}

/** Text that streamed into a running cell since the last batch. */
export interface CellDeltaView {
  testIndex: number;
  deployment: string;
  runId: string;
  text: string;
}

/** A deployment's figures (the log's DeploymentSummary, see src/core/evaluation/summary.ts). */
export interface DeploymentTotalsView {
  rows: number;
  passed: number;
  failed: number;
  errors: number;
  cancelled: number;
  /** 0..1; null when no cell finished. */
  passRate: number | null;
  /** 0..1; null when no cell has a score. */
  meanScore: number | null;
  latencyMs: { p50: number | null; p95: number | null };
  /** USD; null when no run has a price. */
  costUsd: number | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
}

/** An earlier evaluation of the same prompt, to compare with. */
export interface EvaluationChoiceView {
  evaluationId: string;
  /** ISO 8601 UTC of its (last) start. */
  startedAt: string;
  status: 'complete' | 'cancelled';
  deployments: string[];
  rows: number;
}

/** One throughput sample (the core's `throughput` event): per deployment, completion tokens/s and requests in flight. */
export interface ThroughputPointView {
  /** ms since the evaluation started. */
  elapsedMs: number;
  deployments: Record<string, { completionTokensPerSecond: number; inFlight: number }>;
}

/** How the evaluation stands. */
export interface EvaluationStatusView {
  state: 'running' | 'complete' | 'cancelled';
  total: number;
  done: number;
  passed: number;
  failed: number;
  errors: number;
}

export interface EvaluationInitParams {
  evaluationId: string;
  promptName: string;
  promptPath: string;
  /** Column order. */
  deployments: string[];
  /** Evaluator names, in the prompt's order. */
  evaluators: string[];
  /** Names of the input columns, in the prompt's order. */
  inputNames: string[];
  /** Rows come in `evaluation/rows` messages after this one. */
  rowCount: number;
  status: EvaluationStatusView;
  /** Earlier evaluations of the prompt, newest first. */
  previous: EvaluationChoiceView[];
}

/** What the comparison found: the earlier evaluation's outcome per cell and its totals. */
export interface EvaluationCompareParams {
  /** null: comparison turned off. */
  against: EvaluationChoiceView | null;
  /** `[testIndex, deployment, outcome]` of each cell the earlier evaluation has. */
  cells: [number, string, 'passed' | 'failed' | 'error' | 'cancelled'][];
  /** Its totals per deployment (pass rate and mean score, 0..1 or null). */
  totals: Record<string, { passRate: number | null; meanScore: number | null }>;
}

export type EvaluationHostMessage =
  | { method: 'evaluation/init'; params: EvaluationInitParams }
  | { method: 'evaluation/rows'; params: { rows: RowView[] } }
  /** Cells that changed (whole), then text that streamed into running cells; `seq` is echoed by `evaluation/applied`. */
  | { method: 'evaluation/cells'; params: { seq: number; cells: CellView[]; deltas: CellDeltaView[] } }
  | { method: 'evaluation/totals'; params: { deployments: Record<string, DeploymentTotalsView>; status: EvaluationStatusView } }
  | { method: 'evaluation/throughput'; params: { points: ThroughputPointView[] } }
  | { method: 'evaluation/compare'; params: EvaluationCompareParams }
  /** A cell's run was rated: answering `cell/rate` (its `requestId`), or without one, from elsewhere (the run panel, Rate Last Run). */
  | { method: 'evaluation/rated'; params: { requestId?: string; runId: string; thumb?: 'up' | 'down'; message?: string } };

export type EvaluationWebviewMessage =
  | { method: 'ready'; params: Record<string, never> }
  /** Open the cell's run in the run panel. */
  | { method: 'cell/open'; params: { runId: string } }
  /** Rate the cell's run (a rating line, as the run panel writes). */
  | { method: 'cell/rate'; params: { requestId: string; runId: string; thumb: 'up' | 'down' } }
  /** Append the run's inputs to the prompt's test data (command `promptLab.addToTestData`). */
  | { method: 'cell/addToTestData'; params: { runId: string } }
  /** Export the rows shown (in the order shown, `rows` = their test indexes) as CSV or JSONL. */
  | { method: 'export'; params: { format: 'csv' | 'jsonl'; rows: number[] } }
  /** Compare with an earlier evaluation, or stop comparing (null). */
  | { method: 'compare'; params: { evaluationId: string | null } }
  /** The webview drew the cells of batch `seq` (after the next paint). */
  | { method: 'evaluation/applied'; params: { seq: number; renderedRows: number } };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Type guard for messages from the evaluation webview; anything else is ignored by the host. */
export function isEvaluationWebviewMessage(value: unknown): value is EvaluationWebviewMessage {
  if (!isRecord(value) || typeof value.method !== 'string' || !isRecord(value.params)) return false;
  const p = value.params;
  switch (value.method) {
    case 'ready':
      return true;
    case 'cell/open':
    case 'cell/addToTestData':
      return typeof p.runId === 'string';
    case 'cell/rate':
      return typeof p.requestId === 'string' && typeof p.runId === 'string' && (p.thumb === 'up' || p.thumb === 'down');
    case 'export':
      return (p.format === 'csv' || p.format === 'jsonl') && Array.isArray(p.rows) && p.rows.every((r) => Number.isInteger(r));
    case 'compare':
      return p.evaluationId === null || typeof p.evaluationId === 'string';
    case 'evaluation/applied':
      return typeof p.seq === 'number' && typeof p.renderedRows === 'number';
    default:
      return false;
  }
}

/** Type guard for messages from the host. */
export function isEvaluationHostMessage(value: unknown): value is EvaluationHostMessage {
  if (!isRecord(value) || typeof value.method !== 'string' || !isRecord(value.params)) return false;
  const p = value.params;
  switch (value.method) {
    case 'evaluation/init':
      return typeof p.evaluationId === 'string' && Array.isArray(p.deployments) && Array.isArray(p.evaluators) && isRecord(p.status);
    case 'evaluation/rows':
      return Array.isArray(p.rows);
    case 'evaluation/cells':
      return typeof p.seq === 'number' && Array.isArray(p.cells) && Array.isArray(p.deltas);
    case 'evaluation/totals':
      return isRecord(p.deployments) && isRecord(p.status);
    case 'evaluation/throughput':
      return Array.isArray(p.points);
    case 'evaluation/compare':
      return Array.isArray(p.cells) && isRecord(p.totals);
    case 'evaluation/rated':
      return (p.requestId === undefined || typeof p.requestId === 'string') && typeof p.runId === 'string';
    default:
      return false;
  }
}
