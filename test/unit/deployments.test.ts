import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeploymentError, isLoopbackHost, resolveDeployment } from '../../src/core/providers/deployments';
import { resolveNamedDeployment, resolvePromptDeployment } from '../../src/core/providers/models';

const deployments = {
  local: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:8000/v1/', model: 'llama' },
  openai: { provider: 'openai', model: 'gpt-4o-mini', parameters: { temperature: 0 } },
  az: { provider: 'azure', endpoint: 'https://res.openai.azure.com/', deployment: 'gpt4o' },
  azLocal: { provider: 'azure', endpoint: 'http://localhost:9000', deployment: 'd', apiVersion: '2025-01-01-preview' },
  mistral: { provider: 'mistral', model: 'mistral-small-latest' },
  ollama: { provider: 'ollama', model: 'llama3.2' },
  envKey: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1', model: 'm', apiKeyEnv: 'MY_KEY' },
  bad: { provider: 'anthropic', model: 'x' },
  noUrl: { provider: 'openai-compatible', model: 'x' },
};

test('resolves each provider with its defaults', () => {
  const local = resolveDeployment('local', deployments);
  assert.equal(local.baseURL, 'http://127.0.0.1:8000/v1');
  assert.equal(local.needsKey, false);
  const openai = resolveDeployment('openai', deployments);
  assert.equal(openai.baseURL, 'https://api.openai.com/v1');
  assert.equal(openai.needsKey, true);
  assert.deepEqual(openai.parameters, { temperature: 0 });
  const az = resolveDeployment('az', deployments);
  assert.deepEqual(az.azure, { endpoint: 'https://res.openai.azure.com', deployment: 'gpt4o', apiVersion: '2024-10-21' });
  assert.equal(az.model, 'gpt4o');
  assert.equal(az.needsKey, true);
  assert.equal(resolveDeployment('azLocal', deployments).needsKey, false);
  const mistral = resolveDeployment('mistral', deployments);
  assert.equal(mistral.baseURL, 'https://api.mistral.ai/v1');
  assert.equal(mistral.streamUsage, false);
  assert.equal(resolveDeployment('ollama', deployments).baseURL, 'http://127.0.0.1:11434/v1');
  assert.equal(resolveDeployment('envKey', deployments).needsKey, true);
});

test('a missing, unknown or incomplete deployment says what to do', () => {
  assert.throws(() => resolveDeployment(undefined, deployments), (e: unknown) => e instanceof DeploymentError && e.kind === 'none' && /add "deployment"/.test(e.message));
  assert.throws(() => resolveDeployment(undefined, {}), (e: unknown) => e instanceof DeploymentError && e.kind === 'none' && /promptLab.deployments/.test(e.message));
  assert.throws(() => resolveDeployment('nope', deployments), (e: unknown) => e instanceof DeploymentError && e.kind === 'unknown' && /known: "local", "openai"/.test(e.message));
  assert.throws(() => resolveDeployment('bad', deployments), (e: unknown) => e instanceof DeploymentError && e.kind === 'invalid' && /provider "anthropic"/.test(e.message));
  assert.throws(() => resolveDeployment('noUrl', deployments), /needs "baseURL"/);
  assert.throws(() => resolveDeployment('x', { x: { provider: 'azure', deployment: 'd' } }), /needs "endpoint"/);
});

test('loopback hosts are recognised', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['10.0.0.1', 'api.openai.com', '128.0.0.1', 'localhost.example.com']) assert.equal(isLoopbackHost(h), false, h);
});

test('the github preset: GitHub Models\' inference endpoint, a key needed, GITHUB_TOKEN by default, no stream_options', () => {
  const github = resolveDeployment('gh', { gh: { provider: 'github', model: 'openai/gpt-4o' } });
  assert.equal(github.baseURL, 'https://models.github.ai/inference');
  assert.equal(github.needsKey, true);
  assert.equal(github.apiKeyEnv, 'GITHUB_TOKEN');
  assert.equal(github.streamUsage, false);
  assert.equal(resolveDeployment('gh', { gh: { provider: 'github', model: 'm/x', apiKeyEnv: 'MY_PAT', streamUsage: true } }).apiKeyEnv, 'MY_PAT');
  assert.equal(resolveDeployment('openai', deployments).apiKeyEnv, undefined, 'other presets name no variable');
});

test('a prompt\'s model: promptLab.models first, else GitHub Models; its deployment wins over both', () => {
  const settings = { deployments, models: { 'openai/gpt-4o-mini': 'openai', 'meta/llama': 'gone' } };
  assert.equal(resolvePromptDeployment({ model: 'openai/gpt-4o-mini' }, settings).key, 'openai');
  const direct = resolvePromptDeployment({ model: 'openai/gpt-4o' }, settings);
  assert.deepEqual([direct.key, direct.provider, direct.model, direct.baseURL], ['openai/gpt-4o', 'github', 'openai/gpt-4o', 'https://models.github.ai/inference']);
  assert.equal(resolvePromptDeployment({ deployment: 'local', model: 'openai/gpt-4o' }, settings).key, 'local');
  assert.throws(() => resolvePromptDeployment({ model: 'meta/llama' }, settings), (e: unknown) => e instanceof DeploymentError && e.kind === 'unknown' && /sends "meta\/llama" to deployment "gone"/.test(e.message));
  assert.throws(() => resolvePromptDeployment({ model: 'gpt-4o' }, settings), (e: unknown) => e instanceof DeploymentError && e.kind === 'invalid' && /publisher\/name/.test(e.message));
  assert.throws(() => resolvePromptDeployment({}, settings), (e: unknown) => e instanceof DeploymentError && e.kind === 'none');
});

test('a named deployment: a key of promptLab.deployments, else a model id resolved as a prompt\'s model', () => {
  const settings = { deployments: { ...deployments, 'openai/gpt-4o': { provider: 'openai-compatible' as const, baseURL: 'http://127.0.0.1:1/v1', model: 'local-judge' } }, models: { 'openai/gpt-4o-mini': 'openai' } };
  assert.equal(resolveNamedDeployment('local', settings).key, 'local');
  assert.equal(resolveNamedDeployment('openai/gpt-4o', settings).model, 'local-judge', 'a key that looks like a model id is a key first');
  assert.equal(resolveNamedDeployment('openai/gpt-4o-mini', settings).key, 'openai', 'promptLab.models maps a model id');
  assert.equal(resolveNamedDeployment('meta/llama-3', settings).provider, 'github', 'else GitHub Models serves it');
  assert.throws(() => resolveNamedDeployment('nowhere', settings), (e: unknown) => e instanceof DeploymentError && e.kind === 'unknown');
});
