import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendRating, toRatingRecord, type RatingInput } from '../../src/core/log/ratings';
import { appendRunRecord, type LogEvent, type RunRecord } from '../../src/core/log/runLog';
import { tempDir as newTempDir } from './tempDir';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

function tempDir(): string {
  return newTempDir('prompt-lab-ratings-');
}

function run(id: string, startedAt: string): RunRecord {
  return {
    event: 'run', id, prompt: 'a.prompt.json', deployment: 'd', provider: 'openai', model: 'm', inputs: {}, messages: [], parameters: {},
    output: 'out', finishReason: 'stop', usage: null, timing: { startedAt, ttftMs: 1, latencyMs: 2 }, status: 'ok',
  };
}

function lines(file: string): LogEvent[] {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as LogEvent);
}

test('a rating is its own line in the file of the day it was given, and the run line is left as it was', async () => {
  const dir = tempDir();
  const runFile = await appendRunRecord(files, dir, run('r1', '2026-11-21T23:59:00.000Z'));
  const before = fs.readFileSync(runFile, 'utf8');
  const { file, record } = await appendRating(files, dir, { runId: 'r1', thumb: 'up', score: 0.8, at: '2026-11-22T00:01:00.000Z' });
  assert.equal(path.basename(file), '2026-11-22.jsonl');
  assert.equal(fs.readFileSync(runFile, 'utf8'), before);
  assert.deepEqual(record, { event: 'rating', runId: 'r1', at: '2026-11-22T00:01:00.000Z', score: 0.8, thumb: 'up' });
  assert.deepEqual(lines(file), [record]);
});

test('rating again appends again', async () => {
  const dir = tempDir();
  await appendRating(files, dir, { runId: 'r1', thumb: 'up', at: '2026-11-21T10:00:00.000Z' });
  const { file } = await appendRating(files, dir, { runId: 'r1', thumb: 'down', comment: 'wrong city', at: '2026-11-21T10:05:00.000Z' });
  assert.deepEqual(lines(file).map((l) => (l.event === 'rating' ? l.thumb : undefined)), ['up', 'down']);
});

test('at defaults to now, in UTC', () => {
  const record = toRatingRecord({ runId: 'r', thumb: 'up' }, new Date('2026-11-21T05:00:00+02:00'));
  assert.equal(record.at, '2026-11-21T03:00:00.000Z');
});

test('better response and comment alone are ratings; only known fields are written', () => {
  assert.deepEqual(toRatingRecord({ runId: 'r', betterResponse: 'Paris', at: '2026-11-21T10:00:00Z' }), { event: 'rating', runId: 'r', at: '2026-11-21T10:00:00Z', betterResponse: 'Paris' });
  const smuggled = { runId: 'r', comment: 'ok', at: '2026-11-21T10:00:00Z', extra: 'x' } as RatingInput;
  assert.deepEqual(Object.keys(toRatingRecord(smuggled)), ['event', 'runId', 'at', 'comment']);
  assert.equal(toRatingRecord({ runId: 'r', score: 0, at: '2026-11-21T10:00:00Z' }).score, 0);
  assert.equal(toRatingRecord({ runId: 'r', score: 1, at: '2026-11-21T10:00:00Z' }).score, 1);
});

test('invalid ratings throw a clear error and write nothing', async () => {
  const cases: [unknown, RegExp][] = [
    [{ thumb: 'up' }, /runId/],
    [{ runId: '', thumb: 'up' }, /runId/],
    [{ runId: 'r' }, /at least one of score, thumb, betterResponse or comment/],
    [{ runId: 'r', score: 1.5 }, /score must be a number from 0 to 1; got 1\.5/],
    [{ runId: 'r', score: -0.1 }, /score/],
    [{ runId: 'r', score: Number.NaN }, /score/],
    [{ runId: 'r', score: Number.POSITIVE_INFINITY }, /score/],
    [{ runId: 'r', score: '0.5' }, /score/],
    [{ runId: 'r', thumb: 'sideways' }, /thumb must be "up" or "down"/],
    [{ runId: 'r', comment: 42 }, /comment must be a string/],
    [{ runId: 'r', thumb: 'up', at: '2026-11-21 10:00' }, /ISO 8601 in UTC/],
    [{ runId: 'r', thumb: 'up', at: '2026-11-21T10:00:00+02:00' }, /ISO 8601 in UTC/],
    [{ runId: 'r', thumb: 'up', at: '2026-13-45T10:00:00Z' }, /ISO 8601 in UTC/],
  ];
  const dir = tempDir();
  for (const [input, message] of cases) {
    await assert.rejects(appendRating(files, dir, input as RatingInput), message, JSON.stringify(input));
  }
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('with redactPII, the better response and the comment are masked before they are written', async () => {
  const dir = tempDir();
  const { file } = await appendRating(files, dir, { runId: 'r', betterResponse: 'Write to ana@example.com', comment: 'key sk-proj-abcdefghijklmnopqrstuvwx', at: '2026-11-21T10:00:00Z' }, { redactPII: true });
  const [written] = lines(file);
  assert.deepEqual(written, { event: 'rating', runId: 'r', at: '2026-11-21T10:00:00Z', betterResponse: 'Write to [EMAIL]', comment: 'key [KEY]' });
});
