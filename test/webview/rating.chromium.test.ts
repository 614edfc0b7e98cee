/**
 * Rating an output in the Run Prompt webview, in real Chromium: thumbs, score, comment and better
 * response under a finished run; rating/submit out, rating/saved | rating/failed | rating/show in.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { RatingView, RunFinishedParams, WebviewMessage } from '../../src/protocol/runPanel';
import { type PanelPage, screenshotDir, useRunPanelHarness, startedParams, finishedParams } from './harness';

type Submit = Extract<WebviewMessage, { method: 'rating/submit' }>;

/** What the tests touch in the page (the test tsconfig has no DOM lib). */
interface InPage {
  document: { activeElement: { getAttribute(name: string): string | null; textContent: string | null } | null };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/** A new page of the panel; each test's page is checked for errors, CSP violations and off-machine requests. */
const open = useRunPanelHarness();

const OUTPUT = 'Summary: the customer cannot sign in after the 2.3 update.\nNext step: ship the 2.3.1 hotfix.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const started = startedParams;
const finished = finishedParams;


/** A whole run: started, its output in one delta, finished; waits until the panel rendered it. */
async function playRun(panel: PanelPage, runId: string, output = OUTPUT, overrides: Partial<RunFinishedParams> = {}): Promise<void> {
  await panel.send({ method: 'run/started', params: started(runId) });
  if (output) await panel.send({ method: 'run/delta', params: { runId, text: output } });
  await panel.send({ method: 'run/finished', params: finished(runId, output.length, overrides) });
  await panel.waitForPosted('run/rendered', runId);
}

function control(panel: PanelPage, runId: string, testid: string) {
  return panel.run(runId).locator(`[data-testid="${testid}"]`);
}

/** The rating/submit requests posted so far, oldest first. */
async function submits(panel: PanelPage): Promise<Submit[]> {
  return (await panel.posted()).filter((m): m is Submit => m.method === 'rating/submit');
}

/** Waits for the `n`th rating/submit (1-based) and returns it. */
async function nthSubmit(panel: PanelPage, n: number): Promise<Submit> {
  await panel.page.waitForFunction(
    (count) =>
      (globalThis as unknown as { __posted: { method: string }[] }).__posted.filter((m) => m.method === 'rating/submit').length >= count,
    n,
  );
  return (await submits(panel))[n - 1] as Submit;
}

/** Sets the score slider the way a person does: a new value, then input and change events. */
async function setScore(panel: PanelPage, runId: string, value: string): Promise<void> {
  await control(panel, runId, 'rate-score').evaluate((el, v) => {
    const input = el as unknown as { value: string; dispatchEvent(event: Event): boolean };
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

async function saved(panel: PanelPage, submit: Submit, at = '2025-05-01T09:31:02.000Z'): Promise<RatingView> {
  const rating = { ...submit.params.rating, at };
  await panel.send({ method: 'rating/saved', params: { requestId: submit.params.requestId, runId: submit.params.runId, rating } });
  return rating;
}

const SAVE_CONTROLS = ['rate-up', 'rate-down', 'rate-score', 'rate-better', 'rate-comment', 'rate-save'];

async function disabledControls(panel: PanelPage, runId: string): Promise<string[]> {
  const disabled: string[] = [];
  for (const id of SAVE_CONTROLS) if (await control(panel, runId, id).isDisabled()) disabled.push(id);
  return disabled;
}

test('thumbs up saves at once; the reply shows Saved and presses the button; a second click clears it', async () => {
  const panel = await open();
  await playRun(panel, 'r1');
  const up = control(panel, 'r1', 'rate-up');
  const down = control(panel, 'r1', 'rate-down');
  assert.equal(await up.getAttribute('aria-label'), 'Thumbs up');
  assert.equal(await down.getAttribute('aria-label'), 'Thumbs down');
  assert.equal(await up.getAttribute('aria-pressed'), 'false');
  assert.equal(await control(panel, 'r1', 'rating-status').textContent(), '');

  await up.click();
  const first = await nthSubmit(panel, 1);
  assert.equal(first.params.runId, 'r1');
  assert.match(first.params.requestId, UUID);
  assert.deepEqual(first.params.rating, { thumb: 'up' });
  // Pending: the controls wait for the reply, and the thumb shows what is saved.
  assert.deepEqual(await disabledControls(panel, 'r1'), SAVE_CONTROLS);
  assert.equal(await up.getAttribute('aria-pressed'), 'false');
  assert.equal(await control(panel, 'r1', 'rating-status').textContent(), 'Saving…');

  // A reply to another request changes nothing.
  await panel.send({ method: 'rating/saved', params: { requestId: 'someone-else', runId: 'r1', rating: { thumb: 'down' } } });
  assert.deepEqual(await disabledControls(panel, 'r1'), SAVE_CONTROLS);

  await saved(panel, first);
  const status = control(panel, 'r1', 'rating-status');
  await panel.page.locator('[data-testid="rate-up"]:not([disabled])').waitFor();
  assert.match((await status.textContent()) ?? '', /^Saved at \S/);
  assert.equal(await status.getAttribute('role'), 'status');
  assert.equal(await up.getAttribute('aria-pressed'), 'true');
  assert.equal(await down.getAttribute('aria-pressed'), 'false');
  assert.deepEqual(await disabledControls(panel, 'r1'), []);

  // Thumbs down replaces up; clicking the pressed thumb again clears it.
  await down.click();
  const second = await nthSubmit(panel, 2);
  assert.deepEqual(second.params.rating, { thumb: 'down' });
  assert.notEqual(second.params.requestId, first.params.requestId);
  await saved(panel, second);
  await panel.page.locator('[data-testid="rate-down"][aria-pressed="true"]').waitFor();
  assert.equal(await up.getAttribute('aria-pressed'), 'false');
  await down.click();
  const third = await nthSubmit(panel, 3);
  assert.deepEqual(third.params.rating, {});
  await saved(panel, third);
  await panel.page.locator('[data-testid="rate-down"][aria-pressed="false"]').waitFor();
});

test('score, comment and better response are sent together with the thumb', async () => {
  const panel = await open();
  await playRun(panel, 'r2');
  await control(panel, 'r2', 'rate-down').click();
  await saved(panel, await nthSubmit(panel, 1));
  await panel.page.locator('[data-testid="rate-save"]:not([disabled])').waitFor();

  const score = control(panel, 'r2', 'rate-score');
  assert.equal(await score.getAttribute('type'), 'range');
  assert.equal(await score.getAttribute('aria-label'), 'Score');
  assert.deepEqual(
    [await score.getAttribute('min'), await score.getAttribute('max'), await score.getAttribute('step')],
    ['0', '1', '0.1'],
  );
  assert.equal(await control(panel, 'r2', 'rate-score-value').textContent(), '—');
  await setScore(panel, 'r2', '0.8');
  assert.equal(await control(panel, 'r2', 'rate-score-value').textContent(), '0.8');
  assert.equal(await control(panel, 'r2', 'rating-status').textContent(), 'Not saved');

  const better = control(panel, 'r2', 'rate-better');
  const betterText = control(panel, 'r2', 'rate-better-text');
  assert.equal(await betterText.isVisible(), false);
  assert.equal(await better.getAttribute('aria-expanded'), 'false');
  await better.click();
  assert.equal(await better.getAttribute('aria-expanded'), 'true');
  assert.equal(await betterText.isVisible(), true);
  assert.equal(await betterText.getAttribute('aria-label'), 'Better response');
  assert.equal(await betterText.inputValue(), OUTPUT, 'prefilled with the output');
  const improved = OUTPUT.replace('ship the 2.3.1 hotfix', 'ship the 2.3.1 hotfix <today> & tell support');
  await betterText.fill(improved);
  const comment = control(panel, 'r2', 'rate-comment');
  assert.equal(await comment.getAttribute('aria-label'), 'Comment');
  await comment.fill('Missing the deadline.');
  await control(panel, 'r2', 'rate-save').click();

  const submit = await nthSubmit(panel, 2);
  assert.deepEqual(submit.params, {
    requestId: submit.params.requestId,
    runId: 'r2',
    rating: { thumb: 'down', score: 0.8, betterResponse: improved, comment: 'Missing the deadline.' },
  });
  assert.deepEqual(await disabledControls(panel, 'r2'), SAVE_CONTROLS);
  assert.equal(await betterText.isDisabled(), true);
  await saved(panel, submit, '2025-05-01T09:40:00.000Z');
  await panel.page.locator('[data-testid="rate-save"]:not([disabled])').waitFor();
  assert.match((await control(panel, 'r2', 'rating-status').textContent()) ?? '', /^Saved/);
  assert.equal(await betterText.inputValue(), improved);
  assert.equal(await comment.inputValue(), 'Missing the deadline.');

  // An unedited better response is not one: opening the editor alone adds nothing.
  await playRun(panel, 'r3');
  await control(panel, 'r3', 'rate-better').click();
  await control(panel, 'r3', 'rate-save').click();
  assert.deepEqual((await nthSubmit(panel, 3)).params.rating, {});
});

test('rating/failed shows the message, re-enables the controls and keeps the draft for another try', async () => {
  const panel = await open();
  await playRun(panel, 'r4');
  await control(panel, 'r4', 'rate-comment').fill('Too long.');
  await control(panel, 'r4', 'rate-up').click();
  const first = await nthSubmit(panel, 1);
  assert.deepEqual(first.params.rating, { thumb: 'up', comment: 'Too long.' });
  await panel.send({
    method: 'rating/failed',
    params: { requestId: first.params.requestId, runId: 'r4', message: 'Could not write the run log: disk full.' },
  });
  const status = control(panel, 'r4', 'rating-status');
  await panel.page.locator('[data-testid="rate-up"]:not([disabled])').waitFor();
  assert.equal(await status.textContent(), 'Could not write the run log: disk full.');
  assert.equal(await status.getAttribute('data-kind'), 'failed');
  assert.deepEqual(await disabledControls(panel, 'r4'), []);
  assert.equal(await control(panel, 'r4', 'rate-up').getAttribute('aria-pressed'), 'false', 'nothing was saved');
  assert.equal(await control(panel, 'r4', 'rate-comment').inputValue(), 'Too long.');
  // The focus comes back to the button for a keyboard retry.
  assert.equal(await panel.page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.getAttribute('aria-label')), 'Thumbs up');

  await panel.page.keyboard.press('Enter');
  const second = await nthSubmit(panel, 2);
  assert.notEqual(second.params.requestId, first.params.requestId);
  assert.deepEqual(second.params.rating, { thumb: 'up', comment: 'Too long.' });
  await saved(panel, second);
  await panel.page.locator('[data-testid="rate-up"][aria-pressed="true"]').waitFor();
  assert.match((await status.textContent()) ?? '', /^Saved/);
});

test('rating/show fills the controls (a run reopened from the log, or rated from the palette)', async () => {
  const panel = await open();
  await playRun(panel, 'r5');
  const rating: RatingView = {
    thumb: 'down',
    score: 0.3,
    betterResponse: 'A better <b>answer</b>.',
    comment: 'Wrong version.',
    at: '2025-05-01T10:00:00.000Z',
  };
  await panel.send({ method: 'rating/show', params: { runId: 'r5', rating } });
  await panel.page.locator('[data-testid="rate-down"][aria-pressed="true"]').waitFor();
  assert.equal(await control(panel, 'r5', 'rate-up').getAttribute('aria-pressed'), 'false');
  assert.equal(await control(panel, 'r5', 'rate-score').inputValue(), '0.3');
  assert.equal(await control(panel, 'r5', 'rate-score-value').textContent(), '0.3');
  assert.equal(await control(panel, 'r5', 'rate-comment').inputValue(), 'Wrong version.');
  assert.equal(await control(panel, 'r5', 'rate-better-text').isVisible(), true);
  assert.equal(await control(panel, 'r5', 'rate-better-text').inputValue(), 'A better <b>answer</b>.');
  assert.match((await control(panel, 'r5', 'rating-status').textContent()) ?? '', /^Saved at /);

  // A newer rating replaces it whole (here: only a thumb, from the command palette).
  await panel.send({ method: 'rating/show', params: { runId: 'r5', rating: { thumb: 'up', at: '2025-05-01T10:05:00.000Z' } } });
  await panel.page.locator('[data-testid="rate-up"][aria-pressed="true"]').waitFor();
  assert.equal(await control(panel, 'r5', 'rate-score-value').textContent(), '—');
  assert.equal(await control(panel, 'r5', 'rate-comment').inputValue(), '');
  assert.equal(await control(panel, 'r5', 'rate-better-text').isVisible(), false);
  await control(panel, 'r5', 'rate-save').click();
  assert.deepEqual((await nthSubmit(panel, 1)).params.rating, { thumb: 'up' });

  // Shown while the run still streams (a reopened run): applied once it finishes.
  await panel.send({ method: 'run/started', params: started('r6') });
  await panel.send({ method: 'rating/show', params: { runId: 'r6', rating: { thumb: 'up', score: 1 } } });
  assert.equal(await control(panel, 'r6', 'rate-up').count(), 0);
  await panel.send({ method: 'run/delta', params: { runId: 'r6', text: 'ok' } });
  await panel.send({ method: 'run/finished', params: finished('r6', 2) });
  await panel.waitForPosted('run/rendered', 'r6');
  assert.equal(await control(panel, 'r6', 'rate-up').getAttribute('aria-pressed'), 'true');
  assert.equal(await control(panel, 'r6', 'rate-score-value').textContent(), '1.0');
});

test('the rating and an unsaved draft survive a reload (webview state)', async () => {
  const panel = await open();
  await playRun(panel, 'r7');
  await setScore(panel, 'r7', '0.6');
  await control(panel, 'r7', 'rate-up').click();
  const submit = await nthSubmit(panel, 1);
  assert.deepEqual(submit.params.rating, { thumb: 'up', score: 0.6 });
  await saved(panel, submit);
  await panel.page.locator('[data-testid="rate-up"][aria-pressed="true"]').waitFor();
  await control(panel, 'r7', 'rate-better').click();
  await control(panel, 'r7', 'rate-better-text').fill('Edited answer.');
  await control(panel, 'r7', 'rate-comment').fill('draft comment');
  // Typing is saved a little later; wait until the state has it.
  await panel.page.waitForFunction(() =>
    ((globalThis as unknown as InPage).sessionStorage.getItem('vscode-state') ?? '').includes('draft comment'),
  );

  await panel.page.reload();
  await panel.waitForPosted('ready');
  assert.equal(await control(panel, 'r7', 'rate-up').getAttribute('aria-pressed'), 'true');
  assert.equal(await control(panel, 'r7', 'rate-score').inputValue(), '0.6');
  assert.equal(await control(panel, 'r7', 'rate-score-value').textContent(), '0.6');
  assert.equal(await control(panel, 'r7', 'rate-comment').inputValue(), 'draft comment');
  assert.equal(await control(panel, 'r7', 'rate-better-text').inputValue(), 'Edited answer.');
  assert.equal(await control(panel, 'r7', 'rating-status').textContent(), 'Not saved');
  await control(panel, 'r7', 'rate-save').click();
  const again = await panel.waitForPosted('rating/submit', 'r7');
  assert.deepEqual(again.params.rating, { thumb: 'up', score: 0.6, betterResponse: 'Edited answer.', comment: 'draft comment' });
  await saved(panel, again);
  await panel.page.locator('[data-testid="rate-save"]:not([disabled])').waitFor();
  assert.match((await control(panel, 'r7', 'rating-status').textContent()) ?? '', /^Saved/);

  // A broken stored rating is dropped, not the run.
  await panel.page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    const state = JSON.parse(w.sessionStorage.getItem('vscode-state') ?? '{}') as { runs: { rating?: unknown }[] };
    for (const run of state.runs) run.rating = { draft: 'nonsense' };
    w.sessionStorage.setItem('vscode-state', JSON.stringify(state));
  });
  await panel.page.reload();
  await panel.waitForPosted('ready');
  assert.equal(await panel.output('r7'), OUTPUT);
  assert.equal(await control(panel, 'r7', 'rate-up').getAttribute('aria-pressed'), 'false');
});

test('keyboard: Tab reaches every labelled control in order; Space on Thumbs up submits', async () => {
  const panel = await open();
  await playRun(panel, 'r8');
  await panel.run('r8').locator('[data-testid="run-toggle"]').focus();
  const labels: string[] = [];
  for (let i = 0; i < 20 && labels.at(-1) !== 'Thumbs up'; i++) {
    await panel.page.keyboard.press('Tab');
    labels.push(
      await panel.page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.getAttribute('aria-label') ?? ''),
    );
  }
  assert.equal(labels.at(-1), 'Thumbs up', `reached by Tab (${labels.join(' → ')})`);
  const order = ['Thumbs up'];
  for (let i = 0; i < 5; i++) {
    await panel.page.keyboard.press('Tab');
    order.push(
      await panel.page.evaluate(() => {
        const active = (globalThis as unknown as InPage).document.activeElement;
        return active?.getAttribute('aria-label') ?? active?.textContent ?? '';
      }),
    );
  }
  assert.deepEqual(order, ['Thumbs up', 'Thumbs down', 'Score', 'Better response', 'Comment', 'Save rating']);

  // Back to Thumbs up and Space.
  await control(panel, 'r8', 'rate-up').focus();
  await panel.page.keyboard.press('Space');
  const submit = await nthSubmit(panel, 1);
  assert.deepEqual(submit.params, { requestId: submit.params.requestId, runId: 'r8', rating: { thumb: 'up' } });
  await saved(panel, submit);
  await panel.page.locator('[data-testid="rate-up"][aria-pressed="true"]').waitFor();

  // The slider moves with arrow keys; Enter on Better response opens it; Ctrl+Enter in a text saves.
  await control(panel, 'r8', 'rate-score').focus();
  await panel.page.keyboard.press('ArrowRight');
  assert.equal(await control(panel, 'r8', 'rate-score-value').textContent(), '0.6');
  await control(panel, 'r8', 'rate-better').focus();
  await panel.page.keyboard.press('Enter');
  assert.equal(await control(panel, 'r8', 'rate-better-text').isVisible(), true);
  await control(panel, 'r8', 'rate-comment').focus();
  await panel.page.keyboard.type('ok');
  await panel.page.keyboard.press('Control+Enter');
  const next = await nthSubmit(panel, 2);
  assert.deepEqual(next.params.rating, { thumb: 'up', score: 0.6, comment: 'ok' });
  for (const id of ['rate-up', 'rate-down', 'rate-score', 'rate-better', 'rate-better-text', 'rate-comment', 'rate-save']) {
    const label = await control(panel, 'r8', id).getAttribute('aria-label');
    const text = (await control(panel, 'r8', id).textContent())?.trim();
    assert.ok(label || text, `${id} is labelled`);
  }
});

