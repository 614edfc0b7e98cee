// Snippets that depend on the prompt file: each is offered where it fits, and accepting it (tab stops left at their
// defaults) leaves a file that parses, with the values the snippet promises: rows keyed by the prompt's inputs,
// evaluators of issue 13's shape, inputs for undeclared variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ParseError, parse } from 'jsonc-parser';
import { type PromptSnippet, type SnippetContext, snippetsAt } from '../../src/core/format/snippets';
import { parsePromptFile } from '../../src/core/format/promptFile';

const CONTEXT: SnippetContext = { deployments: ['judge-a', 'judge,b'], undeclared: [], unused: [] };

/** The text a snippet inserts when every tab stop keeps its default (first choice, placeholder text or nothing). */
function expand(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length && '\\$}'.includes(body[i + 1]!)) {
      out += body[++i];
    } else if (c === '$') {
      const simple = /^\$(\d+)/.exec(body.slice(i));
      if (simple) {
        i += simple[0].length - 1;
        continue;
      }
      // ${n:text} or ${n|a,b|}: find the closing } that is not escaped.
      let j = i + 2;
      let inner = '';
      while (j < body.length && body[j] !== '}') {
        if (body[j] === '\\') inner += body[j++];
        inner += body[j++];
      }
      const choice = /^\d+\|((?:\\.|[^|])*)\|$/.exec(inner);
      const placeholder = /^\d+:([\s\S]*)$/.exec(inner);
      if (choice) out += expand(choice[1]!.split(/(?<!\\),/)[0]!.replace(/\\,/g, ','));
      else if (placeholder) out += expand(placeholder[1]!);
      i = j;
    } else out += c;
  }
  return out;
}

function accept(text: string, snippet: PromptSnippet): string {
  return text.slice(0, snippet.replaceStart) + expand(snippet.body) + text.slice(snippet.replaceEnd);
}

function parsed(text: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true }) as Record<string, unknown>;
  assert.deepEqual(errors, [], text);
  return value;
}

const BASE = `{
  "inputs": {
    "ticket": { "type": "string", "required": true },
    "limit": { "type": "number", "default": 3 },
    "history": { "type": "chat_history", "default": [] }
  },
  "messages": [{ "role": "user", "content": "{{ ticket }} {{ who }}" }],
  "testData": [ ROW ],
  "evaluators": [ EVAL ]
}`;

function at(text: string, marker: string): { text: string; offset: number } {
  const offset = text.indexOf(marker);
  assert.notEqual(offset, -1);
  return { text: text.slice(0, offset) + text.slice(offset + marker.length), offset };
}

/** The snippets at `marker` in `template`; the other markers (ROW, EVAL, CURSOR) are taken out. */
function offer(template: string, marker = 'CURSOR', context: SnippetContext = CONTEXT): { text: string; snippets: PromptSnippet[] } {
  const clean = template.replace(/\b(ROW|EVAL|CURSOR)\b/g, (m) => (m === marker ? m : ''));
  const { text, offset } = at(clean, marker);
  return { text, snippets: snippetsAt(text, offset, parsePromptFile(text).prompt, context) };
}

test('in testData a row with every input, typed by its type, and expected', () => {
  const { text, snippets } = offer(BASE, 'ROW');
  assert.deepEqual(snippets.map((s) => s.label), ['Test data row']);
  const value = parsed(accept(text, snippets[0]!));
  assert.deepEqual(value.testData, [{ ticket: '', limit: 0, history: [{ role: 'user', content: '' }], expected: '' }]);
});

test('a row between rows gets the commas it needs', () => {
  const template = BASE.replace('[ ROW ]', '[ { "ticket": "a" } CURSOR { "ticket": "b" } ]');
  const { text, snippets } = offer(template);
  const value = parsed(accept(text, snippets[0]!));
  assert.equal((value.testData as unknown[]).length, 3);
  const typed = offer(BASE.replace('[ ROW ]', '[ { "ticket": "a" }, roCURSOR ]'));
  assert.deepEqual(typed.snippets.map((s) => s.label), ['Test data row']);
  assert.equal((parsed(accept(typed.text, typed.snippets[0]!)).testData as unknown[]).length, 2, 'the typed word is replaced');
});

