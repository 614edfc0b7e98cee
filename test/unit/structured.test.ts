import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStructuredOutput, formatArguments, reaskMessages, responseSchema } from '../../src/core/run/structured';
import { StreamAssembler } from '../../src/core/run/streamAssembly';
import { recordedChunks } from './wireOracle';

const weather = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature: { type: 'number' }, units: { type: 'string', enum: ['c', 'f'] } },
  required: ['city', 'temperature', 'units'],
  additionalProperties: false,
};

test('the recorded json_schema stream validates against its schema and is pretty-printed', () => {
  const a = new StreamAssembler();
  for (const chunk of recordedChunks('openai/pysdk-stream-json-schema.sse')) a.push(chunk);
  const check = checkStructuredOutput(a.text, weather);
  assert.equal(check.valid, true, JSON.stringify(check.problems));
  assert.equal(check.formatted, '{\n  "city": "San Francisco",\n  "temperature": 61,\n  "units": "f"\n}');
});

test('an output that breaks the schema says where', () => {
  const check = checkStructuredOutput('{"city": 3, "units": "k", "extra": 1}', weather);
  assert.equal(check.valid, false);
  assert.deepEqual(check.problems.map((p) => p.path).sort(), ['', '', '/city', '/units']);
  assert.ok(check.problems.some((p) => p.message === '(root) must have required property \'temperature\''));
  assert.ok(check.problems.some((p) => p.message.includes('"extra"')));
});

test('an output that is not JSON, and a schema that does not compile, are problems too', () => {
  assert.match(checkStructuredOutput('{"city": ', weather).problems[0]?.message ?? '', /^The output is not JSON/);
  assert.match(checkStructuredOutput('{}', { type: 'nonsense' }).problems[0]?.message ?? '', /does not compile/);
});

test('responseSchema reads OpenAI\'s response_format; other formats have none', () => {
  assert.equal(responseSchema({ response_format: { type: 'json_schema', json_schema: { name: 'w', schema: weather } } }), weather);
  assert.equal(responseSchema({ response_format: { type: 'json_object' } }), undefined);
  assert.equal(responseSchema({}), undefined);
});

test('tool call arguments: pretty when they parse, kept and marked when not', () => {
  assert.deepEqual(formatArguments('{"a":1}'), { text: '{\n  "a": 1\n}', valid: true });
  assert.deepEqual(formatArguments('{"a":'), { text: '{"a":', valid: false });
  assert.deepEqual(formatArguments(''), { text: '{}', valid: true });
});

test('the re-ask carries the answer and what was wrong with it', () => {
  const check = checkStructuredOutput('{"city": 3}', weather);
  const [answer, ask] = reaskMessages('{"city": 3}', check);
  assert.deepEqual(answer, { role: 'assistant', content: '{"city": 3}' });
  assert.match(ask?.content ?? '', /does not match the required JSON schema:\n- \(root\) must have required property 'temperature'\n.*\n- \/city must be string\nAnswer again/);
});
