/**
 * The Run Prompt webview in real Chromium: messages in through window.postMessage, messages out
 * through the acquireVsCodeApi stub, assertions on the DOM the panel builds.
 * Build first is not needed: the harness bundles webview/src/runPanel/main.ts itself.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { RunFinishedParams } from '../../src/protocol/runPanel';
import { type PageGlobals, screenshotDir, useRunPanelHarness, startedParams, finishedParams } from './harness';

/** A new page of the panel; each test's page is checked for errors, CSP violations and off-machine requests. */
const open = useRunPanelHarness();

const started = startedParams;

/** The panel tests' runs carry a cost. */
const finished = (runId: string, outputLength: number, overrides: Partial<RunFinishedParams> = {}): RunFinishedParams =>
  finishedParams(runId, outputLength, { costUsd: 0.0000567, ...overrides });

test('posts ready first, shows the empty state, Run Again waits for a run', async () => {
  const panel = await open();
  const posted = await panel.posted();
  assert.deepEqual(posted, [{ method: 'ready', params: {} }]);
  assert.equal(await panel.page.locator('[data-testid="empty-state"]').isVisible(), true);
  assert.equal(await panel.page.locator('[data-testid="run-again"]').getAttribute('disabled'), '');
  assert.equal(await panel.page.locator('[data-run-id]').count(), 0);

  await panel.send({ method: 'run/started', params: started('r1') });
  await panel.page.locator('[data-run-id="r1"]').waitFor();
  assert.equal(await panel.page.locator('[data-testid="empty-state"]').isVisible(), false);
  const runAgain = panel.page.locator('[data-testid="run-again"]');
  assert.equal(await runAgain.getAttribute('aria-label'), 'Run Again');
  await runAgain.click();
  assert.deepEqual(await panel.waitForPosted('run/rerun'), { method: 'run/rerun', params: {} });
});

