/**
 * The playground's model (src/core/playground/playground.ts): the variables as templates change, parameter validation,
 * loading a prompt file, and the saved file: it parses, has no error diagnostics, and passes the JSON Schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { analyzePromptFile } from '../../src/core/template/analyze';
import {
  analyzePlayground, emptyState, inputValues, parseValue, problemsOf, promptFileText, stateFromPromptFile, templateVariables, toPromptFile, validateParameters,
} from '../../src/core/playground/playground';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { renderMessages } from '../../src/core/template/template';
import { isPlaygroundState, isPlaygroundWebviewMessage, type PlaygroundState } from '../../src/protocol/playground';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'prompt.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function state(messages: [PlaygroundState['messages'][number]['role'], string][], more: Partial<PlaygroundState> = {}): PlaygroundState {
  return { ...emptyState(), messages: messages.map(([role, content], i) => ({ id: `m${i}`, role, content })), ...more };
}

test('variables follow the templates as they are typed, in order of first use', () => {
  const typed = ['Hello {{', 'Hello {{ na', 'Hello {{ name }}', 'Hello {{ name }}, about {{ topic | upper }}'];
  // A template cut short does not parse: it has an error and no variables until it does (the view keeps its list meanwhile).
  assert.deepEqual(typed.map((t) => templateVariables([{ content: t }]).variables), [[], [], ['name'], ['name', 'topic']]);
  assert.equal(templateVariables([{ content: 'Hello {{ na' }]).templateErrors.length, 1);
  assert.deepEqual(templateVariables([{ content: 'Hello {{ name }}' }]).templateErrors, []);
});

test('loop variables, set targets, macros, filters and globals are not variables', () => {
  const { variables } = templateVariables([
    { content: '{% for item in items %}{{ loop.index }}: {{ item.title | truncate(10) }}{% endfor %}' },
    { content: '{% set greeting = "Hi " + user.name %}{{ greeting }}{{ range(3) | join(",") }}' },
    { content: '{% macro tag(x) %}<{{ x }}>{% endmacro %}{{ tag(label) }}{{ items | length }}' },
  ]);
  assert.deepEqual(variables, ['items', 'user', 'label']);
});

test('parameters: limits, positive integers, stop sequences; empty means not sent', () => {
  assert.deepEqual(validateParameters({ temperature: '0.7', top_p: '1', max_tokens: '256', seed: '-3', stop: 'END' }),
    { values: { temperature: 0.7, top_p: 1, max_tokens: 256, seed: -3, stop: 'END' }, problems: {} });
  const bad = validateParameters({ temperature: '2.5', top_p: '-0.1', max_tokens: '0', seed: '1.5', stop: '["a", 3]' });
  assert.deepEqual(Object.keys(bad.problems).sort(), ['max_tokens', 'seed', 'stop', 'temperature', 'top_p']);
  assert.deepEqual(bad.values, {});
  assert.ok(validateParameters({ max_tokens: '12.0' }).problems.max_tokens);
  assert.ok(validateParameters({ temperature: 'warm' }).problems.temperature);
  assert.deepEqual(validateParameters({ temperature: '', stop: '["\\n", "###"]' }).values, { stop: ['\n', '###'] });
  assert.ok(validateParameters({ stop: '["a","b","c","d","e"]' }).problems.stop);
  assert.deepEqual(analyzePlayground([{ content: '{{ x }}' }], { temperature: '3' }).parameterProblems, { temperature: 'temperature is a number from 0 to 2.' });
});

test('values: JSON objects and arrays are sent as such, anything else as text', () => {
  assert.deepEqual(parseValue('{"name": "Ada"}'), { name: 'Ada' });
  assert.deepEqual(parseValue('[1, 2]'), [1, 2]);
  assert.equal(parseValue('{ not json'), '{ not json');
  assert.equal(parseValue('42'), '42');
  const s = state([['user', '{{ user.name }} asks {{ q }}']], { values: { user: '{"name":"Ada"}' } });
  assert.deepEqual(inputValues(s), { user: { name: 'Ada' }, q: '' });
});

test('save: the file parses, declares every variable with its value, has no error diagnostics and passes the schema', () => {
  const s = state([
    ['system', 'You help {{ user.name }} with {{ product }}.'],
    ['user', '{% for t in topics %}- {{ t }}\n{% endfor %}{{ question }}'],
    ['assistant', 'Sure.'],
  ], {
    name: 'Support draft', values: { user: '{"name":"Ada"}', product: 'Trailmaster tent', topics: '["poles", "pegs"]', question: 'How?', stale: 'unused' },
    parameters: { temperature: '0.3', max_tokens: '200', stop: '["###"]', seed: '7' }, deployments: ['fast', 'slow'],
  });
  assert.deepEqual(problemsOf(s, ['fast', 'slow']), []);
  const text = promptFileText(s);
  const json = JSON.parse(text) as Record<string, unknown>;
  assert.ok(validate(json), JSON.stringify(validate.errors));
  assert.equal(json.deployment, 'fast');
  assert.deepEqual(json.parameters, { temperature: 0.3, max_tokens: 200, stop: ['###'], seed: 7 });
  assert.deepEqual(json.inputs, {
    user: { type: 'object', default: { name: 'Ada' } }, product: { type: 'string', default: 'Trailmaster tent' },
    topics: { type: 'array', default: ['poles', 'pegs'] }, question: { type: 'string', default: 'How?' },
  });
  const parsed = parsePromptFile(text);
  assert.deepEqual(parsed.problems, []);
  const analysis = analyzePromptFile(text, { deployments: ['fast', 'slow'] });
  assert.deepEqual(analysis.diagnostics.map((d) => `${d.severity} ${d.code}`), []);
  assert.ok(parsed.prompt);
  assert.equal(renderMessages(parsed.prompt, inputValues(s))[1]?.content, '- poles\n- pegs\nHow?');
});

test('a variable with no value saves as an empty string default; a saved file with no variables has no inputs', () => {
  const withEmpty = JSON.parse(promptFileText(state([['user', 'Say {{ word }}']]))) as { inputs: unknown };
  assert.deepEqual(withEmpty.inputs, { word: { type: 'string', default: '' } });
  const plain = JSON.parse(promptFileText(state([['user', 'Hi']]))) as Record<string, unknown>;
  assert.equal(plain.inputs, undefined);
  assert.ok(validate(plain));
  assert.deepEqual(analyzePromptFile(promptFileText(state([['user', 'Hi']]))).diagnostics, []);
});

test('what cannot be saved or run says why', () => {
  assert.deepEqual(problemsOf(state([])), ['Add a message first.']);
  assert.match(problemsOf(state([['user', 'Hi {{ name ']]))[0] ?? '', /^Message 1: /);
  assert.deepEqual(problemsOf(state([['user', 'Hi']], { parameters: { top_p: '2' } })), ['top_p is a number from 0 to 1.']);
  assert.match(problemsOf(state([['user', '{{ x | nosuchfilter }}']])).join(), /nosuchfilter/);
  assert.match(problemsOf(state([['user', 'Hi']], { deployments: ['gone'] }), ['fast']).join(), /gone/);
});

test('a run uses the picked deployment; loading a file keeps its messages, defaults and parameters, chat history as a note', () => {
  const prompt = toPromptFile(state([['user', '{{ a }}']], { deployments: ['fast', 'slow'] }), 'slow');
  assert.equal(prompt.deployment, 'slow');
  const file = parsePromptFile(JSON.stringify({
    name: 'Support chat', deployment: 'replay-azure', parameters: { temperature: 0.2, max_tokens: 300, presence_penalty: 1 },
    inputs: {
      history: { type: 'chat_history', default: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] },
      question: { required: true }, product: { default: { name: 'Trailmaster tent' } },
    },
    messages: [
      { role: 'developer', content: 'You support owners of the {{ product.name }}.' },
      { role: 'chat_history', input: 'history' },
      { role: 'user', content: '{{ question }}' },
    ],
  })).prompt;
  assert.ok(file);
  const loaded = stateFromPromptFile(file, 'support.prompt.json', 'support');
  assert.ok(isPlaygroundState(loaded));
  assert.deepEqual(loaded.messages.map((m) => [m.role, m.content]), [
    ['system', 'You support owners of the {{ product.name }}.'], ['user', 'Hi'], ['assistant', 'Hello!'], ['user', '{{ question }}'],
  ]);
  assert.deepEqual(loaded.values, { question: '', product: '{"name":"Trailmaster tent"}' });
  assert.deepEqual(loaded.parameters, { temperature: '0.2', max_tokens: '300' });
  assert.deepEqual(loaded.deployments, ['replay-azure']);
  assert.equal(loaded.sourcePath, 'support.prompt.json');
  assert.equal(loaded.notes.length, 3);
  assert.match(loaded.notes.join('\n'), /chat history slot "history"/);
  assert.match(loaded.notes.join('\n'), /presence_penalty/);
});

test('the protocol guards accept what the webview sends and drop the rest', () => {
  assert.ok(isPlaygroundWebviewMessage({ method: 'playground/run', params: { requestId: 'r1', state: emptyState() } }));
  assert.ok(isPlaygroundWebviewMessage({ method: 'run/stop', params: { column: 2 } }));
  assert.ok(!isPlaygroundWebviewMessage({ method: 'run/stop', params: { runId: 'x' } }));
  assert.ok(!isPlaygroundWebviewMessage({ method: 'playground/run', params: { requestId: 'r1', state: { ...emptyState(), messages: [{ role: 'tool', content: '', id: 'a' }] } } }));
  assert.ok(!isPlaygroundWebviewMessage({ method: 'playground/save', params: { state: emptyState() } }));
  assert.ok(!isPlaygroundWebviewMessage({ method: 'nope', params: {} }));
});

test('attachments become inputs of their kind and parts after the text; the saved file passes the schema and loads back', () => {
  const state: PlaygroundState = {
    ...emptyState(), name: 'Describe',
    messages: [
      { id: 'm1', role: 'system', content: 'You describe pictures.' },
      { id: 'm2', role: 'user', content: 'What is in {{ where }}?', attachments: [
        { id: 'a1', kind: 'image', name: 'cat.png', value: 'photos/cat.png' },
        { id: 'a2', kind: 'image', name: 'pasted image', value: 'data:image/png;base64,iVBORw0KGgo=', preview: 'data:image/png;base64,iVBORw0KGgo=' },
      ] },
    ],
    values: { where: 'the garden' }, deployments: ['d'],
  };
  assert.ok(isPlaygroundState(state));
  const text = promptFileText(state);
  const file = JSON.parse(text) as { inputs: Record<string, unknown>; messages: { content: unknown }[] };
  assert.deepEqual(file.messages[1]?.content, [{ type: 'text', text: 'What is in {{ where }}?' }, { type: 'image', input: 'image1' }, { type: 'image', input: 'image2' }]);
  assert.deepEqual(file.inputs.image1, { type: 'image', default: 'photos/cat.png' });
  assert.ok(validate(file), JSON.stringify(validate.errors));
  assert.deepEqual(analyzePromptFile(text, { deployments: ['d'] }).diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(problemsOf(state, ['d']), []);
  assert.deepEqual(inputValues(state), { where: 'the garden', image1: 'photos/cat.png', image2: 'data:image/png;base64,iVBORw0KGgo=' });
  const back = stateFromPromptFile(parsePromptFile(text).prompt!, 'describe.prompt.json', 'describe');
  assert.deepEqual(back.messages[1]?.attachments?.map((a) => [a.kind, a.value]), [['image', 'photos/cat.png'], ['image', 'data:image/png;base64,iVBORw0KGgo=']]);
  assert.deepEqual(back.values, { where: 'the garden' }, 'media inputs are attachments, not variables');
  assert.equal(isPlaygroundWebviewMessage({ method: 'playground/attach', params: { requestId: 'r1', messageId: 'm2' } }), true);
  assert.equal(isPlaygroundState({ ...state, messages: [{ id: 'x', role: 'user', content: '', attachments: [{ id: 'a', kind: 'video', name: 'v', value: 'v.mp4' }] }] }), false);
});
