/**
 * The evaluation panel's webview in real Chromium (the harness of the run panel with the evaluation bundle, under the
 * extension's CSP): a 10,000 × 4 grid keeps a bounded number of rows in the DOM wherever it is scrolled, filter /
 * search / sort show the right rows in the right order, many batches arriving at once are drawn in one frame, the
 * comparison marks regressions and fixes and the header's change, the chart gets its points, and the cell actions
 * post what the host acts on.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type {
  CellView, DeploymentTotalsView, EvaluationHostMessage, EvaluationInitParams, EvaluationWebviewMessage, RowView,
} from '../../src/protocol/evaluation';
import { type PageGlobals, type PanelPage, screenshotDir, useRunPanelHarness } from './harness';

const openPage = useRunPanelHarness('evaluation');

function open(viewport = { width: 1280, height: 900 }): Promise<PanelPage> {
  return openPage(viewport);
}

/** Delivers host messages as VS Code does (MessageEvent data); passed as one JSON text, which Playwright carries fast. */
async function send(view: PanelPage, ...messages: EvaluationHostMessage[]): Promise<void> {
  await view.page.evaluate((json) => {
    const w = globalThis as unknown as PageGlobals;
    for (const message of JSON.parse(json) as unknown[]) w.postMessage(message, '*');
  }, JSON.stringify(messages));
}

async function posted(view: PanelPage): Promise<EvaluationWebviewMessage[]> {
  return (await view.posted()) as unknown as EvaluationWebviewMessage[];
}

/** Waits until the webview posted a message with `method`, and returns the first one. */
async function waitForPosted<M extends EvaluationWebviewMessage['method']>(view: PanelPage, method: M): Promise<Extract<EvaluationWebviewMessage, { method: M }>> {
  const handle = await view.page.waitForFunction((m) => (globalThis as unknown as PageGlobals).__posted.find((p) => p.method === (m as string)), method);
  return (await handle.jsonValue()) as Extract<EvaluationWebviewMessage, { method: M }>;
}

function waitForApplied(view: PanelPage, seq: number): Promise<EvaluationWebviewMessage> {
  return view.page.waitForFunction((s) => (globalThis as unknown as PageGlobals).__posted.find((m) => m.method === ('evaluation/applied' as string) && (m.params as { seq?: number }).seq === s), seq)
    .then(async (h) => (await h.jsonValue()) as EvaluationWebviewMessage);
}

function init(deployments: string[], rowCount: number, overrides: Partial<EvaluationInitParams> = {}): EvaluationHostMessage {
  return { method: 'evaluation/init', params: {
    evaluationId: 'e1', promptName: 'classify-ticket', promptPath: 'prompts/classify-ticket.prompt.json', deployments, evaluators: ['contains', 'judge'],
    inputNames: ['ticket'], rowCount, status: { state: 'complete', total: rowCount * deployments.length, done: rowCount * deployments.length, passed: 0, failed: 0, errors: 0 },
    previous: [], ...overrides,
  } };
}

function row(i: number): RowView {
  return { index: i, inputs: { ticket: `Ticket ${i}: the printer on floor ${i % 7} jams` }, expected: i % 3 === 0 ? 'hardware' : 'software' };
}

/** A finished cell whose figures follow from `i` and `d` (so the tests can compute the expected order). */
function cell(i: number, d: string, column: number, overrides: Partial<CellView> = {}): CellView {
  const passed = (i + column) % 5 !== 0;
  const score = ((i * 7 + column * 3) % 11) / 10;
  return {
    testIndex: i, deployment: d, runId: `run-${i}-${d}`, outcome: passed ? 'passed' : 'failed', output: `Answer ${i} from ${d}: ${passed ? 'hardware' : 'unknown'}`,
    outputLength: 0, evaluations: [{ name: 'contains', passed, score: passed ? 1 : 0 }, { name: 'judge', passed: score >= 0.5, score }],
    meanScore: Math.round(((passed ? 1 : 0) + score) / 2 * 1000) / 1000, promptTokens: 40 + (i % 13), completionTokens: 10 + (i % 17),
    latencyMs: 200 + ((i * 37 + column * 101) % 997), ttftMs: 80, costUsd: null, ...overrides,
  };
}

