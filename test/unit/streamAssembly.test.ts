import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamAssembler } from '../../src/core/run/streamAssembly';
import { expectedOf, recordedChunks, recordedStreams } from './wireOracle';

function assemble(file: string): StreamAssembler {
  const assembler = new StreamAssembler();
  let text = '';
  for (const chunk of recordedChunks(file)) text += assembler.push(chunk).text;
  assert.equal(text, assembler.text, `${file}: the deltas concatenate to the output`);
  return assembler;
}

test('every recorded stream assembles to its text, finish_reason and usage', () => {
  const files = recordedStreams();
  assert.ok(files.length >= 25, `found ${files.length} recorded streams`);
  for (const file of files) {
    const a = assemble(file);
    const expected = expectedOf(file);
    assert.equal(a.text, expected.text, file);
    assert.equal(a.finishReason, expected.finishReason, file);
    if (expected.usage) {
      assert.equal(a.usage?.promptTokens, expected.usage.prompt_tokens, file);
      assert.equal(a.usage?.completionTokens, expected.usage.completion_tokens, file);
    } else {
      assert.equal(a.usage, null, file);
    }
  }
});

test('OpenAI: text then a separate usage chunk with choices: []', () => {
  const a = assemble('openai/pysdk-stream-text-usage.sse');
  assert.equal(a.text.length, 159);
  assert.match(a.text, /^I'm unable to provide real-time weather updates/);
  assert.deepEqual(a.usage, { promptTokens: 14, completionTokens: 30, totalTokens: 44 });
  assert.equal(a.finishReason, 'stop');
  assert.equal(a.model, 'gpt-4o-2024-08-06');
});

test('Azure: the empty-choices first chunk with an empty model does not hide the real model', () => {
  const a = assemble('azure/vercel-model-router-stream-usage.sse');
  assert.equal(a.text, 'Capital of Denmark.');
  assert.equal(a.model, 'gpt-5-nano-2025-08-07');
  assert.equal(a.usage?.completionTokens, 78);
  const old = assemble('azure/otel-stream-gpt35-api-2024-02-01.sse');
  assert.equal(old.usage, null);
  assert.equal(old.model, 'gpt-35-turbo');
});

test('Mistral: usage in the finish chunk, `p` padding ignored', () => {
  const a = assemble('mistral/vercel-stream-text.sse');
  assert.equal(a.text, 'Hello, world! This is a test response.');
  assert.deepEqual(a.usage, { promptTokens: 13, completionTokens: 8, totalTokens: 21 });
  assert.equal(assemble('mistral/otel-stream-p-padding-usage.sse').text.length, 297);
});

test('vLLM: stop_reason and prompt_token_ids are extra fields; the last token comes with finish_reason', () => {
  assert.equal(assemble('vllm/crusoe-vllm-0.24-stream-usage.sse').text, '1, 2, 3, 4, 5');
  const old = assemble('vllm/otel-vllm-opt125m-stream-finish-length.sse');
  assert.equal(old.finishReason, 'length');
  assert.ok(old.text.endsWith('<'), JSON.stringify(old.text.slice(-5)));
});

test('reasoning stays apart from the answer (DeepSeek reasoning_content, Magistral thinking parts)', () => {
  const deepseek = assemble('deepseek/pai-stream-reasoning-content.sse');
  assert.equal(deepseek.text, 'Hello there! 😊 How can I help you today?');
  assert.ok((deepseek.choices[0]?.reasoning.length ?? 0) > 100);
  const magistral = assemble('mistral/pai-stream-magistral-thinking-usage.sse');
  assert.ok(magistral.text.startsWith('To cross the street safely'));
  assert.ok((magistral.choices[0]?.reasoning.length ?? 0) > 0);
  assert.ok(!magistral.text.includes(magistral.choices[0]?.reasoning.slice(0, 40) ?? 'x'));
});

test('tool calls: split by index, parallel, whole in one chunk without index, starting at index 1', () => {
  const parallel = assemble('openai/pysdk-stream-parallel-tool-calls.sse').choices[0]?.toolCalls ?? [];
  assert.equal(parallel.length, 2);
  for (const call of parallel) assert.doesNotThrow(() => JSON.parse(call.arguments), call.arguments);
  assert.ok(parallel.every((c) => c.id && c.name));
  const mistral = assemble('mistral/vercel-stream-tool-call-single-chunk.sse').choices[0]?.toolCalls ?? [];
  assert.equal(mistral.length, 1);
  assert.doesNotThrow(() => JSON.parse(mistral[0]?.arguments ?? ''));
  const compat = assemble('other/vercel-anthropic-via-compat-tool-index-1.sse').choices[0]?.toolCalls ?? [];
  assert.equal(compat.length, 1);
  assert.equal(compat[0]?.index, 1);
});

test('n = 3 choices are kept apart; refusals are not output text', () => {
  const n3 = assemble('openai/pysdk-stream-n3-choices.sse');
  assert.equal(n3.choices.length, 3);
  assert.ok(n3.choices.every((c) => c.finishReason === 'stop' && c.content.startsWith('{"city"')));
  const refusal = assemble('openai/pysdk-stream-refusal.sse');
  assert.equal(refusal.text, '');
  assert.ok((refusal.choices[0]?.refusal.length ?? 0) > 10);
});

test('Groq usage under x_groq is read', () => {
  const a = assemble('groq/vercel-stream-tool-call-x_groq-usage.sse');
  assert.deepEqual(a.usage, { promptTokens: 210, completionTokens: 15, totalTokens: 225 });
});

test('Azure content filter results: nothing filtered in the recordings; filtered categories are reported', () => {
  assert.deepEqual(assemble('azure/vercel-model-router-stream-usage.sse').contentFilter, { prompt: [], output: [] });
  const a = new StreamAssembler();
  a.push({ choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' }, violence: { filtered: true, severity: 'medium' } } }] });
  a.push({ choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null, content_filter_results: { self_harm: { filtered: true, severity: 'high' } } }] });
  a.push({ choices: [{ index: 0, delta: {}, finish_reason: 'content_filter' }] });
  assert.deepEqual(a.contentFilter, { prompt: ['violence (medium)'], output: ['self_harm (high)'] });
  const bare = new StreamAssembler();
  bare.push({ choices: [{ index: 0, delta: {}, finish_reason: 'content_filter' }] });
  assert.deepEqual(bare.contentFilter, { prompt: [], output: ['content_filter'] });
});