test('inside a row, the keys of the inputs it does not have yet and expected', () => {
  const { text, snippets } = offer(BASE.replace('[ ROW ]', '[ { "ticket": "a", CURSOR } ]'));
  assert.deepEqual(snippets.map((s) => s.label), ['limit', 'history', 'expected']);
  assert.deepEqual(parsed(accept(text, snippets[0]!)).testData, [{ ticket: 'a', limit: 0 }]);
  const quoted = offer(BASE.replace('[ ROW ]', '[ { "ticket": "a", "exCURSOR" } ]'));
  assert.deepEqual(parsed(accept(quoted.text, quoted.snippets.find((s) => s.label === 'expected')!)).testData, [{ ticket: 'a', expected: '' }]);
});

test('in evaluators every kind of issue 13, the judges from the deployments', () => {
  const { text, snippets } = offer(BASE, 'EVAL');
  assert.equal(snippets.length, 8);
  const evaluators = snippets.map((s) => (parsed(accept(text, s)).evaluators as Record<string, unknown>[])[0]!);
  const kinds = evaluators.map((e) => Object.keys(e).filter((k) => k !== 'name').join());
  assert.deepEqual(kinds, ['string', 'string', 'string', 'regex', 'json', 'jsonSchema', 'llm', 'uses']);
  assert.deepEqual(evaluators[0], { name: 'mentions-expected', string: { contains: '{{ expected }}' } });
  assert.equal(new RegExp((evaluators[3]!.regex as { pattern: string }).pattern).test('word'), true);
  const llm = evaluators[6]!.llm as { deployment: string; prompt: string; choices: unknown[] };
  assert.equal(llm.deployment, 'judge-a');
  assert.match(llm.prompt, /\n\nExpected: \{\{ expected \}\}\nAnswer: \{\{ completion \}\}$/);
  assert.deepEqual(llm.choices, [{ choice: 'yes', score: 1 }, { choice: 'no', score: 0 }]);
  assert.equal(evaluators[7]!.uses, 'prompt-lab/similarity');
  // A deployment name with a comma stays one choice.
  assert.match(snippets[6]!.body, /judge-a,judge\\,b/);
});

test('in inputs, an input for each undeclared variable', () => {
  const template = BASE.replace('"history": { "type": "chat_history", "default": [] }', '"history": { "type": "chat_history", "default": [] }, CURSOR');
  const { text, snippets } = offer(template, 'CURSOR', { ...CONTEXT, undeclared: ['who', 'ticket'] });
  assert.deepEqual(snippets.map((s) => s.label), ['Input "who"']);
  const inputs = parsed(accept(text, snippets[0]!)).inputs as Record<string, unknown>;
  assert.deepEqual(inputs.who, { type: 'string', description: '', default: '' });
});

test('in messages, the unused inputs and a few-shot pair', () => {
  const template = BASE.replace('[{ "role": "user", "content": "{{ ticket }} {{ who }}" }]', '[{ "role": "user", "content": "{{ ticket }}" }, CURSOR]');
  const { text, snippets } = offer(template, 'CURSOR', { ...CONTEXT, unused: ['limit', 'history'] });
  assert.deepEqual(snippets.map((s) => s.label), ['User message with the unused inputs', 'Few-shot example']);
  assert.deepEqual((parsed(accept(text, snippets[0]!)).messages as unknown[])[1], { role: 'user', content: '{{ limit }}\n{{ history }}' });
  assert.deepEqual((parsed(accept(text, snippets[1]!)).messages as unknown[]).slice(1), [
    { role: 'user', content: 'example question' }, { role: 'assistant', content: 'the answer to imitate' },
  ]);
});

test('nothing inside a string, a number, or where no snippet fits', () => {
  for (const template of [
    BASE.replace('"{{ ticket }} {{ who }}"', '"{{ ticket }} CURSOR"'),
    BASE.replace('"default": 3', '"default": 3CURSOR'),
    BASE.replace('"inputs": {', 'CURSOR "inputs": {'),
  ]) assert.deepEqual(offer(template).snippets, [], template);
});
