/** The columns an evaluation keeps its cells' results in while it runs (src/core/evaluation/cellStore.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CellStore } from '../../src/core/evaluation/cellStore';
import type { CellResult } from '../../src/core/evaluation/summary';

function cell(fields: Partial<CellResult> & Pick<CellResult, 'deployment' | 'testIndex'>): CellResult {
  return {
    runId: randomUUID(), status: 'ok', outcome: 'passed', meanScore: 0.75, startedAtMs: 1764672000123.5, latencyMs: 812.3, ttftMs: 95.1,
    promptTokens: 31, completionTokens: 12, totalTokens: 43, costUsd: 0.0000123456, ...fields,
  };
}

test('a result comes back as it was kept, nulls and undefined included; a later one replaces it', () => {
  const store = new CellStore(['a', 'b'], 4);
  const full = cell({ deployment: 'a', testIndex: 2 });
  const sparse = cell({ deployment: 'b', testIndex: 0, status: 'error', outcome: 'error', meanScore: null, ttftMs: null, costUsd: undefined, promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  const cancelled = cell({ deployment: 'b', testIndex: 3, status: 'cancelled', outcome: 'cancelled' });
  for (const c of [full, sparse, cancelled]) store.set(c);
  assert.deepEqual(store.get('a', 2), full);
  assert.deepEqual(store.get('b', 0), sparse);
  assert.deepEqual(store.get('b', 3), cancelled);
  assert.equal(store.get('a', 0), undefined, 'no result kept');
  assert.equal(store.get('c', 0), undefined, 'unknown deployment');
  const failed = cell({ deployment: 'a', testIndex: 2, outcome: 'failed', meanScore: 0 });
  store.set(failed);
  assert.deepEqual(store.get('a', 2), failed, 'replaced');
  assert.deepEqual(store.all(), [failed, sparse, cancelled], 'by deployment, then row');
});

test('cells of other deployments or outside the rows are not kept', () => {
  const store = new CellStore(['a'], 2);
  for (const c of [cell({ deployment: 'x', testIndex: 0 }), cell({ deployment: 'a', testIndex: 2 }), cell({ deployment: 'a', testIndex: -1 }), cell({ deployment: 'a', testIndex: 0.5 })]) store.set(c);
  assert.deepEqual(store.all(), []);
});
