import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HistoryReader, PARTIAL_AFTER_RUNS, PREVIEW_CHARS, filterRuns, forEachLine, loadRun, loadRuns, readHistory, type HistoryEntry, type RunHistory, type RunSummary } from '../../src/core/log/history';
import { scanLine } from '../../src/core/log/lineScan';
import { appendRating } from '../../src/core/log/ratings';
import { appendRunRecord, type RatingRecord, type RunRecord } from '../../src/core/log/runLog';
import { tempDir as newTempDir } from './tempDir';
import { testFileSystem, testFileSystemName } from './fileSystems';

const files = testFileSystem();
const utf8 = new TextDecoder();

function tempDir(): string {
  return newTempDir('prompt-lab-history-');
}

function run(id: string, startedAt: string, more: Partial<RunRecord> = {}): RunRecord {
  return {
    event: 'run', id, prompt: 'a.prompt.json', deployment: 'd', provider: 'openai', model: 'm', inputs: { city: 'Paris' },
    messages: [{ role: 'user', content: 'Weather in Paris?' }], parameters: { temperature: 0 }, output: `output of ${id}`,
    finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 }, timing: { startedAt, ttftMs: 1, latencyMs: 2 },
    status: 'ok', ...more,
  };
}

const rating = (runId: string, at: string, more: Partial<RatingRecord> = {}): RatingRecord => ({ event: 'rating', runId, at, thumb: 'up', ...more });

function write(dir: string, name: string, values: unknown[], tail = ''): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n') + (values.length ? '\n' : '') + tail);
  return file;
}

/** What a summary should be: the record without its heavy fields, plus the output's start. */
function expectedSummary(record: RunRecord): Record<string, unknown> {
  const { inputs: _i, messages: _m, parameters: _p, output, reasoning: _r, toolCalls: _t, ...rest } = record;
  return { ...rest, outputPreview: Buffer.from(output.slice(0, PREVIEW_CHARS), 'utf8').toString('utf8') };
}

test('a missing log folder is an empty history', async () => {
  const history = await readHistory(files, path.join(tempDir(), 'nope'));
  assert.deepEqual(history.runs, []);
  assert.equal(history.byPrompt.size, 0);
});

