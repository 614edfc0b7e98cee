import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBudget, spending } from '../../src/core/run/budget';
import { runCostUsd } from '../../src/core/providers/cost';
import { PRICE_TABLE_DATE, builtInPrices } from '../../src/core/providers/prices';
import { tempDir } from './tempDir';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

test('built-in prices: exact names, dated snapshots, the longest family; unknown models have none', () => {
  assert.deepEqual(builtInPrices('gpt-4o'), { inputPerMillion: 2.5, outputPerMillion: 10 });
  assert.deepEqual(builtInPrices('gpt-4o-2024-08-06'), { inputPerMillion: 2.5, outputPerMillion: 10 });
  assert.deepEqual(builtInPrices('gpt-4o-mini-2024-07-18'), { inputPerMillion: 0.15, outputPerMillion: 0.6 });
  assert.deepEqual(builtInPrices('openai/gpt-4.1-mini'), { inputPerMillion: 0.4, outputPerMillion: 1.6 });
  assert.equal(builtInPrices('gpt-4o-realtime-preview'), undefined);
  assert.equal(builtInPrices('llama3.2'), undefined);
  assert.match(PRICE_TABLE_DATE, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(runCostUsd({ promptTokens: 1_000_000, completionTokens: 500_000, totalTokens: 0 }, builtInPrices('gpt-4o-mini')), 0.45);
});

test('spending sums the cost of this month\'s and today\'s runs from the log, skipping bad lines', async () => {
  const dir = tempDir('prompt-lab-budget-');
  const line = (startedAt: string, costUsd: number) => JSON.stringify({ event: 'run', id: startedAt, costUsd, timing: { startedAt } });
  fs.writeFileSync(path.join(dir, '2026-11-21.jsonl'), [line('2026-11-21T01:00:00.000Z', 0.5), line('2026-11-21T02:00:00.000Z', 0.25), '{"event":"run","costUsd":9', JSON.stringify({ event: 'rating', costUsd: 3 })].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, '2026-11-02.jsonl'), line('2026-11-02T10:00:00.000Z', 1) + '\n');
  fs.writeFileSync(path.join(dir, '2026-10-31.jsonl'), line('2026-10-31T10:00:00.000Z', 100) + '\n');
  const spent = await spending(files, dir, new Date('2026-11-21T12:00:00Z'));
  assert.deepEqual(spent, { todayUsd: 0.75, monthUsd: 1.75 });
  assert.deepEqual(await spending(files, path.join(dir, 'missing')), { todayUsd: 0, monthUsd: 0 });
});

test('checkBudget: ok, warn past warnAt, over at the limit', () => {
  assert.equal(checkBudget(undefined, { todayUsd: 5, monthUsd: 50 }).level, 'ok');
  assert.equal(checkBudget({ dailyUsd: 10 }, { todayUsd: 7, monthUsd: 7 }).level, 'ok');
  const warn = checkBudget({ dailyUsd: 10, monthlyUsd: 100 }, { todayUsd: 8.5, monthUsd: 20 });
  assert.equal(warn.level, 'warn');
  assert.equal(warn.message, '85% of the daily budget is spent: $8.50 of $10.00.');
  const over = checkBudget({ dailyUsd: 10, monthlyUsd: 100, warnAt: 0.5 }, { todayUsd: 1, monthUsd: 100 });
  assert.equal(over.level, 'over');
  assert.equal(over.message, 'The monthly budget is spent: $100.00 of $100.00.');
});