function totals(passRate: number, meanScore: number): DeploymentTotalsView {
  return { rows: 0, passed: 0, failed: 0, errors: 0, cancelled: 0, passRate, meanScore, latencyMs: { p50: 420, p95: 980 }, costUsd: 0.0123, usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 } };
}

/** Loads a grid of `rows` × `deployments` (rows and cells in chunks of 5,000, as the host sends them); returns the last seq. */
async function load(view: PanelPage, deployments: string[], rows: number, cellOf = cell): Promise<number> {
  const t0 = Date.now();
  await send(view, init(deployments, rows));
  for (let i = 0; i < rows; i += 5000) {
    await send(view, { method: 'evaluation/rows', params: { rows: Array.from({ length: Math.min(5000, rows - i) }, (_, k) => row(i + k)) } });
  }
  const cells: CellView[] = [];
  for (let i = 0; i < rows; i++) deployments.forEach((d, c) => cells.push(cellOf(i, d, c)));
  let seq = 0;
  for (let i = 0; i < cells.length; i += 5000) await send(view, { method: 'evaluation/cells', params: { seq: ++seq, cells: cells.slice(i, i + 5000), deltas: [] } });
  await send(view, { method: 'evaluation/totals', params: { deployments: Object.fromEntries(deployments.map((d) => [d, totals(0.8, 0.62)])), status: { state: 'complete', total: cells.length, done: cells.length, passed: 0, failed: 0, errors: 0 } } });
  const t1 = Date.now();
  await waitForApplied(view, seq);
  if (process.env.EVAL_DEBUG) console.log(`load: sent in ${t1 - t0} ms, applied after ${Date.now() - t1} ms`);
  return seq;
}

/**
 * Test indexes of the rows in the DOM, top to bottom (by where they are laid out: `style.transform` reads back with 6
 * significant digits, `translateY(1.15954e+06px)`, so it does not order rows a million pixels down).
 */
function shownRows(view: PanelPage): Promise<number[]> {
  return view.page.locator('[data-testid="row"]').evaluateAll((rows) => rows
    .map((r) => ({ index: Number(r.getAttribute('data-test-index')), y: (r as unknown as { getBoundingClientRect(): { y: number } }).getBoundingClientRect().y }))
    .sort((a, b) => a.y - b.y).map((r) => r.index));
}

