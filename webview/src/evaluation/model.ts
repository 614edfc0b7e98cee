/**
 * The evaluation webview's model: rows, cells by row and deployment, the comparison, and which rows show in which
 * order (filter, search, sort). No DOM here: view.ts and gridRow.ts draw what this holds.
 */
import type {
  CellDeltaView, CellView, DeploymentTotalsView, EvaluationCompareParams, EvaluationInitParams, EvaluationStatusView, RowView,
} from '../../../src/protocol/evaluation';
import { OUTPUT_PREVIEW_CHARS } from '../../../src/protocol/evaluation';

/** Which rows show: all, those with a failed or error cell, or (comparing) those with a regression or a fix. */
export type RowFilter = 'all' | 'failing' | 'regressions' | 'fixes';
export type SortField = 'row' | 'score' | 'latency';

/** How a cell changed against the compared evaluation. */
export type CompareMark = 'regression' | 'fixed' | undefined;

export interface ViewOptions {
  filter: RowFilter;
  /** Case-insensitive text searched in inputs, expected and outputs. */
  search: string;
  sort: SortField;
  descending: boolean;
  /** The deployment whose cell sorts the rows; '' for the mean over the row's cells. */
  sortBy: string;
}

/**
 * One row with its cells (indexed like `deployments`). `version` is bumped by any change; `shape` by a change of the
 * whole row (its test case, the comparison, expanding it), `cellVersions[column]` by a change of one cell, so the grid
 * draws again only what changed.
 */
export interface RowState {
  row: RowView;
  cells: (CellView | undefined)[];
  version: number;
  shape: number;
  cellVersions: number[];
  /** Lower-cased text for search; rebuilt lazily after a change. */
  haystack?: string | undefined;
  /** Whether the row is in `order`, and its sort key there (meaningful while it is in it and the order sorts). */
  shown?: boolean;
  key?: number | null;
}

const failing = (c: CellView | undefined): boolean => c !== undefined && (c.outcome === 'failed' || c.outcome === 'error');

export class EvaluationModel {
  init: EvaluationInitParams | undefined;
  deployments: string[] = [];
  readonly rows: RowState[] = [];
  private readonly rowByIndex = new Map<number, RowState>();
  private readonly byRunId = new Map<string, { state: RowState; column: number }>();
  totals: Record<string, DeploymentTotalsView> = {};
  status: EvaluationStatusView | undefined;
  compare: EvaluationCompareParams | undefined;
  /** Earlier outcome per `testIndex`, by column. */
  private previous = new Map<number, (string | undefined)[]>();
  options: ViewOptions = { filter: 'all', search: '', sort: 'row', descending: false, sortBy: '' };
  /** Positions in `rows` of the rows shown, in order. */
  order: number[] = [];
  /** The order has to be computed whole (options, rows or the comparison changed). */
  private orderStale = true;
  /** Rows whose cells changed since the order was computed: their place in it may have to change. */
  private readonly dirty = new Set<RowState>();

  reset(init: EvaluationInitParams): void {
    this.init = init;
    this.deployments = init.deployments;
    this.rows.length = 0;
    this.rowByIndex.clear();
    this.byRunId.clear();
    this.totals = {};
    this.status = init.status;
    this.compare = undefined;
    this.previous.clear();
    this.dirty.clear();
    this.orderStale = true;
  }

  addRows(rows: RowView[]): void {
    for (const row of rows) {
      const existing = this.rowByIndex.get(row.index);
      if (existing) {
        existing.row = row;
        existing.version++;
        existing.shape++;
        existing.haystack = undefined;
        continue;
      }
      this.rowFor(row.index).row = row;
    }
    this.orderStale = true;
  }

  private rowFor(index: number): RowState {
    let state = this.rowByIndex.get(index);
    if (!state) {
      state = { row: { index, inputs: {} }, cells: new Array<CellView | undefined>(this.deployments.length).fill(undefined), version: 0, shape: 0, cellVersions: new Array<number>(this.deployments.length).fill(0) };
      this.rowByIndex.set(index, state);
      this.orderStale = true;
      // Rows mostly arrive in order; keep `rows` sorted by index.
      if (this.rows.length === 0 || (this.rows[this.rows.length - 1] as RowState).row.index < index) this.rows.push(state);
      else this.rows.splice(this.positionOf(state), 0, state);
    }
    return state;
  }

