/**
 * The evaluation panel's model on the host side: the test rows, each cell's compact result (its output and evaluator
 * results are read from the run log when needed), the cells in flight, and what changed since the webview was last
 * told (cells and streamed text, coalesced into one batch). Does not import `vscode`, so tests and
 * benchmarks drive it directly. The figures of the column headers are the core's `summarize` (the same as the
 * evaluation's log line).
 */
import { CellStore } from '../../core/evaluation/cellStore';
import type { CellResult } from '../../core/evaluation/summary';
import type { EvaluationEvent } from '../../core/evaluation/evaluate';
import type { RatingRecord, RunRecord } from '../../core/log/runLog';
import type { DeploymentSummary } from '../../core/log/runLog';
import {
  OUTPUT_PREVIEW_CHARS, type CellDeltaView, type CellView, type DeploymentTotalsView, type EvaluationStatusView, type RowView, type ThroughputPointView,
} from '../../protocol/evaluation';

/** The core's summarize (src/core/evaluation/summary.ts), passed in so this module does not load the core. */
export type Summarize = (cells: Iterable<CellResult>, rows: number, deployments: readonly string[], options?: { tokensPerSecond?: boolean }) => Record<string, DeploymentSummary>;

/** A test row as the core has it (src/core/evaluation/testData.ts's TestRow): its index and values by input name. */
export interface SourceRow {
  index: number;
  values: Record<string, unknown>;
}

/** A cell whose run is streaming: what the grid shows of it (the whole output is the log's, once it finishes). */
interface RunningCell {
  testIndex: number;
  deployment: string;
  runId: string;
  /** The first {@link OUTPUT_PREVIEW_CHARS} characters so far. */
  preview: string;
  /** Characters so far. */
  outputLength: number;
  /** Preview text not yet posted (see {@link EvaluationGrid.takeBatch}). */
  unsent: string;
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

/** While an evaluation runs, the column headers' figures are computed again at most this often (ms). */
export const TOTALS_EVERY_MS = 1000;
/** ...and no more than 1/TOTALS_SHARE of the time. */
const TOTALS_SHARE = 25;

function key(testIndex: number, deployment: string): string {
  return `${testIndex}\u0000${deployment}`;
}

/** A finished cell's view from its compact result alone (no output, no evaluator results): its run line could not be read. */
function resultView(result: CellResult): CellView {
  return {
    testIndex: result.testIndex, deployment: result.deployment, runId: result.runId, outcome: result.outcome, output: '', outputLength: 0, evaluations: [],
    meanScore: result.meanScore, promptTokens: result.promptTokens, completionTokens: result.completionTokens, latencyMs: result.latencyMs,
    ttftMs: result.ttftMs, costUsd: result.costUsd ?? null,
  };
}

function runningView(cell: RunningCell): CellView {
  return {
    testIndex: cell.testIndex, deployment: cell.deployment, runId: cell.runId, outcome: 'running', output: cell.preview, outputLength: cell.outputLength, evaluations: [],
    meanScore: null, promptTokens: null, completionTokens: null, latencyMs: null, ttftMs: null, costUsd: null,
  };
}

/**
 * The state of one evaluation's grid and the batch of changes not yet posted.
 *
 * What it keeps is bounded by the cells in flight, not by the evaluation's size: a finished cell is its compact result
 * in the core's {@link CellStore} (~130 bytes: outcome, figures, run id), and its thumb when it has one; its output and
 * evaluator results are in the run log, written before the core reports the cell finished, and are read from there when
 * a panel opens ({@link allCells}), exports ({@link exportRows}) or opens the cell's run. Keeping each cell's run line
 * and view instead (~2.3 KB a cell) took 100,000 cells to ~230 MB of live heap, which V8 let grow ~4× before
 * collecting (issue 13: host heap growth ≤ 200 MB over 100,000 cells).
 */
export class EvaluationGrid {
  /** Finished cells' results; a later result of the same cell replaces the earlier. */
  private readonly results: CellStore;
  private readonly thumbs = new Map<string, 'up' | 'down'>();
  private readonly running = new Map<string, RunningCell>();
  /** Cells changed since the last batch, by {@link key}: a running cell, or a finished cell's view. */
  private readonly changed = new Map<string, RunningCell | CellView>();
  /** Running cells with preview text not yet posted. */
  private readonly streaming = new Set<RunningCell>();
  private points: ThroughputPointView[] = [];
  /** The test rows, sorted by index: the core's rows as they are (a view is made when posted), or views. */
  private rowList: (SourceRow | RowView)[] = [];
  /** The inputs of finished cells whose row the grid has no view of yet (fillRowsFromRuns makes rows of them). */
  private readonly unknownRows = new Map<number, Record<string, unknown>>();
  status: EvaluationStatusView;