test('runs come newest first across files, grouped by prompt, each with its newest rating', async () => {
  const dir = tempDir();
  write(dir, '2026-11-20.jsonl', [
    run('r1', '2026-11-20T09:00:00.000Z'),
    run('r2', '2026-11-20T11:00:00.000Z', { prompt: 'b.prompt.json' }),
    rating('r1', '2026-11-20T12:00:00.000Z', { thumb: 'down' }),
  ]);
  write(dir, '2026-11-21.jsonl', [
    run('r3', '2026-11-21T08:00:00.000Z'),
    // Two windows whose clocks disagree: the line written later is older by `at`, so it loses.
    rating('r1', '2026-11-21T10:00:00.000Z', { thumb: 'up', comment: 'newest' }),
    rating('r1', '2026-11-21T09:00:00.000Z', { thumb: 'down', comment: 'older, written later' }),
    // Same `at`: the later line wins.
    rating('r3', '2026-11-21T10:00:00.000Z', { score: 0.1 }),
    rating('r3', '2026-11-21T10:00:00.000Z', { score: 0.9 }),
    rating('gone', '2026-11-21T10:00:00.000Z'),
    { event: 'property', runId: 'r3', name: 'x' },
  ]);
  const warnings: string[] = [];
  const history = await readHistory(files, dir, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(warnings, []);
  assert.deepEqual(history.runs.map((e) => e.run.id), ['r3', 'r2', 'r1']);
  assert.equal(history.runs[2]?.rating?.comment, 'newest');
  assert.equal(history.runs[0]?.rating?.score, 0.9);
  assert.equal(history.runs[1]?.rating, undefined);
  assert.equal(history.orphanRatings, 1);
  assert.deepEqual([...history.byPrompt.keys()], ['a.prompt.json', 'b.prompt.json']);
  assert.deepEqual(history.byPrompt.get('a.prompt.json')?.map((e) => e.run.id), ['r3', 'r1']);
  assert.deepEqual(history.runs.map((e) => [path.basename(e.file), e.line]), [['2026-11-21.jsonl', 1], ['2026-11-20.jsonl', 2], ['2026-11-20.jsonl', 1]]);
});

test('a corrupt line and a half-written last line are skipped with a warning naming file and line', async () => {
  const dir = tempDir();
  const good = run('ok', '2026-11-21T08:00:00.000Z');
  const half = JSON.stringify(run('half', '2026-11-21T09:00:00.000Z')).slice(0, 150);
  const file = write(dir, '2026-11-21.jsonl', [good, '{"event":"run","id":', '', '   ', '{"event":"run","id":"no-time"}', rating('ok', 'yesterday')], half);
  const warnings: string[] = [];
  const history = await readHistory(files, dir, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(history.runs.map((e) => e.run.id), ['ok']);
  assert.equal(warnings.length, 4);
  assert.match(warnings[0] as string, new RegExp(`^${escape(file)}:2: skipped a line that is not complete JSON`));
  assert.match(warnings[1] as string, new RegExp(`^${escape(file)}:5: skipped a run line`));
  assert.match(warnings[2] as string, new RegExp(`^${escape(file)}:6: skipped a rating line`));
  assert.match(warnings[3] as string, new RegExp(`^${escape(file)}:7: skipped a line that is not complete JSON`));
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('summaries leave out the heavy fields but keep every other field, whatever the key order or spacing', async () => {
  const dir = tempDir();
  const long = `${'é✓ "quoted" \\ back\nslash 😀 '.repeat(20)}`;
  const records = [
    run('plain', '2026-11-21T01:00:00.000Z', { costUsd: 0.0012, chainId: 'c1', chatId: 'chat', tags: ['baseline'], source: 'playground' }),
    // Inputs whose keys are the names of top-level fields, and strings that contain the JSON of other fields.
    run('tricky', '2026-11-21T02:00:00.000Z', {
      inputs: { output: 'not the output', finishReason: { nested: '"}' }, '"quoted key"': ',"status":"error"' },
      messages: [{ role: 'user', content: '{"event":"rating"} [ ] { \\' }], output: long, reasoning: 'thinking', toolCalls: [{ id: 't', name: 'f', arguments: '{"a":[1,{"b":"}"}]}' }],
      error: { message: 'boom', httpStatus: 500 }, status: 'error',
    }),
    run('empty-output', '2026-11-21T03:00:00.000Z', { output: '', finishReason: null, usage: null }),
  ];
  const reordered = { status: 'ok', output: 'x'.repeat(500), timing: { startedAt: '2026-11-21T04:00:00.000Z', ttftMs: null, latencyMs: 3 }, id: 'reordered', event: 'run', prompt: 'p', deployment: 'd', provider: 'o', model: 'm', inputs: {}, messages: [], parameters: {}, finishReason: 'length', usage: null, futureField: { any: ['thing'] } };
  write(dir, '2026-11-21.jsonl', [...records, JSON.stringify(reordered, null, 0), ` ${JSON.stringify(run('spaced', '2026-11-21T05:00:00.000Z')).replace(/,"/g, ' , "').replace(/":/g, '" : ')} `]);
  const history = await readHistory(files, dir);
  const byId = new Map(history.runs.map((e) => [e.run.id, e.run]));
  for (const record of [...records, reordered as unknown as RunRecord, run('spaced', '2026-11-21T05:00:00.000Z')]) {
    assert.deepEqual(byId.get(record.id), expectedSummary(record), record.id);
  }
  const full = await readHistory(files, dir, { full: true });
  assert.deepEqual(full.runs.find((e) => e.run.id === 'tricky')?.run, records[1]);
});

test('the output preview is cut right wherever escapes and multi-byte characters fall', async () => {
  const dir = tempDir();
  const pieces = ['a', 'é', '✓', '😀', '"', '\\', '\n', '\u0001', '\u2028'];
  const records: RunRecord[] = [];
  for (let i = 0; i < 60; i++) {
    let output = 'x'.repeat(i);
    for (let k = 0; output.length < 400; k++) output += pieces[(i + k) % pieces.length];
    records.push(run(`p${i}`, `2026-11-21T00:00:${String(i).padStart(2, '0')}.000Z`, { output }));
  }
  write(dir, '2026-11-21.jsonl', records);
  const history = await readHistory(files, dir);
  for (const record of records) {
    const entry = history.runs.find((e) => e.run.id === record.id);
    assert.equal(entry?.run.outputPreview, expectedSummary(record).outputPreview, record.id);
  }
});

test('loadRun reads the full record back by offset, and by line when the offset no longer fits', async () => {
  const dir = tempDir();
  const records = [run('a', '2026-11-21T01:00:00.000Z', { output: 'ü'.repeat(70_000) }), run('b', '2026-11-21T02:00:00.000Z'), run('c', '2026-11-21T03:00:00.000Z')];
  for (const r of records) await appendRunRecord(files, dir, r);
  const history = await readHistory(files, dir);
  for (const entry of history.runs) assert.deepEqual(await loadRun(files, entry), records.find((r) => r.id === entry.run.id));
  const b = history.runs.find((e) => e.run.id === 'b') as HistoryEntry;
  assert.deepEqual(await loadRun(files, { ...b, offset: 3 }), records[1]);
  const loaded = [];
  for await (const entry of loadRuns(files, history.runs)) loaded.push(entry.run.id);
  assert.deepEqual(loaded, ['c', 'b', 'a']);
  // The file was rewritten by hand: the line no longer holds that run.
  fs.writeFileSync(b.file, `${JSON.stringify(records[2])}\n${JSON.stringify(records[2])}\n`);
  await assert.rejects(loadRun(files, b), /is no longer the run b/);
});

test('CRLF line endings (a file edited on Windows) are read, with exact offsets', async () => {
  const dir = tempDir();
  const records = [run('a', '2026-11-21T01:00:00.000Z'), run('b', '2026-11-21T02:00:00.000Z')];
  fs.writeFileSync(path.join(dir, '2026-11-21.jsonl'), records.map((r) => `${JSON.stringify(r)}\r\n`).join(''));
  const history = await readHistory(files, dir);
  assert.deepEqual(history.runs.map((e) => [e.run.id, e.line]), [['b', 2], ['a', 1]]);
  assert.deepEqual(await loadRun(files, history.runs[0] as HistoryEntry), records[1]);
});

test('forEachLine splits lines across chunk boundaries and passes a last line without a newline', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.jsonl');
  const lines = ['short', 'y'.repeat(3 * 1024 * 1024), '', 'last ✓'];
  fs.writeFileSync(file, lines.join('\n'));
  const seen: [string, number, number][] = [];
  await forEachLine(files, file, (bytes, line, offset) => { seen.push([utf8.decode(bytes), line, offset]); });
  assert.deepEqual(seen.map(([text, line, offset]) => [text.length, line, offset]), [[5, 1, 0], [3 * 1024 * 1024, 2, 6], [6, 4, 6 + 3 * 1024 * 1024 + 2]]);
});

test('forEachLine with small buffers (few bytes expected, many more there) gives the same lines and offsets as with 1 MB ones', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.jsonl');
  // Lines longer than the smallest buffer (16 KB), multi-byte characters on its boundaries, CRLF, a last line open.
  const lines = Array.from({ length: 60 }, (_, i) => `${i} ${'é✓'.repeat(i * 500)}${i % 7 === 0 ? '\r' : ''}`);
  fs.writeFileSync(file, `${lines.join('\n')}\nopen`);
  const read = async (from: number, expected?: number): Promise<{ seen: [string, number, number, boolean][]; consumed: { bytes: number; lines: number } }> => {
    const seen: [string, number, number, boolean][] = [];
    const { consumed } = await forEachLine(files, file, (bytes, line, offset, complete) => { seen.push([utf8.decode(bytes), line, offset, complete]); }, from, 0, expected);
    return { seen, consumed };
  };
  const whole = await read(0);
  assert.equal(whole.seen.length, 61);
  assert.deepEqual(await read(0, 1), whole);
  assert.deepEqual(await read(0, 0), whole);
  // From the middle of the file (where an earlier read stopped), expecting only one line's bytes.
  const at = whole.seen[30] as [string, number, number, boolean];
  const rest = await read(at[2], 10);
  assert.deepEqual(rest.seen.map(([text, , offset, complete]) => [text, offset, complete]), whole.seen.slice(30).map(([text, , offset, complete]) => [text, offset, complete]));
});

test('forEachLine reads through the FileSystem\'s opened file when it has one, the same lines as through read, and closes it, also when a handler throws', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.jsonl');
  fs.writeFileSync(file, Array.from({ length: 30_000 }, (_, i) => `line ${i} ${'q'.repeat(80)}`).join('\n'));
  const opened: { closed: boolean; reads: number }[] = [];
  const counting: typeof files = {
    ...files,
    read: files.read.bind(files),
    openForReading: files.openForReading ? async (at: string) => {
      const reader = await (files.openForReading as NonNullable<typeof files.openForReading>)(at);
      const state = { closed: false, reads: 0 };
      opened.push(state);
      return { read: (position, into) => { state.reads++; return reader.read(position, into); }, close: () => { state.closed = true; return reader.close(); } };
    } : undefined,
  } as typeof files;
  const lines = async (fileSystem: typeof files): Promise<string[]> => {
    const seen: string[] = [];
    await forEachLine(fileSystem, file, (bytes) => { seen.push(utf8.decode(bytes)); });
    return seen;
  };
  const { openForReading: _none, ...readOnly } = counting;
  assert.deepEqual(await lines(counting), await lines(readOnly as typeof files));
  if (!files.openForReading) return; // the web's FileSystem has no opened files: read is all there is
  assert.equal(opened.length, 1);
  assert.ok((opened[0] as { reads: number }).reads > 2, 'the 2.6 MB file is read in several chunks through the one opened file');
  assert.equal((opened[0] as { closed: boolean }).closed, true);
  await assert.rejects(forEachLine(counting, file, () => { throw new Error('handler failed'); }), /handler failed/);
  assert.equal((opened[1] as { closed: boolean }).closed, true);
  await assert.rejects((files.openForReading as NonNullable<typeof files.openForReading>)(path.join(dir, 'missing.jsonl')), (err: unknown) => (err as { name?: string; code?: string }).name === 'FileSystemError' && (err as { code?: string }).code === 'not-found');
});

test('forEachLine: a handler that throws ends the read with its error, the next chunk\'s read in flight finished first', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.jsonl');
  fs.writeFileSync(file, Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'z'.repeat(60)}`).join('\n'));
  const seen: number[] = [];
  await assert.rejects(forEachLine(files, file, (_bytes, line) => {
    seen.push(line);
    if (line === 3) throw new Error('handler failed');
  }), /handler failed/);
  assert.deepEqual(seen, [1, 2, 3]);
  // Every line, in order, across the 1 MB chunks read ahead.
  let count = 0;
  await forEachLine(files, file, (bytes, line) => { count++; assert.equal(utf8.decode(bytes).split(' ')[1], String(line - 1)); });
  assert.equal(count, 40_000);
});

test('filterRuns keeps the entries that meet every criterion', async () => {
  const dir = tempDir();
  write(dir, '2026-11-21.jsonl', [
    run('1', '2026-11-21T01:00:00.000Z', { prompt: 'a', deployment: 'x' }),
    run('2', '2026-11-21T02:00:00.000Z', { prompt: 'a', deployment: 'y', status: 'error' }),
    run('3', '2026-11-21T03:00:00.000Z', { prompt: 'b', deployment: 'x' }),
    run('4', '2026-11-21T04:00:00.000Z', { prompt: 'b', deployment: 'x', status: 'cancelled' }),
    rating('1', '2026-11-21T05:00:00.000Z', { thumb: 'up' }),
    rating('2', '2026-11-21T05:00:00.000Z', { thumb: 'down' }),
    { event: 'rating', runId: '3', at: '2026-11-21T05:00:00.000Z', score: 0.5 },
  ]);
  const { runs } = await readHistory(files, dir);
  const ids = (filter: Parameters<typeof filterRuns>[1]) => filterRuns(runs, filter).map((e) => e.run.id);
  assert.deepEqual(ids({}), ['4', '3', '2', '1']);
  assert.deepEqual(ids({ prompt: 'a' }), ['2', '1']);
  assert.deepEqual(ids({ deployment: 'x' }), ['4', '3', '1']);
  assert.deepEqual(ids({ status: 'error' }), ['2']);
  assert.deepEqual(ids({ rating: 'up' }), ['1']);
  assert.deepEqual(ids({ rating: 'down' }), ['2']);
  assert.deepEqual(ids({ rating: 'rated' }), ['3', '2', '1']);
  assert.deepEqual(ids({ rating: 'unrated' }), ['4']);
  assert.deepEqual(ids({ prompt: 'b', deployment: 'x', rating: 'unrated' }), ['4']);
  const filtered = await readHistory(files, dir, { filter: { prompt: 'b' } });
  assert.deepEqual(filtered.runs.map((e) => e.run.id), ['4', '3']);
  assert.deepEqual([...filtered.byPrompt.keys()], ['b']);
});

test('two processes appending runs and ratings at once lose and interleave no line, and the history joins them', { skip: testFileSystemName() !== 'node' && 'a web workspace has no O_APPEND: appends are atomic within one extension host only' }, async () => {
  const dir = tempDir();
  const perWriter = 150;
  const runLog = require.resolve('../../src/core/log/runLog');
  const ratings = require.resolve('../../src/core/log/ratings');
  const nodeFs = require.resolve('../../src/node/fileSystem');
  // Each writer appends runs of different sizes (up to ~200 KB) and rates every other one of them right away.
  const script = `
    const { appendRunRecord } = require(${JSON.stringify(runLog)});
    const { appendRating } = require(${JSON.stringify(ratings)});
    const files = require(${JSON.stringify(nodeFs)}).nodeFileSystem();
    const [dir, writer, count] = process.argv.slice(1);
    (async () => {
      for (let i = 0; i < Number(count); i++) {
        const id = writer + '-' + i;
        await appendRunRecord(files, dir, { event: 'run', id, prompt: writer + '.prompt.json', deployment: 'd', provider: 'openai', model: 'm',
          inputs: {}, messages: [], parameters: {}, output: writer.repeat((i % 7) * 33000 + 10), finishReason: 'stop', usage: null,
          timing: { startedAt: '2026-11-21T12:00:' + String(i % 60).padStart(2, '0') + '.' + String(i).padStart(3, '0') + 'Z', ttftMs: 1, latencyMs: 1 }, status: 'ok' });
        if (i % 2 === 0) await appendRating(files, dir, { runId: id, thumb: 'up', betterResponse: writer.repeat((i % 5) * 40000), at: '2026-11-21T13:00:00.000Z' });
        if (i % 4 === 0) await appendRating(files, dir, { runId: id, thumb: 'down', score: 0.25, at: '2026-11-21T13:00:01.000Z' });
      }
    })();`;
  const start = (writer: string) => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, dir, writer, String(perWriter)], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${writer} exited ${code}`))));
  });
  await Promise.all([start('a'), start('b')]);
  const warnings: string[] = [];
  const history = await readHistory(files, dir, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(warnings, []);
  assert.equal(history.runs.length, perWriter * 2);
  assert.equal(new Set(history.runs.map((e) => e.run.id)).size, perWriter * 2);
  for (const entry of history.runs) {
    const [writer, n] = entry.run.id.split('-') as [string, string];
    const i = Number(n);
    assert.equal(entry.run.prompt, `${writer}.prompt.json`);
    assert.equal(entry.run.outputPreview, writer.repeat(Math.min(PREVIEW_CHARS, (i % 7) * 33000 + 10)));
    if (i % 4 === 0) assert.deepEqual([entry.rating?.thumb, entry.rating?.score], ['down', 0.25], entry.run.id);
    else if (i % 2 === 0) assert.equal(entry.rating?.betterResponse, writer.repeat((i % 5) * 40000), entry.run.id);
    else assert.equal(entry.rating, undefined);
  }
  const full = await readHistory(files, dir, { full: true });
  for (const entry of full.runs) {
    const [writer, n] = entry.run.id.split('-') as [string, string];
    assert.equal(entry.run.output, writer.repeat((Number(n) % 7) * 33000 + 10));
  }
  assert.equal((await appendRating(files, dir, { runId: 'a-1', comment: 'later', at: '2026-11-21T14:00:00.000Z' })).record.comment, 'later');
});

