import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzePromptFile, closest, type DiagnosticCode } from '../../src/core/template/analyze';
import { JsonStringMap } from '../../src/core/format/jsonString';
import { positionAt } from '../../src/core/format/text';

/** Each diagnostic as [code, text under its range]. */
function found(text: string, deployments?: string[]): [DiagnosticCode, string][] {
  return analyzePromptFile(text, deployments ? { deployments } : {}).diagnostics.map((d) => [d.code, text.slice(d.start, d.end)]);
}

test('a clean prompt has no diagnostics', () => {
  const text = `{
    "deployment": "gpt", "parameters": { "temperature": 0.7, "max_tokens": 100, "top_p": 1 },
    "inputs": { "user": { "default": { "name": "Ada" } }, "items": { "default": [] }, "history": { "type": "chat_history", "default": [] } },
    "messages": [
      { "role": "system", "content": "{% set greeting = 'Hi' %}{{ greeting }} {{ user.name | upper }}{% for i in items %}{{ loop.index }}{{ i }}{% endfor %}" },
      { "role": "chat_history", "input": "history" },
      { "role": "user", "content": "{% macro tag(x, y=1) %}<{{ x }}>{% endmacro %}{{ tag('a') }}{{ range(2) | join }}" }
    ] }`;
  assert.deepEqual(found(text, ['gpt']), []);
});

test('an undeclared variable is marked at the variable itself, through JSON escapes', () => {
  const text = '{ "inputs": {}, "messages": [ { "role": "user", "content": "caf\\u00e9 \\"q\\"\\n\\t{{ user.name }} {{ \\u0078 }}" } ] }';
  assert.deepEqual(found(text), [['undeclared-variable', 'user'], ['undeclared-variable', '\\u0078']]);
  const [first] = analyzePromptFile(text).diagnostics;
  assert.equal(first?.message, '"user" is used in message 1 but not declared in "inputs".');
});

test('escapes spanning lines: a variable on the third template line of a one-line literal', () => {
  const text = '{"inputs":{"a":{}},"messages":[{"role":"user","content":"{{ a }}\\r\\n\\ud83d\\ude00 line two\\n  {{ missing }}"}]}';
  const [d] = analyzePromptFile(text).diagnostics;
  assert.equal(d?.code, 'undeclared-variable');
  assert.equal(text.slice(d?.start, d?.end), 'missing');
  assert.deepEqual(positionAt(text, d?.start ?? 0), { line: 0, character: text.indexOf('missing') });
});

test('loop variables, set names and macro parameters are locals, not inputs', () => {
  const text = `{ "inputs": {}, "messages": [ { "role": "user", "content": "{% for a, b in pairs %}{{ a }}{{ b }}{{ c }}{% endfor %}{% set d = 1 %}{{ d }}{% macro m(p) %}{{ p }}{{ q }}{% endmacro %}{{ a }}" } ] }`;
  assert.deepEqual(found(text).map(([, t]) => t), ['pairs', 'c', 'q', 'a']);
});

test('scopes: a set name counts in its whole scope, a loop variable only from where it appears', () => {
  const uses = (template: string) => found(`{ "inputs": {}, "messages": [ { "role": "user", "content": ${JSON.stringify(template)} } ] }`).map(([, t]) => t);
  // Set later in the same scope, or in a branch: defined.
  assert.deepEqual(uses('{{ y }}{% set y = 1 %}'), []);
  assert.deepEqual(uses('{% if a %}{% set b = 1 %}{% endif %}{{ b }}'), ['a']);
  assert.deepEqual(uses('{{ m(1) }}{% macro m(p) %}{{ p }}{{ q }}{% endmacro %}'), ['q']);
  // A set inside a loop body or a macro body stays there.
  assert.deepEqual(uses('{% for x in xs %}{% set z = x %}{{ z }}{% endfor %}{{ z }}{{ x }}'), ['xs', 'z', 'x']);
  assert.deepEqual(uses('{% macro m() %}{% set w = 1 %}{% endmacro %}{{ w }}'), ['w']);
  // A caller body's set reaches the enclosing scope, as before.
  assert.deepEqual(uses('{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}{% set c = 1 %}{% endcall %}{{ c }}'), []);
  // A loop's else branch sets nothing outside it.
  assert.deepEqual(uses('{% for x in xs %}{% else %}{% set e = 1 %}{% endfor %}{{ e }}'), ['xs', 'e']);
  // Imports are refused (a prompt template cannot read files): the tag is the error, at its name.
  assert.deepEqual(uses('{{ h }}{% from "x" import h %}{{ h }}'), ['from']);
});

test('template syntax errors sit at the failing token or the unclosed tag', () => {
  const cases: [string, string][] = [
    ['Hello {{ name', '{{'],
    ['{% if x %}yes', '{% if x %}'],
    ['{{ a b }}', 'b'],
    ['x\\n{% for %}', '%'],
  ];
  for (const [template, under] of cases) {
    const text = `{ "inputs": { "name": {}, "x": {}, "a": {} }, "messages": [ { "role": "user", "content": "${template}" } ] }`;
    const syntax = analyzePromptFile(text).diagnostics.filter((d) => d.code === 'template-syntax');
    assert.equal(syntax.length, 1, template);
    assert.equal(text.slice(syntax[0]?.start, syntax[0]?.end), under, template);
    assert.match(syntax[0]?.message ?? '', /^Template syntax error in message 1: /);
  }
});