  /**
   * `evaluators` and `inputNames` name the grid's columns; a live evaluation's panel sets them once it has read the
   * prompt file (its grid exists from the first event on, so none is missed). Cells of rows ≥ `evaluatedRows` are not kept.
   */
  constructor(
    readonly evaluationId: string,
    readonly deployments: readonly string[],
    public evaluators: readonly string[],
    public inputNames: readonly string[],
    private readonly evaluatedRows: number,
    private readonly summarize: Summarize,
  ) {
    this.results = new CellStore(deployments, evaluatedRows);
    this.status = { state: 'running', total: evaluatedRows * deployments.length, done: 0, passed: 0, failed: 0, errors: 0 };
  }

  /** How many test rows the grid has. */
  get rowCount(): number {
    return this.rowList.length;
  }

  /** The views of rows `from` … `to` − 1, in index order (made now from the test rows). */
  rowsAt(from: number, to: number): RowView[] {
    return this.rowList.slice(from, to).map((r) => this.viewOf(r));
  }

  /** Every row's view (made now). */
  get rows(): RowView[] {
    return this.rowsAt(0, this.rowList.length);
  }

  private viewOf(row: SourceRow | RowView): RowView {
    return 'values' in row ? rowView(row.index, row.values, this.inputNames) : row;
  }

  /**
   * Set the test rows: the core's rows of the test data (kept as they are, not copied into views: 100,000 rows of
   * views were ~6 MB of the host's heap for as long as the panel lived), or views (rows made from the runs' inputs).
   */
  setRows(rows: readonly (SourceRow | RowView)[]): void {
    const list = [...rows];
    if (list.some((r, i) => i > 0 && (list[i - 1] as SourceRow | RowView).index >= r.index)) list.sort((a, b) => a.index - b.index);
    this.rowList = list;
    for (const i of [...this.unknownRows.keys()]) if (this.hasRow(i)) this.unknownRows.delete(i);
  }

