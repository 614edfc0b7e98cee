// Add to Test Data's text edits: the row appended inline (comments and the rows there kept), to JSONL and to CSV (quoted
// by csv-stringify), each read back by the same parsers the evaluation uses.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyEdits } from 'jsonc-parser';
import { csvAppendText, inlineRowEdits, jsonlAppendText, testRowOf } from '../../src/core/evaluation/addTestRow';
import { parseCsv, parseJsonLines } from '../../src/core/evaluation/testData';
import { parsePromptFile } from '../../src/core/format/promptFile';

const INPUTS = { inputs: new Map() };

test('testRowOf: the inputs, and the better response as expected', () => {
  assert.deepEqual(testRowOf({ country: 'Peru' }), { country: 'Peru' });
  assert.deepEqual(testRowOf({ country: 'Peru' }, 'Lima'), { country: 'Peru', expected: 'Lima' });
  assert.deepEqual(testRowOf({ country: 'Peru' }, '  '), { country: 'Peru' }, 'a blank better response is no expected value');
});

test('inline: appended as the last row; the rows, comments and formatting already there are kept', () => {
  const text = [
    '{',
    '  // the prompt',
    '  "messages": [{ "role": "user", "content": "{{ country }}" }],',
    '  "testData": [',
    '    { "country": "France", "expected": "Paris" }, // first',
    '    /* second */ { "country": "Japan" }',
    '  ]',
    '}',
  ].join('\n');
  const edits = inlineRowEdits(text, { country: 'Peru', expected: 'Lima "the" capital' });
  assert.equal(edits.length, 1);
  const after = applyEdits(text, edits);
  assert.ok(after.startsWith(text.slice(0, text.indexOf('{ "country": "Japan" }') + '{ "country": "Japan" }'.length)), 'everything before the insertion is unchanged');
  for (const kept of ['// the prompt', '// first', '/* second */']) assert.ok(after.includes(kept), kept);
  const prompt = parsePromptFile(after).prompt;
  assert.ok(prompt?.testData?.kind === 'inline');
  assert.deepEqual(prompt.testData.rows.map((r) => ({ ...r.values })), [
    { country: 'France', expected: 'Paris' }, { country: 'Japan' }, { country: 'Peru', expected: 'Lima "the" capital' },
  ]);
});

test('inline: a prompt without testData gets the array; an empty array gets its first row', () => {
  const none = '{\n  "messages": [{ "role": "user", "content": "hi" }] // m\n}';
  const added = parsePromptFile(applyEdits(none, inlineRowEdits(none, { a: 1 }))).prompt;
  assert.ok(added?.testData?.kind === 'inline');
  assert.deepEqual(added.testData.rows.map((r) => ({ ...r.values })), [{ a: 1 }]);
  assert.ok(applyEdits(none, inlineRowEdits(none, { a: 1 })).includes('// m'));
  const empty = '{ "messages": [{ "role": "user", "content": "hi" }], "testData": [] }';
  const first = parsePromptFile(applyEdits(empty, inlineRowEdits(empty, { a: [1, 2] }))).prompt;
  assert.ok(first?.testData?.kind === 'inline');
  assert.deepEqual(first.testData.rows.map((r) => ({ ...r.values })), [{ a: [1, 2] }]);
  assert.throws(() => inlineRowEdits('{ "testData": "data/x.jsonl" }', { a: 1 }), /not an array/);
});

test('JSONL: one line, after a newline when the file lacks its last; CRLF files stay CRLF', () => {
  const row = { country: 'Côte d\'Ivoire', expected: 'Yamoussoukro\n(official)' };
  for (const text of ['', '{"country":"France"}\n', '{"country":"France"}']) {
    const after = text + jsonlAppendText(text, row);
    const parsed = parseJsonLines(after, 'rows.jsonl');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.rows.at(-1)?.values, row);
    assert.ok(after.endsWith('\n'));
  }
  assert.equal(jsonlAppendText('{"a":1}\r\n', { a: 2 }), '{"a":2}\r\n');
});

test('CSV: the header\'s columns in order, quoted where a cell needs it; keys without a column are named', () => {
  const text = 'country,expected,notes\nFrance,Paris,\n';
  const row = { expected: 'Lima, "the" capital\nof Peru', country: 'Peru', extra: 1 };
  const { text: appended, leftOut } = csvAppendText(text, row);
  assert.deepEqual(leftOut, ['extra']);
  const parsed = parseCsv(text + appended, 'rows.csv', INPUTS);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.rows.at(-1)?.values, { country: 'Peru', expected: 'Lima, "the" capital\nof Peru' });
  // No newline at the end of the file, non-string values as JSON, an empty file gets a header.
  const noEol = csvAppendText('country,n\nFrance,1', { country: 'Peru', n: 2 });
  assert.deepEqual(parseCsv(`country,n\nFrance,1${noEol.text}`, 'rows.csv', INPUTS).rows.map((r) => r.values), [{ country: 'France', n: '1' }, { country: 'Peru', n: '2' }]);
  const fresh = csvAppendText('', { country: 'Peru', tags: ['a', 'b'] });
  assert.deepEqual(parseCsv(fresh.text, 'rows.csv', INPUTS).rows.map((r) => r.values), [{ country: 'Peru', tags: '["a","b"]' }]);
});