  /** Apply a batch; returns the rows that changed. */
  applyCells(cells: CellView[], deltas: CellDeltaView[]): Set<RowState> {
    const changed = new Set<RowState>();
    for (const cell of cells) {
      const column = this.deployments.indexOf(cell.deployment);
      if (column < 0) continue;
      const state = this.rowFor(cell.testIndex);
      const old = state.cells[column];
      if (old && old.runId !== cell.runId) this.byRunId.delete(old.runId);
      state.cells[column] = cell;
      state.cellVersions[column] = (state.cellVersions[column] as number) + 1;
      this.byRunId.set(cell.runId, { state, column });
      changed.add(state);
    }
    for (const delta of deltas) {
      const found = this.byRunId.get(delta.runId);
      const cell = found?.state.cells[found.column];
      if (!found || !cell) continue;
      if (cell.output.length < OUTPUT_PREVIEW_CHARS) cell.output += delta.text;
      cell.outputLength += delta.text.length;
      found.state.cellVersions[found.column] = (found.state.cellVersions[found.column] as number) + 1;
      changed.add(found.state);
    }
    for (const state of changed) {
      state.version++;
      state.haystack = undefined;
      this.dirty.add(state);
    }
    return changed;
  }

  cell(runId: string): CellView | undefined {
    const found = this.byRunId.get(runId);
    return found?.state.cells[found.column];
  }

  /** Mark a cell's thumb (after a rating was saved); returns its row. */
  setThumb(runId: string, thumb: 'up' | 'down' | undefined): RowState | undefined {
    const found = this.byRunId.get(runId);
    const cell = found?.state.cells[found.column];
    if (!found || !cell) return undefined;
    if (thumb) cell.thumb = thumb;
    else delete cell.thumb;
    found.state.version++;
    found.state.cellVersions[found.column] = (found.state.cellVersions[found.column] as number) + 1;
    return found.state;
  }

  setCompare(compare: EvaluationCompareParams): void {
    this.compare = compare.against ? compare : undefined;
    this.previous.clear();
    for (const [testIndex, deployment, outcome] of compare.cells) {
      const column = this.deployments.indexOf(deployment);
      if (column < 0) continue;
      let list = this.previous.get(testIndex);
      if (!list) {
        list = new Array<string | undefined>(this.deployments.length).fill(undefined);
        this.previous.set(testIndex, list);
      }
      list[column] = outcome;
    }
    for (const state of this.rows) {
      state.version++;
      state.shape++;
    }
    if (!this.compare && (this.options.filter === 'regressions' || this.options.filter === 'fixes')) this.options.filter = 'all';
    this.orderStale = true;
  }

  /** A cell's change against the compared evaluation: passed before and failing now, or the reverse. */
  mark(state: RowState, column: number): CompareMark {
    if (!this.compare) return undefined;
    const before = this.previous.get(state.row.index)?.[column];
    const now = state.cells[column];
    if (!before || !now) return undefined;
    if (before === 'passed' && failing(now)) return 'regression';
    if ((before === 'failed' || before === 'error') && now.outcome === 'passed') return 'fixed';
    return undefined;
  }

  setOptions(options: Partial<ViewOptions>): void {
    this.options = { ...this.options, ...options };
    this.orderStale = true;
  }

  /** Whether the order has to be computed again (a batch or an option changed it). */
  get stale(): boolean {
    return this.orderStale || this.dirty.size > 0;
  }

  /** A change of the whole row (e.g. expanded): it is drawn again whole. */
  reshape(state: RowState): void {
    state.version++;
    state.shape++;
  }