async function nextFrames(view: PanelPage, n = 2): Promise<void> {
  await view.page.evaluate((count) => new Promise<void>((resolve) => {
    const w = globalThis as unknown as PageGlobals;
    let left = count;
    const tick = (): void => {
      if (--left <= 0) resolve();
      else w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  }), n);
}

const DEPLOYMENTS = ['gpt-4o-mini', 'mistral-small', 'llama-3.1-8b', 'qwen-2.5-7b'];

test('10,000 rows × 4 deployments: a bounded number of rows in the DOM, at the top and after scrolling to the end', async () => {
  const view = await open();
  await load(view, DEPLOYMENTS, 10_000);
  const top = await shownRows(view);
  assert.ok(top.length > 0 && top.length <= 20, `rows in the DOM at the top: ${top.length}`);
  assert.deepEqual(top.slice(0, 3), [0, 1, 2]);
  assert.equal(await view.page.locator('[data-testid="cell"]').count(), top.length * 4);
  assert.match(await view.page.locator('[data-testid="status"]').textContent() ?? '', /showing 10000 of 10000 rows/);
  assert.equal(await view.page.locator('[data-testid="pass-rate"]').first().textContent(), 'pass 80.0%');
  assert.equal(await view.page.locator('.head-cell[data-deployment]').count(), 4);

  await view.page.locator('[data-testid="grid-body"]').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await nextFrames(view);
  const bottom = await shownRows(view);
  assert.ok(bottom.length <= 20, `rows in the DOM at the end: ${bottom.length}`);
  assert.equal(bottom.at(-1), 9999, 'the last row is reached');
  assert.ok(!bottom.includes(0), 'rows scrolled away are removed');
  const first = view.page.locator('[data-test-index="9999"] [data-testid="cell"]').first();
  assert.match(await first.textContent() ?? '', /Answer 9999 from gpt-4o-mini/);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await view.page.screenshot({ path: path.join(screenshotDir, 'evaluation-grid-10000.png') });
});

test('filter to failing rows, search text and sort by latency or score show the right rows in the right order', async () => {
  // Tall enough that all 60 rows are in view, so the order of every row can be read.
  const view = await open({ width: 1280, height: 7600 });
  const deployments = ['a', 'b'];
  await load(view, deployments, 60);
  const rows = Array.from({ length: 60 }, (_, i) => i);
  const cells = (i: number): CellView[] => deployments.map((d, c) => cell(i, d, c));

  await view.page.locator('[data-testid="filter"]').selectOption('failing');
  await nextFrames(view);
  const failingExpected = rows.filter((i) => cells(i).some((c) => c.outcome === 'failed'));
  assert.deepEqual(await shownRows(view), failingExpected);
  assert.match(await view.page.locator('[data-testid="status"]').textContent() ?? '', new RegExp(`showing ${failingExpected.length} of 60 rows`));

  await view.page.locator('[data-testid="filter"]').selectOption('all');
  await view.page.locator('[data-testid="search"]').fill('floor 3 JAMS');
  await view.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid="row"]').length < 20);
  await nextFrames(view);
  assert.deepEqual(await shownRows(view), rows.filter((i) => i % 7 === 3), 'search is case-insensitive over the inputs');
  await view.page.locator('[data-testid="search"]').fill('answer 42 from b');
  await view.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid="row"]').length === 1);
  assert.deepEqual(await shownRows(view), [42], 'search finds text in outputs');
  await view.page.locator('[data-testid="search"]').fill('');
  await view.page.locator('[data-testid="status"]').filter({ hasText: 'showing 60 of 60 rows' }).waitFor();

  await view.page.locator('[data-testid="sort"]').selectOption('latency');
  await view.page.locator('[data-testid="sort-by"]').selectOption('b');
  await nextFrames(view);
  const byLatency = [...rows].sort((x, y) => (cell(x, 'b', 1).latencyMs as number) - (cell(y, 'b', 1).latencyMs as number) || x - y);
  assert.deepEqual(await shownRows(view), byLatency);
  await view.page.locator('[data-testid="sort-direction"]').click();
  await nextFrames(view);
  const byLatencyDesc = [...rows].sort((x, y) => (cell(y, 'b', 1).latencyMs as number) - (cell(x, 'b', 1).latencyMs as number) || x - y);
  assert.deepEqual(await shownRows(view), byLatencyDesc);

  await view.page.locator('[data-testid="sort"]').selectOption('score');
  await view.page.locator('[data-testid="sort-by"]').selectOption('');
  await nextFrames(view);
  const mean = (i: number): number => cells(i).reduce((a, c) => a + (c.meanScore as number), 0) / 2;
  assert.deepEqual(await shownRows(view), [...rows].sort((x, y) => mean(y) - mean(x) || x - y), 'descending by the mean score over deployments');

  // Export sends the rows shown, in the order shown.
  await view.page.locator('[data-testid="export-csv"]').click();
  const exported = await waitForPosted(view, 'export');
  assert.deepEqual(exported, { method: 'export', params: { format: 'csv', rows: [...rows].sort((x, y) => mean(y) - mean(x) || x - y) } });
});