test('streams 20,000 deltas exactly (HTML-looking text, emoji, CRLF) and reports the rendered length', async () => {
  const panel = await open();
  const pieces = [
    'Hello',
    ' <b>bold</b>',
    ' &amp; ',
    '🧪',
    '\r\n',
    '<script>window.__pwned = 1</script>',
    '👩🏽‍🔬 ',
    '\t&lt;tag&gt;',
    '  ',
    '\n\n',
    'naïve café ',
    '<img src=x onerror="window.__pwned=2">',
  ];
  const deltas = Array.from({ length: 20_000 }, (_, i) => `${pieces[i % pieces.length]}${i % 7 === 0 ? i : ''}`);
  const expected = deltas.join('');

  await panel.send({ method: 'run/started', params: started('big') });
  await panel.send({ method: 'run/responded', params: { runId: 'big', replayOf: null } });
  const run = panel.run('big');
  assert.equal(await run.getAttribute('data-status'), 'running');
  assert.equal(await run.locator('[data-testid="run-output"]').getAttribute('aria-busy'), 'true');
  assert.equal(await run.locator('[data-testid="run-stop"]').isVisible(), true);

  const startedAt = Date.now();
  // Deliver in bursts of 500 messages, as a busy host would, and look at the DOM halfway.
  const timing = await panel.page.evaluate(
    async ({ deltas, done }) => {
      const w = globalThis as unknown as PageGlobals;
      const t0 = w.performance.now();
      let midway = '';
      for (let i = 0; i < deltas.length; i += 500) {
        for (const text of deltas.slice(i, i + 500)) w.postMessage({ method: 'run/delta', params: { runId: 'big', text } }, '*');
        await new Promise<void>((resolve) => w.setTimeout(resolve, 0));
        if (i === 10_000) {
          await new Promise<void>((resolve) => w.requestAnimationFrame(() => w.setTimeout(resolve, 0)));
          midway = w.document.querySelector('[data-run-id="big"] [data-testid="run-output"]')?.textContent ?? '';
        }
      }
      w.postMessage({ method: 'run/finished', params: done }, '*');
      return { t0, midway };
    },
    { deltas, done: finished('big', expected.length) },
  );
  const rendered = await panel.waitForPosted('run/rendered', 'big');
  const elapsedMs = Date.now() - startedAt;
  const inPageMs = await panel.page.evaluate((t0) => {
    const w = globalThis as unknown as PageGlobals;
    const index = w.__posted.findIndex((p) => p.method === 'run/rendered');
    return (w.__postedAt[index] ?? NaN) - t0;
  }, timing.t0);
  console.log(
    `20,000 deltas (${expected.length} chars) in 40 bursts of 500, a frame apart: ` +
      `run/rendered after ${inPageMs.toFixed(0)} ms in the page, ${elapsedMs} ms end to end`,
  );

  assert.ok(timing.midway.length > 0, 'output shows while streaming');
  assert.ok(expected.startsWith(timing.midway), 'the streamed part is a prefix of the output');
  assert.deepEqual(rendered, { method: 'run/rendered', params: { runId: 'big', outputLength: expected.length } });
  const output = await panel.output('big');
  assert.equal(output.length, expected.length);
  assert.ok(output === expected, 'output textContent equals the concatenation of the deltas');
  assert.equal(await panel.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
  // The text is in blocks (span.run-output-block), each holding one text node: nothing else was made of it.
  const nodes = await run.locator('[data-testid="run-output"]').evaluate((el) => {
    const children = [...el.childNodes];
    return {
      blocks: children.length,
      foreign: children.filter((c) => !(c.nodeName === 'SPAN' && (c as unknown as { className: string }).className === 'run-output-block'
        && c.childNodes.length === 1 && c.firstChild?.nodeType === 3)).length,
      largest: Math.max(...children.map((c) => c.textContent?.length ?? 0)),
    };
  });
  assert.equal(nodes.foreign, 0, 'no element was created from the text: only blocks of one text node each');
  assert.ok(nodes.blocks < 50, `text is kept in few blocks (${nodes.blocks})`);
  assert.ok(nodes.largest < 20 * 1024, `no block holds much more than 16 K characters (${nodes.largest})`);

  assert.equal(await run.getAttribute('data-status'), 'ok');
  assert.equal(await run.locator('[data-testid="run-output"]').getAttribute('aria-busy'), 'false');
  assert.equal(await run.locator('[data-testid="run-stop"]').count(), 0);
  assert.equal(await run.locator('[data-testid="run-status"]').textContent(), 'Done');
  const metric = (id: string) => run.locator(`[data-testid="${id}"]`).textContent();
  assert.equal(await metric('metric-finish-reason'), 'stop');
  assert.equal(await metric('metric-prompt-tokens'), '31');
  assert.equal(await metric('metric-completion-tokens'), '87');
  assert.equal(await metric('metric-total-tokens'), '118');
  assert.equal(await metric('metric-ttft'), '212 ms');
  assert.equal(await metric('metric-latency'), '1843 ms');
  assert.equal(await metric('metric-cost'), '$0.000057');
  assert.equal(await metric('run-model'), 'gpt-4o-mini-2024-07-18');
  assert.equal(await metric('run-deployment'), 'replay-openai');
  assert.equal(await run.locator('[data-testid="run-metrics"]').isVisible(), true);
});

test('Stop posts run/stop; a cancelled run says Stopped, hides Stop and keeps its partial output', async () => {
  const panel = await open();
  await panel.send({ method: 'run/started', params: started('s1') });
  await panel.send({ method: 'run/delta', params: { runId: 's1', text: 'Partial ' } });
  await panel.send({ method: 'run/delta', params: { runId: 's1', text: 'answer…' } });
  const run = panel.run('s1');
  const output = run.locator('[data-testid="run-output"]');
  await panel.page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.querySelector('[data-run-id="s1"] [data-testid="run-output"]')
        ?.textContent === 'Partial answer…',
  );
  const stop = run.locator('[data-testid="run-stop"]');
  assert.equal(await stop.getAttribute('aria-label'), 'Stop');
  assert.equal(await stop.getAttribute('appearance'), 'secondary');
  await stop.focus();
  await panel.page.keyboard.press('Enter');
  assert.deepEqual(await panel.waitForPosted('run/stop', 's1'), { method: 'run/stop', params: { runId: 's1' } });

  await panel.send({
    method: 'run/finished',
    params: finished('s1', 15, { status: 'cancelled', finishReason: null, usage: null, ttftMs: 95, latencyMs: 640 }),
  });
  assert.deepEqual(await panel.waitForPosted('run/rendered', 's1'), {
    method: 'run/rendered',
    params: { runId: 's1', outputLength: 15 },
  });
  assert.equal(await run.getAttribute('data-status'), 'cancelled');
  assert.equal(await stop.count(), 0);
  assert.equal(await run.locator('[data-testid="run-status"]').textContent(), 'Stopped');
  assert.equal(await output.textContent(), 'Partial answer…');
  assert.equal(await run.locator('[data-testid="metric-prompt-tokens"]').textContent(), '—');
  // Nothing arrives after the end.
  await panel.send({ method: 'run/delta', params: { runId: 's1', text: 'late' } });
  await panel.send({ method: 'run/started', params: started('s2') });
  await panel.run('s2').waitFor();
  assert.equal(await output.textContent(), 'Partial answer…');
});

