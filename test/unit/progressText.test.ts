// The evaluation progress notification's text: done/total, failing, ETA; throttled, the last cell always shown, a
// resume starting from the cells already done.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { EvaluationEvent, EvaluationProgress } from '../../src/core/evaluation/evaluate';
import type { CellResult } from '../../src/core/evaluation/summary';
import type { RunRecord } from '../../src/core/log/runLog';
import { formatDuration, ProgressText, type ProgressReport } from '../../src/vscode/evaluation/progressText';

function finished(progress: EvaluationProgress): EvaluationEvent {
  return { type: 'cellFinished', cell: {} as CellResult, record: {} as RunRecord, progress };
}

test('reports done/total, failing (failed + errors) and an ETA at the rate so far; percentages add up to 100', () => {
  let clock = 0;
  const reports: ProgressReport[] = [];
  const text = new ProgressText((r) => reports.push(r), () => clock);
  text.on({ type: 'started', evaluationId: 'e', total: 40, alreadyDone: 0, deployments: ['a', 'b'] });
  clock = 10_000;
  text.on(finished({ total: 40, done: 10, passed: 7, failed: 2, errors: 1 }));
  clock = 10_050;
  text.on(finished({ total: 40, done: 11, passed: 8, failed: 2, errors: 1 })); // within 200 ms: not shown
  clock = 20_000;
  text.on(finished({ total: 40, done: 40, passed: 30, failed: 6, errors: 4 }));
  assert.deepEqual(reports.map((r) => r.message), ['0/40, 0 failing', '10/40, 3 failing, ETA 30 s', '40/40, 10 failing']);
  assert.equal(reports.reduce((n, r) => n + r.increment, 0), 100);
});

test('a resume starts at the cells already done and its ETA counts only the cells run since', () => {
  let clock = 0;
  const reports: ProgressReport[] = [];
  const text = new ProgressText((r) => reports.push(r), () => clock);
  text.on({ type: 'started', evaluationId: 'e', total: 100, alreadyDone: 90, deployments: ['a'] });
  clock = 5000;
  text.on(finished({ total: 100, done: 95, passed: 95, failed: 0, errors: 0 }));
  assert.deepEqual(reports.map((r) => r.message), ['90/100, 0 failing', '95/100, 0 failing, ETA 5 s']);
  assert.deepEqual(reports.map((r) => r.increment), [90, 5]);
});

test('formatDuration', () => {
  assert.equal(formatDuration(0), '1 s');
  assert.equal(formatDuration(44_600), '45 s');
  assert.equal(formatDuration(185_000), '3 min 5 s');
  assert.equal(formatDuration(7_800_000), '2 h 10 min');
});