test('live: many batches arriving at once are drawn in one frame; streamed text shows in the running cell', async () => {
  const view = await open();
  await send(view, init(['a'], 3, { status: { state: 'running', total: 3, done: 0, passed: 0, failed: 0, errors: 0 } }));
  await send(view, { method: 'evaluation/rows', params: { rows: [row(0), row(1), row(2)] } });
  const running: CellView = { ...cell(1, 'a', 0), outcome: 'running', output: '', outputLength: 0, evaluations: [], meanScore: null, latencyMs: null };
  await send(view, { method: 'evaluation/cells', params: { seq: 1, cells: [running], deltas: [] } });
  await waitForApplied(view, 1);
  // Count in how many tasks row 1 is written (rows are drawn again in place: text, attributes or children) while
  // 300 batches of text arrive in one task. A MutationObserver gets the records of one task in one call.
  const drawn = await view.page.evaluate(async () => {
    type Target = { nodeType: number; parentElement: Target | null; closest(s: string): unknown };
    const g = globalThis as unknown as PageGlobals & { document: { querySelector(s: string): unknown }; MutationObserver: new (cb: (records: { target: Target }[]) => void) => { observe(target: unknown, options: object): void; disconnect(): void } };
    const body = g.document.querySelector('[data-testid="grid-body"]');
    let draws = 0;
    const observer = new g.MutationObserver((records) => {
      if (records.some((r) => (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest('[data-test-index="1"]'))) draws++;
    });
    observer.observe(body, { childList: true, subtree: true, characterData: true, attributes: true });
    for (let k = 0; k < 300; k++) {
      g.postMessage({ method: 'evaluation/cells', params: { seq: 2 + k, cells: [], deltas: [{ testIndex: 1, deployment: 'a', runId: 'run-1-a', text: `t${k} ` }] } }, '*');
    }
    await new Promise<void>((resolve) => g.setTimeout(resolve, 0));
    await new Promise<void>((resolve) => g.requestAnimationFrame(() => resolve()));
    await new Promise<void>((resolve) => g.requestAnimationFrame(() => resolve()));
    observer.disconnect();
    return draws;
  });
  await waitForApplied(view, 301);
  assert.ok(drawn >= 1 && drawn <= 2, `row drawn in ${drawn} tasks for 300 batches`);
  const text = await view.page.locator('[data-test-index="1"] [data-testid="cell-output"]').textContent();
  assert.equal(text, Array.from({ length: 300 }, (_, k) => `t${k} `).join(''));
  assert.equal(await view.page.locator('[data-test-index="1"] [data-testid="outcome"]').textContent(), '… running');
  // The run finishes: the whole cell replaces the streamed one.
  await send(view, { method: 'evaluation/cells', params: { seq: 400, cells: [cell(1, 'a', 0)], deltas: [] } });
  await waitForApplied(view, 400);
  assert.equal(await view.page.locator('[data-test-index="1"] [data-testid="outcome"]').textContent(), '✓ pass');
});

/** What the rows in the DOM show, top to bottom: the test index and each cell's output. */
function shownCells(view: PanelPage): Promise<{ index: number; outputs: string[] }[]> {
  return view.page.locator('[data-testid="row"]').evaluateAll((rows) => rows
    .map((r) => ({
      index: Number(r.getAttribute('data-test-index')),
      y: (r as unknown as { getBoundingClientRect(): { y: number } }).getBoundingClientRect().y,
      outputs: Array.from((r as unknown as { querySelectorAll(s: string): Iterable<{ textContent: string | null }> }).querySelectorAll('[data-testid="cell-output"]'), (o) => o.textContent ?? ''),
    }))
    .sort((a, b) => a.y - b.y).map(({ index, outputs }) => ({ index, outputs })));
}

test('a jump to anywhere in 10,000 rows shows the rows there, each with its own cells, in the same row elements', async () => {
  const view = await open();
  await load(view, DEPLOYMENTS, 10_000);
  const jump = async (index: number): Promise<void> => {
    await view.page.locator('[data-testid="grid-body"]').evaluate((el, y) => {
      el.scrollTop = y;
    }, index * 116);
    await nextFrames(view);
  };
  // Tag the row elements in the middle (where the most are in use), to see that jumps draw the new rows into them
  // rather than building others.
  await jump(5000);
  const before = await view.page.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r, k) => {
    (r as unknown as { __tag: number }).__tag = k + 1;
    return k + 1;
  }));
  for (const target of [123, 9990, 0, 7777]) {
    await jump(target);
    const shown = await shownCells(view);
    const indexes = shown.map((r) => r.index);
    assert.ok(indexes.includes(target), `row ${target} is shown after the jump (rows ${indexes.join(', ')})`);
    assert.deepEqual(indexes, Array.from({ length: indexes.length }, (_, k) => (indexes[0] as number) + k), 'consecutive rows');
    for (const r of shown) assert.deepEqual(r.outputs, DEPLOYMENTS.map((d, c) => cell(r.index, d, c).output), `the cells of row ${r.index}`);
    const caseText = await view.page.locator(`[data-test-index="${target}"] .case`).textContent();
    assert.equal(caseText, `#${target + 1}ticket: Ticket ${target}: the printer on floor ${target % 7} jamsexpected: ${target % 3 === 0 ? 'hardware' : 'software'}`);
  }
  const after = await view.page.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r) => (r as unknown as { __tag?: number }).__tag ?? 0));
  assert.deepEqual([...after].sort((a, b) => a - b), before, 'the same row elements, none built');
});

