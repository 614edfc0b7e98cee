/** Test data from inline rows, JSONL and CSV files, read through the Node file system; each malformed case with its line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { loadTestData, rowInputs, type LoadedTestData } from '../../src/core/evaluation/testData';
import { checkWorkspaceRelativePath } from '../../src/core/platform/fileSystem';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { testFileSystem } from './fileSystems';
import { tempDir } from './tempDir';

const INPUTS = {
  question: { required: true },
  count: { type: 'number', default: 1 },
  strict: { type: 'boolean', default: false },
  history: { type: 'chat_history', default: [] },
  tone: { default: 'plain' },
};

function promptWith(testData: unknown): { prompt: PromptFile; text: string } {
  const text = JSON.stringify({ inputs: INPUTS, messages: [{ role: 'user', content: '{{ question }} {{ count }} {{ strict }} {{ tone }}' }, { role: 'chat_history', input: 'history' }], testData }, null, 2);
  const parsed = parsePromptFile(text);
  assert.ok(parsed.prompt, parsed.problems.map((p) => p.message).join('; '));
  return { prompt: parsed.prompt, text };
}

async function load(testData: unknown, files: Record<string, string> = {}): Promise<LoadedTestData> {
  const root = tempDir('prompt-lab-data-');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return loadTestData(promptWith(testData).prompt, { fs: testFileSystem({ root }), workspaceFolder: root });
}

test('inline rows keep their values, positions and key spans', async () => {
  const { prompt, text } = promptWith([{ question: 'a', expected: 'A' }, { question: 'b', count: 3 }]);
  assert.equal(prompt.testData?.kind, 'inline');
  const data = await loadTestData(prompt, { fs: testFileSystem(), workspaceFolder: '/nowhere' });
  assert.deepEqual(data.rows.map((r) => [r.index, { ...r.values }]), [[0, { question: 'a', expected: 'A' }], [1, { question: 'b', count: 3 }]]);
  assert.deepEqual(data.problems, []);
  const span = data.rows[1]?.keys?.get('count');
  assert.equal(text.slice(span?.offset, (span?.offset ?? 0) + (span?.length ?? 0)), '"count"');
  assert.deepEqual(rowInputs(prompt, data.rows[0] as never).inputs, { question: 'a', count: 1, strict: false, history: [], tone: 'plain' });
});

test('inline rows: a key that is no input is a warning, a missing required input an error at the row', async () => {
  const data = await load([{ question: 'a', expected: 'x', context: 'y', nickname: 'z' }, { tone: 'warm' }]);
  assert.deepEqual(data.problems.map((p) => [p.code, p.severity, p.row, p.key]), [
    ['test-data-unknown-key', 'warning', 0, 'nickname'],
    ['test-data-missing-input', 'error', 1, 'question'],
  ]);
  assert.match(data.problems[1]?.message ?? '', /Test data row 2 has no value for the required input "question"/);
});

test('JSONL: one object per line, blank lines skipped, each bad line reported with its number', async () => {
  const jsonl = ['{"question":"one"}', '', '{"question":"two","count":2}', '{"question": oops}', '[1,2]', '{"question":"three"}\r', ''].join('\n');
  const data = await load('data/cases.jsonl', { 'data/cases.jsonl': jsonl });
  assert.deepEqual(data.rows.map((r) => [r.index, r.line, r.values.question]), [[0, 1, 'one'], [1, 3, 'two'], [2, 6, 'three']]);
  assert.equal(data.file, 'data/cases.jsonl');
  assert.deepEqual(data.problems.map((p) => [p.code, p.line]), [['test-data-file', 4], ['test-data-file', 5]]);
  assert.match(data.problems[0]?.message ?? '', /^data\/cases\.jsonl line 4 is not valid JSON/);
  assert.match(data.problems[1]?.message ?? '', /line 5 must be a JSON object/);
});

test('JSONL rows get the row checks with the file line', async () => {
  const data = await load('cases.jsonl', { 'cases.jsonl': '{"question":"q","extra":1}\n{"tone":"x","extra":2}\n' });
  assert.deepEqual(data.problems.map((p) => [p.code, p.line, p.key]), [['test-data-unknown-key', 1, 'extra'], ['test-data-missing-input', 2, 'question']]);
  assert.match(data.problems[1]?.message ?? '', /^cases\.jsonl line 2 has no value/);
});

test('CSV: a header names the columns; quoted commas and newlines; typed inputs convert; an empty cell takes the default', async () => {
  const csv = '\uFEFFquestion,count,strict,history,expected\n"Hello, world",2,TRUE,"[{""role"":""user"",""content"":""hi""}]",Hi\n"two\nlines",,false,,\n';
  const data = await load('cases.csv', { 'cases.csv': csv });
  assert.deepEqual(data.problems, []);
  assert.deepEqual(data.rows.map((r) => [r.line, r.values]), [
    [2, { question: 'Hello, world', count: 2, strict: true, history: [{ role: 'user', content: 'hi' }], expected: 'Hi' }],
    [3, { question: 'two\nlines', strict: false }],
  ]);
});

test('CSV: a record with the wrong number of cells and a cell that does not convert are reported at their line and left out', async () => {
  const csv = 'question,count\na,1\nb\nc,many\n"d\ne",4\n';
  const data = await load('cases.csv', { 'cases.csv': csv });
  assert.deepEqual(data.rows.map((r) => [r.line, r.values.question]), [[2, 'a'], [5, 'd\ne']]);
  assert.deepEqual(data.problems.map((p) => p.line), [3, 4]);
  assert.match(data.problems[0]?.message ?? '', /^cases\.csv line 3 has 1 cells; the header \(line 1\) names 2 columns/);
  assert.match(data.problems[1]?.message ?? '', /^cases\.csv line 4, column "count": "many" is not a number/);
});

test('CSV: a quoting error stops the reading at its line, keeping the rows before it', async () => {
  const data = await load('cases.csv', { 'cases.csv': 'question\nfine\n"broken"x\nlater\n' });
  assert.deepEqual(data.rows.map((r) => r.values.question), ['fine']);
  assert.equal(data.problems.length, 1);
  assert.equal(data.problems[0]?.line, 3);
  assert.match(data.problems[0]?.message ?? '', /^cases\.csv line 3 is not valid CSV: Invalid Closing Quote/);
});

test('CSV: an unclosed quote, a duplicate column and an empty file are reported', async () => {
  const unclosed = await load('a.csv', { 'a.csv': 'question\nok\n"never closed\n' });
  assert.deepEqual(unclosed.rows.map((r) => r.values.question), ['ok']);
  assert.match(unclosed.problems[0]?.message ?? '', /a\.csv line \d+ is not valid CSV: Quote Not Closed/);
  const dup = await load('b.csv', { 'b.csv': 'question,question\nx,y\n' });
  assert.match(dup.problems[0]?.message ?? '', /b\.csv line 1: the header names column "question" twice/);
  const empty = await load('c.csv', { 'c.csv': '' });
  assert.match(empty.problems[0]?.message ?? '', /c\.csv is empty/);
});

test('a data file that is missing, outside the workspace or of another kind is a problem that names it', async () => {
  const missing = await load('data/none.jsonl');
  assert.match(missing.problems[0]?.message ?? '', /testData "data\/none\.jsonl" does not exist in the workspace folder/);
  const up = await load('../secret.jsonl');
  assert.match(up.problems[0]?.message ?? '', /leaves the workspace folder/);
  const absolute = await load('/etc/passwd.csv');
  assert.match(absolute.problems[0]?.message ?? '', /is not relative to the workspace folder/);
  const kind = await load('cases.txt', { 'cases.txt': 'x' });
  assert.match(kind.problems[0]?.message ?? '', /use a \.jsonl or \.csv file/);
  // A link inside the workspace that leads out of it is refused too.
  const outside = tempDir('prompt-lab-outside-');
  fs.writeFileSync(path.join(outside, 'secret.jsonl'), '{"question":"private"}\n');
  const root = tempDir('prompt-lab-data-');
  fs.symlinkSync(path.join(outside, 'secret.jsonl'), path.join(root, 'link.jsonl'));
  const linked = await loadTestData(promptWith('link.jsonl').prompt, { fs: nodeFileSystem({ root }), workspaceFolder: root });
  assert.deepEqual(linked.rows, []);
  assert.match(linked.problems[0]?.message ?? '', /leads outside the workspace folder/);
});

test('workspace-relative paths: normalised, and never absolute or upward', () => {
  assert.deepEqual(checkWorkspaceRelativePath('./data//cases.csv'), { path: 'data/cases.csv' });
  assert.deepEqual(checkWorkspaceRelativePath('data\\cases.csv'), { path: 'data/cases.csv' });
  for (const bad of ['', '/abs.csv', 'C:\\x.csv', '~/x.csv', 'a/../../x.csv', 'file:///x.csv']) assert.ok('error' in checkWorkspaceRelativePath(bad), bad);
});

test('testData that is neither an array nor a path is a structure problem', () => {
  const parsed = parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'x' }], testData: 3 }));
  assert.match(parsed.problems[0]?.message ?? '', /"testData" must be an array of rows/);
  const rowsParsed = parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'x' }], testData: [{ a: 1 }, 'no'] }));
  assert.match(rowsParsed.problems[0]?.message ?? '', /Test data row 2 must be an object/);
  assert.equal(rowsParsed.prompt?.testData?.kind === 'inline' ? rowsParsed.prompt.testData.rows.length : -1, 1);
});
