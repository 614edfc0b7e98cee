/**
 * The Run Prompt webview's newer run details in real Chromium: variant, notice, attempt, the retry
 * countdown, and the sections of a finished run (reasoning, refusal, tool calls, other choices,
 * content filter, max_tokens, structured output). A finished run's messages come from the product's
 * own path (./recordedRuns.ts): the recorded stream through executeRun and the real SDK, then
 * finishedView, the mapping the extension posts; only what no recording has is added to the record.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { RunFinishedParams, RunStartedParams } from '../../src/protocol/runPanel';
import { StreamAssembler } from '../../src/core/run/streamAssembly';
import { checkStructuredOutput } from '../../src/core/run/structured';
import { type PanelPage, repoRoot, screenshotDir, useRunPanelHarness, startedParams, finishedParams } from './harness';
import { recordedRun } from './recordedRuns';

/** A new page of the panel; each test's page is checked for errors, CSP violations and off-machine requests. */
const open = useRunPanelHarness();

/** What the in-page callbacks use (the test tsconfig has no DOM lib): cast `globalThis` to it inside each callback. */
interface InPage {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    documentElement: unknown;
    fonts: { ready: Promise<unknown> };
  };
  getComputedStyle(element: unknown, pseudo?: string): { color: string; content: string; getPropertyValue(name: string): string };
  __pwned?: number;
}

const WIRE = path.join(repoRoot, 'test', 'fixtures', 'wire');

const started = (runId: string, overrides: Partial<RunStartedParams> = {}): RunStartedParams =>
  startedParams(runId, { promptName: 'weather', promptPath: 'prompts/weather.prompt.json', model: 'gpt-4o', ...overrides });

/** Sends a whole recorded run: started, deltas, finished; waits for run/rendered. */
async function playRun(panel: PanelPage, start: RunStartedParams, deltas: string[], done: RunFinishedParams) {
  await panel.send({ method: 'run/started', params: start });
  for (const text of deltas) await panel.send({ method: 'run/delta', params: { runId: start.runId, text } });
  await panel.send({ method: 'run/finished', params: done });
  return panel.waitForPosted('run/rendered', start.runId);
}

const testid = (id: string) => `[data-testid="${id}"]`;

test('the header shows the variant next to the deployment, the attempt, and the notice as a note', async () => {
  const panel = await open();
  await panel.send({
    method: 'run/started',
    params: started('v1', {
      deployment: 'chat',
      variant: 'staging',
      notice: 'Budget: 85% of the monthly budget for "chat" is spent.',
      attempt: { number: 2, of: 3 },
    }),
  });
  const run = panel.run('v1');
  await run.waitFor();
  const variant = run.locator(testid('run-variant'));
  assert.equal(await variant.textContent(), 'staging');
  // Right after the deployment, so that it reads "chat · staging" (the dot is the CSS separator).
  assert.equal(
    await variant.evaluate((el) => el.previousElementSibling?.getAttribute('data-testid')),
    'run-deployment',
  );
  assert.equal(await variant.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el, '::before').content), '"·"');
  assert.equal(await run.locator(testid('run-attempt')).textContent(), 'attempt 2 of 3');
  assert.match((await run.locator(testid('run-toggle')).getAttribute('aria-label')) ?? '', /attempt 2 of 3/);
  const notice = run.locator(testid('run-notice'));
  assert.equal(await notice.getAttribute('role'), 'note');
  assert.equal(await notice.textContent(), 'Budget: 85% of the monthly budget for "chat" is spent.');
  assert.equal(await notice.isVisible(), true);

  await panel.send({ method: 'run/started', params: started('v2') });
  const plain = panel.run('v2');
  await plain.waitFor();
  for (const id of ['run-variant', 'run-attempt', 'run-notice']) assert.equal(await plain.locator(testid(id)).count(), 0, id);
});