test('a batch redraws the cells in view that changed, and a row changed out of view shows its change when scrolled to', async () => {
  const view = await open();
  const seq = await load(view, DEPLOYMENTS, 1000);
  const changed = (i: number, d: string, c: number): CellView => cell(i, d, c, { outcome: 'failed', output: `Changed ${i} on ${d}`, meanScore: 0.05, latencyMs: 12_345, thumb: 'down', evaluations: [{ name: 'contains', passed: false, score: 0 }] });
  await send(view, { method: 'evaluation/cells', params: { seq: seq + 1, cells: [changed(1, 'mistral-small', 1), changed(800, 'qwen-2.5-7b', 3)], deltas: [] } });
  await waitForApplied(view, seq + 1);
  const target = view.page.locator('[data-test-index="1"] [data-testid="cell"][data-deployment="mistral-small"]');
  assert.equal(await target.getAttribute('data-outcome'), 'failed');
  assert.equal(await target.getAttribute('class'), 'cell failed');
  assert.equal(await target.locator('[data-testid="cell-output"]').textContent(), 'Changed 1 on mistral-small');
  assert.equal(await target.locator('.evaluators').textContent(), '✗ contains 0.00');
  assert.match(await target.locator('.cell-head').textContent() ?? '', /✗ fail0\.0512\.3 s/);
  assert.equal(await target.locator('[data-action="down"]').getAttribute('aria-pressed'), 'true');
  const others = (await shownCells(view)).find((r) => r.index === 1)?.outputs;
  assert.deepEqual(others, DEPLOYMENTS.map((d, c) => (c === 1 ? 'Changed 1 on mistral-small' : cell(1, d, c).output)), 'the other cells of the row are as they were');
  await view.page.locator('[data-testid="grid-body"]').evaluate((el) => {
    el.scrollTop = 798 * 116;
  });
  await nextFrames(view);
  assert.equal(await view.page.locator('[data-test-index="800"] [data-deployment="qwen-2.5-7b"] [data-testid="cell-output"]').textContent(), 'Changed 800 on qwen-2.5-7b');
  assert.equal(await view.page.locator('[data-test-index="800"] [data-deployment="gpt-4o-mini"] [data-testid="cell-output"]').textContent(), cell(800, 'gpt-4o-mini', 0).output);
});

