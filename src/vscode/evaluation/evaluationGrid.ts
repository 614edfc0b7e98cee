/**
 * The evaluation panel's model on the host side: the test rows, each cell's latest state, and what changed since the
 * webview was last told (cells and streamed text, coalesced into one batch). Does not import `vscode`, so tests and
 * benchmarks drive it directly. The figures of the column headers are the core's `summarize` (the same as the
 * evaluation's log line).
 */
import type { CellResult } from '../../core/evaluation/summary';
import type { EvaluationEvent } from '../../core/evaluation/evaluate';
import type { RatingRecord, RunRecord } from '../../core/log/runLog';
import type { DeploymentSummary } from '../../core/log/runLog';
import {
  OUTPUT_PREVIEW_CHARS, type CellDeltaView, type CellView, type DeploymentTotalsView, type EvaluationStatusView, type RowView, type ThroughputPointView,
} from '../../protocol/evaluation';

/** The core's summarize (src/core/evaluation/summary.ts), passed in so this module does not load the core. */
export type Summarize = (cells: Iterable<CellResult>, rows: number, deployments: readonly string[]) => Record<string, DeploymentSummary>;

interface CellState {
  view: CellView;
  /** The whole output (the view holds a preview). */
  output: string;
  result?: CellResult;
  record?: RunRecord;
}

/** Text of an input value: strings as they are, anything else as JSON. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A test row as the grid shows it: `inputNames` from `values`, and `expected` when the row has it. */
export function rowView(index: number, values: Record<string, unknown>, inputNames: readonly string[]): RowView {
  const inputs: Record<string, string> = {};
  for (const name of inputNames) if (Object.prototype.hasOwnProperty.call(values, name)) inputs[name] = valueText(values[name]);
  const row: RowView = { index, inputs };
  if (values.expected !== undefined) row.expected = valueText(values.expected);
  return row;
}

/** A finished cell as the grid shows it, from its run line and its compact result. */
export function cellView(record: RunRecord, result: CellResult, rating?: Pick<RatingRecord, 'thumb'>): CellView {
  const view: CellView = {
    testIndex: result.testIndex,
    deployment: result.deployment,
    runId: record.id,
    outcome: result.outcome,
    output: record.output.slice(0, OUTPUT_PREVIEW_CHARS),
    outputLength: record.output.length,
    evaluations: (record.evaluations ?? []).map((e) => ({
      name: e.name, passed: e.passed, score: e.score,
      ...(e.error !== undefined ? { error: e.error } : {}), ...(e.details !== undefined ? { details: e.details.slice(0, OUTPUT_PREVIEW_CHARS) } : {}),
    })),
    meanScore: result.meanScore,
    promptTokens: record.usage?.promptTokens ?? null,
    completionTokens: record.usage?.completionTokens ?? null,
    latencyMs: record.timing.latencyMs,
    ttftMs: record.timing.ttftMs,
    costUsd: typeof record.costUsd === 'number' ? record.costUsd : null,
  };
  if (record.error) view.error = record.error.message;
  if (rating?.thumb) view.thumb = rating.thumb;
  return view;
}

function key(testIndex: number, deployment: string): string {
  return `${testIndex}\u0000${deployment}`;
}

/** The state of one evaluation's grid and the batch of changes not yet posted. */
export class EvaluationGrid {
  private readonly cells = new Map<string, CellState>();
  private readonly byRunId = new Map<string, CellState>();
  private readonly changed = new Set<CellState>();
  private deltas: CellDeltaView[] = [];
  private points: ThroughputPointView[] = [];
  private rowViews: RowView[] = [];
  status: EvaluationStatusView;

  /**
   * `evaluators` and `inputNames` name the grid's columns; a live evaluation's panel sets them once it has read the
   * prompt file (its grid exists from the first event on, so none is missed).
   */
  constructor(
    readonly evaluationId: string,
    readonly deployments: readonly string[],
    public evaluators: readonly string[],
    public inputNames: readonly string[],
    private rowCount: number,
    private readonly summarize: Summarize,
  ) {
    this.status = { state: 'running', total: rowCount * deployments.length, done: 0, passed: 0, failed: 0, errors: 0 };
  }

  get rows(): readonly RowView[] {
    return this.rowViews;
  }

  /** Set the test rows (from the test data, else from the runs' inputs). */
  setRows(rows: RowView[]): void {
    this.rowViews = rows;
    this.rowCount = Math.max(this.rowCount, rows.length);
  }

  /** Rows the grid needs but has no test data for: made from a cell's run inputs. Returns those added. */
  fillRowsFromRuns(): RowView[] {
    const known = new Set(this.rowViews.map((r) => r.index));
    const added: RowView[] = [];
    for (const state of this.cells.values()) {
      const i = state.view.testIndex;
      if (known.has(i) || !state.record) continue;
      known.add(i);
      added.push(rowView(i, state.record.inputs, this.inputNames));
    }
    if (added.length) this.setRows([...this.rowViews, ...added].sort((a, b) => a.index - b.index));
    return added;
  }

  /** A cell logged earlier (reading the log): its run line, compact result and newest rating. */
  addLogged(record: RunRecord, result: CellResult, rating?: RatingRecord): void {
    const state: CellState = { view: cellView(record, result, rating), output: record.output, result, record };
    this.put(state);
  }