test('retrying counts down every second, stops at the first delta, and leaves "retried N times"', async () => {
  const panel = await open();
  await panel.send({ method: 'run/started', params: started('rt') });
  const run = panel.run('rt');
  const retrying = run.locator(testid('run-retrying'));
  const reason = 'The server is rate limiting requests (429).';
  await panel.send({ method: 'run/retrying', params: { runId: 'rt', attempt: 1, maxRetries: 5, delayMs: 2900, reason } });
  assert.equal(await retrying.textContent(), `Retrying in 3 s (1/5): ${reason}`);
  assert.equal(await retrying.getAttribute('role'), 'status');
  await panel.page.waitForFunction(
    (sel) => (globalThis as unknown as InPage).document.querySelector(sel)?.textContent?.startsWith('Retrying in 2 s'),
    `[data-run-id="rt"] ${testid('run-retrying')}`,
  );
  await panel.page.waitForFunction(
    (sel) => (globalThis as unknown as InPage).document.querySelector(sel)?.textContent?.startsWith('Retrying in 1 s'),
    `[data-run-id="rt"] ${testid('run-retrying')}`,
  );
  await panel.page.waitForFunction(
    (sel) => (globalThis as unknown as InPage).document.querySelector(sel)?.textContent?.startsWith('Retrying now (1/5)'),
    `[data-run-id="rt"] ${testid('run-retrying')}`,
    { timeout: 3000 },
  );
  // A second retry replaces the first countdown.
  await panel.send({ method: 'run/retrying', params: { runId: 'rt', attempt: 2, maxRetries: 5, delayMs: 4000, reason: 'HTTP 503' } });
  assert.equal(await run.locator(testid('run-retrying')).count(), 1);
  assert.equal(await retrying.textContent(), 'Retrying in 4 s (2/5): HTTP 503');

  await panel.send({ method: 'run/delta', params: { runId: 'rt', text: 'Sunny.' } });
  await retrying.waitFor({ state: 'detached' });
  assert.equal(await run.locator(testid('run-retries')).textContent(), 'retried 2 times');
  await panel.send({ method: 'run/finished', params: finishedParams('rt', 6, { retries: 2 }) });
  assert.equal((await panel.waitForPosted('run/rendered', 'rt')).params.outputLength, 6);
  assert.equal(await run.locator(testid('run-retries')).textContent(), 'retried 2 times');

  // retries only in run/finished, and a countdown cut short by the end of the run.
  await panel.send({ method: 'run/started', params: started('rf') });
  await panel.send({ method: 'run/finished', params: finishedParams('rf', 0, { retries: 1 }) });
  await panel.waitForPosted('run/rendered', 'rf');
  assert.equal(await panel.run('rf').locator(testid('run-retries')).textContent(), 'retried 1 time');
  await panel.send({ method: 'run/started', params: started('rc') });
  await panel.send({ method: 'run/retrying', params: { runId: 'rc', attempt: 1, maxRetries: 2, delayMs: 60_000, reason: 'HTTP 500' } });
  assert.equal(await panel.run('rc').locator(testid('run-retrying')).textContent(), 'Retrying in 60 s (1/2): HTTP 500');
  await panel.send({
    method: 'run/finished',
    params: finishedParams('rc', 0, { status: 'cancelled', finishReason: null }),
  });
  await panel.waitForPosted('run/rendered', 'rc');
  assert.equal(await panel.run('rc').locator(testid('run-retrying')).count(), 0);
  assert.equal(await panel.run('rc').locator(testid('run-retries')).textContent(), 'retried 1 time');

  // The count survives hiding and showing the panel.
  await panel.page.reload();
  await panel.waitForPosted('ready');
  assert.equal(await panel.run('rt').locator(testid('run-retries')).textContent(), 'retried 2 times');
  assert.equal(await panel.run('rc').locator(testid('run-retries')).textContent(), 'retried 1 time');
});