test('filter, search and sort stay right as batches change cells: rows move, come in and go out', async () => {
  // Tall enough that all 60 rows are in view, so the order of every row can be read.
  const view = await open({ width: 1280, height: 7600 });
  const deployments = ['a', 'b'];
  let seq = await load(view, deployments, 60);
  const current = new Map<string, CellView>();
  for (let i = 0; i < 60; i++) deployments.forEach((d, c) => current.set(`${i}/${c}`, cell(i, d, c)));
  const rows = Array.from({ length: 60 }, (_, i) => i);
  const at = (i: number, c: number): CellView => current.get(`${i}/${c}`) as CellView;
  const batch = async (cells: CellView[]): Promise<void> => {
    for (const c of cells) current.set(`${c.testIndex}/${deployments.indexOf(c.deployment)}`, c);
    await send(view, { method: 'evaluation/cells', params: { seq: ++seq, cells, deltas: [] } });
    await waitForApplied(view, seq);
  };
  const latencyOrder = (descending: boolean): number[] => [...rows].sort((x, y) => ((at(x, 1).latencyMs as number) - (at(y, 1).latencyMs as number)) * (descending ? -1 : 1) || x - y);

  await view.page.locator('[data-testid="sort"]').selectOption('latency');
  await view.page.locator('[data-testid="sort-by"]').selectOption('b');
  await nextFrames(view);
  assert.deepEqual(await shownRows(view), latencyOrder(false));
  // Row 30 becomes the fastest, row 2 the slowest, row 17 ties with row 40 (ties keep the row order); a's cells do not sort.
  await batch([cell(30, 'b', 1, { latencyMs: 1 }), cell(2, 'b', 1, { latencyMs: 99_999 }), cell(17, 'b', 1, { latencyMs: at(40, 1).latencyMs }), cell(5, 'a', 0, { latencyMs: 3 })]);
  assert.deepEqual(await shownRows(view), latencyOrder(false));
  assert.equal((await shownRows(view))[0], 30);
  assert.equal((await shownRows(view)).at(-1), 2);
  await view.page.locator('[data-testid="sort-direction"]').click();
  await nextFrames(view);
  await batch([cell(30, 'b', 1, { latencyMs: 500_000 }), cell(9, 'b', 1, { latencyMs: 0 })]);
  assert.deepEqual(await shownRows(view), latencyOrder(true));
  assert.equal((await shownRows(view))[0], 30);

  // The failing filter: a batch that fails a cell brings its row in, one that passes a row's last failing cell takes it out.
  await view.page.locator('[data-testid="sort"]').selectOption('row');
  await view.page.locator('[data-testid="filter"]').selectOption('failing');
  await nextFrames(view);
  const failingRows = (): number[] => rows.filter((i) => deployments.some((_, c) => at(i, c).outcome === 'failed'));
  assert.deepEqual(await shownRows(view), failingRows());
  const wasFailing = failingRows()[0] as number;
  await batch([cell(1, 'a', 0, { outcome: 'failed' }), ...deployments.map((d, c) => cell(wasFailing, d, c, { outcome: 'passed' }))]);
  assert.ok(failingRows().includes(1) && !failingRows().includes(wasFailing));
  assert.deepEqual(await shownRows(view), failingRows());

  // Search: a batch whose output holds the text brings its row in.
  await view.page.locator('[data-testid="filter"]').selectOption('all');
  await view.page.locator('[data-testid="search"]').fill('needle');
  await view.page.locator('[data-testid="status"]').filter({ hasText: 'showing 0 of 60 rows' }).waitFor();
  await batch([cell(44, 'b', 1, { output: 'a NEEDLE in the output' }), cell(12, 'a', 0, { output: 'needles' })]);
  assert.deepEqual(await shownRows(view), [12, 44]);
  await batch([cell(12, 'a', 0)]);
  assert.deepEqual(await shownRows(view), [44]);
});

