import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { positionAt } from '../../src/core/format/text';

const SAMPLE = `{
  // a comment, as JSONC allows
  "name": "Summarise",
  "deployment": "replay-openai",
  "parameters": { "temperature": 0.2, "max_tokens": 300, },
  "inputs": {
    "article": { "description": "Text to summarise", "default": "Once upon a time", "required": true },
    "history": { "type": "chat_history", "default": [] },
    "style": { "required": true }
  },
  "messages": [
    { "role": "system", "content": "You write \\"short\\" summaries.\\nAlways." },
    { "role": "chat_history", "input": "history" },
    { "role": "user", "content": "Summarise: {{ article }}", "name": "reader" }
  ]
}`;

test('parses every field of a prompt file, comments and trailing commas included', () => {
  const { prompt, problems } = parsePromptFile(SAMPLE);
  assert.deepEqual(problems, []);
  assert.ok(prompt);
  assert.equal(prompt.name, 'Summarise');
  assert.equal(prompt.deployment, 'replay-openai');
  assert.deepEqual({ ...prompt.parameters }, { temperature: 0.2, max_tokens: 300 });
  assert.deepEqual([...prompt.inputs.keys()], ['article', 'history', 'style']);
  const article = prompt.inputs.get('article');
  assert.equal(article?.default, 'Once upon a time');
  assert.equal(article?.required, true);
  assert.equal(article?.description, 'Text to summarise');
  assert.equal(prompt.inputs.get('history')?.type, 'chat_history');
  assert.equal(prompt.inputs.get('style')?.hasDefault, false);
  assert.equal(prompt.messages.length, 3);
  const [system, history, user] = prompt.messages;
  assert.equal(system?.kind, 'template');
  assert.equal(system?.kind === 'template' && system.content, 'You write "short" summaries.\nAlways.');
  assert.deepEqual(history, { kind: 'chat_history', index: 1, input: 'history', span: history?.kind === 'chat_history' ? history.span : undefined });
  assert.equal(user?.kind === 'template' && user.name, 'reader');
});

test('keeps the span of each content string literal, quotes included', () => {
  const { prompt } = parsePromptFile(SAMPLE);
  const user = prompt?.messages[2];
  assert.ok(user && user.kind === 'template');
  const literal = SAMPLE.slice(user.contentSpan.offset, user.contentSpan.offset + user.contentSpan.length);
  assert.equal(literal, '"Summarise: {{ article }}"');
  assert.deepEqual(positionAt(SAMPLE, user.contentSpan.offset), { line: 13, character: 33 });
});

test('malformed JSONC is reported with its line and column', () => {
  const text = '{\n  "name": "x"\n  "messages": []\n}';
  const { prompt, problems } = parsePromptFile(text);
  assert.equal(prompt, null);
  assert.equal(problems[0]?.code, 'jsonc-syntax');
  assert.deepEqual(problems[0]?.start, { line: 2, character: 2 });
  assert.match(problems[0]?.message ?? '', /^Malformed JSONC at line 3, column 3: a comma is missing/);
});

test('a file without usable messages gets a structure problem and no prompt', () => {
  for (const text of ['{}', '{"messages": []}', '{"messages": {}}', '[]']) {
    const { prompt, problems } = parsePromptFile(text);
    assert.equal(prompt, null, text);
    assert.equal(problems[0]?.code, 'prompt-structure', text);
  }
});

test('a message with an unknown role or no content is named by its position', () => {
  const { prompt, problems } = parsePromptFile('{"messages": [{"role": "robot", "content": "x"}, {"role": "user"}, {"role": "chat_history"}]}');
  assert.ok(prompt);
  assert.deepEqual(problems.map((p) => p.message.slice(0, 9)), ['Message 1', 'Message 2', 'Message 3']);
  assert.equal(prompt.messages.length, 0);
});

test('positionAt counts \\n, \\r\\n and \\r line ends', () => {
  assert.deepEqual(positionAt('a\r\nb\rc\nd', 7), { line: 3, character: 0 });
  assert.deepEqual(positionAt('a\r\nbc', 4), { line: 1, character: 1 });
  assert.deepEqual(positionAt('abc', 99), { line: 0, character: 3 });
});
