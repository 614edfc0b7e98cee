/**
 * The evaluation webview: a toolbar (filter, search, sort, compare, export), the throughput chart, and the grid, a row
 * per test case and a column per deployment, virtualized: only the rows in view (plus a few) are in the DOM, placed by
 * their offset, so 10,000 rows × 4 deployments scroll and update like 20. The row elements are a pool drawn again in
 * place (gridRow.ts): a scroll gives the rows that left the view to those that came into it. Host batches are applied
 * to the model at once and drawn on the next animation frame, however many arrive in between; only the cells in view
 * that changed are written.
 */
import type { DeploymentTotalsView, EvaluationHostMessage, EvaluationWebviewMessage } from '../../../src/protocol/evaluation';
import { formatCost, h } from '../dom';
import { ThroughputChart } from './chart';
import { GridRow, ms, score } from './gridRow';
import { EvaluationModel, type RowFilter, type RowState, type SortField } from './model';

export interface EvaluationApi {
  postMessage(message: EvaluationWebviewMessage): void;
}

/** Height (px) of a row, and of an expanded one (its outputs shown in full, scrollable). */
export const ROW_HEIGHT = 116;
export const EXPANDED_ROW_HEIGHT = 360;
/**
 * Rows drawn beyond the visible ones: while a scroll goes on, `OVERSCAN_AHEAD` in its direction (drawn before they come
 * into view, as the compositor may scroll ahead of the page by a frame) and one behind. After a jump (no row of the new
 * view was drawn), none: every row costs as much to draw as a visible one (the text of 5 cells laid out and painted),
 * and the frame that shows the jump's target should not wait for rows nobody sees yet; the next frame that draws (the
 * next scroll event or batch) adds them.
 */
const OVERSCAN_AHEAD = 3;

