/**
 * The bounded render worker (src/node/renderWorker.ts) against the templates the security issue found: a runaway
 * loop, a heap-eating template and a huge output each end with a RenderLimitError naming the limit and the message,
 * the calling thread keeps running meanwhile, and the next render gets a fresh worker and succeeds.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import test from 'node:test';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { RenderLimitError, type RenderLimits } from '../../src/core/template/renderer';
import { InputValueError, TemplateError } from '../../src/core/template/template';
import { WorkerRenderer } from '../../src/node/renderWorker';
import { renderStraightMessages } from '../../src/core/template/straight';

const SCRIPT = path.resolve(__dirname, '..', '..', 'src', 'node', 'renderWorkerMain.js');

function prompt(...contents: string[]): PromptFile {
  const text = JSON.stringify({ inputs: { name: { default: 'Ada' } }, messages: contents.map((content) => ({ role: 'user', content })) });
  const parsed = parsePromptFile(text).prompt;
  assert.ok(parsed);
  return parsed;
}

function renderer(limits: Partial<RenderLimits> = {}): WorkerRenderer {
  return new WorkerRenderer(SCRIPT, () => ({ timeoutMs: 2000, maxOutputChars: 1_000_000, maxHeapMb: 64, ...limits }));
}

test('renders what the in-process renderer renders, messages and templates', async (t) => {
  const r = renderer();
  t.after(() => r.dispose());
  const p = prompt('Hello {{ name }}!', '{% for i in range(3) %}{{ i }}{% endfor %}');
  assert.deepEqual(await r.renderMessages(p, { name: 'Ada' }), await inProcessRenderer().renderMessages(p, { name: 'Ada' }));
  assert.deepEqual(await r.renderTemplates(['{{ expected | upper }}', 'x'], { expected: 'yes' }), ['YES', 'x']);
  assert.equal(r.started, 1);
});

test('template and input errors come back as the same classes, with their message and position', async (t) => {
  const r = renderer();
  t.after(() => r.dispose());
  await assert.rejects(r.renderMessages(prompt('ok', 'Hi {{ nobody }}'), {}), (e: unknown) => e instanceof TemplateError && e.messageIndex === 1 && e.line === 1);
  await assert.rejects(r.renderMessages(prompt('{% set "x" = 1 %}'), {}), (e: unknown) => e instanceof TemplateError && /plain name/.test(e.detail));
  const history = parsePromptFile(JSON.stringify({ messages: [{ role: 'chat_history', input: 'h' }] })).prompt!;
  await assert.rejects(r.renderMessages(history, { h: 'not messages' }), InputValueError);
  assert.equal(r.started, 1, 'errors inside a render keep the worker');
});

test('two nested loops over range(100000) end at the time limit, name the message, and the caller keeps running', async (t) => {
  const r = renderer({ timeoutMs: 300 });
  t.after(() => r.dispose());
  const runaway = r.renderMessages(prompt('fine', '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}'), {});
  // The calling thread is free while the worker spins: a timer set now fires before the render gives up.
  let ticked = false;
  const tick = new Promise<void>((resolve) => setTimeout(() => { ticked = true; resolve(); }, 10));
  await assert.rejects(runaway, (e: unknown) => {
    assert.ok(e instanceof RenderLimitError, String(e));
    assert.equal(e.limit, 'time');
    assert.equal(e.messageIndex, 1);
    assert.match(e.message, /^Message 2 took longer than 300 ms to render/);
    return true;
  });
  await tick;
  assert.ok(ticked);
  // The next render gets a new worker and succeeds.
  assert.deepEqual(await r.renderTemplates(['{{ 1 + 1 }}'], {}), ['2']);
  assert.equal(r.started, 2);
});

test('a template that eats the heap ends at the memory limit and the next render succeeds', async (t) => {
  const r = renderer({ maxHeapMb: 32, timeoutMs: 20_000 });
  t.after(() => r.dispose());
  const hog = '{% set l = [] %}{% for i in range(100000) %}{% set l = [l, range(100000)] %}{% endfor %}{{ l | length }}';
  await assert.rejects(r.renderMessages(prompt(hog), {}), (e: unknown) => e instanceof RenderLimitError && e.limit === 'memory' && e.messageIndex === 0);
  assert.deepEqual(await r.renderTemplates(['after'], {}), ['after']);
  assert.equal(r.started, 2);
});

test('an output over the limit is refused in the worker, naming the message', async (t) => {
  const r = renderer({ maxOutputChars: 10_000 });
  t.after(() => r.dispose());
  await assert.rejects(r.renderMessages(prompt('small', '{% for i in range(2000) %}0123456789{% endfor %}'), {}),
    (e: unknown) => e instanceof RenderLimitError && e.limit === 'output' && e.messageIndex === 1 && /Message 2 rendered to more than 10,000 characters/.test(e.message));
  assert.equal(r.started, 1, 'an output refusal keeps the worker');
});

test('renders queue one after another; dispose fails what is pending', async () => {
  const r = renderer();
  const all = await Promise.all(Array.from({ length: 20 }, (_, i) => r.renderTemplates(['{{ n * 2 }}'], { n: i })));
  assert.deepEqual(all.map((x) => x[0]), Array.from({ length: 20 }, (_, i) => String(i * 2)));
  const pending = r.renderTemplates(['{% for i in range(100000) %}{% for j in range(100) %}{% endfor %}{% endfor %}'], {});
  r.dispose();
  await assert.rejects(pending, /shutting down/);
  await assert.rejects(r.renderTemplates(['x'], {}), /shutting down/);
});

test('with the straight renderer: a straight prompt renders without starting a worker, any other in the worker, as before', async (t) => {
  const r = new WorkerRenderer(SCRIPT, () => ({ timeoutMs: 2000, maxOutputChars: 100, maxHeapMb: 64 }), renderStraightMessages);
  t.after(() => r.dispose());
  const straight = prompt('You are helpful.', 'Hello {{ name }}!');
  assert.deepEqual(await r.renderMessages(straight, { name: 'Ada' }), await inProcessRenderer().renderMessages(straight, { name: 'Ada' }));
  assert.equal(r.started, 0, 'no worker for a straight prompt');
  // Over the output limit: left to the worker, which reports the limit with the message's index.
  await assert.rejects(r.renderMessages(straight, { name: 'x'.repeat(100) }), (e: unknown) => e instanceof RenderLimitError && e.limit === 'output' && e.messageIndex === 1);
  assert.equal(r.started, 1);
  // A filter, or a value that is not a plain string, number or boolean: the worker renders it (or fails it) as before.
  assert.deepEqual(await r.renderMessages(prompt('Hello {{ name | upper }}!'), { name: 'Ada' }), [{ role: 'user', content: 'Hello ADA!' }]);
  assert.equal(r.started, 1);
  await assert.rejects(r.renderMessages(straight, {}), (e: unknown) => e instanceof TemplateError && e.messageIndex === 1);
  r.dispose();
  await assert.rejects(r.renderMessages(straight, { name: 'Ada' }), /shutting down/);
});