test('reasoning (DeepSeek) is a collapsed section of text, apart from the answer', async () => {
  const panel = await open();
  const { deltas, record, finished } = await recordedRun('ds', 'replay/deepseek/pai-stream-reasoning-content');
  const reasoning = record.reasoning ?? '';
  assert.ok(reasoning.length > 100, 'the fixture has reasoning');
  const rendered = await playRun(
    panel,
    started('ds', { deployment: 'deepseek', provider: 'deepseek', model: 'deepseek-reasoner' }),
    deltas,
    finished,
  );
  assert.equal(rendered.params.outputLength, record.output.length);
  const run = panel.run('ds');
  assert.equal(await panel.output('ds'), record.output);
  const section = run.locator(testid('run-reasoning'));
  assert.equal(await section.evaluate((el) => el.tagName), 'DETAILS');
  assert.equal(await section.getAttribute('open'), null, 'collapsed');
  const pre = section.locator('pre');
  assert.equal(await pre.isVisible(), false);
  assert.equal(await pre.textContent(), reasoning);
  assert.equal(await pre.evaluate((el) => el.children.length), 0, 'text nodes only');
  assert.ok(!(await run.locator(testid('run-output')).textContent())?.includes(reasoning.slice(0, 40)));
  // Opens from the keyboard.
  await section.locator('summary').focus();
  await panel.page.keyboard.press('Enter');
  assert.equal(await pre.isVisible(), true);
});

test('reasoning with HTML in it stays text', async () => {
  const panel = await open();
  const reasoning = '<img src=x onerror="window.__pwned=1"> <b>not bold</b>';
  await playRun(panel, started('x'), ['ok'], finishedParams('x', 2, { reasoning }));
  const pre = panel.run('x').locator(`${testid('run-reasoning')} pre`);
  assert.equal(await pre.textContent(), reasoning);
  assert.equal(await pre.evaluate((el) => el.children.length), 0);
  assert.equal(await panel.page.evaluate(() => (globalThis as unknown as InPage).__pwned), undefined);
});

