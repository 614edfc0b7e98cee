/**
 * Evaluation grid benchmark, in real Chromium (the webview test harness: the evaluation bundle under the extension's
 * CSP): what one live batch costs the evaluation panel's webview holding 10,000 rows × 4 deployments, against a
 * minimal reference page holding the same 40,000 cells.
 *   node out/bench/evaluationGrid.js [--rounds 7] [--batches 10] [--cells 400]
 * A batch is what the host posts per 100 ms at a high rate: `--cells` finished cells over random rows (4 of them in
 * view) plus text for 64 running cells. The time is from posting the batch in the page to the page's confirmation after
 * the next paint (the panel's `evaluation/applied`), so Playwright's transfer is not counted.
 * - ours: the panel (model update, filter/search/sort order over the 10,000 rows, the rows in view drawn again);
 * - the floor: a page that stores each cell in a Map, writes the text of the cells in view (20 rows × 4, one text
 *   node each) and confirms after the next paint: the least a virtualized grid can do with a batch.
 * Per round, each side gets `--batches` batches (alternating which goes first) and the round's figure is the median.
 * Also: a jump to a random scroll position until the next paint, against the same jump of the reference's scroller.
 * Contacts only 127.0.0.1 (the harness's server).
 */
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import type { CellView, EvaluationHostMessage, RowView } from '../src/protocol/evaluation';
import { Harness } from '../test/webview/harness';
import { median } from './stats';
import { reportFigure } from './report';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROWS = 10_000;
const DEPLOYMENTS = ['gpt-4o-mini', 'mistral-small', 'llama-3.1-8b', 'qwen-2.5-7b'];
const rounds = arg('rounds', 7);
const batchesPerRound = arg('batches', 10);
const cellsPerBatch = arg('cells', 400);

/** A deterministic generator, so both sides get the same batches. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function cell(i: number, d: string, column: number, salt: number): CellView {
  const passed = (i + column + salt) % 5 !== 0;
  return {
    testIndex: i, deployment: d, runId: `run-${i}-${d}`, outcome: passed ? 'passed' : 'failed',
    output: `Answer ${i} (${salt}) from ${d}: ${'the quick brown fox jumps over the lazy dog '.repeat(4)}`, outputLength: 180,
    evaluations: [{ name: 'contains', passed, score: passed ? 1 : 0 }, { name: 'judge', passed, score: ((i + salt) % 11) / 10 }],
    meanScore: ((i + salt) % 11) / 10, promptTokens: 40, completionTokens: 20 + (i % 17), latencyMs: 200 + ((i * 37 + salt) % 997), ttftMs: 80, costUsd: null,
  };
}

function row(i: number): RowView {
  return { index: i, inputs: { ticket: `Ticket ${i}: the printer on floor ${i % 7} jams` }, expected: i % 3 === 0 ? 'hardware' : 'software' };
}

/** The batches of one side in one round: cells over random rows (4 in view, rows 0–15), text for 64 running cells. */
function batches(round: number): EvaluationHostMessage[] {
  const random = prng(1000 + round);
  const out: EvaluationHostMessage[] = [];
  for (let b = 0; b < batchesPerRound; b++) {
    const salt = round * 100 + b + 1;
    const cells: CellView[] = [];
    for (let k = 0; k < cellsPerBatch; k++) {
      const i = k < 4 ? Math.floor(random() * 16) : Math.floor(random() * ROWS);
      const column = Math.floor(random() * DEPLOYMENTS.length);
      cells.push(cell(i, DEPLOYMENTS[column] as string, column, salt));
    }
    const deltas = Array.from({ length: 64 }, (_, k) => ({ testIndex: k, deployment: DEPLOYMENTS[k % 4] as string, runId: `run-${k}-${DEPLOYMENTS[k % 4]}`, text: ` +${salt}` }));
    out.push({ method: 'evaluation/cells', params: { seq: 1000 + round * 1000 + b, cells, deltas } });
  }
  return out;
}

