/**
 * The Playground webview in real Chromium (the harness of runPanel.chromium.test.ts with the playground
 * bundle): editing messages, the variable list following the host's analysis, parameters in a section that starts
 * closed and is remembered (and opens for a problem), the outputs scrolled into view on Run, an edit from the other
 * page, four columns streaming side by side each with its own Stop, the keyboard, and the state after a reload.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import type { PlaygroundHostMessage, PlaygroundState, PlaygroundWebviewMessage } from '../../src/protocol/playground';
import type { RunFinishedParams, RunStartedParams } from '../../src/protocol/runPanel';
import { Harness, type PageGlobals, type PanelPage, screenshotDir } from './harness';

let harness: Harness;
let current: PanelPage | undefined;
const DEPLOYMENTS = ['fast', 'slow', 'azure', 'mistral', 'ollama'];

before(async () => {
  harness = await Harness.start('playground');
});

after(async () => {
  await harness?.close();
});

afterEach(async () => {
  if (!current) return;
  const view = current;
  current = undefined;
  const violations = await view.violations();
  await view.page.context().close();
  assert.deepEqual(view.errors, [], 'page errors');
  assert.deepEqual(violations, [], 'CSP violations');
  assert.deepEqual(view.blocked, [], 'requests to non-loopback hosts');
});

async function open(viewport = { width: 380, height: 900 }): Promise<PanelPage> {
  current = await harness.open(viewport);
  await send(current, { method: 'playground/init', params: { state: null, deployments: DEPLOYMENTS } });
  await current.page.locator('[data-testid="deployment"]').first().waitFor();
  return current;
}

function send(view: PanelPage, ...messages: PlaygroundHostMessage[]): Promise<void> {
  return view.sendRaw(...messages);
}

async function posted(view: PanelPage): Promise<PlaygroundWebviewMessage[]> {
  return (await view.posted()) as unknown as PlaygroundWebviewMessage[];
}

/** Waits for the `n`-th (1-based, default the first) message with `method` after index `from`, and returns it. */
async function waitForPosted<M extends PlaygroundWebviewMessage['method']>(view: PanelPage, method: M, from = 0, where?: (m: Extract<PlaygroundWebviewMessage, { method: M }>) => boolean): Promise<Extract<PlaygroundWebviewMessage, { method: M }>> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const found = (await posted(view)).slice(from).find((m): m is Extract<PlaygroundWebviewMessage, { method: M }> => m.method === method && (!where || where(m as Extract<PlaygroundWebviewMessage, { method: M }>)));
    if (found) return found;
    await view.page.waitForTimeout(20);
  }
  throw new Error(`the webview never posted ${method}`);
}

/** Answers the newest playground/analyze the way the host does for these variables. */
async function answerAnalyze(view: PanelPage, variables: string[], parameterProblems: Record<string, string> = {}, from = 0): Promise<void> {
  const all = await posted(view);
  const request = all.slice(from).filter((m) => m.method === 'playground/analyze').at(-1) ?? (await waitForPosted(view, 'playground/analyze', from));
  await send(view, { method: 'playground/analyzed', params: { requestId: request.params.requestId, analysis: { variables, templateErrors: [], parameterProblems } } });
}

function messageContent(view: PanelPage, i: number) {
  return view.page.locator('[data-testid="message"]').nth(i).locator('[data-testid="message-content"] textarea');
}

async function contents(view: PanelPage): Promise<string[]> {
  return view.page.locator('[data-testid="message"]').evaluateAll((items) =>
    items.map((li) => `${li.getAttribute('data-role')}: ${(li.querySelector('[data-testid="message-content"]') as unknown as { value: string }).value}`));
}

function started(runId: string, column: number, deployment: string): RunStartedParams & { column: number } {
  return { runId, column, promptName: 'Playground', promptPath: 'playground', deployment, provider: 'openai-compatible', model: `model-${deployment}`, baseURL: 'http://127.0.0.1:1/v1', startedAt: '2025-05-01T09:30:12.000Z' };
}

function finished(runId: string, outputLength: number, overrides: Partial<RunFinishedParams> = {}): RunFinishedParams {
  return { runId, status: 'ok', model: 'm', finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 }, ttftMs: 12, latencyMs: 340, outputLength, costUsd: 0.0012, ...overrides };
}