test('an unknown filter is marked at its name, with a suggestion', () => {
  const text = '{ "inputs": { "a": {} }, "messages": [ { "role": "user", "content": "{{ a | uper }}" } ] }';
  const [d] = analyzePromptFile(text).diagnostics;
  assert.equal(d?.code, 'unknown-filter');
  assert.equal(text.slice(d?.start, d?.end), 'uper');
  assert.match(d?.message ?? '', /did you mean "upper"/);
});

test('unused inputs and required inputs without a default are warnings at the input name', () => {
  const text = '{ "inputs": { "used": {}, "spare": {}, "ask": { "required": true } }, "messages": [ { "role": "user", "content": "{{ used }}{{ ask }}" } ] }';
  const ds = analyzePromptFile(text).diagnostics;
  assert.deepEqual(ds.map((d) => [d.code, d.severity, text.slice(d.start, d.end)]), [
    ['unused-input', 'warning', '"spare"'],
    ['required-input-without-value', 'warning', '"ask"'],
  ]);
});

test('an unknown deployment lists the known keys and suggests the closest', () => {
  const text = '{ "deployment": "gpt4-mini", "messages": [ { "role": "user", "content": "x" } ] }';
  const [d] = analyzePromptFile(text, { deployments: ['gpt-4o-mini', 'local'] }).diagnostics;
  assert.equal(d?.code, 'unknown-deployment');
  assert.equal(text.slice(d?.start, d?.end), '"gpt4-mini"');
  assert.equal(d?.message, 'No deployment "gpt4-mini" in "promptLab.deployments"; did you mean "gpt-4o-mini"? Known: "gpt-4o-mini", "local".');
  assert.deepEqual(found(text), [], 'without known deployments nothing is checked');
});

test('chat history slots, roles and empty messages', () => {
  const text = `{ "inputs": { "h": { "default": "not a list" }, "t": { "type": "string" } }, "messages": [
    { "role": "chat_history", "input": "nope" }, { "role": "chat_history", "input": "h" }, { "role": "chat_history", "input": "t" }, { "role": "usr", "content": "x" } ] }`;
  assert.deepEqual(found(text), [
    ['chat-history-missing-input', '"nope"'], ['chat-history-not-array', '"h"'], ['chat-history-not-array', '"t"'], ['unknown-role', '"usr"'],
  ]);
  assert.match(analyzePromptFile(text).diagnostics[3]?.message ?? '', /did you mean "user"/);
  assert.deepEqual(found('{ "messages": [] }'), [['empty-messages', '[]']]);
});

test('parameters outside their range, and max_tokens that is not a positive integer', () => {
  const text = '{ "parameters": { "temperature": 2.5, "top_p": -0.1, "max_tokens": 0, "n": 1.5, "seed": -4, "frequency_penalty": 2 }, "messages": [ { "role": "user", "content": "x" } ] }';
  assert.deepEqual(found(text), [['parameter-out-of-range', '2.5'], ['parameter-out-of-range', '-0.1'], ['not-positive-integer', '0'], ['not-positive-integer', '1.5']]);
  assert.deepEqual(found('{ "parameters": { "max_tokens": "100" }, "messages": [ { "role": "user", "content": "x" } ] }'), [['not-positive-integer', '"100"']]);
});

test('JsonStringMap maps both ways through every escape', () => {
  const doc = 'xx"a\\nb\\"c\\\\d\\u00e9\\ud83d\\ude00e"yy';
  const map = new JsonStringMap(doc, 2, doc.length - 4);
  const decoded = JSON.parse(doc.slice(2, -2)) as string;
  assert.equal(map.length, decoded.length);
  assert.equal(doc[map.toDocument(decoded.indexOf('e'))], 'e');
  assert.equal(doc.slice(map.toDocument(1), map.toDocument(2)), '\\n');
  assert.equal(doc.slice(map.toDocument(decoded.indexOf('é')), map.toDocument(decoded.indexOf('é') + 1)), '\\u00e9');
  assert.equal(map.toDocument(map.length), doc.length - 3);
  for (let i = 0; i <= map.length; i++) assert.equal(map.fromDocument(map.toDocument(i)), i);
  assert.equal(map.fromDocument(doc.indexOf('\\u00e9') + 3), decoded.indexOf('é'));
});

test('closest() only suggests near names', () => {
  assert.equal(closest('usr', ['user', 'system']), 'user');
  assert.equal(closest('zzzzzz', ['user', 'system']), undefined);
});

test('with the previous analysis, unchanged templates are not parsed again and the diagnostics are those of a fresh analysis', () => {
  const file = (contents: string[]) => JSON.stringify({ inputs: { name: {}, city: {} }, messages: contents.map((content) => ({ role: 'user', content })) }, null, 2);
  const base = ['Hi {{ name }}', 'In {{ city }}', '{% for x in items %}{{ x }}{% endfor %}', 'Bye {{ name }}'];
  const previous = analyzePromptFile(file(base));
  const versions = [
    ['Hi {{ name }}', 'In {{ town }}', base[2], base[3]], // one message edited (now undeclared)
    ['First', ...base], // one inserted before all
    [base[0], base[2], base[3]], // one removed
  ] as string[][];
  for (const contents of versions) {
    const text = file(contents);
    const incremental = analyzePromptFile(text, { previous });
    assert.deepEqual(incremental.diagnostics, analyzePromptFile(text).diagnostics, `diagnostics for ${JSON.stringify(contents)}`);
    for (const m of incremental.messages) {
      const before = previous.messages.find((p) => p.message.content === m.message.content);
      if (before) assert.equal(m.analysis, before.analysis, `"${m.message.content}" was parsed again`);
    }
  }
});
