import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, type ParseError } from 'jsonc-parser';
import { applyTextEdits, declareInputEdits, removeInputEdits, replaceStringEdit, replaceRangeEdit } from '../../src/core/format/edits';

/** `text` after the edits, checked to be JSONC without errors (no trailing commas either). */
function after(text: string, edits: ReturnType<typeof declareInputEdits>): string {
  const out = applyTextEdits(text, edits);
  const errors: ParseError[] = [];
  parse(out, errors, { allowTrailingComma: false, disallowComments: false });
  assert.deepEqual(errors, [], `not valid JSONC:\n${out}`);
  return out;
}

test('declare: appended after the last input, on its own line, comments kept', () => {
  const text = [
    '{',
    '  // the inputs',
    '  "inputs": {',
    '    "a": { "default": 1 }, // first',
    '    "b": { "default": "x" } // second',
    '  },',
    '  "messages": []',
    '}',
  ].join('\n');
  assert.equal(after(text, declareInputEdits(text, 'topic')), [
    '{',
    '  // the inputs',
    '  "inputs": {',
    '    "a": { "default": 1 }, // first',
    '    "b": { "default": "x" }, // second',
    '    "topic": { "default": "" }',
    '  },',
    '  "messages": []',
    '}',
  ].join('\n'));
});

test('declare: after a last input with a trailing comma, CRLF and tabs kept', () => {
  const text = '{\r\n\t"inputs": {\r\n\t\t"a": {},\r\n\t},\r\n\t"messages": []\r\n}';
  const out = applyTextEdits(text, declareInputEdits(text, 'x', { insertSpaces: false }));
  assert.equal(out, '{\r\n\t"inputs": {\r\n\t\t"a": {},\r\n\t\t"x": { "default": "" }\r\n\t},\r\n\t"messages": []\r\n}');
});

test('declare: into empty inputs, and into inputs on one line', () => {
  const empty = '{\n  "inputs": {},\n  "messages": []\n}';
  assert.equal(after(empty, declareInputEdits(empty, 'x')), '{\n  "inputs": {\n    "x": { "default": "" }\n  },\n  "messages": []\n}');
  const inline = '{\n  "inputs": { "a": {} },\n  "messages": []\n}';
  assert.equal(after(inline, declareInputEdits(inline, 'x')), '{\n  "inputs": { "a": {}, "x": { "default": "" } },\n  "messages": []\n}');
  const oneLine = '{ "inputs": {}, "messages": [] }';
  assert.equal(after(oneLine, declareInputEdits(oneLine, 'x')), '{ "inputs": { "x": { "default": "" } }, "messages": [] }');
});

test('declare: creates "inputs" before "messages" when the file has none', () => {
  const text = '{\n  "name": "n", // a name\n  /* the messages */\n  "messages": [\n    { "role": "user", "content": "{{ x }}" }\n  ]\n}';
  assert.equal(after(text, declareInputEdits(text, 'x')), '{\n  "name": "n", // a name\n  /* the messages */\n  "inputs": {\n    "x": { "default": "" }\n  },\n  "messages": [\n    { "role": "user", "content": "{{ x }}" }\n  ]\n}');
  const noMessages = '{\n  "name": "n"\n}';
  assert.equal(after(noMessages, declareInputEdits(noMessages, 'x')), '{\n  "name": "n",\n  "inputs": {\n    "x": { "default": "" }\n  }\n}');
});

test('declare: nothing when already declared or when inputs is not an object', () => {
  assert.deepEqual(declareInputEdits('{ "inputs": { "x": {} } }', 'x'), []);
  assert.deepEqual(declareInputEdits('{ "inputs": [] }', 'x'), []);
  assert.deepEqual(declareInputEdits('[]', 'x'), []);
});

test('declare: a name that needs escaping is escaped', () => {
  const text = '{ "inputs": {} }';
  assert.equal(after(text, declareInputEdits(text, 'a"b')), '{ "inputs": { "a\\"b": { "default": "" } } }');
});

test('remove: the line of a middle input, other comments kept', () => {
  const text = '{\n  "inputs": {\n    "a": {}, // a\n    "b": {\n      "default": 2\n    }, // b\n    "c": {} // c\n  }\n}';
  assert.equal(after(text, removeInputEdits(text, 'b')), '{\n  "inputs": {\n    "a": {}, // a\n    "c": {} // c\n  }\n}');
});

test('remove: the last input takes the previous comma, not the previous comment', () => {
  const text = '{\n  "inputs": {\n    "a": {}, // a\n    "b": {} // b\n  }\n}';
  assert.equal(after(text, removeInputEdits(text, 'b')), '{\n  "inputs": {\n    "a": {} // a\n  }\n}');
});

test('remove: the only input, and inputs on one line', () => {
  const only = '{\n  "inputs": {\n    "a": { "default": 1 }\n  },\n  "messages": []\n}';
  assert.equal(after(only, removeInputEdits(only, 'a')), '{\n  "inputs": {},\n  "messages": []\n}');
  const commented = '{\n  "inputs": {\n    // kept\n    "a": {}\n  }\n}';
  assert.equal(after(commented, removeInputEdits(commented, 'a')), '{\n  "inputs": {\n    // kept\n  }\n}');
  const inline = '{ "inputs": { "a": {}, "b": {} }, "messages": [] }';
  assert.equal(after(inline, removeInputEdits(inline, 'a')), '{ "inputs": { "b": {} }, "messages": [] }');
  assert.equal(after(inline, removeInputEdits(inline, 'b')), '{ "inputs": { "a": {} }, "messages": [] }');
  assert.deepEqual(removeInputEdits(inline, 'zzz'), []);
});

test('replace: a string literal, quoted and escaped, and a raw range', () => {
  const text = '{ "deployment": "gtp" }';
  const start = text.indexOf('"gtp"');
  assert.equal(applyTextEdits(text, [replaceStringEdit(start, start + 5, 'gpt "4"')]), '{ "deployment": "gpt \\"4\\"" }');
  assert.equal(applyTextEdits('{{ x | uper }}', [replaceRangeEdit(7, 11, 'upper')]), '{{ x | upper }}');
});
