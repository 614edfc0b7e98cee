/** The AIMD concurrency window and the maxConcurrency defaults a deployment resolves to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyWindow, DECREASE_FACTOR } from '../../src/core/evaluation/aimd';
import { resolveDeployment } from '../../src/core/providers/deployments';

test('a 429 cuts the window to 0.7×, once per round trip; answered requests add one slot per window, up to the ceiling', () => {
  const w = new ConcurrencyWindow(20);
  assert.equal(w.slots, 20);
  assert.equal(w.rateLimited(5, 10), true);
  assert.equal(w.slots, Math.floor(20 * DECREASE_FACTOR));
  // Answers to requests sent before the cut say nothing new.
  assert.equal(w.rateLimited(9, 11), false);
  assert.equal(w.slots, 14);
  // Sent after the cut: cut again.
  assert.equal(w.rateLimited(12, 13), true);
  assert.equal(w.slots, Math.floor(14 * DECREASE_FACTOR));
  // Additive increase: a window's worth of answers adds one slot.
  const before = w.value;
  for (let i = 0; i < Math.ceil(before); i++) w.answered();
  assert.equal(w.slots, Math.floor(before) + 1);
  for (let i = 0; i < 1000; i++) w.answered();
  assert.equal(w.slots, 20, 'never above the ceiling');
  const one = new ConcurrencyWindow(1);
  one.rateLimited(0, 1);
  assert.equal(one.slots, 1, 'never below one');
  assert.throws(() => new ConcurrencyWindow(0), RangeError);
});

test('maxConcurrency: the deployment’s own, else its provider’s default (8; vllm 32; ollama 4), within 1–1024', () => {
  const d = (config: object) => resolveDeployment('d', { d: { model: 'm', ...config } });
  assert.equal(d({ provider: 'openai' }).maxConcurrency, 8);
  assert.equal(d({ provider: 'vllm' }).maxConcurrency, 32);
  assert.equal(d({ provider: 'ollama' }).maxConcurrency, 4);
  assert.equal(d({ provider: 'openai', maxConcurrency: 64 }).maxConcurrency, 64);
  assert.equal(d({ provider: 'openai', maxConcurrency: 5000 }).maxConcurrency, 1024);
  assert.equal(d({ provider: 'openai', maxConcurrency: 0 }).maxConcurrency, 8);
});
