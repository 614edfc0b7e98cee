/**
 * A row element of the evaluation grid that is drawn again in place. The grid keeps a pool of these (the rows in view
 * and a few more) and, when the view scrolls, gives each one the test case now at its place instead of building new
 * elements; a cell writes only what differs from what it shows (text nodes, attributes). So a batch that changes a cell
 * in view costs a few text writes, and a jump to anywhere costs the text of the rows in view, with no element created
 * and no compositing layer made or dropped (each row is one, see `.row` in media/evaluation.css).
 */
import type { CellView, EvaluatorResultView, RowView } from '../../../src/protocol/evaluation';
import { h } from '../dom';
import type { CompareMark } from './model';

const OUTCOME_LABEL: Record<CellView['outcome'], string> = { passed: '✓ pass', failed: '✗ fail', error: '! error', cancelled: '⊘ cancelled', running: '… running' };

/** Formats the grid shares with its header: a score 0..1, a latency in ms. */
export const score = (v: number | null | undefined): string => (typeof v === 'number' ? v.toFixed(2) : '—');
export const ms = (v: number | null | undefined): string => (typeof v === 'number' ? (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`) : '—');

/** Writes a text node only when its text differs (a write of the same text still invalidates layout). */
function setText(node: Text, value: string): void {
  if (node.data !== value) node.data = value;
}

function setAttr(el: Element, name: string, value: string | undefined): void {
  if (value === undefined) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** An element with one text node, and that node. */
function textElement(tag: string, attrs: Record<string, string>): [HTMLElement, Text] {
  const text = document.createTextNode('');
  return [h(tag, attrs, text), text];
}

/** One cell's element: `not run` until the cell has a run, then its head, evaluators and output, updated in place. */
class GridCell {
  readonly el: HTMLElement;
  /** Whether the element holds the parts of a cell with a run (else the `not run` text). */
  private filled: boolean | undefined;
  private readonly pending = document.createTextNode('not run');
  private readonly parts: HTMLElement[];
  private readonly outcome: HTMLElement;
  private readonly outcomeText: Text;
  private readonly mark: HTMLElement;
  private readonly markText: Text;
  private readonly scoreText: Text;
  private readonly latencyText: Text;
  private readonly tokensText: Text;
  private readonly up: HTMLElement;
  private readonly down: HTMLElement;
  private readonly expand: HTMLElement;
  private readonly expandText: Text;
  private readonly evaluators: HTMLElement;
  private readonly evaluatorSpans: { el: HTMLElement; text: Text }[] = [];
  private readonly outputText: Text;
  private readonly moreText: Text;

  constructor(deployment: string) {
    this.el = h('div', { class: 'cell pending', role: 'cell', 'data-testid': 'cell', 'data-deployment': deployment, 'data-outcome': 'pending' });
    [this.outcome, this.outcomeText] = textElement('span', { class: 'outcome', 'data-testid': 'outcome' });
    [this.mark, this.markText] = textElement('span', { 'data-testid': 'mark' });
    const [scoreEl, scoreText] = textElement('span', { class: 'metric', title: 'Mean score' });
    const [latencyEl, latencyText] = textElement('span', { class: 'metric', title: 'Latency' });
    const [tokensEl, tokensText] = textElement('span', { class: 'metric', title: 'Prompt / completion tokens' });
    this.scoreText = scoreText;
    this.latencyText = latencyText;
    this.tokensText = tokensText;
    this.up = h('button', { type: 'button', class: 'thumb', 'data-action': 'up', 'aria-label': 'Thumbs up', title: 'Thumbs up', 'aria-pressed': 'false' }, '+1');
    this.down = h('button', { type: 'button', class: 'thumb', 'data-action': 'down', 'aria-label': 'Thumbs down', title: 'Thumbs down', 'aria-pressed': 'false' }, '−1');
    [this.expand, this.expandText] = textElement('button', { type: 'button', 'data-action': 'expand' });
    const add = h('button', { type: 'button', 'data-action': 'add', 'aria-label': 'Add to Test Data', title: 'Add this run\'s inputs to the prompt\'s test data' }, '+data');
    const head = h('div', { class: 'cell-head' }, this.outcome, scoreEl, latencyEl, tokensEl, h('span', { class: 'actions' }, this.up, this.down, add, this.expand));
    this.evaluators = h('div', { class: 'evaluators' });
    this.outputText = document.createTextNode('');
    this.moreText = document.createTextNode('');
    const output = h('div', { class: 'output', 'data-testid': 'cell-output' }, this.outputText, this.moreText);
    this.parts = [head, this.evaluators, output];
    this.show(undefined, undefined, false);
  }

  /** Shows `cell` (undefined: not run yet), its change against the compared evaluation, and whether its row is expanded. */
  show(cell: CellView | undefined, mark: CompareMark, expanded: boolean): void {
    const el = this.el;
    if (!cell) {
      if (this.filled !== false) {
        this.filled = false;
        el.replaceChildren(this.pending);
        el.className = 'cell pending';
        setAttr(el, 'data-outcome', 'pending');
        for (const name of ['tabindex', 'data-run-id', 'title']) setAttr(el, name, undefined);
      }
      return;
    }
    if (this.filled !== true) {
      this.filled = true;
      el.replaceChildren(...this.parts);
      setAttr(el, 'tabindex', '0');
      setAttr(el, 'title', 'Click to open this run in the run panel');
    }
    const className = `cell ${cell.outcome}${mark ? ` ${mark}` : ''}`;
    if (el.className !== className) el.className = className;
    setAttr(el, 'data-run-id', cell.runId);
    setAttr(el, 'data-outcome', cell.outcome);
    const outcomeClass = `outcome ${cell.outcome}`;
    if (this.outcome.className !== outcomeClass) this.outcome.className = outcomeClass;
    setText(this.outcomeText, OUTCOME_LABEL[cell.outcome]);
    this.showMark(mark);
    setText(this.scoreText, score(cell.meanScore));
    setText(this.latencyText, ms(cell.latencyMs));
    setText(this.tokensText, cell.completionTokens === null ? '— tok' : `${cell.promptTokens ?? '—'}/${cell.completionTokens} tok`);
    for (const [button, thumb] of [[this.up, 'up'], [this.down, 'down']] as const) {
      const on = cell.thumb === thumb;
      const className = on ? 'thumb on' : 'thumb';
      if (button.className !== className) button.className = className;
      setAttr(button, 'aria-pressed', String(on));
    }
    setAttr(this.expand, 'aria-label', expanded ? 'Collapse' : 'Expand');
    setAttr(this.expand, 'title', expanded ? 'Collapse' : 'Show the whole output');
    setText(this.expandText, expanded ? '▴' : '▾');
    this.showEvaluators(cell.evaluations);
    setText(this.outputText, cell.error !== undefined && cell.output === '' ? cell.error : cell.output);
    setText(this.moreText, cell.outputLength > cell.output.length ? ` … (${cell.outputLength} characters: click to open the run)` : '');
  }

  private showMark(mark: CompareMark): void {
    if (!mark) {
      if (this.mark.parentElement) this.mark.remove();
      return;
    }
    const className = `mark ${mark}`;
    if (this.mark.className !== className) {
      this.mark.className = className;
      this.mark.title = mark === 'regression' ? 'Passed in the compared evaluation, fails now' : 'Failed in the compared evaluation, passes now';
      setText(this.markText, mark === 'regression' ? '▼ regression' : '▲ fixed');
    }
    if (this.mark.previousSibling !== this.outcome) this.outcome.after(this.mark);
  }

  private showEvaluators(evaluations: EvaluatorResultView[]): void {
    const spans = this.evaluatorSpans;
    while (spans.length < evaluations.length) {
      const [el, text] = textElement('span', {});
      spans.push({ el, text });
      this.evaluators.append(el);
    }
    while (spans.length > evaluations.length) spans.pop()?.el.remove();
    evaluations.forEach((e, i) => {
      const { el, text } = spans[i] as { el: HTMLElement; text: Text };
      const className = `evaluator ${e.error !== undefined ? 'error' : e.passed ? 'passed' : 'failed'}`;
      if (el.className !== className) el.className = className;
      setAttr(el, 'title', e.error ?? e.details ?? '');
      setText(text, `${e.error !== undefined ? '!' : e.passed ? '✓' : '✗'} ${e.name}${e.score !== null ? ` ${e.score.toFixed(2)}` : ''}`);
    });
  }
}

/**
 * A row of the grid: the test case's cell (index, inputs, expected) and a cell per deployment. `state`, `version`,
 * `shape` and `cellVersions` say what it shows (see RowState), so the grid redraws only what changed since.
 */
export class GridRow {
  readonly el: HTMLElement;
  private readonly caseCell: HTMLElement;
  private readonly indexText: Text;
  private inputs: { name: string; text: Text }[] = [];
  private readonly expected: HTMLElement;
  private readonly expectedText: Text;
  private readonly cells: GridCell[];
  private shownRow: RowView | undefined;
  private expanded: boolean | undefined;
  /** Offset (px) the row is placed at; -1 before it is placed. */
  top = -1;
  /** What the row shows: the owner's token for its test case and the versions drawn (see RowState). */
  state: unknown;
  version = -1;
  shape = -1;
  readonly cellVersions: number[];

  constructor(deployments: string[]) {
    const [indexEl, indexText] = textElement('div', { class: 'case-index' });
    this.indexText = indexText;
    this.expectedText = document.createTextNode('');
    this.expected = h('div', { class: 'expected' }, h('span', { class: 'input-name' }, 'expected: '), this.expectedText);
    this.caseCell = h('div', { class: 'case', role: 'cell' }, indexEl);
    this.cells = deployments.map((d) => new GridCell(d));
    this.cellVersions = deployments.map(() => -1);
    this.el = h('div', { class: 'row', role: 'row', 'data-testid': 'row' }, this.caseCell, ...this.cells.map((c) => c.el));
  }

  /** Shows test case `row` (its number, inputs and expected) in the first column. */
  showCase(row: RowView): void {
    if (this.shownRow === row) return;
    this.shownRow = row;
    setAttr(this.el, 'data-test-index', String(row.index));
    setText(this.indexText, `#${row.index + 1}`);
    const entries = Object.entries(row.inputs);
    if (entries.length !== this.inputs.length || entries.some(([k], i) => this.inputs[i]?.name !== k)) {
      for (const input of this.inputs) input.text.parentElement?.remove();
      this.inputs = entries.map(([name]) => ({ name, text: document.createTextNode('') }));
      const els = this.inputs.map(({ name, text }) => h('div', { class: 'input' }, h('span', { class: 'input-name' }, `${name}: `), text));
      if (this.expected.parentElement === this.caseCell) this.expected.before(...els);
      else this.caseCell.append(...els);
    }
    entries.forEach(([, value], i) => setText((this.inputs[i] as { text: Text }).text, value));
    if (row.expected === undefined) {
      if (this.expected.parentElement) this.expected.remove();
    } else {
      setText(this.expectedText, row.expected);
      if (this.expected.parentElement !== this.caseCell) this.caseCell.append(this.expected);
    }
  }

  /** Expanded: taller, outputs shown whole and scrollable. */
  setExpanded(expanded: boolean, height: number): void {
    if (this.expanded === expanded) return;
    this.expanded = expanded;
    this.el.className = expanded ? 'row expanded' : 'row';
    this.el.style.height = `${height}px`;
  }

  /** Shows the cell of `column`. */
  showCell(column: number, cell: CellView | undefined, mark: CompareMark, expanded: boolean): void {
    this.cells[column]?.show(cell, mark, expanded);
  }

  /** Places the row at `y` px from the top of the grid. */
  place(y: number): void {
    if (this.top === y) return;
    this.top = y;
    this.el.style.transform = `translateY(${y}px)`;
  }
}