test('controls only under finished runs: not while running, not under an error without output', async () => {
  const panel = await open();
  await panel.send({ method: 'run/started', params: started('running') });
  await panel.send({ method: 'run/delta', params: { runId: 'running', text: 'partial' } });
  await panel.run('running').locator('[data-testid="run-output"]').filter({ hasText: 'partial' }).waitFor();
  assert.equal(await control(panel, 'running', 'run-rating').count(), 0);
  assert.equal(await control(panel, 'running', 'rate-up').count(), 0);

  await playRun(panel, 'failed', '', {
    status: 'error',
    finishReason: null,
    usage: null,
    error: { message: 'The API key was rejected (401).', httpStatus: 401 },
  });
  assert.equal(await control(panel, 'failed', 'rate-up').count(), 0);
  await playRun(panel, 'broken', 'half an answer', { status: 'error', finishReason: null, error: { message: 'The stream broke.' } });
  assert.equal(await control(panel, 'broken', 'rate-up').count(), 1);
  await playRun(panel, 'stopped', 'partial', { status: 'cancelled', finishReason: null });
  assert.equal(await control(panel, 'stopped', 'rate-up').count(), 1);
  await playRun(panel, 'empty', '');
  assert.equal(await control(panel, 'empty', 'rate-up').count(), 1, 'an ok run is rated even when its text is empty');

  await panel.send({ method: 'run/finished', params: finished('running', 7) });
  await panel.waitForPosted('run/rendered', 'running');
  assert.equal(await control(panel, 'running', 'rate-up').count(), 1);
  assert.deepEqual(await submits(panel), []);
});