test('parallel tool calls (OpenAI) show name, id and formatted arguments; invalid arguments are marked', async () => {
  const panel = await open();
  // The recording's two calls, and the first one again cut short, as a stream stopped at max_tokens leaves it.
  const { deltas, record, finished } = await recordedRun('tc', 'replay/openai/pysdk-stream-parallel-tool-calls', {
    edit: (r) => {
      const first = r.toolCalls?.[0];
      if (first) r.toolCalls?.push({ id: 'call_cut', name: first.name, arguments: first.arguments.slice(0, -3) });
    },
  });
  const calls = record.toolCalls ?? [];
  assert.equal(calls.length, 3, 'the fixture has two tool calls');
  const raw = calls[0]?.arguments ?? '';
  await playRun(panel, started('tc'), deltas, finished);
  const run = panel.run('tc');
  const section = run.locator(testid('run-tool-calls'));
  assert.equal(await section.getAttribute('aria-label'), 'Tool calls');
  const items = section.locator(testid('tool-call'));
  assert.equal(await items.count(), 3);
  assert.deepEqual(calls.slice(0, 2).map((c) => c.name), ['GetWeatherArgs', 'get_stock_price']);
  for (let i = 0; i < 2; i++) {
    const item = items.nth(i);
    assert.equal(await item.getAttribute('data-valid'), 'true');
    assert.equal(await item.locator(testid('tool-call-name')).textContent(), calls[i]?.name);
    assert.equal(await item.locator(testid('tool-call-id')).textContent(), calls[i]?.id);
    const args = (await item.locator(testid('tool-call-args')).textContent()) ?? '';
    assert.equal(args, JSON.stringify(JSON.parse(calls[i]?.arguments ?? ''), null, 2));
    assert.match(args, /\n {2}"/, 'pretty-printed');
    assert.equal(await item.locator(testid('tool-call-invalid')).count(), 0);
  }
  const bad = items.nth(2);
  assert.equal(await bad.getAttribute('data-valid'), 'false');
  assert.equal(await bad.locator(testid('tool-call-invalid')).textContent(), 'arguments are not valid JSON');
  assert.equal(await bad.locator(testid('tool-call-args')).textContent(), raw.slice(0, raw.length - 3));
  const colors = await bad.locator(testid('tool-call-invalid')).evaluate((el) => {
    const w = globalThis as unknown as InPage;
    return [w.getComputedStyle(el).color, w.getComputedStyle(w.document.documentElement).getPropertyValue('--vscode-errorForeground').trim()];
  });
  assert.equal(colors[0], 'rgb(244, 135, 113)', `error colour (${colors[1]})`);
  assert.equal(await items.nth(0).locator(testid('tool-call-args')).getAttribute('aria-label'), `Arguments of ${calls[0]?.name}`);
  assert.equal(await run.locator(testid('run-output')).isVisible(), false, 'the calls are the answer: no empty output box');
});

test('n=3 (OpenAI): choices 1 and 2 below the answer with their index and finish reason', async () => {
  const panel = await open();
  const { deltas, record, finished } = await recordedRun('n3', 'replay/openai/pysdk-stream-n3-choices');
  const others = record.otherChoices ?? [];
  assert.deepEqual(others.map((c) => c.index), [1, 2]);
  const rendered = await playRun(panel, started('n3'), deltas, finished);
  assert.equal(rendered.params.outputLength, record.output.length);
  const run = panel.run('n3');
  assert.equal(await panel.output('n3'), record.output);
  const choices = run.locator(`${testid('run-choices')} ${testid('run-choice')}`);
  assert.equal(await choices.count(), 2);
  for (let i = 0; i < 2; i++) {
    const choice = choices.nth(i);
    assert.equal(await choice.getAttribute('data-index'), String(others[i]?.index));
    assert.match((await choice.textContent()) ?? '', new RegExp(`^Choice ${others[i]?.index}`));
    assert.equal(await choice.locator(testid('run-choice-finish')).textContent(), `finish reason ${others[i]?.finishReason}`);
    assert.equal(await choice.locator(testid('run-choice-output')).textContent(), others[i]?.output);
  }
  // Below the answer.
  const below = await run.evaluate((el) => {
    const out = el.querySelector('[data-testid="run-output"]');
    const section = el.querySelector('[data-testid="run-choices"]');
    return !!out && !!section && (out.compareDocumentPosition(section) & 4) !== 0 // DOCUMENT_POSITION_FOLLOWING;
  });
  assert.equal(below, true);
});

test('a refusal (OpenAI) is shown instead of an answer', async () => {
  const panel = await open();
  const { deltas, record, finished } = await recordedRun('rf', 'replay/openai/pysdk-stream-refusal');
  const refusal = record.refusal ?? '';
  assert.ok(refusal.length > 10);
  assert.equal(deltas.length, 0, 'no answer text');
  await playRun(panel, started('rf'), deltas, finished);
  const run = panel.run('rf');
  const box = run.locator(testid('run-refusal'));
  assert.equal(await box.getAttribute('role'), 'note');
  assert.equal(await box.textContent(), `Refusal${refusal}`);
  assert.equal(await box.isVisible(), true);
  assert.equal(await run.locator(testid('run-output')).isVisible(), false, 'no empty "No output." box');
});

test('content filter (Azure) and finish_reason length (OpenAI) are warnings', async () => {
  const panel = await open();
  // The only recorded verdict is a non-streamed Azure answer, and runs always stream: its body goes through the
  // real StreamAssembler, and its verdict onto a streamed run's record, which finishedView then maps.
  const filtered = new StreamAssembler();
  const body = JSON.parse(
    fs.readFileSync(path.join(WIRE, 'azure', 'throughster-chat_completion_content_filter.json'), 'utf8'),
  ) as Record<string, unknown>;
  filtered.push(body);
  assert.ok(filtered.contentFilter.output.length > 0, 'the recording has a verdict');
  const cf = await recordedRun('cf', 'replay/azure/quarkus-stream-gpt4o-no-usage', { edit: (r) => { r.contentFilter = filtered.contentFilter; } });
  const contentFilter = `output: ${filtered.contentFilter.output.join(', ')}`;
  await playRun(panel, started('cf'), cf.deltas, cf.finished);
  const note = panel.run('cf').locator(testid('run-content-filter'));
  assert.equal(await note.textContent(), `Content filter: ${contentFilter}`);
  assert.equal(await note.getAttribute('role'), 'note');
  assert.equal(await panel.run('cf').locator(testid('run-length-note')).count(), 0);

  const { deltas, record, finished } = await recordedRun('len', 'replay/openai/pysdk-stream-finish-length');
  assert.equal(record.finishReason, 'length');
  await playRun(panel, started('len'), deltas, finished);
  const cut = panel.run('len').locator(testid('run-length-note'));
  assert.equal(await cut.textContent(), 'Stopped at max_tokens (finish_reason length): the output is cut.');
  assert.equal(await panel.output('len'), record.output);
});

/** The prompt parameters that ask for `schema` (OpenAI's json_schema response format). */
const schemaFormat = (schema: unknown) => ({ response_format: { type: 'json_schema', json_schema: { name: 'weather', schema } } });

const MATCHING_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature: { type: 'number' }, units: { type: 'string', enum: ['c', 'f'] } },
  required: ['city', 'temperature', 'units'],
  additionalProperties: false,
};

