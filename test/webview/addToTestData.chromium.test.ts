/**
 * The run panel's Add to Test Data button, in real Chromium: under a finished run, a click posts testData/add with that
 * run's id (the host then appends the row; the integration suite proves that part).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebviewMessage } from '../../src/protocol/runPanel';
import { useRunPanelHarness, startedParams, finishedParams } from './harness';

const open = useRunPanelHarness();

test('Add to Test Data under a finished run posts testData/add with its run id, once per click', async () => {
  const panel = await open();
  for (const runId of ['r1', 'r2']) {
    await panel.send({ method: 'run/started', params: startedParams(runId) });
    await panel.send({ method: 'run/delta', params: { runId, text: `output of ${runId}` } });
    await panel.send({ method: 'run/finished', params: finishedParams(runId, `output of ${runId}`.length) });
    await panel.waitForPosted('run/rendered', runId);
  }
  const button = panel.run('r2').locator('[data-testid="run-add-to-test-data"]');
  assert.equal(await button.textContent(), 'Add to Test Data');
  await button.click();
  await panel.waitForPosted('testData/add', 'r2');
  const posted = (await panel.posted()).filter((m): m is Extract<WebviewMessage, { method: 'testData/add' }> => m.method === 'testData/add');
  assert.deepEqual(posted.map((m) => m.params), [{ runId: 'r2' }], 'one message, for the run whose button was clicked (the newest, shown open)');
});