test('the panel tells the host when it gains and loses the keyboard focus (the Escape keybinding stops a run only then)', async () => {
  const panel = await open();
  // Headless Chromium keeps every page focused, so the window's focus events are dispatched as VS Code's webview
  // host would cause them (the end-to-end test presses Escape in the real panel).
  await panel.page.evaluate(() => {
    const w = globalThis as unknown as { dispatchEvent(e: unknown): void; FocusEvent: new (type: string) => unknown };
    w.dispatchEvent(new w.FocusEvent('blur'));
    w.dispatchEvent(new w.FocusEvent('focus'));
  });
  const focus = (await panel.posted()).filter((m) => m.method === 'panel/focus');
  assert.deepEqual(focus, [{ method: 'panel/focus', params: { focused: false } }, { method: 'panel/focus', params: { focused: true } }]);
});

test('an error shows its sentence and the action button posts error/action', async () => {
  const panel = await open();
  await panel.send({ method: 'run/started', params: started('e1', { deployment: 'azure-gpt4o', provider: 'azure' }) });
  const sentence = 'The API key for deployment "azure-gpt4o" was rejected (401). Set a new key and run again.';
  await panel.send({
    method: 'run/finished',
    params: finished('e1', 0, {
      status: 'error',
      model: 'gpt-4o',
      finishReason: null,
      usage: null,
      ttftMs: null,
      latencyMs: 310,
      error: { message: sentence, action: 'setApiKey', actionLabel: 'Set API Key', httpStatus: 401 },
    }),
  });
  await panel.waitForPosted('run/rendered', 'e1');
  const run = panel.run('e1');
  assert.equal(await run.getAttribute('data-status'), 'error');
  assert.equal(await run.locator('[data-testid="run-status"]').textContent(), 'Error');
  const error = run.locator('[data-testid="run-error"]');
  assert.equal(await error.getAttribute('role'), 'alert');
  assert.equal(await error.locator('[data-testid="run-error-message"]').textContent(), sentence);
  assert.match((await error.textContent()) ?? '', /HTTP 401/);
  assert.equal(await run.locator('[data-testid="metric-ttft"]').textContent(), '—');
  assert.equal(await run.locator('[data-testid="run-stop"]').count(), 0);
  // The toolkit button passes its aria-label to the <button> in its shadow root.
  assert.equal(await error.getByRole('button', { name: 'Set API Key' }).count(), 1);
  const action = error.locator('[data-testid="run-error-action"]');
  assert.equal(await action.textContent(), 'Set API Key');
  assert.equal(await action.getAttribute('aria-label'), 'Set API Key');
  await action.click();
  assert.deepEqual(await panel.waitForPosted('error/action'), { method: 'error/action', params: { action: 'setApiKey' } });
});