const FAILING_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature: { type: 'string' }, units: { type: 'string', enum: ['c'] } },
  required: ['city', 'temperature', 'units', 'country'],
  additionalProperties: false,
};

test('structured output (OpenAI json_schema) that matches: formatted JSON, badge, Raw toggle', async () => {
  const panel = await open();
  const { deltas, record, finished } = await recordedRun('ok', 'replay/openai/pysdk-stream-json-schema', { parameters: schemaFormat(MATCHING_SCHEMA) });
  const structured = checkStructuredOutput(record.output, MATCHING_SCHEMA);
  assert.equal(structured.valid, true);
  assert.equal(record.schemaValid, true);
  const rendered = await playRun(panel, started('ok'), deltas, finished);
  assert.equal(rendered.params.outputLength, record.output.length, 'the raw text length, not the formatted one');
  const run = panel.run('ok');
  const section = run.locator(testid('run-structured'));
  assert.equal(await section.locator(testid('structured-status')).textContent(), 'matches schema');
  assert.equal(await section.locator(testid('structured-problems')).count(), 0);
  const formatted = section.locator(testid('structured-formatted'));
  const raw = run.locator(testid('run-output'));
  assert.equal(await formatted.textContent(), structured.formatted);
  assert.equal(await formatted.isVisible(), true);
  assert.equal(await raw.isVisible(), false);
  assert.equal(await raw.textContent(), record.output, 'the raw stream text is kept');

  const toggle = section.locator(testid('structured-raw-toggle'));
  assert.equal(await toggle.getAttribute('aria-label'), 'Raw');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  await toggle.focus();
  await panel.page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  assert.equal(await raw.isVisible(), true);
  assert.equal(await formatted.isVisible(), false);
  await toggle.click();
  assert.equal(await formatted.isVisible(), true);
  assert.equal(await raw.isVisible(), false);
});

test('structured output that fails its schema: badge, problems, failing lines marked; restored after reload', async () => {
  const panel = await open();
  const { deltas, record, finished } = await recordedRun('bad', 'replay/openai/pysdk-stream-json-schema', { parameters: schemaFormat(FAILING_SCHEMA) });
  const structured = checkStructuredOutput(record.output, FAILING_SCHEMA);
  assert.equal(structured.valid, false);
  await playRun(panel, started('bad', { attempt: { number: 1, of: 3 } }), deltas, finished);
  const check = async () => {
    const section = panel.run('bad').locator(testid('run-structured'));
    assert.equal(await section.getAttribute('data-valid'), 'false');
    assert.equal(await section.locator(testid('structured-status')).textContent(), 'does not match schema');
    const problems = section.locator(`${testid('structured-problems')} li`);
    assert.deepEqual(await problems.allTextContents(), structured.problems.map((p) => p.message));
    const marked = await section.locator('.json-problem').evaluateAll((els) =>
      els.map((el) => [el.getAttribute('data-path'), el.textContent]),
    );
    // Ajv: "/temperature must be string", "/units must be equal to one of the allowed values",
    // and the missing "country" on the root object (its first and last lines).
    assert.deepEqual(marked, [
      ['', '{\n'],
      ['/temperature', '  "temperature": 61,\n'],
      ['/units', '  "units": "f"\n'],
      ['', '}'],
    ]);
    assert.equal(await section.locator(testid('structured-formatted')).textContent(), structured.formatted);
    assert.equal(await panel.output('bad'), record.output);
  };
  await check();
  await panel.page.reload();
  await panel.waitForPosted('ready');
  await panel.run('bad').locator(testid('run-toggle')).waitFor();
  await check();
});

