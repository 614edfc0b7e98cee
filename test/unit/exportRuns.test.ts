import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS, exportRuns, writeRunsExport, type ExportEntry } from '../../src/core/log/exportRuns';
import { loadRuns, readHistory } from '../../src/core/log/history';
import { appendRating } from '../../src/core/log/ratings';
import { appendRunRecord, type RunRecord } from '../../src/core/log/runLog';
import { tempDir } from './tempDir';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

function run(id: string, more: Partial<RunRecord> = {}): RunRecord {
  return {
    event: 'run', id, prompt: 'prompts/a.prompt.json', deployment: 'd', provider: 'openai', model: 'gpt-4o-mini', inputs: { city: 'Paris' },
    messages: [{ role: 'user', content: 'Weather?' }], parameters: {}, output: 'Sunny, 21 °C.', finishReason: 'stop',
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, timing: { startedAt: '2026-11-21T10:00:00.000Z', ttftMs: 120.5, latencyMs: 900 },
    status: 'ok', ...more,
  };
}

const entries: ExportEntry[] = [
  { run: run('1', { costUsd: 0.000015 }), rating: { event: 'rating', runId: '1', thumb: 'up', score: 0.9, comment: 'good, "short"', at: '2026-11-21T11:00:00.000Z' } },
  { run: run('2', { output: 'line one\nline two, with comma\r\nand "quotes"', finishReason: null, usage: null, status: 'error', timing: { startedAt: '2026-11-21T09:00:00.000Z', ttftMs: null, latencyMs: 50 } }) },
  { run: run('3'), rating: { event: 'rating', runId: '3', betterResponse: 'Cloudy,\n18 °C', at: '2026-11-21T11:00:00.000Z' } },
];

test('CSV: a header and one row per run, RFC 4180 quoting, that a CSV parser reads back exactly', () => {
  const csv = exportRuns(entries, 'csv');
  assert.ok(csv.startsWith(`${CSV_COLUMNS.join(',')}\r\n`));
  assert.ok(csv.includes('"good, ""short"""'));
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], {
    id: '1', startedAt: '2026-11-21T10:00:00.000Z', prompt: 'prompts/a.prompt.json', deployment: 'd', provider: 'openai', model: 'gpt-4o-mini',
    status: 'ok', finishReason: 'stop', promptTokens: '10', completionTokens: '5', totalTokens: '15', ttftMs: '120.5', latencyMs: '900',
    costUsd: '0.000015', thumb: 'up', score: '0.9', comment: 'good, "short"', betterResponse: '', output: 'Sunny, 21 °C.',
    requestModel: '', variant: '', context: '', requestRules: '',
  });
  assert.equal(rows[1]?.output, 'line one\nline two, with comma\r\nand "quotes"');
  assert.deepEqual([rows[1]?.finishReason, rows[1]?.promptTokens, rows[1]?.ttftMs, rows[1]?.thumb, rows[1]?.status], ['', '', '', '', 'error']);
  assert.equal(rows[2]?.betterResponse, 'Cloudy,\n18 °C');
});

test('JSONL: each run with its newest rating in `rating`', () => {
  const lines = exportRuns(entries, 'jsonl').trimEnd().split('\n').map((l) => JSON.parse(l) as RunRecord & { rating?: unknown });
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0], { ...entries[0]?.run, rating: { runId: '1', thumb: 'up', score: 0.9, comment: 'good, "short"', at: '2026-11-21T11:00:00.000Z' } });
  assert.deepEqual(lines[1], entries[1]?.run);
  assert.equal(exportRuns([], 'jsonl'), '');
  assert.equal(exportRuns([], 'csv'), `${CSV_COLUMNS.join(',')}\r\n`);
});

test('a streamed export of the history equals the string export', async () => {
  const dir = tempDir('prompt-lab-export-');
  for (const entry of entries) await appendRunRecord(files, dir, entry.run);
  await appendRating(files, dir, { runId: '1', thumb: 'down', at: '2026-11-21T10:30:00.000Z' });
  await appendRating(files, dir, { runId: '1', thumb: 'up', score: 0.9, comment: 'good, "short"', at: '2026-11-21T11:00:00.000Z' });
  await appendRating(files, dir, { runId: '3', betterResponse: 'Cloudy,\n18 °C', at: '2026-11-21T11:00:00.000Z' });
  const history = await readHistory(files, dir);
  for (const format of ['csv', 'jsonl'] as const) {
    const file = path.join(dir, `export.${format}`);
    const out = fs.createWriteStream(file);
    await writeRunsExport(loadRuns(files, history.runs), format, out);
    await new Promise((resolve) => out.end(resolve));
    const byTime = [entries[0], entries[2], entries[1]] as ExportEntry[];
    const written = fs.readFileSync(file, 'utf8');
    const expected = exportRuns(byTime, format);
    if (format === 'csv') assert.equal(written, expected);
    else assert.deepEqual(written.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), expected.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown));
  }
});
