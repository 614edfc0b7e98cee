// listLoggedEvaluations: what Resume Evaluation offers, read from the log alone (as after a window reload).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listLoggedEvaluations, readLoggedEvaluation } from '../../src/core/evaluation/evaluationLog';
import { loadTestData } from '../../src/core/evaluation/testData';
import { parsePromptFile } from '../../src/core/format/promptFile';
import type { EvaluationRecord, RunRecord } from '../../src/core/log/runLog';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { tempDir } from './tempDir';

function run(evaluationId: string, prompt: string, deployment: string, testIndex: number, status: RunRecord['status'], startedAt: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    event: 'run', id: `${evaluationId}-${deployment}-${testIndex}-${status}`, prompt, deployment, provider: 'openai-compatible', model: 'm', inputs: {}, messages: [], parameters: {},
    output: 'x', finishReason: 'stop', usage: null, timing: { startedAt, ttftMs: 1, latencyMs: 2 }, status, source: 'evaluation', evaluationId, testIndex,
    evaluations: status === 'ok' ? [{ name: 'e', score: 1, passed: true }] : [], ...extra,
  };
}

function evaluation(id: string, prompt: string, status: EvaluationRecord['status'], startedAt: string, endedAt: string, deployments: string[], rows: number): EvaluationRecord {
  const summary = { rows, passed: 0, failed: 0, errors: 0, cancelled: 0, passRate: null, meanScore: null, latencyMs: { p50: null, p95: null }, ttftMs: { p50: null, p95: null }, usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, costUsd: null, tokensPerSecond: null };
  return { event: 'evaluation', id, prompt, status, startedAt, endedAt, deployments: Object.fromEntries(deployments.map((d) => [d, summary])) as EvaluationRecord['deployments'], rows, evaluators: ['e'] };
}

test('lists a prompt\'s evaluations newest first: status from the newest evaluation line, unfinished ones from their runs alone', async () => {
  const dir = tempDir('evaluation-list');
  const day1 = [
    run('A', 'p.prompt.json', 'x', 0, 'ok', '2026-01-01T10:00:01Z'),
    run('A', 'p.prompt.json', 'x', 1, 'cancelled', '2026-01-01T10:00:02Z'),
    run('A', 'p.prompt.json', 'x', 1, 'ok', '2026-01-01T10:00:03Z', { source: 'judge' }),
    evaluation('A', 'p.prompt.json', 'cancelled', '2026-01-01T10:00:00Z', '2026-01-01T10:00:05Z', ['x', 'y'], 2),
    run('B', 'other.prompt.json', 'x', 0, 'ok', '2026-01-01T11:00:00Z'),
    run('C', 'p.prompt.json', 'x', 0, 'ok', '2026-01-01T12:00:00Z'),
  ];
  const day2 = [
    run('C', 'p.prompt.json', 'y', 0, 'ok', '2026-01-02T00:00:01Z'),
    run('C', 'p.prompt.json', 'y', 0, 'ok', '2026-01-02T00:00:02Z'),
    // A resume of A that completed it: the newest line counts.
    run('A', 'p.prompt.json', 'x', 1, 'ok', '2026-01-02T09:00:00Z'),
    evaluation('A', 'p.prompt.json', 'complete', '2026-01-02T08:59:00Z', '2026-01-02T09:00:05Z', ['x', 'y'], 2),
  ];
  fs.writeFileSync(path.join(dir, '2026-01-01.jsonl'), `${day1.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`);
  fs.writeFileSync(path.join(dir, '2026-01-02.jsonl'), `${day2.map((l) => JSON.stringify(l)).join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');

  const listed = await listLoggedEvaluations(nodeFileSystem(), dir, 'p.prompt.json');
  assert.deepEqual(listed, [
    { id: 'C', status: 'incomplete', startedAt: '2026-01-01T12:00:00Z', deployments: ['x', 'y'], doneCells: 2 },
    { id: 'A', status: 'complete', startedAt: '2026-01-01T10:00:00Z', deployments: ['x', 'y'], rows: 2, doneCells: 2 },
  ]);
  assert.deepEqual(await listLoggedEvaluations(nodeFileSystem(), path.join(dir, 'missing'), 'p.prompt.json'), [], 'a missing log folder holds none');
});

test('a file system error made by another copy of the platform module (the extension bundle\'s) still counts as "not found"', async () => {
  // The extension host loads the core as dist/core.js and its file system from dist/extension.js: two FileSystemError classes.
  const foreign = (): Error => Object.assign(new Error('ENOENT: no such file or directory'), { name: 'FileSystemError', code: 'not-found' });
  const fs = { readFile: () => Promise.reject(foreign()), readDirectory: () => Promise.reject(foreign()), appendFile: () => Promise.reject(foreign()), stat: () => Promise.reject(foreign()), read: () => Promise.reject(foreign()) };
  assert.deepEqual(await listLoggedEvaluations(fs, '/nowhere', 'p.prompt.json'), []);
  assert.equal((await readLoggedEvaluation(fs, '/nowhere', 'id')).cells.size, 0);
  const prompt = parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'x' }], testData: 'data/rows.jsonl' })).prompt;
  assert.ok(prompt);
  const loaded = await loadTestData(prompt, { fs, workspaceFolder: '/w' });
  assert.deepEqual(loaded.problems.map((p) => p.message), ['testData "data/rows.jsonl" does not exist in the workspace folder.']);
});