test('the line scanner reads our own lines without falling back, and refuses a truncated one', () => {
  const skip = new Set(['inputs', 'messages', 'parameters', 'output', 'reasoning', 'toolCalls']);
  const record = run('s', '2026-11-21T01:00:00.000Z', { output: 'ünïcode "and" \\ escapes\n'.repeat(20) });
  const line = Buffer.from(JSON.stringify(record));
  const scanned = scanLine(line, skip, 'output', PREVIEW_CHARS);
  assert.deepEqual(scanned && { ...scanned.value, outputPreview: scanned.preview }, expectedSummary(record));
  for (const cut of [1, 40, line.length - 200, line.length - 1]) assert.equal(scanLine(line.subarray(0, cut), skip), undefined, String(cut));
  assert.equal(scanLine(Buffer.from('{"a":1}{"b":2}'), skip), undefined);
  assert.equal(scanLine(Buffer.from('[1,2]'), skip), undefined);
  assert.deepEqual(scanLine(Buffer.from(' { } '), skip)?.value, {});
});

test('HistoryReader reads only what was appended, finishes a half-written line later, and starts over when a file shrinks', async () => {
  const dir = tempDir();
  const file = write(dir, '2026-11-20.jsonl', [run('a', '2026-11-20T10:00:00.000Z')]);
  const reader = new HistoryReader(files, dir);
  assert.deepEqual((await reader.read()).runs.map((e) => e.run.id), ['a']);
  // Another window appends a run, and the start of the next line (no newline yet).
  const half = JSON.stringify(run('c', '2026-11-20T12:00:00.000Z'));
  fs.appendFileSync(file, `${JSON.stringify(run('b', '2026-11-20T11:00:00.000Z'))}\n${half.slice(0, 40)}`);
  assert.deepEqual((await reader.read()).runs.map((e) => e.run.id), ['b', 'a']);
  fs.appendFileSync(file, `${half.slice(40)}\n`);
  fs.appendFileSync(path.join(dir, '2026-11-21.jsonl'), `${JSON.stringify(rating('a', '2026-11-21T09:00:00.000Z', { thumb: 'down' }))}\n`);
  const third = await reader.read();
  assert.deepEqual(third.runs.map((e) => [e.run.id, e.line, e.rating?.thumb]), [['c', 3, undefined], ['b', 2, undefined], ['a', 1, 'down']]);
  // Proof that only appended bytes are read: bytes already read are overwritten (same length) with junk; the reader
  // does not see it, a fresh read does.
  const text = fs.readFileSync(file, 'utf8');
  const firstLine = text.slice(0, text.indexOf('\n'));
  fs.writeFileSync(file, 'x'.repeat(firstLine.length) + text.slice(firstLine.length));
  assert.deepEqual((await reader.read()).runs.map((e) => e.run.id), ['c', 'b', 'a']);
  const warnings: string[] = [];
  assert.deepEqual((await readHistory(files, dir, { onWarning: (m) => warnings.push(m) })).runs.map((e) => e.run.id), ['c', 'b']);
  assert.equal(warnings.length, 1);
  fs.writeFileSync(file, text);
  // Same answer as a fresh read of the whole folder.
  assert.deepEqual((await readHistory(files, dir)).runs.map((e) => [e.run.id, e.line, e.offset]), (await reader.read()).runs.map((e) => [e.run.id, e.line, e.offset]));
  // A checkout replaces the file with a shorter one: read again from the start.
  write(dir, '2026-11-20.jsonl', [run('z', '2026-11-20T09:00:00.000Z')]);
  assert.deepEqual((await reader.read()).runs.map((e) => e.run.id), ['z']);
  fs.rmSync(path.join(dir, '2026-11-21.jsonl'));
  assert.equal((await reader.read()).runs[0]?.rating, undefined);
});

