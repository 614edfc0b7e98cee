// regex evaluators off the calling thread, bounded in time: a catastrophically backtracking pattern from someone
// else's prompt file is stopped at the limit while this thread keeps running, and the next match works.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { runEvaluator, type EvaluatorEnvironment } from '../../src/core/evaluation/evaluators';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { WorkerRegexMatcher } from '../../src/node/regexWorker';

/** Exponential backtracking: on this input V8 would run for far longer than the test's whole budget. */
const REDOS = { pattern: '^(a+)+$', flags: '', text: `${'a'.repeat(40)}!` };

test('matches as RegExp does, flags included', async (t) => {
  const matcher = new WorkerRegexMatcher(2000);
  t.after(() => matcher.dispose());
  assert.equal(await matcher.test('^\\d+$', '', '12345'), true);
  assert.equal(await matcher.test('^\\d+$', '', '12a45'), false);
  assert.equal(await matcher.test('paris', 'i', 'The capital is Paris.'), true);
  assert.equal(await matcher.test('^a.b$', 's', 'a\nb'), true);
  await assert.rejects(matcher.test('(', '', 'x'), /cannot be used: .*Invalid regular expression/);
});

test('a catastrophically backtracking pattern is stopped at the limit while this thread keeps running; the next match works', async (t) => {
  const matcher = new WorkerRegexMatcher(300);
  t.after(() => matcher.dispose());
  assert.equal(await matcher.test('a', '', 'a'), true, 'the worker is up');
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const t0 = performance.now();
  try {
    await assert.rejects(matcher.test(REDOS.pattern, REDOS.flags, REDOS.text), /took longer than 300 ms/);
  } finally {
    clearInterval(ticker);
  }
  const ms = performance.now() - t0;
  assert.ok(ms >= 300 && ms < 10_000, `stopped at the limit (${Math.round(ms)} ms)`);
  assert.ok(ticks >= 5, `this thread ran meanwhile (${ticks} ticks of 10 ms)`);
  // The same pattern fails at once from now on; another pattern runs in a new worker.
  const again = performance.now();
  await assert.rejects(matcher.test(REDOS.pattern, REDOS.flags, 'aaaa!'), /took longer than 300 ms/);
  assert.ok(performance.now() - again < 100, 'a pattern that timed out is not tried again');
  assert.equal(await matcher.test('^b', '', 'bcd'), true);
  assert.equal(matcher.started, 2, 'the stuck worker was replaced');
});

test('a regex evaluator given the matcher gives an evaluator error for the runaway pattern instead of hanging', async (t) => {
  const matcher = new WorkerRegexMatcher(300);
  t.after(() => matcher.dispose());
  const parsed = parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'x' }], evaluators: [{ name: 'shape', regex: { pattern: REDOS.pattern } }, { name: 'fine', regex: { pattern: 'A+', flags: 'i' } }] }));
  const [redos, fine] = parsed.prompt?.evaluators ?? [];
  assert.ok(redos && fine);
  const env: EvaluatorEnvironment = { renderer: inProcessRenderer(), regex: matcher, promptDeployment: undefined, judge: () => Promise.reject(new Error('no judge')) };
  const cell = { output: REDOS.text, row: { index: 0, values: {} }, inputs: {}, messages: [] };
  const result = await runEvaluator(redos, cell, env);
  assert.equal(result.passed, false);
  assert.match(result.error ?? '', /took longer than 300 ms.*backtracks/);
  assert.deepEqual(await runEvaluator(fine, cell, env), { name: 'fine', score: 1, passed: true, details: 'Expected to match /A+/i' });
});
