/**
 * Notes and properties on a run, later: appended as their own lines, never a rewrite; the newest value of a key wins
 * (an empty value clears it); they filter the history (`key=value`) and become columns of the export. A key the session
 * knows never reaches the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendAnnotation, foldAnnotations, toAnnotationRecord } from '../../src/core/log/annotations';
import { exportRuns } from '../../src/core/log/exportRuns';
import { filterRuns, readHistory } from '../../src/core/log/history';
import { appendRunRecord, type AnnotationRecord, type RunRecord } from '../../src/core/log/runLog';
import { SecretScrubber } from '../../src/core/log/secrets';
import { tempDir } from './tempDir';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

function run(id: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    event: 'run', id, prompt: 'p.prompt.json', deployment: 'd', provider: 'openai', model: 'gpt-4o', inputs: {}, messages: [], parameters: {},
    output: 'hello', finishReason: 'stop', usage: null, timing: { startedAt, ttftMs: 1, latencyMs: 2 }, status: 'ok', ...extra,
  };
}

const a = (key: string, value: string, at: string): AnnotationRecord => ({ event: 'annotation', runId: 'r1', key, value, at });

test('folding: the newest value of each key wins, a tie goes to the later line, an empty value clears the key', () => {
  assert.deepEqual(foldAnnotations([
    a('note', 'first', '2026-01-01T10:00:00.000Z'), a('reviewed', 'no', '2026-01-01T10:00:00.000Z'),
    a('note', 'second', '2026-01-01T11:00:00.000Z'), a('note', 'older, written later', '2026-01-01T09:00:00.000Z'),
    a('reviewed', 'yes', '2026-01-01T10:00:00.000Z'), a('tmp', 'x', '2026-01-01T10:00:00.000Z'), a('tmp', '', '2026-01-01T12:00:00.000Z'),
  ]), { note: 'second', reviewed: 'yes' });
});

test('an annotation is checked before it is written', () => {
  assert.throws(() => toAnnotationRecord({ runId: '', key: 'note', value: 'x' }), /needs the id of the run/);
  assert.throws(() => toAnnotationRecord({ runId: 'r', key: 'has space', value: 'x' }), /property's name must start with a letter/);
  assert.throws(() => toAnnotationRecord({ runId: 'r', key: '__proto__x', value: 42 as unknown as string }), /must be text/);
  assert.throws(() => toAnnotationRecord({ runId: 'r', key: 'k', value: 'x'.repeat(10_001) }), /at most 10000 characters/);
  assert.equal(toAnnotationRecord({ runId: 'r', key: 'reviewed.by', value: 'ann' }).event, 'annotation');
});

test('appended lines never rewrite the run; history folds them, filters by key=value, and the export has them as columns', async () => {
  const logDir = tempDir('prompt-lab-annotations-');
  await appendRunRecord(files, logDir, run('r1', '2026-03-01T10:00:00.000Z', { requestModel: 'gpt-4o', variant: 'eu', context: { region: 'eu' }, requestRules: ['max-completion-tokens'] }));
  await appendRunRecord(files, logDir, run('r2', '2026-03-01T10:05:00.000Z'));
  const before = fs.readFileSync(path.join(logDir, '2026-03-01.jsonl'), 'utf8');
  await appendAnnotation(files, logDir, { runId: 'r1', key: 'note', value: 'Too long; try max_tokens 200', at: '2026-03-02T08:00:00.000Z' });
  await appendAnnotation(files, logDir, { runId: 'r1', key: 'reviewed', value: 'no', at: '2026-03-02T08:01:00.000Z' });
  await appendAnnotation(files, logDir, { runId: 'r1', key: 'reviewed', value: 'yes', at: '2026-03-02T08:02:00.000Z' });
  await appendAnnotation(files, logDir, { runId: 'r2', key: 'reviewed', value: 'no', at: '2026-03-02T08:03:00.000Z' });
  assert.equal(fs.readFileSync(path.join(logDir, '2026-03-01.jsonl'), 'utf8'), before, 'the runs\' file is unchanged');
  assert.equal(fs.readFileSync(path.join(logDir, '2026-03-02.jsonl'), 'utf8').trim().split('\n').length, 4);

  const history = await readHistory(files, logDir);
  const byId = new Map(history.runs.map((e) => [e.run.id, e]));
  assert.deepEqual(byId.get('r1')?.annotations, { note: 'Too long; try max_tokens 200', reviewed: 'yes' });
  assert.deepEqual(byId.get('r2')?.annotations, { reviewed: 'no' });
  assert.deepEqual(filterRuns(history.runs, { property: 'reviewed=yes' }).map((e) => e.run.id), ['r1']);
  assert.deepEqual(filterRuns(history.runs, { property: 'reviewed' }).map((e) => e.run.id).sort(), ['r1', 'r2']);
  assert.deepEqual(filterRuns(history.runs, { property: 'note' }).map((e) => e.run.id), ['r1']);

  const full = await readHistory(files, logDir, { full: true });
  const csv = exportRuns(full.runs, 'csv').split('\r\n');
  const header = csv[0]?.split(',') ?? [];
  assert.deepEqual(header.slice(-6), ['requestModel', 'variant', 'context', 'requestRules', 'note', 'reviewed']);
  const r1 = csv.find((l) => l.startsWith('r1,')) ?? '';
  assert.match(r1, /,gpt-4o,eu,"\{""region"":""eu""\}",max-completion-tokens,Too long; try max_tokens 200,yes$/);
  const jsonl = exportRuns(full.runs, 'jsonl').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const exported = jsonl.find((r) => r.id === 'r1');
  assert.deepEqual(exported?.annotations, { note: 'Too long; try max_tokens 200', reviewed: 'yes' });
  assert.equal(exported?.variant, 'eu');
  assert.deepEqual(exported?.requestRules, ['max-completion-tokens']);
});

test('a key the session knows, pasted into a note, is masked before the line is written', async () => {
  const logDir = tempDir('prompt-lab-annotations-key-');
  const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
  const scrubber = new SecretScrubber([key]);
  const { file } = await appendAnnotation(files, logDir, { runId: 'r1', key: 'note', value: `retry with ${key} later` }, { scrub: (t) => scrubber.scrub(t) });
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(!text.includes(key.slice(0, 12)) && !text.includes(key.slice(-10)), text);
  assert.match(text, /retry with \[KEY\] later/);
});