const pct = (v: number | null | undefined): string => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—');
const signed = (v: number, digits: number, unit = ''): string => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}${unit}`;

export class EvaluationView {
  readonly model = new EvaluationModel();
  private readonly title: HTMLElement;
  private readonly statusText: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly filterSelect: HTMLSelectElement;
  private readonly searchInput: HTMLInputElement;
  private readonly sortSelect: HTMLSelectElement;
  private readonly sortBySelect: HTMLSelectElement;
  private readonly directionButton: HTMLButtonElement;
  private readonly compareSelect: HTMLSelectElement;
  private readonly head: HTMLElement;
  private readonly headRow: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly chart: ThroughputChart;
  /** The row elements in the grid, by the row each shows; `spare` holds those out of the DOM, kept for reuse. */
  private readonly rendered = new Map<RowState, GridRow>();
  private spare: GridRow[] = [];
  private spacerHeight = -1;
  /** Positions in the order of the first and last row drawn, the scroll offset then, and which way it last moved. */
  private drawn = { first: 0, last: -1 };
  private lastTop = 0;
  private downward = true;
  private readonly expanded = new Set<number>();
  /** Cumulative offsets of `order` when some rows are expanded (else i × ROW_HEIGHT). */
  private offsets: Float64Array | undefined;
  private frame: number | undefined;
  private headStale = true;
  private pendingSeqs: number[] = [];
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private ratingSeq = 0;

  constructor(root: HTMLElement, private readonly api: EvaluationApi) {
    this.title = h('h1', { 'data-testid': 'title' }, 'Evaluation');
    this.statusText = h('span', { class: 'status', 'data-testid': 'status', role: 'status' });
    this.notice = h('span', { class: 'notice', 'data-testid': 'notice', role: 'alert', hidden: '' });
    this.filterSelect = select('filter', 'Show', [['all', 'All rows'], ['failing', 'Rows with a failing cell'], ['regressions', 'Regressions'], ['fixes', 'Fixes']]);
    this.searchInput = h('input', { type: 'search', placeholder: 'Search inputs and outputs', 'aria-label': 'Search', 'data-testid': 'search' });
    this.sortSelect = select('sort', 'Sort by', [['row', 'Row order'], ['score', 'Score'], ['latency', 'Latency']]);
    this.sortBySelect = select('sort-by', 'Sort on deployment', [['', 'Mean of deployments']]);
    this.directionButton = h('button', { type: 'button', 'data-testid': 'sort-direction', 'aria-label': 'Sort direction', title: 'Ascending: click for descending' }, '↑');
    this.compareSelect = select('compare', 'Compare with', [['', 'No comparison']]);
    const exportCsv = h('button', { type: 'button', 'data-testid': 'export-csv', title: 'Export the rows shown as CSV' }, 'Export CSV');
    const exportJsonl = h('button', { type: 'button', 'data-testid': 'export-jsonl', title: 'Export the rows shown as JSON Lines' }, 'Export JSONL');
    // The header scrolls sideways with the body: an outer box that clips, an inner row as wide as the grid's rows.
    this.headRow = h('div', { class: 'grid-head-row', role: 'row' });
    this.head = h('div', { class: 'grid-head', 'data-testid': 'grid-head' }, this.headRow);
    this.spacer = h('div', { class: 'grid-spacer' });
    this.body = h('div', { class: 'grid-body', 'data-testid': 'grid-body', role: 'rowgroup', tabindex: '0' }, this.spacer);
    this.empty = h('p', { class: 'empty-state', 'data-testid': 'empty-state', hidden: '' }, 'No rows match.');
    const chartBox = h('div', { class: 'chart', 'data-testid': 'chart' });
    this.chart = new ThroughputChart(chartBox);
    root.replaceChildren(
      h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Evaluation' },
        h('div', { class: 'toolbar-title' }, this.title, this.statusText, this.notice),
        h('div', { class: 'toolbar-controls' }, this.filterSelect, this.searchInput, this.sortSelect, this.sortBySelect, this.directionButton, this.compareSelect, exportCsv, exportJsonl)),
      chartBox,
      h('div', { class: 'grid', role: 'table', 'data-testid': 'grid' }, this.head, this.body),
      this.empty,
    );
    this.filterSelect.addEventListener('change', () => this.setOptions({ filter: this.filterSelect.value as RowFilter }));
    this.sortSelect.addEventListener('change', () => this.setOptions({ sort: this.sortSelect.value as SortField }));
    this.sortBySelect.addEventListener('change', () => this.setOptions({ sortBy: this.sortBySelect.value }));
    this.directionButton.addEventListener('click', () => {
      const descending = !this.model.options.descending;
      this.directionButton.textContent = descending ? '↓' : '↑';
      this.directionButton.title = descending ? 'Descending: click for ascending' : 'Ascending: click for descending';
      this.setOptions({ descending });
    });
    this.searchInput.addEventListener('input', () => {
      if (this.searchTimer !== undefined) clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.setOptions({ search: this.searchInput.value }), 120);
    });
    this.compareSelect.addEventListener('change', () => this.api.postMessage({ method: 'compare', params: { evaluationId: this.compareSelect.value || null } }));
    exportCsv.addEventListener('click', () => this.export('csv'));
    exportJsonl.addEventListener('click', () => this.export('jsonl'));
    this.body.addEventListener('scroll', () => {
      this.head.scrollLeft = this.body.scrollLeft;
      this.schedule();
    });
    this.body.addEventListener('click', (event) => this.click(event));
    // A focused cell opens with Enter or Space, as a click does.
    this.body.addEventListener('keydown', (event) => {
      const target = event.target as HTMLElement | null;
      if ((event.key === 'Enter' || event.key === ' ') && target?.dataset.testid === 'cell') {
        event.preventDefault();
        this.click(event);
      }
    });
    window.addEventListener('resize', () => {
      this.chart.resize();
      this.schedule();
    });
  }

  handle(message: EvaluationHostMessage): void {
    switch (message.method) {
      case 'evaluation/init': {
        const p = message.params;
        this.model.reset(p);
        // The deployments (the cells of a row) may differ: start the pool again.
        for (const r of this.rendered.values()) r.el.remove();
        this.rendered.clear();
        this.spare = [];
        this.expanded.clear();
        this.title.textContent = `Evaluation: ${p.promptName}`;
        this.body.style.setProperty('--columns', String(p.deployments.length));
        this.headRow.style.setProperty('--columns', String(p.deployments.length));
        fillOptions(this.sortBySelect, [['', 'Mean of deployments'], ...p.deployments.map((d): [string, string] => [d, d])]);
        fillOptions(this.compareSelect, [['', 'No comparison'], ...p.previous.map((e): [string, string] => [e.evaluationId, `${new Date(e.startedAt).toLocaleString()} · ${e.rows} rows · ${e.status}`])]);
        this.compareSelect.disabled = p.previous.length === 0;
        this.chart.reset(p.deployments);
        this.headStale = true;
        break;
      }
      case 'evaluation/rows':
        this.model.addRows(message.params.rows);
        break;
      case 'evaluation/cells':
        this.model.applyCells(message.params.cells, message.params.deltas);
        this.pendingSeqs.push(message.params.seq);
        break;
      case 'evaluation/totals':
        this.model.totals = message.params.deployments;
        this.model.status = message.params.status;
        this.headStale = true;
        break;
      case 'evaluation/throughput':
        this.chart.add(message.params.points);
        break;
      case 'evaluation/compare':
        this.model.setCompare(message.params);
        this.compareSelect.value = message.params.against?.evaluationId ?? '';
        this.filterSelect.value = this.model.options.filter;
        this.headStale = true;
        break;
      case 'evaluation/rated':
        if (message.params.message === undefined) this.model.setThumb(message.params.runId, message.params.thumb);
        else {
          this.notice.textContent = `Could not save the rating: ${message.params.message}`;
          this.notice.hidden = false;
        }
        break;
    }
    this.schedule();
  }

  private setOptions(options: Parameters<EvaluationModel['setOptions']>[0]): void {
    this.model.setOptions(options);
    this.body.scrollTop = 0;
    this.schedule();
  }

  private export(format: 'csv' | 'jsonl'): void {
    if (this.model.stale && this.model.updateOrder()) this.computeOffsets();
    this.api.postMessage({ method: 'export', params: { format, rows: this.model.order.map((i) => (this.model.rows[i] as RowState).row.index) } });
  }

  /** Draw on the next animation frame (once, however many changes arrive before it). */
  private schedule(): void {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.render();
    });
  }

  /** Samples the throughput chart holds. */
  get chartPoints(): number {
    return this.chart.points;
  }

  /** Rows in the DOM now (tests check they stay bounded). */
  get renderedRows(): number {
    return this.rendered.size;
  }

  private render(): void {
    const model = this.model;
    // Read the layout first (it is clean at the start of a frame), then write: no layout forced in between.
    const scrollTop = this.body.scrollTop;
    const height = this.body.clientHeight || 600;
    if (model.stale && model.updateOrder()) this.computeOffsets();
    if (this.headStale) {
      this.headStale = false;
      this.renderHead();
    }
    const order = model.order;
    const total = this.offsetOf(order.length);
    if (total !== this.spacerHeight) {
      this.spacerHeight = total;
      this.spacer.style.height = `${total}px`;
    }
    const empty = order.length === 0 && model.rows.length > 0;
    if (this.empty.hidden === empty) this.empty.hidden = !empty;
    // Where the scroller will be once the spacer has its new height (it clamps scrollTop when the order shrank).
    const top = Math.max(0, Math.min(scrollTop, total - height));
    const firstVisible = this.indexAt(top);
    const lastVisible = this.indexAt(top + height);
    if (top !== this.lastTop) this.downward = top > this.lastTop;
    this.lastTop = top;
    const continuing = firstVisible <= this.drawn.last && lastVisible >= this.drawn.first;
    const ahead = continuing ? OVERSCAN_AHEAD : 0;
    const behind = continuing ? 1 : 0;
    const first = Math.max(0, firstVisible - (this.downward ? behind : ahead));
    const last = Math.min(order.length - 1, lastVisible + (this.downward ? ahead : behind));
    this.drawn = { first, last };
    // Rows that left the view give their elements to the rows that came into it.
    const inView = new Set<RowState>();
    for (let i = first; i <= last; i++) inView.add(model.rows[order[i] as number] as RowState);
    const free: GridRow[] = [];
    for (const [state, row] of this.rendered) {
      if (inView.has(state)) continue;
      this.rendered.delete(state);
      free.push(row);
    }
    const active = document.activeElement;
    for (let i = first; i <= last; i++) {
      const state = model.rows[order[i] as number] as RowState;
      let row = this.rendered.get(state);
      if (!row) {
        row = free.pop() ?? this.spare.pop();
        if (!row) row = new GridRow(model.deployments);
        // A focused cell now shows another run: focus the grid, as when the element was removed, not that run.
        else if (active && row.el.contains(active)) this.body.focus({ preventScroll: true });
        if (!row.el.parentElement) this.body.append(row.el);
        this.rendered.set(state, row);
      }
      this.drawRow(row, state);
      row.place(this.offsetOf(i));
    }
    for (const row of free) {
      if (active && row.el.contains(active)) this.body.focus({ preventScroll: true });
      row.el.remove();
      this.spare.push(row);
    }
    this.renderStatus();
    if (this.pendingSeqs.length) {
      const seqs = this.pendingSeqs.splice(0);
      const rows = this.rendered.size;
      // This runs in an animation frame callback, before the frame's paint: a task queued now runs after that paint,
      // the one that shows the batch. (afterNextPaint would wait for the frame after it.)
      setTimeout(() => {
        for (const seq of seqs) this.api.postMessage({ method: 'evaluation/applied', params: { seq, renderedRows: rows } });
      }, 0);
    }
  }

  /** Draws `state` into `row`: everything when the row showed another test case or the row's shape changed, else the cells that changed. */
  private drawRow(row: GridRow, state: RowState): void {
    if (row.state === state && row.version === state.version) return;
    const whole = row.state !== state || row.shape !== state.shape;
    const expanded = this.expanded.has(state.row.index);
    if (whole) {
      row.showCase(state.row);
      row.setExpanded(expanded, expanded ? EXPANDED_ROW_HEIGHT : ROW_HEIGHT);
    }
    for (let column = 0; column < state.cells.length; column++) {
      const v = state.cellVersions[column] as number;
      if (!whole && row.cellVersions[column] === v) continue;
      row.showCell(column, state.cells[column], this.model.mark(state, column), expanded);
      row.cellVersions[column] = v;
    }
    row.state = state;
    row.version = state.version;
    row.shape = state.shape;
  }

  private computeOffsets(): void {
    if (this.expanded.size === 0) {
      this.offsets = undefined;
      return;
    }
    const order = this.model.order;
    const offsets = new Float64Array(order.length + 1);
    for (let i = 0; i < order.length; i++) {
      const index = (this.model.rows[order[i] as number] as RowState).row.index;
      offsets[i + 1] = (offsets[i] as number) + (this.expanded.has(index) ? EXPANDED_ROW_HEIGHT : ROW_HEIGHT);
    }
    this.offsets = offsets;
  }

  private offsetOf(i: number): number {
    return this.offsets ? (this.offsets[i] as number) : i * ROW_HEIGHT;
  }

  /** Position in `order` of the row at pixel `y`. */
  private indexAt(y: number): number {
    if (!this.offsets) return Math.floor(y / ROW_HEIGHT);
    let lo = 0;
    let hi = this.offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.offsets[mid] as number) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private renderStatus(): void {
    const s = this.model.status;
    if (!s) return;
    const shown = this.model.order.length;
    const rows = this.model.rows.length;
    const state = s.state === 'running' ? 'Running' : s.state === 'complete' ? 'Complete' : 'Cancelled';
    const text = `${state} · ${s.done} of ${s.total} cells · ${s.passed} passed, ${s.failed} failed, ${s.errors} errors · showing ${shown} of ${rows} rows`;
    if (this.statusText.textContent !== text) this.statusText.textContent = text;
  }

  private renderHead(): void {
    const model = this.model;
    const compare = model.compare;
    const cells: HTMLElement[] = [h('div', { class: 'head-cell head-case', role: 'columnheader' }, 'Test case')];
    for (const d of model.deployments) {
      const t: DeploymentTotalsView | undefined = model.totals[d];
      const figures = h('div', { class: 'totals' },
        h('span', { 'data-testid': 'pass-rate', title: 'Pass rate: passed / finished cells' }, `pass ${pct(t?.passRate)}`),
        h('span', { 'data-testid': 'mean-score', title: 'Mean score (0–1)' }, `score ${score(t?.meanScore)}`),
        h('span', { title: 'Latency, 50th / 95th percentile' }, `p50 ${ms(t?.latencyMs.p50)} · p95 ${ms(t?.latencyMs.p95)}`),
        h('span', { title: 'Cost (USD)' }, formatCost(t?.costUsd)),
        h('span', { class: 'counts', title: 'passed / failed / errors' }, t ? `${t.passed} ✓ ${t.failed} ✗ ${t.errors} !` : ''));
      const before = compare?.totals[d];
      let delta: HTMLElement | null = null;
      if (compare && before) {
        const parts: string[] = [];
        if (typeof t?.passRate === 'number' && typeof before.passRate === 'number') parts.push(`pass ${signed((t.passRate - before.passRate) * 100, 1, ' pt')}`);
        if (typeof t?.meanScore === 'number' && typeof before.meanScore === 'number') parts.push(`score ${signed(t.meanScore - before.meanScore, 2)}`);
        delta = h('div', { class: 'delta', 'data-testid': 'delta', title: 'Change against the compared evaluation' }, parts.length ? `vs earlier: ${parts.join(' · ')}` : 'vs earlier: —');
      }
      cells.push(h('div', { class: 'head-cell', role: 'columnheader', 'data-deployment': d }, h('div', { class: 'deployment-name' }, d), figures, delta));
    }
    this.headRow.replaceChildren(...cells);
  }

  private click(event: Event): void {
    const target = event.target as HTMLElement | null;
    const cellEl = target?.closest<HTMLElement>('[data-testid="cell"]');
    const runId = cellEl?.dataset.runId;
    if (!cellEl || !runId) return;
    const action = target?.closest<HTMLElement>('[data-action]')?.dataset.action;
    if (action === 'up' || action === 'down') {
      const current = this.model.cell(runId)?.thumb;
      if (current === action) return;
      this.api.postMessage({ method: 'cell/rate', params: { requestId: `r${++this.ratingSeq}`, runId, thumb: action } });
      return;
    }
    if (action === 'add') {
      this.api.postMessage({ method: 'cell/addToTestData', params: { runId } });
      return;
    }
    if (action === 'expand') {
      const index = Number(cellEl.closest<HTMLElement>('[data-test-index]')?.dataset.testIndex);
      if (this.expanded.has(index)) this.expanded.delete(index);
      else this.expanded.add(index);
      const found = this.model.rows.find((r) => r.row.index === index);
      if (found) this.model.reshape(found);
      this.computeOffsets();
      this.schedule();
      return;
    }
    if (this.model.cell(runId)?.outcome === 'running') return;
    this.api.postMessage({ method: 'cell/open', params: { runId } });
  }
}

function select(testId: string, label: string, options: [string, string][]): HTMLSelectElement {
  const el = h('select', { 'data-testid': testId, 'aria-label': label, title: label });
  fillOptions(el, options);
  return el;
}

function fillOptions(el: HTMLSelectElement, options: [string, string][]): void {
  el.replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
}