  /**
   * Brings `order` up to date: whole after a change of the options, the rows or the comparison; else only the rows a
   * batch changed move (those whose filter result or sort key changed: taken out, and merged back in at their places),
   * so a batch of 400 cells over 10,000 rows costs a pass over the order at most, and nothing when no row moves.
   * Returns whether the order changed.
   */
  updateOrder(): boolean {
    if (this.orderStale) {
      this.computeOrder();
      return true;
    }
    const sorted = this.options.sort !== 'row';
    const moved = new Set<RowState>();
    for (const state of this.dirty) {
      const keep = this.passes(state, this.needle());
      if (!keep && !state.shown) continue;
      if (keep && state.shown) {
        if (!sorted) continue;
        const key = this.sortKey(state);
        if (key === state.key) continue;
      }
      moved.add(state);
    }
    this.dirty.clear();
    if (moved.size === 0) return false;
    const position = new Map<RowState, number>();
    for (const state of moved) position.set(state, this.positionOf(state));
    const taken = new Set(position.values());
    const rest = this.order.filter((i) => !taken.has(i));
    const incoming: number[] = [];
    for (const state of moved) {
      state.shown = this.passes(state, this.needle());
      if (!state.shown) continue;
      if (sorted) state.key = this.sortKey(state);
      incoming.push(position.get(state) as number);
    }
    const compare = this.comparator();
    incoming.sort(compare);
    // Merge the two sorted lists.
    const order = new Array<number>(rest.length + incoming.length);
    let a = 0;
    let b = 0;
    for (let k = 0; k < order.length; k++) {
      order[k] = b >= incoming.length || (a < rest.length && compare(rest[a] as number, incoming[b] as number) <= 0) ? rest[a++] as number : incoming[b++] as number;
    }
    this.order = order;
    return true;
  }

  /** Compute `order` from the filter, the search and the sort, over every row. */
  computeOrder(): number[] {
    const needle = this.needle();
    const sorted = this.options.sort !== 'row';
    const keep: number[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const state = this.rows[i] as RowState;
      state.shown = this.passes(state, needle);
      if (!state.shown) continue;
      if (sorted) state.key = this.sortKey(state);
      keep.push(i);
    }
    if (sorted) keep.sort(this.comparator());
    this.order = keep;
    this.orderStale = false;
    this.dirty.clear();
    return keep;
  }

  private needle(): string {
    return this.options.search.trim().toLowerCase();
  }

  /** Whether `state` passes the filter and the search (`needle`, lower-cased). */
  private passes(state: RowState, needle: string): boolean {
    const { filter } = this.options;
    if (filter === 'failing' && !state.cells.some(failing)) return false;
    if (filter === 'regressions' && !state.cells.some((_, c) => this.mark(state, c) === 'regression')) return false;
    if (filter === 'fixes' && !state.cells.some((_, c) => this.mark(state, c) === 'fixed')) return false;
    return !needle || haystackOf(state).includes(needle);
  }

  /** The value `state` sorts by: its cell's score or latency on the sort's deployment, or the mean over its cells; null when it has none. */
  private sortKey(state: RowState): number | null {
    const { sort, sortBy } = this.options;
    const column = sortBy === '' ? -1 : this.deployments.indexOf(sortBy);
    const pick = (c: CellView | undefined): number | null => (c === undefined ? null : sort === 'score' ? c.meanScore : c.latencyMs);
    if (column >= 0) return pick(state.cells[column]);
    let sum = 0;
    let n = 0;
    for (const c of state.cells) {
      const v = pick(c);
      if (v === null) continue;
      sum += v;
      n++;
    }
    return n ? sum / n : null;
  }

  /** Order of two positions in `rows` by their sort keys; rows without a value go last whichever the direction; ties keep the row order. */
  private comparator(): (a: number, b: number) => number {
    if (this.options.sort === 'row') return (a, b) => a - b;
    const sign = this.options.descending ? -1 : 1;
    const rows = this.rows;
    return (a, b) => {
      const va = (rows[a] as RowState).key ?? null;
      const vb = (rows[b] as RowState).key ?? null;
      if (va === null || vb === null) return va === vb ? a - b : va === null ? 1 : -1;
      return va === vb ? a - b : (va - vb) * sign;
    };
  }

  /** Position of `state` in `rows` (sorted by index). */
  private positionOf(state: RowState): number {
    const index = state.row.index;
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.rows[mid] as RowState).row.index < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function haystackOf(state: RowState): string {
  if (state.haystack === undefined) {
    const parts: string[] = [...Object.values(state.row.inputs)];
    if (state.row.expected !== undefined) parts.push(state.row.expected);
    for (const c of state.cells) if (c) parts.push(c.output);
    state.haystack = parts.join('\n').toLowerCase();
  }
  return state.haystack;
}
