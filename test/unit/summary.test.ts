/**
 * The evaluation's figures (src/core/evaluation/summary.ts) against plain reference computations on random cells: the
 * busy time's union of intervals against a millisecond grid, and summarize over the compact CellStore's reused cell
 * (what the panel's totals pass) against summarize over separate objects.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CellStore } from '../../src/core/evaluation/cellStore';
import { summarize, unionLength, type CellResult } from '../../src/core/evaluation/summary';
import { prng as random } from './prng';

test('the union of intervals is as long as the milliseconds they cover, however they overlap, touch or nest', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const r = random(seed);
    const intervals: [number, number][] = Array.from({ length: Math.floor(r() * 30) }, () => {
      const start = Math.floor(r() * 200);
      return [start, start + Math.floor(r() * (r() < 0.2 ? 0 : 40))];
    });
    const covered = new Set<number>();
    for (const [s, e] of intervals) for (let t = s; t < e; t++) covered.add(t);
    assert.equal(unionLength(intervals), covered.size, `seed ${seed}: ${JSON.stringify(intervals)}`);
  }
  assert.equal(unionLength([]), 0);
  assert.equal(unionLength([[5, 10], [10, 20], [0, 5]]), 20, 'touching intervals join');
});

test('summarize over the CellStore\'s reused cell gives what it gives over separate cell objects', () => {
  const r = random(7);
  const rows = 500;
  const store = new CellStore(['a', 'b'], rows);
  const statuses: CellResult['status'][] = ['ok', 'ok', 'ok', 'error', 'cancelled'];
  for (const deployment of ['a', 'b']) {
    for (let i = 0; i < rows; i++) {
      if (r() < 0.1) continue;
      const status = statuses[Math.floor(r() * statuses.length)] as CellResult['status'];
      const outcome = status === 'ok' ? (r() < 0.6 ? 'passed' : 'failed') : status === 'error' ? 'error' : 'cancelled';
      store.set({
        testIndex: i, deployment, runId: `${deployment}-${i}`, status, outcome, meanScore: r() < 0.2 ? null : r(), startedAtMs: 1_700_000_000_000 + r() * 60_000,
        latencyMs: r() * 3000, ttftMs: r() < 0.1 ? null : r() * 500, promptTokens: Math.floor(r() * 100), completionTokens: Math.floor(r() * 300),
        totalTokens: Math.floor(r() * 400), costUsd: r() < 0.5 ? undefined : r() / 1000,
      });
    }
  }
  const expected = summarize(store.all(), rows, ['a', 'b', 'unused']);
  assert.deepEqual(summarize(store.transient(), rows, ['a', 'b', 'unused']), expected);
  assert.ok((expected.a?.passed ?? 0) > 0 && (expected.a?.errors ?? 0) > 0 && expected.a?.tokensPerSecond !== null, 'the cells cover every outcome');
  assert.equal(expected.unused?.cancelled, rows);
  const withoutRate = summarize(store.transient(), rows, ['a', 'b', 'unused'], { tokensPerSecond: false });
  for (const key of ['a', 'b', 'unused']) assert.deepEqual(withoutRate[key], { ...expected[key], tokensPerSecond: null }, 'the panel\'s totals leave out only tokens/s');
});