/** The reference page: cells in a Map, the 20 × 4 cells in view as text nodes, a confirmation after the next paint. */
const REFERENCE = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
#body { height: 560px; overflow: auto; position: relative; } #spacer { height: ${ROWS * 116}px; }
.row { position: absolute; left: 0; right: 0; height: 116px; display: grid; grid-template-columns: repeat(5, 1fr); }
</style></head><body><div id="body"><div id="spacer"></div></div><script>
window.__posted = [];
const cells = new Map();
const view = new Map();
const body = document.getElementById('body');
for (let i = 0; i < 20; i++) {
  const r = document.createElement('div');
  r.className = 'row';
  r.style.transform = 'translateY(' + (i * 116) + 'px)';
  r.append(document.createElement('div'));
  for (let c = 0; c < 4; c++) { const d = document.createElement('div'); const t = document.createTextNode(''); d.append(t); r.append(d); view.set(i + '/' + c, t); }
  body.append(r);
}
const deployments = ${JSON.stringify(DEPLOYMENTS)};
window.addEventListener('message', (e) => {
  const m = e.data;
  if (m.method !== 'evaluation/cells') return;
  for (const c of m.params.cells) {
    const key = c.testIndex + '/' + deployments.indexOf(c.deployment);
    cells.set(key, c);
    const t = view.get(key);
    if (t) t.data = c.output;
  }
  for (const d of m.params.deltas) {
    const key = d.testIndex + '/' + deployments.indexOf(d.deployment);
    const c = cells.get(key);
    if (c) c.output += d.text;
    const t = view.get(key);
    if (t && c) t.data = c.output;
  }
  requestAnimationFrame(() => setTimeout(() => window.__posted.push({ method: 'evaluation/applied', params: { seq: m.params.seq } }), 0));
});
</script></body></html>`;

/** Posts `message` in the page and resolves with ms until the page confirmed its seq after the next paint. */
async function timeBatch(page: Page, message: EvaluationHostMessage): Promise<number> {
  return page.evaluate(async (json) => {
    const g = globalThis as unknown as { __posted: { method: string; params: { seq?: number } }[]; postMessage(m: unknown, o: string): void; performance: { now(): number }; requestAnimationFrame(f: () => void): void };
    const m = JSON.parse(json) as { params: { seq: number } };
    const t0 = g.performance.now();
    g.postMessage(m, '*');
    for (;;) {
      if (g.__posted.some((p) => p.method === 'evaluation/applied' && p.params.seq === m.params.seq)) return g.performance.now() - t0;
      await new Promise<void>((resolve) => g.requestAnimationFrame(resolve));
    }
  }, JSON.stringify(message));
}

/** Jumps the scroller to `y` and resolves with ms until the next paint. */
function timeScroll(page: Page, selector: string, y: number): Promise<number> {
  return page.evaluate(async ([sel, top]) => {
    const g = globalThis as unknown as { document: { querySelector(s: string): { scrollTop: number } }; performance: { now(): number }; requestAnimationFrame(f: () => void): void; setTimeout(f: () => void, ms: number): void };
    const el = g.document.querySelector(sel as string);
    const t0 = g.performance.now();
    el.scrollTop = top as number;
    // The scroll event's frame draws the rows; the task after the frame after it runs after that paint.
    await new Promise<void>((resolve) => g.requestAnimationFrame(() => g.requestAnimationFrame(() => g.setTimeout(resolve, 0))));
    return g.performance.now() - t0;
  }, [selector, y] as const);
}

async function main(): Promise<void> {
  const harness = await Harness.start('evaluation');
  try {
    const ours = await harness.open({ width: 1280, height: 800 });
    const t0 = performance.now();
    const load: EvaluationHostMessage[] = [
      { method: 'evaluation/init', params: { evaluationId: 'bench', promptName: 'bench', promptPath: 'bench.prompt.json', deployments: DEPLOYMENTS, evaluators: ['contains', 'judge'], inputNames: ['ticket'], rowCount: ROWS, status: { state: 'running', total: ROWS * 4, done: 0, passed: 0, failed: 0, errors: 0 }, previous: [] } },
      { method: 'evaluation/rows', params: { rows: Array.from({ length: ROWS }, (_, i) => row(i)) } },
    ];
    const all: CellView[] = [];
    for (let i = 0; i < ROWS; i++) DEPLOYMENTS.forEach((d, c) => all.push(cell(i, d, c, 0)));
    for (let i = 0; i < all.length; i += 5000) load.push({ method: 'evaluation/cells', params: { seq: 1 + i / 5000, cells: all.slice(i, i + 5000), deltas: [] } });
    const reference = await ours.page.context().browser()!.newPage({ viewport: { width: 1280, height: 800 } });
    await reference.setContent(REFERENCE);
    for (const page of [ours.page, reference]) {
      await page.evaluate((json) => {
        const g = globalThis as unknown as { postMessage(m: unknown, o: string): void };
        for (const m of JSON.parse(json) as unknown[]) g.postMessage(m, '*');
      }, JSON.stringify(load));
    }
    await ours.page.waitForFunction((seq) => (globalThis as unknown as { __posted: { method: string; params: { seq?: number } }[] }).__posted.some((p) => p.method === 'evaluation/applied' && p.params.seq === seq), all.length / 5000);
    console.log(`loaded ${ROWS} rows × ${DEPLOYMENTS.length} deployments in ${(performance.now() - t0).toFixed(0)} ms (both pages)`);

    const oursBatch: number[] = [];
    const floorBatch: number[] = [];
    const oursScroll: number[] = [];
    const floorScroll: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const list = batches(r);
      const random = prng(7 + r);
      const sides: [Page, number[], number[], string][] = [[ours.page, oursBatch, oursScroll, '[data-testid="grid-body"]'], [reference, floorBatch, floorScroll, '#body']];
      if (r % 2 === 1) sides.reverse();
      const ys = Array.from({ length: batchesPerRound }, () => Math.floor(random() * (ROWS - 20)) * 116);
      for (const [page, batch, scroll, scroller] of sides) {
        const times: number[] = [];
        for (const message of list) times.push(await timeBatch(page, message));
        batch.push(median(times));
        const jumps: number[] = [];
        for (const y of ys) jumps.push(await timeScroll(page, scroller, y));
        scroll.push(median(jumps));
        await timeScroll(page, scroller, 0);
      }
    }
    const rendered = await ours.page.locator('[data-testid="row"]').count();
    if (rendered > 30) throw new Error(`the grid kept ${rendered} rows in the DOM`);
    reportFigure({
      id: 'evaluationGrid.batch', title: `evaluation grid 10,000 × 4: one live batch (${cellsPerBatch} cells + 64 streams) → drawn`, unit: 'ms',
      ours: { label: 'Prompt Lab evaluation panel', values: oursBatch }, floor: { label: 'reference page', values: floorBatch }, target: 3,
      note: 'in the page, from postMessage to the confirmation after the next paint; the reference stores cells in a Map and writes the 80 cells in view',
    });
    reportFigure({
      id: 'evaluationGrid.scroll', title: 'evaluation grid 10,000 × 4: jump to a random scroll position → drawn', unit: 'ms',
      ours: { label: 'Prompt Lab evaluation panel', values: oursScroll }, floor: { label: 'reference page', values: floorScroll }, target: 2,
      note: 'two frames and a task after setting scrollTop; the reference only scrolls its fixed rows',
    });
    await reference.close();
    await ours.page.context().close();
  } finally {
    await harness.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