test('editing messages asks the host for the variables; the list follows its answer and keeps typed values', async () => {
  const view = await open();
  assert.deepEqual((await posted(view))[0], { method: 'ready', params: {} });
  assert.deepEqual(await contents(view), ['system: You are a helpful assistant.', 'user: ']);
  const before = (await posted(view)).length;
  await messageContent(view, 1).fill('Summarise {{ text }} for {{ audience }}');
  const request = await waitForPosted(view, 'playground/analyze', before, (m) => m.params.messages[1]?.content === 'Summarise {{ text }} for {{ audience }}');
  assert.deepEqual(request.params.messages.map((m) => m.role), ['system', 'user']);
  await send(view, { method: 'playground/analyzed', params: { requestId: request.params.requestId, analysis: { variables: ['text', 'audience'], templateErrors: [], parameterProblems: {} } } });
  const variables = view.page.locator('[data-testid="variable"]');
  await variables.nth(1).waitFor();
  assert.deepEqual(await variables.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), ['text', 'audience']);
  await variables.nth(0).locator('input').fill('the minutes');
  // A stale answer (an older request id) is ignored; the newest one drops "audience" and keeps the value of "text".
  await send(view, { method: 'playground/analyzed', params: { requestId: 'a0', analysis: { variables: [], templateErrors: [], parameterProblems: {} } } });
  await answerAnalyze(view, ['text']);
  await view.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid="variable"]').length === 1);
  const state = (await view.savedState()) as { playground: PlaygroundState };
  assert.equal(state.playground.values.text, 'the minutes');
  const persisted = await waitForPosted(view, 'playground/state', before, (m) => m.params.state.values.text === 'the minutes');
  assert.equal(persisted.params.state.messages[1]?.content, 'Summarise {{ text }} for {{ audience }}');
});

test('add, remove and reorder messages; roles and order are what the host receives', async () => {
  const view = await open();
  await view.page.locator('[data-testid="add-message"]').click();
  await messageContent(view, 2).fill('An example answer');
  assert.deepEqual(await contents(view), ['system: You are a helpful assistant.', 'user: ', 'assistant: An example answer']);
  await view.page.locator('[data-testid="message"]').nth(2).locator('[data-testid="message-up"]').click();
  assert.deepEqual(await contents(view), ['system: You are a helpful assistant.', 'assistant: An example answer', 'user: ']);
  await view.page.locator('[data-testid="message"]').nth(0).locator('[data-testid="message-down"]').click();
  assert.deepEqual(await contents(view), ['assistant: An example answer', 'system: You are a helpful assistant.', 'user: ']);
  assert.equal(await view.page.locator('[data-testid="message"]').nth(0).locator('[data-testid="message-up"]').getAttribute('disabled'), '');
  await view.page.locator('[data-testid="message"]').nth(1).locator('[data-testid="message-remove"]').click();
  assert.deepEqual(await contents(view), ['assistant: An example answer', 'user: ']);
  for (const label of ['Move message 1 up', 'Move message 2 down', 'Remove message 1', 'Message 1 role', 'Message 2 template']) {
    const count = await view.page.evaluate((l) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll(`[aria-label="${l}"]`).length, label);
    assert.equal(count, 1, `${label}: ${await view.page.evaluate(() => [...(globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ getAttribute(n: string): string | null }> } }).document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label')).join(' | '))}`);
  }
  await view.page.keyboard.press('Control+Enter');
  await view.page.locator('[data-testid="notice"]', { hasText: 'Pick a deployment' }).waitFor();
  await view.page.locator('[data-testid="deployment"][data-deployment="fast"]').click();
  const before = (await posted(view)).length;
  await view.page.keyboard.press('Control+Enter');
  const run = await waitForPosted(view, 'playground/run', before);
  assert.deepEqual(run.params.state.deployments, ['fast']);
  assert.deepEqual(run.params.state.messages.map((m) => `${m.role}: ${m.content}`), ['assistant: An example answer', 'user: ']);
});

const isOpen = (view: PanelPage) => view.page.locator('[data-testid="parameters-section"]').evaluate((e) => (e as unknown as { open: boolean }).open);