  /** Apply one of the core's events; returns whether the webview has something new to be told. */
  apply(event: EvaluationEvent): boolean {
    switch (event.type) {
      case 'started':
        this.status = { ...this.status, state: 'running', total: event.total, done: event.alreadyDone };
        return true;
      case 'cellStarted': {
        const state: CellState = {
          view: {
            testIndex: event.testIndex, deployment: event.deployment, runId: event.runId, outcome: 'running', output: '', outputLength: 0, evaluations: [],
            meanScore: null, promptTokens: null, completionTokens: null, latencyMs: null, ttftMs: null, costUsd: null,
          },
          output: '',
        };
        this.put(state);
        return true;
      }
      case 'cellDelta': {
        const state = this.byRunId.get(event.runId);
        if (!state) return false;
        state.output += event.text;
        state.view.outputLength = state.output.length;
        if (state.view.output.length < OUTPUT_PREVIEW_CHARS) {
          const text = event.text.slice(0, OUTPUT_PREVIEW_CHARS - state.view.output.length);
          state.view.output += text;
          // A cell already in this batch goes whole; otherwise only its new text does.
          if (!this.changed.has(state)) this.deltas.push({ testIndex: event.testIndex, deployment: event.deployment, runId: event.runId, text });
        }
        return true;
      }
      case 'cellFinished': {
        const previous = this.byRunId.get(event.record.id);
        const state: CellState = { view: cellView(event.record, event.cell, previous?.view.thumb ? { thumb: previous.view.thumb } : undefined), output: event.record.output, result: event.cell, record: event.record };
        this.put(state);
        this.status = { ...this.status, done: event.progress.done, passed: event.progress.passed, failed: event.progress.failed, errors: event.progress.errors };
        return true;
      }
      case 'throughput': {
        const deployments: ThroughputPointView['deployments'] = {};
        for (const [k, v] of Object.entries(event.deployments)) deployments[k] = { completionTokensPerSecond: v.completionTokensPerSecond, inFlight: v.inFlight };
        this.points.push({ elapsedMs: event.elapsedMs, deployments });
        return true;
      }
      case 'finished':
        this.status = { ...this.status, state: event.record.status };
        return true;
      default:
        return false;
    }
  }

  private put(state: CellState): void {
    const k = key(state.view.testIndex, state.view.deployment);
    const old = this.cells.get(k);
    if (old && old !== state) {
      this.byRunId.delete(old.view.runId);
      this.changed.delete(old);
    }
    this.cells.set(k, state);
    this.byRunId.set(state.view.runId, state);
    this.changed.add(state);
    // Deltas of this cell before now are in its whole view.
    if (this.deltas.length) this.deltas = this.deltas.filter((d) => d.runId !== state.view.runId);
  }

  /** Every cell as the webview shows it (a panel opening on a running or logged evaluation). */
  allCells(): CellView[] {
    return [...this.cells.values()].map((s) => s.view);
  }

  /** The cells and text changed since the last call, and forgets them. */
  takeBatch(): { cells: CellView[]; deltas: CellDeltaView[] } {
    const cells = [...this.changed].map((s) => s.view);
    const deltas = this.deltas;
    this.changed.clear();
    this.deltas = [];
    return { cells, deltas };
  }

  /** The throughput samples since the last call. */
  takePoints(): ThroughputPointView[] {
    const points = this.points;
    this.points = [];
    return points;
  }

  /** Each deployment's figures over the finished cells (the core's summarize). */
  totals(): Record<string, DeploymentTotalsView> {
    const results: CellResult[] = [];
    for (const s of this.cells.values()) if (s.result) results.push(s.result);
    const summary = this.summarize(results, this.rowCount, this.deployments);
    const out: Record<string, DeploymentTotalsView> = {};
    for (const [k, s] of Object.entries(summary)) {
      out[k] = { rows: s.rows, passed: s.passed, failed: s.failed, errors: s.errors, cancelled: s.cancelled, passRate: s.passRate, meanScore: s.meanScore, latencyMs: s.latencyMs, costUsd: s.costUsd, usage: s.usage };
    }
    return out;
  }

  /** The run line of a cell's run, when the grid has it. */
  record(runId: string): RunRecord | undefined {
    return this.byRunId.get(runId)?.record;
  }

  /** The thumb of a cell's run as the grid knows it. */
  thumb(runId: string): 'up' | 'down' | undefined {
    return this.byRunId.get(runId)?.view.thumb;
  }

  /** Remember a rating made from the grid; returns the cell to post again, if the grid has it. */
  rated(runId: string, thumb: 'up' | 'down' | undefined): CellView | undefined {
    const state = this.byRunId.get(runId);
    if (!state) return undefined;
    if (thumb) state.view.thumb = thumb;
    else delete state.view.thumb;
    return state.view;
  }

  /** Rows in `order` (test indexes; unknown ones skipped) with their cells, whole outputs, for an export. */
  exportRows(order: readonly number[]): { row: RowView; cells: Record<string, CellView | undefined> }[] {
    const byIndex = new Map(this.rowViews.map((r) => [r.index, r]));
    const out: { row: RowView; cells: Record<string, CellView | undefined> }[] = [];
    for (const i of order) {
      const row = byIndex.get(i);
      if (!row) continue;
      const cells: Record<string, CellView | undefined> = {};
      for (const d of this.deployments) {
        const s = this.cells.get(key(i, d));
        cells[d] = s && { ...s.view, output: s.output };
      }
      out.push({ row, cells });
    }
    return out;
  }
}