test('a second run goes on top; the first collapses and expands again by click and keyboard', async () => {
  const panel = await open();
  await panel.send({ method: 'run/started', params: started('a') });
  await panel.send({ method: 'run/delta', params: { runId: 'a', text: 'first <i>run</i>\r\n' } });
  await panel.send({ method: 'run/finished', params: finished('a', 18) });
  await panel.waitForPosted('run/rendered', 'a');
  await panel.send({ method: 'run/started', params: started('b', { startedAt: '2025-05-01T09:31:40.000Z' }) });
  await panel.send({ method: 'run/delta', params: { runId: 'b', text: 'second' } });
  await panel.run('b').waitFor();

  const order = await panel.page.locator('[data-run-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id')));
  assert.deepEqual(order, ['b', 'a']);
  const toggleA = panel.run('a').locator('[data-testid="run-toggle"]');
  const toggleB = panel.run('b').locator('[data-testid="run-toggle"]');
  assert.equal(await toggleA.getAttribute('aria-expanded'), 'false');
  assert.equal(await toggleB.getAttribute('aria-expanded'), 'true');
  assert.equal(await panel.run('a').locator('[data-testid="run-output"]').isVisible(), false);
  assert.equal(await panel.run('a').getAttribute('data-status'), 'ok');

  await toggleA.click();
  assert.equal(await toggleA.getAttribute('aria-expanded'), 'true');
  assert.equal(await panel.run('a').locator('[data-testid="run-output"]').isVisible(), true);
  assert.equal(await panel.output('a'), 'first <i>run</i>\r\n');

  await toggleA.focus();
  await panel.page.keyboard.press('Enter');
  assert.equal(await toggleA.getAttribute('aria-expanded'), 'false');
  await panel.page.keyboard.press('Space');
  assert.equal(await toggleA.getAttribute('aria-expanded'), 'true');
  assert.ok(await toggleA.getAttribute('aria-label'), 'the toggle has an aria-label');
});

test('runs are restored from webview state after a reload, and a running run carries on', async () => {
  const panel = await open();
  await panel.send({ method: 'run/started', params: started('old') });
  await panel.send({ method: 'run/responded', params: { runId: 'old', replayOf: 'openai/pysdk-stream-text-usage.sse' } });
  await panel.send({ method: 'run/delta', params: { runId: 'old', text: 'kept 🧪 <b>x</b>' } });
  await panel.send({ method: 'run/finished', params: finished('old', 15) });
  await panel.waitForPosted('run/rendered', 'old');
  await panel.send({ method: 'run/started', params: started('live') });
  await panel.send({ method: 'run/delta', params: { runId: 'live', text: 'half ' } });
  // Streaming saves are throttled; wait until the saved state has the delta.
  await panel.page.waitForFunction(() =>
    ((globalThis as unknown as PageGlobals).sessionStorage.getItem('vscode-state') ?? '').includes('half '),
  );

  await panel.page.reload();
  await panel.waitForPosted('ready');
  const posted = await panel.posted();
  assert.deepEqual(posted, [{ method: 'ready', params: {} }], 'restoring does not re-post run/rendered');
  const order = await panel.page.locator('[data-run-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id')));
  assert.deepEqual(order, ['live', 'old']);
  const old = panel.run('old');
  assert.equal(await old.getAttribute('data-status'), 'ok');
  assert.equal(await old.locator('[data-testid="run-toggle"]').getAttribute('aria-expanded'), 'false');
  assert.equal(await panel.output('old'), 'kept 🧪 <b>x</b>');
  assert.equal(await old.locator('[data-testid="metric-latency"]').textContent(), '1843 ms');
  assert.equal(await old.locator('[data-testid="run-replay"]').count(), 1);
  assert.equal(await panel.run('live').getAttribute('data-status'), 'running');
  assert.equal(await panel.output('live'), 'half ');
  assert.equal(await panel.page.locator('[data-testid="empty-state"]').isVisible(), false);

  await panel.send({ method: 'run/delta', params: { runId: 'live', text: 'done' } });
  await panel.send({ method: 'run/finished', params: finished('live', 9) });
  assert.equal((await panel.waitForPosted('run/rendered', 'live')).params.outputLength, 9);
  assert.equal(await panel.output('live'), 'half done');
});