  /** Position of row `index` in the rows, or −1. */
  private rowPosition(index: number): number {
    const list = this.rowList;
    // The test data's rows are numbered from 0 in order: the row is mostly at its index.
    if (list[index]?.index === index) return index;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as SourceRow | RowView).index < index) lo = mid + 1;
      else hi = mid;
    }
    return list[lo]?.index === index ? lo : -1;
  }

  private hasRow(index: number): boolean {
    return this.rowPosition(index) >= 0;
  }

  /** Rows the grid needs but has no test data for: made from a finished cell's run inputs. Returns those added. */
  fillRowsFromRuns(): RowView[] {
    const added: RowView[] = [];
    for (const [i, inputs] of this.unknownRows) if (!this.hasRow(i)) added.push(rowView(i, inputs, this.inputNames));
    this.unknownRows.clear();
    if (added.length) this.setRows([...this.rowList, ...added]);
    return added;
  }

  /** A cell logged earlier (reading the log): its run line, compact result and newest rating. */
  addLogged(record: RunRecord, result: CellResult, rating?: RatingRecord): void {
    this.finished(record, result);
    if (rating?.thumb) this.thumbs.set(result.runId, rating.thumb);
    else this.thumbs.delete(result.runId);
  }

  private finished(record: RunRecord, result: CellResult): void {
    this.results.set(result);
    if (!this.hasRow(result.testIndex)) this.unknownRows.set(result.testIndex, record.inputs);
  }

  /** Apply one of the core's events; returns whether the webview has something new to be told. */
  apply(event: EvaluationEvent): boolean {
    switch (event.type) {
      case 'started':
        this.status = { ...this.status, state: 'running', total: event.total, done: event.alreadyDone };
        return true;
      case 'cellStarted': {
        const cell: RunningCell = { testIndex: event.testIndex, deployment: event.deployment, runId: event.runId, preview: '', outputLength: 0, unsent: '' };
        this.running.set(event.runId, cell);
        this.changed.set(key(cell.testIndex, cell.deployment), cell);
        return true;
      }
      case 'cellDelta': {
        const cell = this.running.get(event.runId);
        if (!cell) return false;
        cell.outputLength += event.text.length;
        if (cell.preview.length < OUTPUT_PREVIEW_CHARS) {
          const text = event.text.slice(0, OUTPUT_PREVIEW_CHARS - cell.preview.length);
          cell.preview += text;
          // One delta per cell and batch, not per chunk (takeBatch).
          cell.unsent += text;
          this.streaming.add(cell);
        }
        return true;
      }
      case 'cellFinished': {
        const { record, cell } = event;
        const running = this.running.get(record.id);
        if (running) this.streaming.delete(running);
        this.running.delete(record.id);
        this.finished(record, cell);
        const thumb = this.thumbs.get(record.id);
        this.changed.set(key(cell.testIndex, cell.deployment), cellView(record, cell, thumb ? { thumb } : undefined));
        // A new object each time: a message posted earlier holds the one it was posted with.
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

  /**
   * Every cell as the webview shows it (a panel opening on a running or logged evaluation): each finished cell the
   * grid knows, as `logged` (views of the log's run lines, by run id) has it, else from its compact result; each
   * running cell as it is so far. Forgets the pending batch (this is everything).
   */
  allCells(logged: ReadonlyMap<string, CellView>): CellView[] {
    this.takeBatch();
    const out: CellView[] = [];
    const running = new Set<string>();
    for (const cell of this.running.values()) {
      running.add(key(cell.testIndex, cell.deployment));
      out.push(runningView(cell));
    }
    for (const result of this.results.all()) {
      // A cell run again (a resume) shows its new run.
      if (running.has(key(result.testIndex, result.deployment))) continue;
      const view = { ...(logged.get(result.runId) ?? resultView(result)) };
      const thumb = this.thumbs.get(result.runId);
      if (thumb) view.thumb = thumb;
      else delete view.thumb;
      out.push(view);
    }
    return out;
  }

  /**
   * The cells and text changed since the last call, and forgets them: each changed cell whole, and for each other
   * running cell the preview text that streamed into it since (one delta a cell, however many chunks).
   */
  takeBatch(): { cells: CellView[]; deltas: CellDeltaView[] } {
    const cells: CellView[] = [];
    for (const c of this.changed.values()) cells.push('preview' in c ? runningView(c) : c);
    const deltas: CellDeltaView[] = [];
    for (const c of this.streaming) {
      // A cell that goes whole has its text in its view.
      if (this.changed.get(key(c.testIndex, c.deployment)) !== c) deltas.push({ testIndex: c.testIndex, deployment: c.deployment, runId: c.runId, text: c.unsent });
      c.unsent = '';
    }
    for (const c of this.changed.values()) if ('preview' in c) c.unsent = '';
    this.streaming.clear();
    this.changed.clear();
    return { cells, deltas };
  }

  /** The throughput samples since the last call. */
  takePoints(): ThroughputPointView[] {
    const points = this.points;
    this.points = [];
    return points;
  }

  private totalsAt = -Infinity;
  private totalsMs = 0;

  /**
   * The column headers' figures when they are due, else undefined: at most every {@link TOTALS_EVERY_MS} while an
   * evaluation runs, and spaced so computing them takes at most 1/{@link TOTALS_SHARE} of the time (over 100,000 cells
   * one computation takes tens of ms of the host's event loop); with `force`, now (the end, a panel that opens).
   * `now`: a monotonic clock, ms.
   */
  takeTotals(force: boolean, now = globalThis.performance.now()): Record<string, DeploymentTotalsView> | undefined {
    if (!force && now - this.totalsAt < Math.max(TOTALS_EVERY_MS, this.totalsMs * TOTALS_SHARE)) return undefined;
    const t0 = globalThis.performance.now();
    const totals = this.totals();
    this.totalsMs = globalThis.performance.now() - t0;
    this.totalsAt = now;
    return totals;
  }

  /** Each deployment's figures over the finished cells (the core's summarize). */
  totals(): Record<string, DeploymentTotalsView> {
    const summary = this.summarize(this.results.transient(), this.evaluatedRows, this.deployments, { tokensPerSecond: false });
    const out: Record<string, DeploymentTotalsView> = {};
    for (const [k, s] of Object.entries(summary)) {
      out[k] = { rows: s.rows, passed: s.passed, failed: s.failed, errors: s.errors, cancelled: s.cancelled, passRate: s.passRate, meanScore: s.meanScore, latencyMs: s.latencyMs, costUsd: s.costUsd, usage: s.usage };
    }
    return out;
  }

  /** The compact result of a finished cell's run (its day in the log is that of `startedAtMs`). */
  result(runId: string): CellResult | undefined {
    return this.results.find(runId);
  }

  /** Whether `runId` is a cell of this grid (finished or running). */
  has(runId: string): boolean {
    return this.running.has(runId) || this.results.find(runId) !== undefined;
  }

  /** The thumb of a cell's run as the grid knows it. */
  thumb(runId: string): 'up' | 'down' | undefined {
    return this.thumbs.get(runId);
  }

  /** Remember a rating of a cell's run (made from the grid or elsewhere); false when the run is no cell of this grid. */
  rated(runId: string, thumb: 'up' | 'down' | undefined): boolean {
    if (!this.has(runId)) return false;
    if (thumb) this.thumbs.set(runId, thumb);
    else this.thumbs.delete(runId);
    return true;
  }

  /**
   * Rows in `order` (test indexes; unknown ones skipped) with their cells, for an export: a finished cell with its
   * whole output from `logged` (the log's run lines by run id), a running one with its output so far.
   */
  exportRows(order: readonly number[], logged: ReadonlyMap<string, RunRecord>): { row: RowView; cells: Record<string, CellView | undefined> }[] {
    const running = new Map<string, RunningCell>();
    for (const c of this.running.values()) running.set(key(c.testIndex, c.deployment), c);
    const out: { row: RowView; cells: Record<string, CellView | undefined> }[] = [];
    for (const i of order) {
      const at = this.rowPosition(i);
      if (at < 0) continue;
      const row = this.viewOf(this.rowList[at] as SourceRow | RowView);
      const cells: Record<string, CellView | undefined> = {};
      for (const d of this.deployments) {
        const result = this.results.get(d, i);
        const record = result && logged.get(result.runId);
        const thumb = result && this.thumbs.get(result.runId);
        const r = running.get(key(i, d));
        if (r) cells[d] = runningView(r);
        else if (result) cells[d] = record ? { ...cellView(record, result, thumb ? { thumb } : undefined), output: record.output } : resultView(result);
        else cells[d] = undefined;
      }
      out.push({ row, cells });
    }
    return out;
  }
}