test('parameters start closed under a summary of what is set; a click opens them and is remembered, a problem opens them', async () => {
  const view = await open();
  const section = view.page.locator('[data-testid="parameters-section"]');
  const summary = view.page.locator('[data-testid="parameters-summary"]');
  assert.equal(await isOpen(view), false);
  assert.equal(await view.page.locator('[data-testid="parameter-temperature"]').isVisible(), false);
  assert.equal(await summary.textContent(), 'defaults');
  const before = (await posted(view)).length;
  await section.locator('summary').click();
  assert.deepEqual((await waitForPosted(view, 'playground/ui', before)).params, { ui: { parametersOpen: true } });
  assert.deepEqual(((await view.savedState()) as { ui?: unknown }).ui, { parametersOpen: true });

  await view.page.locator('[data-testid="parameter-temperature"] input').fill('3');
  await waitForPosted(view, 'playground/analyze', before, (m) => m.params.parameters.temperature === '3');
  await answerAnalyze(view, [], {}, before);
  await section.locator('summary').click();
  await waitForPosted(view, 'playground/ui', before, (m) => !m.params.ui.parametersOpen);
  assert.equal(await summary.textContent(), 'temperature 3');
  assert.equal(await summary.isVisible(), true);

  // The host finds the value invalid: the section opens by itself, so the problem is not hidden.
  await answerAnalyze(view, [], { temperature: 'temperature is a number from 0 to 2.' }, before);
  const field = view.page.locator('[data-testid="parameter-temperature"]');
  await view.page.locator('[data-parameter-problem="temperature"]:not([hidden])').waitFor();
  assert.equal(await isOpen(view), true);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.equal(await view.page.locator('[data-parameter-problem="temperature"]').textContent(), 'temperature is a number from 0 to 2.');
  await answerAnalyze(view, [], {}, before);
  await view.page.locator('[data-parameter-problem="temperature"][hidden]').waitFor({ state: 'attached' });
  assert.equal(await field.getAttribute('aria-invalid'), null);

  // Closed again, then the page is reloaded (VS Code showing a hidden view again): it stays closed, whatever the host's
  // copy says (this page's own state wins).
  await section.locator('summary').click();
  await waitForPosted(view, 'playground/ui', before, (m) => !m.params.ui.parametersOpen);
  await view.page.reload();
  await view.page.locator('[data-testid="parameters-section"]').waitFor();
  await send(view, { method: 'playground/init', params: { state: null, deployments: DEPLOYMENTS, ui: { parametersOpen: true } } });
  await view.page.locator('[data-testid="deployment"]').first().waitFor();
  assert.equal(await isOpen(view), false);
});

test('a new page opens Parameters as the person left them on the other page (the host\'s copy)', async () => {
  current = await harness.open({ width: 380, height: 900 });
  await send(current, { method: 'playground/init', params: { state: null, deployments: DEPLOYMENTS, ui: { parametersOpen: true } } });
  await current.page.locator('[data-testid="deployment"]').first().waitFor();
  assert.equal(await isOpen(current), true);
  assert.equal(await current.page.locator('[data-testid="parameter-temperature"]').isVisible(), true);
});

test('on Run the outputs, below the editor in a short side bar, scroll into view', async () => {
  const view = await open({ width: 380, height: 420 });
  for (let i = 0; i < 5; i++) await view.page.locator('[data-testid="add-message"]').click();
  await view.page.locator('[data-testid="deployment"][data-deployment="fast"]').click();
  // Back at the top, editing the first message, as a person is before Run (adding a message scrolled to it).
  await messageContent(view, 0).click();
  await view.page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  const columnBox = view.page.locator('[data-testid="columns"]');
  const top = () => columnBox.evaluate((e) => e.getBoundingClientRect().top);
  const height = await view.page.evaluate(() => (globalThis as unknown as { innerHeight: number }).innerHeight);
  assert.ok(await top() > height, `the outputs start in sight (${await top()} of ${height}); the test proves nothing`);
  const before = (await posted(view)).length;
  await view.page.locator('[data-testid="run"]').click();
  const run = await waitForPosted(view, 'playground/run', before);
  const planned = [{ column: 0, deployment: 'fast' }];
  await send(view, { method: 'playground/columns', params: { columns: planned } }, { method: 'playground/runStarted', params: { requestId: run.params.requestId, columns: planned } });
  await send(view, { method: 'run/started', params: started('s1', 0, 'fast') }, { method: 'run/delta', params: { runId: 's1', text: 'Streaming where it can be seen.' } });
  // Scrolled (smoothly): wait until the column's head is in sight.
  await view.page.waitForFunction(() => {
    const w = globalThis as unknown as { innerHeight: number; document: { querySelector(s: string): { getBoundingClientRect(): { top: number } } | null } };
    const t = w.document.querySelector('[data-testid="column"]')?.getBoundingClientRect().top ?? Infinity;
    return t >= 0 && t + 40 <= w.innerHeight;
  });
  assert.equal(await view.page.locator('[data-testid="run-output"]').isVisible(), true);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await view.page.screenshot({ path: path.join(screenshotDir, 'playground-run-scrolled.png') });
});