test('state is bounded: 20 runs, 200,000 stored characters per run with a note', async () => {
  const panel = await open();
  const big = 'x'.repeat(50_000);
  await panel.send({ method: 'run/started', params: started('huge') });
  for (let i = 0; i < 5; i++) await panel.send({ method: 'run/delta', params: { runId: 'huge', text: big } });
  await panel.send({ method: 'run/finished', params: finished('huge', 250_000) });
  assert.equal((await panel.waitForPosted('run/rendered', 'huge')).params.outputLength, 250_000);
  assert.equal((await panel.output('huge')).length, 250_000, 'the live view shows everything');

  await panel.page.reload();
  await panel.waitForPosted('ready');
  const run = panel.run('huge');
  assert.equal((await panel.output('huge')).length, 200_000);
  assert.match((await run.locator('[data-testid="run-truncated"]').textContent()) ?? '', /first 200,000 characters.*run log/);

  for (let i = 0; i < 21; i++) await panel.send({ method: 'run/started', params: started(`n${i}`) });
  await panel.run('n20').waitFor();
  assert.equal(await panel.page.locator('[data-run-id]').count(), 20);
  assert.equal(await panel.run('huge').count(), 0);
  assert.equal(await panel.run('n0').count(), 0);
  const state = (await panel.savedState()) as { runs: unknown[] };
  assert.equal(state.runs.length, 20);
});

test('a replay says the output is a recorded response', async () => {
  const panel = await open();
  await panel.send({ method: 'run/started', params: started('rp') });
  await panel.send({ method: 'run/responded', params: { runId: 'rp', replayOf: 'openai/pysdk-stream-text-usage.sse' } });
  const notice = panel.run('rp').locator('[data-testid="run-replay"]');
  await notice.waitFor();
  assert.equal(
    await notice.textContent(),
    'Replay: this output is a recorded response (openai/pysdk-stream-text-usage.sse), not an answer to this prompt.',
  );
  await panel.send({ method: 'run/started', params: started('plain') });
  await panel.send({ method: 'run/responded', params: { runId: 'plain', replayOf: null } });
  // Messages are handled in order: once the delta sent after run/responded shows, run/responded was handled.
  await panel.send({ method: 'run/delta', params: { runId: 'plain', text: 'after' } });
  await panel.run('plain').locator('[data-testid="run-output"]', { hasText: 'after' }).waitFor();
  assert.equal(await panel.run('plain').locator('[data-testid="run-replay"]').count(), 0);
});

test('invalid messages are ignored and the panel keeps working', async () => {
  const panel = await open();
  await panel.sendRaw(
    null,
    'run/started',
    42,
    [],
    { method: 'run/started' },
    { method: 'run/started', params: null },
    { method: 'run/started', params: { runId: 7, deployment: 'd' } },
    { method: 'run/started', params: [] },
    { method: 'run/delta', params: { runId: 'ghost', text: 5 } },
    { method: 'run/evil', params: { runId: 'x' } },
    { method: 'ready', params: {} },
    { params: { runId: 'x', deployment: 'd' } },
    // Well-formed but about runs the panel does not have.
    { method: 'run/delta', params: { runId: 'ghost', text: 'boo' } },
    { method: 'run/finished', params: finished('ghost', 3) },
    { method: 'run/responded', params: { runId: 'ghost', replayOf: 'x.sse' } },
  );
  // A minimal run/started that passes the guard renders without its optional fields.
  await panel.sendRaw({ method: 'run/started', params: { runId: 'min', deployment: 'local' } });
  await panel.run('min').waitFor();
  assert.equal(await panel.page.locator('[data-run-id]').count(), 1);
  assert.deepEqual(await panel.posted(), [{ method: 'ready', params: {} }]);
  await panel.send({ method: 'run/delta', params: { runId: 'min', text: 'still works' } });
  await panel.sendRaw({ method: 'run/finished', params: { runId: 'min', status: 'ok' } });
  assert.equal((await panel.waitForPosted('run/rendered', 'min')).params.outputLength, 11);
  assert.equal(await panel.output('min'), 'still works');
});

