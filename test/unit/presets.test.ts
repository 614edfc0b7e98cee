/**
 * Provider presets: each gives a base URL and the key's environment variable; Scaleway builds its URL from a project;
 * the presets whose services have recordings in test/fixtures/wire (Groq, OpenRouter) run them through the real SDK.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { PROVIDERS, resolveDeployment, type DeploymentConfig } from '../../src/core/providers/deployments';
import { executeRun } from '../../src/core/run/run';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { expectedOf } from './wireOracle';

let server: ReplayServer;
before(async () => {
  server = await startReplayServer();
});
after(async () => {
  await server.close();
});

const PRESETS: [string, string, string | undefined, boolean][] = [
  ['scaleway', 'https://api.scaleway.ai/v1', 'SCW_SECRET_KEY', true],
  ['together', 'https://api.together.xyz/v1', 'TOGETHER_API_KEY', true],
  ['fireworks', 'https://api.fireworks.ai/inference/v1', 'FIREWORKS_API_KEY', true],
  ['deepinfra', 'https://api.deepinfra.com/v1/openai', 'DEEPINFRA_TOKEN', true],
  ['openrouter', 'https://openrouter.ai/api/v1', 'OPENROUTER_API_KEY', true],
  ['groq', 'https://api.groq.com/openai/v1', 'GROQ_API_KEY', true],
  ['lmstudio', 'http://127.0.0.1:1234/v1', undefined, false],
  ['llamacpp', 'http://127.0.0.1:8080/v1', undefined, false],
];

test('each preset has its base URL and key variable, and a key only where the service needs one', () => {
  for (const [provider, baseURL, apiKeyEnv, needsKey] of PRESETS) {
    const d = resolveDeployment('d', { d: { provider, model: 'm' } });
    assert.equal(d.baseURL, baseURL, provider);
    assert.equal(d.apiKeyEnv, apiKeyEnv, provider);
    assert.equal(d.needsKey, needsKey, provider);
    assert.equal(d.provider, provider);
    assert.ok(PROVIDERS[d.provider].label.length > 0);
  }
});

test('scaleway: projectId builds the project endpoint, endpoint or baseURL given whole win', () => {
  assert.equal(resolveDeployment('d', { d: { provider: 'scaleway', model: 'llama-3.3-70b-instruct', projectId: '0f4b-42' } }).baseURL, 'https://api.scaleway.ai/0f4b-42/v1');
  assert.equal(resolveDeployment('d', { d: { provider: 'scaleway', model: 'm', endpoint: 'https://api.scaleway.ai/p1/v1/' } }).baseURL, 'https://api.scaleway.ai/p1/v1');
  assert.equal(resolveDeployment('d', { d: { provider: 'scaleway', model: 'm', projectId: 'x', baseURL: 'http://127.0.0.1:9/v1' } }).baseURL, 'http://127.0.0.1:9/v1');
  assert.equal(resolveDeployment('d', { d: { provider: 'scaleway', model: 'm', projectId: 'a/../b' } }).baseURL, 'https://api.scaleway.ai/a%2F..%2Fb/v1', 'a project id cannot change the path');
});

const PROMPT = parsePromptFile('{ "deployment": "d", "messages": [ { "role": "user", "content": "Hi" } ] }').prompt as PromptFile;

async function runPreset(config: DeploymentConfig) {
  const deployment = resolveDeployment('d', { d: config });
  return executeRun({ runId: randomUUID(), promptPath: 'p.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: {}, deployment, apiKey: 'test-key-123456' });
}

test('groq: the recorded stream with x_groq usage and a tool call runs through the preset', async () => {
  const outcome = await runPreset({ provider: 'groq', baseURL: server.baseURL, model: 'replay/groq/vercel-stream-tool-call-x_groq-usage' });
  const expected = expectedOf('groq/vercel-stream-tool-call-x_groq-usage.sse');
  assert.equal(outcome.record.status, 'ok');
  assert.equal(outcome.record.provider, 'groq');
  assert.equal(outcome.record.finishReason, expected.finishReason);
  assert.equal(outcome.record.toolCalls?.length, 1);
  assert.equal(outcome.record.usage?.completionTokens, expected.usage?.completion_tokens);
  const body = server.requests.at(-1)?.body as { stream_options?: unknown };
  assert.deepEqual(body.stream_options, { include_usage: true }, 'Groq takes include_usage');
  assert.equal(server.requests.at(-1)?.headers.authorization, 'Bearer test-key-123456');
});

test('openrouter: the recorded stream with SSE comments and an error after the finish runs through the preset', async () => {
  const outcome = await runPreset({ provider: 'openrouter', baseURL: server.baseURL, model: 'replay/openrouter/pai-stream-comments-inline-error' });
  assert.equal(outcome.record.provider, 'openrouter');
  assert.equal(outcome.record.status, 'error');
  const expected = expectedOf('openrouter/pai-stream-comments-inline-error.sse');
  assert.equal(outcome.record.output, expected.text, 'what came before the error is kept');
  assert.match(outcome.error?.message ?? '', /during the stream/);
});