test('compare: regressions and fixes are marked, the header shows the change, the filter keeps only regressions', async () => {
  const view = await open();
  const now: ('passed' | 'failed')[] = ['failed', 'passed', 'passed', 'failed'];
  const before: ('passed' | 'failed' | 'error')[] = ['passed', 'error', 'passed', 'failed'];
  await send(view, init(['a'], 4, { previous: [{ evaluationId: 'e0', startedAt: '2026-11-30T10:00:00.000Z', status: 'complete', deployments: ['a'], rows: 4 }] }));
  await send(view, { method: 'evaluation/rows', params: { rows: [0, 1, 2, 3].map(row) } });
  await send(view, { method: 'evaluation/cells', params: { seq: 1, cells: now.map((o, i) => cell(i, 'a', 0, { outcome: o })), deltas: [] } });
  await send(view, { method: 'evaluation/totals', params: { deployments: { a: totals(0.5, 0.6) }, status: { state: 'complete', total: 4, done: 4, passed: 2, failed: 2, errors: 0 } } });
  await waitForApplied(view, 1);
  await view.page.locator('[data-testid="compare"]').selectOption('e0');
  assert.deepEqual(await waitForPosted(view, 'compare'), { method: 'compare', params: { evaluationId: 'e0' } });
  await send(view, { method: 'evaluation/compare', params: {
    against: { evaluationId: 'e0', startedAt: '2026-11-30T10:00:00.000Z', status: 'complete', deployments: ['a'], rows: 4 },
    cells: before.map((o, i) => [i, 'a', o]), totals: { a: { passRate: 0.25, meanScore: 0.7 } },
  } });
  await nextFrames(view);
  const marks = await view.page.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-test-index'), r.querySelector('[data-testid="mark"]')?.textContent ?? null]));
  assert.deepEqual(Object.fromEntries(marks), { 0: '▼ regression', 1: '▲ fixed', 2: null, 3: null });
  assert.equal(await view.page.locator('[data-testid="delta"]').textContent(), 'vs earlier: pass +25.0 pt · score −0.10');
  await view.page.locator('[data-testid="filter"]').selectOption('regressions');
  await nextFrames(view);
  assert.deepEqual(await shownRows(view), [0]);
  await view.page.locator('[data-testid="filter"]').selectOption('fixes');
  await nextFrames(view);
  assert.deepEqual(await shownRows(view), [1]);
  // No comparison: marks and the header's change go.
  await send(view, { method: 'evaluation/compare', params: { against: null, cells: [], totals: {} } });
  await nextFrames(view);
  assert.equal(await view.page.locator('[data-testid="mark"]').count(), 0);
  assert.equal(await view.page.locator('[data-testid="delta"]').count(), 0);
  assert.equal(await view.page.locator('[data-testid="row"]').count(), 4, 'the regressions filter is dropped with the comparison');
});

test('the throughput chart appears with the first samples and gets every point', async () => {
  const view = await open();
  await send(view, init(['a', 'b'], 1, { status: { state: 'running', total: 2, done: 0, passed: 0, failed: 0, errors: 0 } }));
  assert.equal(await view.page.locator('[data-testid="chart"]').isVisible(), false, 'no chart before a sample');
  const points = Array.from({ length: 12 }, (_, k) => ({ elapsedMs: (k + 1) * 1000, deployments: { a: { completionTokensPerSecond: 100 + k * 10, inFlight: 8 }, b: { completionTokensPerSecond: 50 + k, inFlight: 4 } } }));
  await send(view, { method: 'evaluation/throughput', params: { points: points.slice(0, 5) } });
  await send(view, { method: 'evaluation/throughput', params: { points: points.slice(5) } });
  await view.page.locator('[data-testid="chart"] canvas').waitFor();
  assert.equal(await view.page.evaluate(() => (globalThis as unknown as { __evaluationView: { chartPoints: number } }).__evaluationView.chartPoints), 12);
  const legend = await view.page.locator('[data-testid="chart"] .u-legend').textContent();
  assert.match(legend ?? '', /a tokens\/s/);
  assert.match(legend ?? '', /b in flight/);
  // The canvas has been drawn on: not every pixel is transparent.
  const painted = await view.page.locator('[data-testid="chart"] canvas').evaluate((c) => {
    const canvas = c as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
    return n;
  });
  assert.ok(painted > 500, `pixels drawn: ${painted}`);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await view.page.screenshot({ path: path.join(screenshotDir, 'evaluation-chart.png') });
});

