/**
 * The evaluation panel's host-side model and what it reads: changes coalesce into one batch (a cell that streamed and
 * finished since the last batch goes once, whole), the headers' figures are the core's summary, the grid's export
 * reads back with a CSV parser, and the log gives each cell's whole run line with its newest rating, and lists a
 * prompt's evaluations newest first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { listEvaluationRecords, readLoggedEvaluation, readLoggedRun } from '../../src/core/evaluation/evaluationLog';
import { exportGrid } from '../../src/core/evaluation/exportGrid';
import { cellResultOf, summarize } from '../../src/core/evaluation/summary';
import type { EvaluationProgress } from '../../src/core/evaluation/evaluate';
import type { EvaluationRecord, RatingRecord, RunRecord } from '../../src/core/log/runLog';
import { OUTPUT_PREVIEW_CHARS } from '../../src/protocol/evaluation';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { EvaluationGrid, TOTALS_EVERY_MS, cellView, rowView } from '../../src/vscode/evaluation/evaluationGrid';
import { tempDir } from './tempDir';

function cellRun(testIndex: number, deployment: string, fields: Partial<RunRecord> = {}): RunRecord {
  const passed = testIndex % 2 === 0;
  return {
    event: 'run', id: `run-${testIndex}-${deployment}`, prompt: 'p.prompt.json', deployment, provider: 'openai-compatible', model: 'm',
    inputs: { question: `q${testIndex}` }, messages: [], parameters: {}, output: `answer ${testIndex}`, finishReason: 'stop',
    usage: { promptTokens: 10, completionTokens: 5 + testIndex, totalTokens: 15 + testIndex },
    timing: { startedAt: new Date(Date.UTC(2026, 10, 30, 10, 0, testIndex)).toISOString(), ttftMs: 50, latencyMs: 100 + testIndex * 10 },
    status: 'ok', source: 'evaluation', evaluationId: 'e1', testIndex, evaluations: [{ name: 'contains', score: passed ? 1 : 0, passed }], ...fields,
  };
}

const progress: EvaluationProgress = { total: 4, done: 1, passed: 1, failed: 0, errors: 0 };

test('a batch holds each changed cell once: text of a cell not yet in the batch goes as deltas, a finished cell goes whole', () => {
  const grid = new EvaluationGrid('e1', ['a', 'b'], ['contains'], ['question'], 2, summarize);
  grid.apply({ type: 'cellStarted', deployment: 'a', testIndex: 0, runId: 'run-0-a' });
  grid.apply({ type: 'cellStarted', deployment: 'b', testIndex: 0, runId: 'run-0-b' });
  for (let k = 0; k < 1000; k++) grid.apply({ type: 'cellDelta', deployment: 'a', testIndex: 0, runId: 'run-0-a', text: 'x' });
  const first = grid.takeBatch();
  assert.deepEqual(first.cells.map((c) => [c.runId, c.outcome, c.output.length, c.outputLength]), [['run-0-a', 'running', 1000, 1000], ['run-0-b', 'running', 0, 0]], 'text that came before the batch is in the cell');
  assert.deepEqual(first.deltas, []);
  for (let k = 0; k < 3; k++) grid.apply({ type: 'cellDelta', deployment: 'b', testIndex: 0, runId: 'run-0-b', text: `t${k}` });
  const second = grid.takeBatch();
  assert.deepEqual(second.cells, []);
  assert.deepEqual(second.deltas.map((d) => [d.runId, d.text]), [['run-0-b', 't0t1t2']], 'one delta a cell, however many chunks');
  // Streams, then finishes, between two batches: one whole cell, no deltas.
  grid.apply({ type: 'cellDelta', deployment: 'b', testIndex: 0, runId: 'run-0-b', text: 'more' });
  const record = cellRun(0, 'b');
  grid.apply({ type: 'cellFinished', cell: cellResultOf(record), record, progress });
  const third = grid.takeBatch();
  assert.deepEqual(third.deltas, []);
  assert.deepEqual(third.cells.map((c) => [c.runId, c.outcome, c.output]), [['run-0-b', 'passed', 'answer 0']]);
  assert.deepEqual(grid.takeBatch(), { cells: [], deltas: [] }, 'a batch is taken once');
  // The preview stops at OUTPUT_PREVIEW_CHARS; the length counts everything.
  for (let k = 0; k < 3; k++) grid.apply({ type: 'cellDelta', deployment: 'a', testIndex: 0, runId: 'run-0-a', text: 'y'.repeat(OUTPUT_PREVIEW_CHARS) });
  const capped = grid.takeBatch();
  assert.equal(capped.deltas.reduce((n, d) => n + d.text.length, 0), OUTPUT_PREVIEW_CHARS - 1000);
  assert.equal(grid.allCells(new Map()).find((c) => c.runId === 'run-0-a')?.outputLength, 1000 + 3 * OUTPUT_PREVIEW_CHARS);
});

test('the totals are the core\'s summary of the finished cells; the export writes whole outputs in the order asked', () => {
  const grid = new EvaluationGrid('e1', ['a', 'b'], ['contains'], ['question'], 3, summarize);
  grid.setRows([0, 1, 2].map((i) => rowView(i, { question: `q${i}`, expected: i === 1 ? { label: 'x' } : `answer ${i}`, extra: 'not an input' }, ['question'])));
  const records: RunRecord[] = [];
  for (const d of ['a', 'b']) for (const i of [0, 1, 2]) records.push(cellRun(i, d, i === 2 && d === 'b' ? { output: `long ${'z'.repeat(OUTPUT_PREVIEW_CHARS)}, "quoted"\nline` } : {}));
  for (const r of records) grid.apply({ type: 'cellFinished', cell: cellResultOf(r), record: r, progress });
  assert.deepEqual(grid.totals().a, (() => {
    const s = summarize(records.map(cellResultOf), 3, ['a', 'b']).a;
    assert.ok(s);
    return { rows: s.rows, passed: s.passed, failed: s.failed, errors: s.errors, cancelled: s.cancelled, passRate: s.passRate, meanScore: s.meanScore, latencyMs: s.latencyMs, costUsd: s.costUsd, usage: s.usage };
  })());
  assert.equal(grid.totals().b?.passRate, 0.666667);
  // While it runs, the headers' figures come at most every TOTALS_EVERY_MS; the end and a panel that opens get them now.
  assert.deepEqual(grid.takeTotals(false, 10_000), grid.totals());
  assert.equal(grid.takeTotals(false, 10_000 + TOTALS_EVERY_MS - 1), undefined);
  assert.deepEqual(grid.takeTotals(true, 10_000 + TOTALS_EVERY_MS - 1), grid.totals());
  assert.deepEqual(grid.takeTotals(false, 10_000 + 3 * TOTALS_EVERY_MS), grid.totals());
  assert.deepEqual(grid.rows[1], { index: 1, inputs: { question: 'q1' }, expected: '{"label":"x"}' });

  const csv = exportGrid('csv', { inputNames: grid.inputNames, deployments: grid.deployments, evaluators: grid.evaluators, rows: grid.exportRows([2, 0, 7], new Map(records.map((r) => [r.id, r]))) });
  const table = parse(csv, { columns: true }) as Record<string, string>[];
  assert.deepEqual(table.map((r) => r.testIndex), ['2', '0'], 'rows in the order asked; an unknown row is left out');
  assert.deepEqual(Object.keys(table[0] ?? {}), ['testIndex', 'question', 'expected', ...['a', 'b'].flatMap((d) => [`${d}: outcome`, `${d}: meanScore`, `${d}: contains`, `${d}: latencyMs`, `${d}: completionTokens`, `${d}: costUsd`, `${d}: output`, `${d}: runId`])]);
  assert.equal(table[0]?.['b: output'], records[5]?.output, 'the whole output, not the preview');
  assert.deepEqual([table[0]?.['a: outcome'], table[0]?.['a: contains'], table[1]?.['a: outcome'], table[1]?.['a: contains']], ['passed', '1', 'passed', '1']);
  const jsonl = exportGrid('jsonl', { inputNames: grid.inputNames, deployments: grid.deployments, evaluators: grid.evaluators, rows: grid.exportRows([1], new Map(records.map((r) => [r.id, r]))) }).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(jsonl[0]?.expected, '{"label":"x"}');
  assert.equal((jsonl[0]?.cells as Record<string, { outcome: string } | undefined>).b?.outcome, 'failed');
});

test('the grid keeps no outputs: a panel that opens gets finished cells from the log\'s lines, running cells as they are', () => {
  const grid = new EvaluationGrid('e1', ['a', 'b'], ['contains'], ['question'], 3, summarize);
  const records = [cellRun(0, 'a', { output: 'x'.repeat(3 * OUTPUT_PREVIEW_CHARS) }), cellRun(1, 'a'), cellRun(0, 'b')];
  for (const r of records) {
    grid.apply({ type: 'cellStarted', deployment: r.deployment, testIndex: r.testIndex ?? -1, runId: r.id });
    grid.apply({ type: 'cellDelta', deployment: r.deployment, testIndex: r.testIndex ?? -1, runId: r.id, text: r.output });
    grid.apply({ type: 'cellFinished', cell: cellResultOf(r), record: r, progress });
  }
  // Row 2 on a is running; row 1 on a runs again (a resume).
  grid.apply({ type: 'cellStarted', deployment: 'a', testIndex: 2, runId: 'run-2-a' });
  grid.apply({ type: 'cellDelta', deployment: 'a', testIndex: 2, runId: 'run-2-a', text: 'so far' });
  grid.apply({ type: 'cellStarted', deployment: 'a', testIndex: 1, runId: 'run-1-a-again' });
  assert.ok(grid.rated('run-0-b', 'up'));
  assert.equal(grid.rated('elsewhere', 'up'), false, 'a run of no cell is not kept');
  const logged = new Map([records[0], records[2]].map((r) => [r?.id ?? '', cellView(r as RunRecord, cellResultOf(r as RunRecord))]));
  const cells = new Map(grid.allCells(logged).map((c) => [`${c.testIndex}/${c.deployment}`, c]));
  assert.equal(cells.size, 4);
  assert.deepEqual([cells.get('0/a')?.output.length, cells.get('0/a')?.outputLength, cells.get('0/a')?.evaluations.length], [OUTPUT_PREVIEW_CHARS, 3 * OUTPUT_PREVIEW_CHARS, 1], 'from the log\'s line');
  assert.deepEqual([cells.get('0/b')?.outcome, cells.get('0/b')?.thumb], ['passed', 'up'], 'with the thumb the grid knows');
  assert.deepEqual([cells.get('2/a')?.outcome, cells.get('2/a')?.output], ['running', 'so far']);
  assert.deepEqual([cells.get('1/a')?.outcome, cells.get('1/a')?.runId], ['running', 'run-1-a-again'], 'a cell run again shows its new run');
  // A finished cell whose line the log does not give: its figures, no output.
  grid.apply({ type: 'cellFinished', cell: cellResultOf(cellRun(1, 'b')), record: cellRun(1, 'b'), progress });
  const missing = grid.allCells(logged).find((c) => c.runId === 'run-1-b');
  assert.deepEqual([missing?.outcome, missing?.output, missing?.latencyMs], ['failed', '', 110]);
  assert.deepEqual(grid.takeBatch(), { cells: [], deltas: [] }, 'what a panel is sent whole is no longer a change');
  assert.equal(grid.result('run-0-a')?.latencyMs, 100);
  assert.equal(grid.result('run-2-a'), undefined, 'a running cell has no result');
  // Rows the test data did not give come from the finished cells' inputs; the test data's rows are kept as the core
  // has them and shown as views.
  grid.setRows([{ index: 0, values: { question: 'q0', notAnInput: 'x' } }]);
  assert.deepEqual(grid.fillRowsFromRuns().map((r) => [r.index, r.inputs.question]), [[1, 'q1']]);
  assert.deepEqual(grid.rows, [{ index: 0, inputs: { question: 'q0' } }, { index: 1, inputs: { question: 'q1' } }]);
  assert.deepEqual(grid.rowsAt(1, 5), [{ index: 1, inputs: { question: 'q1' } }]);
  assert.equal(grid.rowCount, 2);
  // Rows out of order or with gaps are found by index.
  grid.setRows([{ index: 9, values: { question: 'q9' } }, { index: 2, values: { question: 'q2' } }]);
  assert.deepEqual(grid.rows.map((r) => r.index), [2, 9]);
  assert.deepEqual(grid.exportRows([9, 3, 2], new Map()).map((r) => r.row.inputs.question), ['q9', 'q2']);
});

test('the log gives one run\'s line by id, from the day it started; a line that only mentions the id is not it', async () => {
  const dir = tempDir('prompt-lab-eval-run-');
  const target = cellRun(0, 'a', { id: 'wanted' });
  const decoy = cellRun(1, 'a', { id: 'other', inputs: { question: '"id":"wanted"', id: 'wanted' } });
  fs.writeFileSync(path.join(dir, '2026-11-30.jsonl'), [decoy, { event: 'rating', runId: 'wanted', at: '2026-11-30T12:00:00.000Z', thumb: 'up' }, target].map((l) => JSON.stringify(l)).join('\n') + '\n{"id":"wanted", broken\n');
  fs.writeFileSync(path.join(dir, '2026-12-01.jsonl'), `${JSON.stringify(cellRun(0, 'a', { id: 'later' }))}\n`);
  assert.equal((await readLoggedRun(nodeFileSystem(), dir, 'wanted'))?.testIndex, 0);
  assert.equal((await readLoggedRun(nodeFileSystem(), dir, 'wanted', '2026-11-30'))?.id, 'wanted');
  assert.equal(await readLoggedRun(nodeFileSystem(), dir, 'wanted', '2026-12-01'), undefined, 'only that day\'s file');
  assert.equal((await readLoggedRun(nodeFileSystem(), dir, 'later'))?.id, 'later');
  assert.equal(await readLoggedRun(nodeFileSystem(), dir, 'none'), undefined);
  assert.equal(await readLoggedRun(nodeFileSystem(), path.join(dir, 'missing'), 'wanted'), undefined);
});

test('the log gives each cell\'s result line with its newest rating, and lists a prompt\'s evaluations newest first', async () => {
  const dir = tempDir('prompt-lab-eval-grid-');
  const retried = cellRun(1, 'a', { id: 'run-1-a-retry', timing: { startedAt: '2026-11-30T11:00:00.000Z', ttftMs: 40, latencyMs: 90 } });
  const failedFirst = cellRun(1, 'a', { id: 'run-1-a-error', status: 'error', output: 'partial', evaluations: [] });
  const rating = (runId: string, at: string, thumb: 'up' | 'down'): RatingRecord => ({ event: 'rating', runId, at, thumb });
  const evaluation = (id: string, prompt: string, startedAt: string, endedAt: string): EvaluationRecord => ({
    event: 'evaluation', id, prompt, status: 'complete', startedAt, endedAt, deployments: {}, rows: 2, evaluators: ['contains'],
  });
  const lines = [
    cellRun(0, 'a'), failedFirst, rating('run-0-a', '2026-11-30T12:00:00.000Z', 'up'), retried,
    // A run line whose inputs hold a "rating" key is still a run line.
    cellRun(0, 'b', { inputs: { rating: 'five', event: 'rating' } }),
    rating('run-0-a', '2026-11-30T12:30:00.000Z', 'down'), rating('run-0-a', '2026-11-30T12:10:00.000Z', 'up'), rating('elsewhere', '2026-11-30T12:00:00.000Z', 'up'),
    evaluation('e0', 'p.prompt.json', '2026-11-29T10:00:00.000Z', '2026-11-29T10:05:00.000Z'),
    evaluation('e1', 'p.prompt.json', '2026-11-30T10:00:00.000Z', '2026-11-30T10:05:00.000Z'),
    evaluation('other', 'q.prompt.json', '2026-12-01T10:00:00.000Z', '2026-12-01T10:05:00.000Z'),
    evaluation('e0', 'p.prompt.json', '2026-11-29T10:00:00.000Z', '2026-11-29T10:09:00.000Z'),
  ];
  fs.writeFileSync(path.join(dir, '2026-11-30.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"event":"evaluation","id":"broken\n`);
  const logged = await readLoggedEvaluation(nodeFileSystem(), dir, 'e1', undefined, { records: true });
  assert.deepEqual([...(logged.runs?.values() ?? [])].map((r) => r.id).sort(), ['run-0-a', 'run-0-b', 'run-1-a-retry']);
  assert.deepEqual([...(logged.ratings ?? new Map<string, RatingRecord>())].map(([id, r]) => [id, r.thumb]), [['run-0-a', 'down']], 'the newest rating by time, only of the cells\' runs');
  const plain = await readLoggedEvaluation(nodeFileSystem(), dir, 'e1');
  assert.equal(plain.runs, undefined);
  assert.equal(plain.cells.size, 3);

  const listed = await listEvaluationRecords(nodeFileSystem(), dir, 'p.prompt.json');
  assert.deepEqual(listed.map((r) => [r.id, r.endedAt]), [['e1', '2026-11-30T10:05:00.000Z'], ['e0', '2026-11-29T10:09:00.000Z']]);
  assert.deepEqual((await listEvaluationRecords(nodeFileSystem(), dir)).map((r) => r.id), ['other', 'e1', 'e0']);
  assert.deepEqual(await listEvaluationRecords(nodeFileSystem(), path.join(dir, 'missing')), []);
});