test('HistoryReader reports a first partial history from the newest files, then the whole', async () => {
  const dir = tempDir();
  const perDay = Math.ceil(PARTIAL_AFTER_RUNS / 2) + 1;
  for (const day of ['01', '02', '03', '04']) {
    write(dir, `2026-11-${day}.jsonl`, Array.from({ length: perDay }, (_, i) => run(`${day}-${i}`, `2026-11-${day}T10:00:${String(i % 60).padStart(2, '0')}.000Z`)));
  }
  const partials: number[] = [];
  let newestInPartial = '';
  const reader = new HistoryReader(files, dir);
  const whole = await reader.read((partial) => {
    partials.push(partial.runs.length);
    newestInPartial = partial.runs[0]?.run.id.slice(0, 2) ?? '';
  });
  assert.deepEqual(partials, [perDay * 2], 'one partial, after the two newest days');
  assert.equal(newestInPartial, '04');
  assert.equal(whole.runs.length, perDay * 4);
  // A later read takes only what was appended: no partial (it would join the whole log a second time).
  fs.appendFileSync(path.join(dir, '2026-11-04.jsonl'), `${JSON.stringify(rating('04-0', '2026-11-04T12:00:00.000Z'))}\n`);
  const again = await reader.read((partial) => partials.push(partial.runs.length));
  assert.deepEqual(partials, [perDay * 2], 'no partial on a later read');
  assert.equal(again.runs.length, perDay * 4);
  assert.equal(again.runs.find((e) => e.run.id === '04-0')?.rating?.at, '2026-11-04T12:00:00.000Z');
});