test('screenshots: a finished run and an error run (Dark+)', async () => {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const panel = await open({ width: 720, height: 440 });
  await panel.send({ method: 'run/started', params: started('older', { startedAt: '2025-05-01T09:28:02.000Z' }) });
  await panel.send({ method: 'run/finished', params: finished('older', 0) });
  await panel.send({ method: 'run/started', params: started('shot') });
  await panel.send({ method: 'run/responded', params: { runId: 'shot', replayOf: 'openai/pysdk-stream-text-usage.sse' } });
  const answer =
    'Summary: the customer cannot sign in after the 2.3 update.\n\n' +
    '- Cause: the session cookie is set with SameSite=Strict on the <auth> callback.\n' +
    '- Impact: every SSO user on Safari & Firefox.\n' +
    '- Next step: ship the 2.3.1 hotfix and ask the customer to clear cookies.\n';
  for (const word of answer.split(/(?<= )/)) await panel.send({ method: 'run/delta', params: { runId: 'shot', text: word } });
  await panel.send({ method: 'run/finished', params: finished('shot', answer.length) });
  await panel.waitForPosted('run/rendered', 'shot');
  await panel.page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready);
  // What the screenshot shows, in the page: the replay notice, the whole answer as text, the metrics, the older run.
  const shot = panel.run('shot');
  assert.match((await shot.locator('[data-testid="run-replay"]').textContent()) ?? '', /recorded response \(openai\/pysdk-stream-text-usage\.sse\)/);
  assert.equal(await panel.output('shot'), answer);
  assert.equal(await shot.locator('[data-testid="run-output"]').isVisible(), true);
  assert.match((await shot.locator('[data-testid="metric-completion-tokens"]').textContent()) ?? '', /\b87\b/);
  assert.equal(await shot.locator('[data-testid="metric-latency"]').isVisible(), true);
  assert.equal(await panel.run('older').isVisible(), true);
  await panel.page.screenshot({ path: path.join(screenshotDir, 'run-finished.png') });

  await panel.send({ method: 'run/started', params: started('err', { deployment: 'azure-gpt4o', provider: 'azure', model: 'gpt-4o' }) });
  await panel.send({
    method: 'run/finished',
    params: finished('err', 0, {
      status: 'error',
      model: 'gpt-4o',
      finishReason: null,
      usage: null,
      ttftMs: null,
      latencyMs: 312,
      error: {
        message: 'The API key for deployment "azure-gpt4o" was rejected (401). Set a new key and run again.',
        action: 'setApiKey',
        actionLabel: 'Set API Key',
        httpStatus: 401,
      },
    }),
  });
  await panel.waitForPosted('run/rendered', 'err');
  const err = panel.run('err');
  assert.equal(await err.locator('[data-testid="run-error-message"]').textContent(), 'The API key for deployment "azure-gpt4o" was rejected (401). Set a new key and run again.');
  assert.equal(await err.locator('[data-testid="run-error-message"]').isVisible(), true);
  assert.equal(await err.locator('[data-testid="run-error-action"]', { hasText: 'Set API Key' }).isVisible(), true);
  await panel.page.screenshot({ path: path.join(screenshotDir, 'run-error.png') });
});