test('cell actions: click opens the run, thumbs rate it, + adds it to the test data, expand shows the whole row', async () => {
  const view = await open();
  await load(view, ['a', 'b'], 3);
  const target = view.page.locator('[data-run-id="run-1-b"]');
  await target.locator('[data-testid="cell-output"]').click();
  assert.deepEqual(await waitForPosted(view, 'cell/open'), { method: 'cell/open', params: { runId: 'run-1-b' } });
  await target.locator('[data-action="up"]').click();
  const rate = await waitForPosted(view, 'cell/rate');
  assert.deepEqual({ runId: rate.params.runId, thumb: rate.params.thumb }, { runId: 'run-1-b', thumb: 'up' });
  await send(view, { method: 'evaluation/rated', params: { requestId: rate.params.requestId, runId: 'run-1-b', thumb: 'up' } });
  await view.page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-run-id="run-1-b"] [data-action="up"]')?.getAttribute('aria-pressed') === 'true');
  await view.page.locator('[data-run-id="run-1-b"] [data-action="add"]').click();
  assert.deepEqual(await waitForPosted(view, 'cell/addToTestData'), { method: 'cell/addToTestData', params: { runId: 'run-1-b' } });
  const before = (await posted(view)).filter((m) => m.method === 'cell/open').length;
  await view.page.locator('[data-run-id="run-1-b"] [data-action="expand"]').click();
  await nextFrames(view);
  assert.equal(await view.page.locator('[data-test-index="1"]').getAttribute('class'), 'row expanded');
  const rowsY = await view.page.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-test-index'), (r as unknown as { style: { transform: string } }).style.transform]));
  assert.deepEqual(Object.fromEntries(rowsY), { 0: 'translateY(0px)', 1: 'translateY(116px)', 2: 'translateY(476px)' }, 'rows below an expanded row move down by its height');
  assert.equal((await posted(view)).filter((m) => m.method === 'cell/open').length, before, 'buttons do not open the run');
  // The keyboard: a focused cell opens with Enter.
  await view.page.locator('[data-run-id="run-2-a"]').focus();
  await view.page.keyboard.press('Enter');
  await view.page.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.filter((m) => m.method === ('cell/open' as string)).length === 2);
  assert.deepEqual((await posted(view)).filter((m) => m.method === 'cell/open').at(-1), { method: 'cell/open', params: { runId: 'run-2-a' } });
  // A rating the host could not save is said, and the cell's thumb stays as it was.
  await send(view, { method: 'evaluation/rated', params: { requestId: 'r9', runId: 'run-2-a', message: 'the log folder is read-only' } });
  await view.page.locator('[data-testid="notice"]').filter({ hasText: 'Could not save the rating: the log folder is read-only' }).waitFor();
  assert.equal(await view.page.locator('[data-run-id="run-2-a"] [data-action="up"]').getAttribute('aria-pressed'), 'false');
});

test('in a narrow panel the header scrolls sideways with the rows, each deployment\'s header above its cells', async () => {
  const view = await open({ width: 600, height: 700 });
  await load(view, ['a', 'b', 'c'], 5);
  await view.page.locator('[data-testid="grid-body"]').evaluate((el) => {
    el.scrollLeft = 300;
  });
  await nextFrames(view);
  const x = async (selector: string): Promise<number> => (await view.page.locator(selector).first().boundingBox())?.x ?? NaN;
  for (const d of ['a', 'b', 'c']) {
    const head = await x(`.head-cell[data-deployment="${d}"]`);
    const cellX = await x(`[data-test-index="0"] [data-testid="cell"][data-deployment="${d}"]`);
    assert.ok(Math.abs(head - cellX) < 1, `header of ${d} at ${head}, its cells at ${cellX}`);
  }
  assert.ok(await x('.head-cell[data-deployment="a"]') < 200, 'the header moved with the rows');
});
