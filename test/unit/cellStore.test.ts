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

test('run ids come back as they were kept, the core\'s UUIDs (kept as bytes) and any other id alike; find looks them up', () => {
  const store = new CellStore(['a', 'b'], 3);
  const upper = randomUUID().toUpperCase();
  const ids = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff', upper, 'run-1-a', `${randomUUID()} `];
  for (const [k, runId] of ids.entries()) store.set(cell({ deployment: k < 3 ? 'a' : 'b', testIndex: k % 3, runId }));
  assert.deepEqual(store.all().map((c) => c.runId), ids);
  for (const [k, runId] of ids.entries()) assert.deepEqual([store.find(runId)?.deployment, store.find(runId)?.testIndex], [k < 3 ? 'a' : 'b', k % 3], runId);
  assert.equal(store.find(upper.toLowerCase()), undefined, 'an id is matched as it is written');
  assert.equal(store.find(randomUUID()), undefined);
  // A cell's later run replaces its id, whichever form either has.
  store.set(cell({ deployment: 'b', testIndex: 0, runId: ids[0] as string }));
  store.set(cell({ deployment: 'a', testIndex: 0, runId: 'not-a-uuid' }));
  assert.deepEqual(store.all().map((c) => c.runId), ['not-a-uuid', ids[1], upper, ids[0], ids[4]]);
  assert.equal(store.find('run-1-a'), undefined, 'replaced');
  assert.equal(store.find(ids[0] as string)?.deployment, 'b');
  const seen: string[] = [];
  for (const c of store.transient()) seen.push(c.runId);
  assert.deepEqual(seen, ['not-a-uuid', ids[1], upper, ids[0], ids[4]], 'the reused cell reads the id of the slot it is at');
});