test('an edit made on the other page (playground/synced) shows here, and the next edit here builds on it', async () => {
  const view = await open();
  const synced: PlaygroundState = {
    version: 1, name: 'From the editor page', messages: [{ id: 'e1', role: 'user', content: 'Typed in the editor page' }], values: {}, parameters: { seed: '7' },
    deployments: ['slow'], notes: [],
  };
  await send(view, { method: 'playground/synced', params: { state: synced } });
  await view.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid="message"]').length === 1);
  assert.deepEqual(await contents(view), ['user: Typed in the editor page']);
  assert.equal(await view.page.locator('[data-testid="parameters-summary"]').textContent(), 'seed 7');
  assert.equal((await view.savedState() as { playground: PlaygroundState }).playground.name, 'From the editor page');
  const before = (await posted(view)).length;
  await messageContent(view, 0).fill('Typed in the editor page, then here');
  const persisted = await waitForPosted(view, 'playground/state', before);
  assert.equal(persisted.params.state.name, 'From the editor page');
  assert.deepEqual(persisted.params.state.deployments, ['slow']);
  assert.equal(persisted.params.state.messages[0]?.content, 'Typed in the editor page, then here');
});

test('four deployments stream side by side, each with its own Stop; Ctrl+Enter runs, Escape stops; reload restores it all', async () => {
  const view = await open({ width: 1400, height: 900 });
  const boxes = view.page.locator('[data-testid="deployment"]');
  for (const key of ['fast', 'slow', 'azure', 'mistral']) await view.page.locator(`[data-testid="deployment"][data-deployment="${key}"]`).click();
  assert.equal(await view.page.locator('[data-deployment="ollama"]').getAttribute('disabled'), '', 'a fifth deployment cannot be picked');
  assert.equal(await boxes.count(), 5);
  await messageContent(view, 1).fill('Count to {{ n }}');
  await answerAnalyze(view, ['n']);
  await view.page.locator('[data-testid="variable"] input').fill('5');

  const before = (await posted(view)).length;
  await messageContent(view, 1).press('Control+Enter');
  const run = await waitForPosted(view, 'playground/run', before);
  assert.deepEqual(run.params.state.deployments, ['fast', 'slow', 'azure', 'mistral']);
  assert.equal(run.params.state.values.n, '5');
  const keys = ['fast', 'slow', 'azure', 'mistral'];
  const planned = keys.map((deployment, column) => ({ column, deployment }));
  await send(view, { method: 'playground/columns', params: { columns: planned } }, { method: 'playground/runStarted', params: { requestId: run.params.requestId, columns: planned } });
  await send(view, ...keys.map((k, i) => ({ method: 'run/started' as const, params: started(`run-${k}`, i, k) })));
  const columns = view.page.locator('[data-testid="column"]');
  await columns.nth(3).waitFor();
  assert.equal(await view.page.locator('[data-testid="column"][data-status="running"]').count(), 4);
  assert.equal(await view.page.locator('[data-testid="column-stop"]:not([disabled])').count(), 4);

  // 4 × 500 deltas interleaved, as four concurrent streams arrive.
  const expected = keys.map((k) => Array.from({ length: 500 }, (_, i) => `${k}${i} `));
  await view.page.evaluate((streams) => {
    const w = globalThis as unknown as PageGlobals;
    for (let i = 0; i < 500; i++) streams.forEach((deltas, c) => w.postMessage({ method: 'run/delta', params: { runId: `run-${['fast', 'slow', 'azure', 'mistral'][c]}`, text: deltas[i] } }, '*'));
  }, expected);
  const fastText = expected[0]!.join('');
  await send(view, { method: 'run/finished', params: finished('run-fast', fastText.length) });
  const rendered = await waitForPosted(view, 'run/rendered', before, (m) => m.params.runId === 'run-fast');
  assert.equal(rendered.params.outputLength, fastText.length);
  assert.equal(await columns.nth(0).locator('[data-testid="run-output"]').textContent(), fastText);
  assert.equal(await columns.nth(0).getAttribute('data-status'), 'ok');
  assert.equal(await columns.nth(0).locator('[data-testid="metric-latency"]').textContent(), '340 ms');
  assert.equal(await columns.nth(0).locator('[data-testid="metric-tokens"]').textContent(), '10 in, 20 out');
  assert.match(await view.page.locator('[data-testid="run-status"]').textContent() ?? '', /fast finished in 340 ms, 20 tokens/);

  // Side by side in a wide view: four columns on one row.
  const tops = await columns.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
  assert.equal(new Set(tops).size, 1, `columns at ${tops.join(', ')}`);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await view.page.screenshot({ path: path.join(screenshotDir, 'playground-wide.png'), fullPage: true });

  // Stop of the second column stops that column only; Escape stops all that still run.
  await columns.nth(1).locator('[data-testid="column-stop"]').click();
  const stop = await waitForPosted(view, 'run/stop', before);
  assert.deepEqual(stop.params, { column: 1 });
  await send(view, { method: 'run/finished', params: finished('run-slow', expected[1]!.join('').length, { status: 'cancelled', finishReason: null }) });
  await view.page.keyboard.press('Escape');
  await waitForPosted(view, 'run/stopAll', before);
  for (const k of ['azure', 'mistral']) await send(view, { method: 'run/finished', params: finished(`run-${k}`, expected[keys.indexOf(k)]!.join('').length) });
  await view.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid="column"][data-status="running"]').length === 0);
  for (const [i, deltas] of expected.entries()) assert.equal(await columns.nth(i).locator('[data-testid="run-output"]').textContent(), deltas.join(''));
  assert.equal(await columns.nth(1).getAttribute('data-status'), 'cancelled');

  // Rate in place: rating/submit with the run id; the host's answer shows.
  await columns.nth(2).locator('[data-testid="rate-up"]').click();
  const rate = await waitForPosted(view, 'rating/submit', before);
  assert.deepEqual({ runId: rate.params.runId, rating: rate.params.rating }, { runId: 'run-azure', rating: { thumb: 'up' } });
  await send(view, { method: 'rating/saved', params: { requestId: rate.params.requestId, runId: 'run-azure', rating: { thumb: 'up', at: '2025-05-01T09:31:00.000Z' } } });
  await columns.nth(2).locator('[data-testid="rate-up"][aria-pressed="true"]').waitFor();

  // Reload: the page comes back from webview state (as VS Code restores a hidden view).
  await view.page.reload();
  await view.page.locator('[data-testid="column"]').nth(3).waitFor();
  await send(view, { method: 'playground/init', params: { state: null, deployments: DEPLOYMENTS } });
  assert.deepEqual(await contents(view), ['system: You are a helpful assistant.', 'user: Count to {{ n }}']);
  for (const [i, deltas] of expected.entries()) assert.equal(await columns.nth(i).locator('[data-testid="run-output"]').textContent(), deltas.join(''));
  assert.equal(await columns.nth(2).locator('[data-testid="rate-up"]').getAttribute('aria-pressed'), 'true');
  await answerAnalyze(view, ['n']);
  await view.page.locator('[data-testid="variable"]').waitFor();
  assert.equal(await view.page.locator('[data-testid="variable"]').evaluate((e) => (e as unknown as { value: string }).value), '5');
  assert.equal(await view.page.locator('[data-testid="deployment"][data-deployment="slow"]').evaluate((e) => (e as unknown as { checked: boolean }).checked), true);
});