test('HistoryReader: reads asked for at once do not take appended lines twice', async () => {
  const dir = tempDir();
  write(dir, '2026-11-20.jsonl', Array.from({ length: 50 }, (_, i) => run(`r${i}`, `2026-11-20T10:00:${String(i).padStart(2, '0')}.000Z`)));
  const reader = new HistoryReader(files, dir);
  const results = await Promise.all([reader.read(), reader.read(), reader.read()]);
  for (const r of results) assert.equal(r.runs.length, 50);
});

test('HistoryReader: joining appended lines into the last result gives exactly what reading everything again gives', async () => {
  // Seeded, so a failure reproduces: runs at colliding times, a line copied twice, ratings and notes of old runs, of
  // runs not read yet and of no run at all, equal `at`, new prompts; appends to the newest file, new newer files, and now and
  // then lines added to an older file (which takes the full join).
  let seed = 16;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const dir = tempDir();
  const ids: string[] = [];
  let day = 10;
  const file = (d: number): string => path.join(dir, `2026-11-${String(d).padStart(2, '0')}.jsonl`);
  const line = (): string => {
    const r = rand();
    if (r < 0.55 || ids.length === 0) {
      const id = rand() < 0.05 && ids.length > 0 ? pick(ids) : `run-${ids.length}`;
      ids.push(id);
      const minute = String(Math.floor(rand() * 6)).padStart(2, '0');
      return JSON.stringify(run(id, `2026-11-${String(day - Math.floor(rand() * 2)).padStart(2, '0')}T10:${minute}:00.000Z`, { prompt: `p${Math.floor(rand() * 4 + ids.length / 20)}.prompt.json` }));
    }
    const target = rand() < 0.1 ? `ghost-${Math.floor(rand() * 3)}` : pick(ids);
    if (r < 0.75) {
      // A note or property on a run: later lines of a key win, an empty value clears it.
      const key = pick(['note', 'reviewer', 'ticket']);
      return JSON.stringify({ event: 'annotation', runId: target, key, value: rand() < 0.15 ? '' : `${key}-${Math.floor(rand() * 5)}`, at: `2026-11-20T0${Math.floor(rand() * 3)}:00:00.000Z` });
    }
    return JSON.stringify(rating(target, `2026-11-20T0${Math.floor(rand() * 3)}:00:00.000Z`, { thumb: rand() < 0.5 ? 'up' : 'down', score: Math.floor(rand() * 10) / 10 }));
  };
  const reader = new HistoryReader(files, dir);
  const view = (h: RunHistory<RunSummary | RunRecord>, withRuns = true) => ({
    ...(withRuns ? { runs: h.runs } : {}),
    byPrompt: [...h.byPrompt].map(([prompt, entries]) => [prompt, entries.map((e) => `${e.file}:${e.line}`)]),
    orphanRatings: h.orphanRatings,
  });
  // The list of every run is built when first read: every other step reads it at once, and the rest only at the end,
  // after later joins (runs of 19 steps unread also cross MAX_PENDING_RUNS, where it is built unasked).
  const eager = (step: number): boolean => step < 20 ? step % 2 === 0 : step % 20 === 0;
  const readLater: [number, RunHistory<RunSummary | RunRecord>, ReturnType<typeof view>][] = [];
  let previous: RunHistory<RunSummary | RunRecord> | undefined;
  for (let step = 0; step < 80; step++) {
    const where = rand();
    if (where < 0.15) day++;
    const target = where > 0.93 && day > 10 ? file(day - 1) : file(day);
    const lines = Array.from({ length: 1 + Math.floor(rand() * (rand() < 0.2 ? 30 : 3)) }, line);
    fs.appendFileSync(target, `${lines.join('\n')}\n`);
    const snapshot = previous && eager(step) ? JSON.stringify(view(previous)) : undefined;
    const incremental = await reader.read();
    const whole = await readHistory(files, dir);
    assert.deepEqual(view(incremental, eager(step)), view(whole, eager(step)), `step ${step}`);
    if (!eager(step)) readLater.push([step, incremental, view(whole)]);
    if (previous && snapshot) assert.equal(JSON.stringify(view(previous)), snapshot, `step ${step}: the previous result was left as it was`);
    previous = incremental;
  }
  for (const [step, history, expected] of readLater) assert.deepEqual(view(history), expected, `step ${step}: its runs, first read after later joins`);
  assert.ok(ids.length > 100, `the steps wrote ${ids.length} runs`);
  assert.ok(previous?.runs.some((e) => e.annotations !== undefined), 'some runs carry notes');
});