test('screenshot: a rated run (Dark+)', async () => {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const panel = await open({ width: 720, height: 620 });
  await playRun(panel, 'shot');
  await control(panel, 'shot', 'rate-up').click();
  await saved(panel, await nthSubmit(panel, 1));
  await panel.page.locator('[data-testid="rate-up"][aria-pressed="true"]').waitFor();
  await setScore(panel, 'shot', '0.7');
  await control(panel, 'shot', 'rate-better').click();
  await control(panel, 'shot', 'rate-better-text').fill(`${OUTPUT}\nOwner: the auth team, by Friday.`);
  await control(panel, 'shot', 'rate-comment').fill('Good, but it should name the owner.');
  await control(panel, 'shot', 'rate-save').click();
  await saved(panel, await nthSubmit(panel, 2), '2025-05-01T09:41:27.000Z');
  await panel.page.locator('[data-testid="rate-save"]:not([disabled])').waitFor();
  await control(panel, 'shot', 'rate-save').focus();
  await panel.page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready);
  // What the screenshot shows, in the page: the thumb pressed, the score, the better response and the comment.
  assert.equal(await control(panel, 'shot', 'rate-up').getAttribute('aria-pressed'), 'true');
  assert.equal(await control(panel, 'shot', 'rate-score').inputValue(), '0.7');
  assert.equal(await control(panel, 'shot', 'rate-better-text').inputValue(), `${OUTPUT}\nOwner: the auth team, by Friday.`);
  assert.equal(await control(panel, 'shot', 'rate-better-text').isVisible(), true);
  assert.equal(await control(panel, 'shot', 'rate-comment').inputValue(), 'Good, but it should name the owner.');
  await panel.page.screenshot({ path: path.join(screenshotDir, 'run-rated.png'), fullPage: true });
});