test('in a narrow side bar the columns stack; without a saved state the host state is used', async () => {
  const view = await harness.open({ width: 300, height: 1400 });
  current = view;
  const state: PlaygroundState = {
    version: 1, name: 'From host', messages: [{ id: 'x1', role: 'user', content: 'Hi {{ who }}' }], values: { who: 'Ada' }, parameters: { seed: '1' },
    deployments: ['fast', 'slow'], notes: ['The chat history slot "history" (message 2) is not a playground message: it had no default turns.'],
  };
  await send(view, { method: 'playground/init', params: { state, deployments: DEPLOYMENTS } });
  await view.page.locator('[data-testid="notes"] li').waitFor();
  assert.deepEqual(await contents(view), ['user: Hi {{ who }}']);
  const before = (await posted(view)).length;
  await view.page.locator('[data-testid="run"]').click();
  const run = await waitForPosted(view, 'playground/run', before);
  const planned = [{ column: 0, deployment: 'fast' }, { column: 1, deployment: 'slow' }];
  await send(view, { method: 'playground/columns', params: { columns: planned } }, { method: 'playground/runStarted', params: { requestId: run.params.requestId, columns: planned } });
  await send(view, { method: 'run/started', params: started('a', 0, 'fast') }, { method: 'run/started', params: started('b', 1, 'slow') });
  const columns = view.page.locator('[data-testid="column"]');
  await columns.nth(1).waitFor();
  const boxes = await columns.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ top: r.top, left: r.left })));
  assert.ok(boxes[1]!.top > boxes[0]!.top && boxes[1]!.left === boxes[0]!.left, JSON.stringify(boxes));
  await send(view, { method: 'playground/failed', params: { requestId: 'r999', message: 'unrelated' } });
  assert.equal(await view.page.locator('[data-testid="notice"]').isHidden(), true, 'a reply to no request is ignored');
  fs.mkdirSync(screenshotDir, { recursive: true });
  await view.page.screenshot({ path: path.join(screenshotDir, 'playground-narrow.png'), fullPage: true });
});