test('HistoryReader.warnings lists the skipped lines of the history as it is, after reads that appended nothing bad', async () => {
  const dir = tempDir();
  const file = write(dir, '2026-11-22.jsonl', [run('a', '2026-11-22T08:00:00.000Z'), '{"event":"run","id":']);
  const heard: string[] = [];
  const reader = new HistoryReader(files, dir, { onWarning: (m) => heard.push(m) });
  await reader.read();
  assert.equal(heard.length, 1);
  assert.match(reader.warnings.join('\n'), new RegExp(`^${escape(file)}:2: skipped`));
  // Another window appends a good run: the new read hears no warning, and the history still skips line 2.
  fs.appendFileSync(file, `${JSON.stringify(run('b', '2026-11-22T09:00:00.000Z'))}\n`);
  assert.deepEqual((await reader.read()).runs.map((e) => e.run.id), ['b', 'a']);
  assert.equal(heard.length, 1);
  assert.equal(reader.warnings.length, 1);
  // The file is replaced without the corrupt line (a checkout): no warning left.
  write(dir, '2026-11-22.jsonl', [run('c', '2026-11-22T07:00:00.000Z')]);
  await reader.read();
  assert.deepEqual(reader.warnings, []);
});

test('a missing log folder is an empty history when the FileSystem comes from another bundle (its own FileSystemError class)', async () => {
  // The extension's bundle and dist/core.js each hold a copy of src/core/platform/fileSystem.ts.
  class FileSystemError extends Error {
    override readonly name = 'FileSystemError';
    constructor(readonly code: string, message: string) {
      super(message);
    }
  }
  const missing = (): never => {
    throw new FileSystemError('not-found', 'no such folder');
  };
  const foreign = { ...files, readDirectory: async () => missing() };
  assert.deepEqual((await readHistory(foreign, '/nowhere')).runs, []);
  const broken = { ...files, readDirectory: async () => { throw new FileSystemError('other', 'disk on fire'); } };
  await assert.rejects(readHistory(broken, '/nowhere'), /disk on fire/);
});