test('structured output that is not JSON: problems and the raw text, no toggle', async () => {
  const panel = await open();
  // The echo model answers with the prompt's own message: an output that is not JSON.
  const output = 'Sure! {"city": "San Francisco"';
  const { deltas, finished } = await recordedRun('nj', 'synthetic/echo', { parameters: schemaFormat(MATCHING_SCHEMA), content: output });
  assert.equal(finished.structured?.formatted, undefined);
  assert.equal(finished.structured?.valid, false);
  await playRun(panel, started('nj'), deltas, finished);
  const section = panel.run('nj').locator(testid('run-structured'));
  assert.equal(await section.locator(testid('structured-status')).textContent(), 'does not match schema');
  assert.match((await section.locator(testid('structured-problems')).textContent()) ?? '', /The output is not JSON/);
  assert.equal(await section.locator(testid('structured-raw-toggle')).count(), 0);
  assert.equal(await section.locator(testid('run-output')).isVisible(), true);
  assert.equal(await panel.output('nj'), output);
});

test('screenshots: tool calls with reasoning, and a structured output that fails its schema (Dark+)', async () => {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const panel = await open({ width: 720, height: 900 });
  // Reasoning from the DeepSeek recording, tool calls from the OpenAI one: no single recording has both.
  const reasoning = (await recordedRun('r', 'replay/deepseek/pai-stream-reasoning-content')).record.reasoning ?? '';
  const tools = await recordedRun('tools', 'replay/openai/pysdk-stream-parallel-tool-calls', { edit: (r) => { r.reasoning = reasoning; r.retries = 1; } });
  await playRun(
    panel,
    started('tools', { deployment: 'chat', variant: 'staging', notice: 'Budget: 85% of the monthly budget is spent.' }),
    tools.deltas,
    tools.finished,
  );
  await panel.run('tools').locator(`${testid('run-reasoning')} summary`).click();
  await panel.page.evaluate(() => (globalThis as unknown as InPage).document.fonts.ready);
  // What the screenshot is for, visible in the page: the header, the notice, the open reasoning, both calls.
  const shown = panel.run('tools');
  assert.equal(await shown.locator(testid('run-variant')).textContent(), 'staging');
  assert.equal(await shown.locator(testid('run-notice')).isVisible(), true);
  assert.equal(await shown.locator(`${testid('run-reasoning')} pre`).isVisible(), true);
  assert.equal(await shown.locator(`${testid('run-reasoning')} pre`).textContent(), reasoning);
  assert.deepEqual(await shown.locator(testid('tool-call-name')).allTextContents(), ['GetWeatherArgs', 'get_stock_price']);
  assert.equal(await shown.locator(testid('tool-call-args')).first().isVisible(), true);
  assert.equal(await shown.locator(testid('run-retries')).textContent(), 'retried 1 time');
  await shown.screenshot({ path: path.join(screenshotDir, 'run-tool-calls-reasoning.png') });

  const json = await recordedRun('schema', 'replay/openai/pysdk-stream-json-schema', { parameters: schemaFormat(FAILING_SCHEMA) });
  await playRun(panel, started('schema', { attempt: { number: 2, of: 3 } }), json.deltas, json.finished);
  const schema = panel.run('schema');
  assert.equal(await schema.locator(testid('structured-status')).textContent(), 'does not match schema');
  assert.equal(await schema.locator(testid('structured-formatted')).isVisible(), true);
  assert.equal(await schema.locator('.json-problem').first().isVisible(), true);
  assert.equal(await schema.locator(testid('run-attempt')).textContent(), 'attempt 2 of 3');
  await schema.screenshot({ path: path.join(screenshotDir, 'run-structured-invalid.png') });
});
