import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDeployment, selectVariant, type DeploymentConfig } from '../../src/core/providers/deployments';

const chat: DeploymentConfig = {
  provider: 'azure', endpoint: 'https://us.example.com', deployment: 'gpt-4o', apiVersion: '2024-10-21',
  variants: [
    { name: 'staging', when: { environment: 'staging' }, deployment: 'gpt-4o-mini' },
    { when: { environment: 'production', region: ['eu', 'uk'] }, endpoint: 'https://eu.example.com' },
    { when: { environment: 'production' }, endpoint: 'https://prod.example.com' },
  ],
};

test('the first variant whose when matches the context wins', () => {
  assert.equal(selectVariant(chat, { environment: 'staging', region: 'eu' }).variant, 'staging');
  const eu = resolveDeployment('chat', { chat }, { environment: 'production', region: 'uk' });
  assert.equal(eu.variant, 'production · eu · uk');
  assert.equal(eu.baseURL, 'https://eu.example.com');
  assert.equal(eu.azure?.deployment, 'gpt-4o');
  const prod = resolveDeployment('chat', { chat }, { environment: 'production', region: 'us' });
  assert.equal(prod.baseURL, 'https://prod.example.com');
});

test('no match, or no context, gives the default variant: the deployment\'s own fields', () => {
  for (const context of [{}, { environment: 'dev' }, { region: 'eu' }]) {
    const d = resolveDeployment('chat', { chat }, context);
    assert.equal(d.variant, 'default');
    assert.equal(d.baseURL, 'https://us.example.com');
    assert.equal(d.azure?.deployment, 'gpt-4o');
  }
});

test('a variant may change the provider too', () => {
  const mixed: DeploymentConfig = { provider: 'openai', model: 'gpt-4o-mini', variants: [{ when: { offline: 'yes' }, provider: 'ollama', model: 'llama3.2' }] };
  const local = resolveDeployment('m', { m: mixed }, { offline: 'yes' });
  assert.equal(local.provider, 'ollama');
  assert.equal(local.baseURL, 'http://127.0.0.1:11434/v1');
  assert.equal(local.needsKey, false);
  assert.equal(resolveDeployment('m', { m: mixed }).needsKey, true);
});

test('Entra ID deployments need no key', () => {
  const d = resolveDeployment('e', { e: { provider: 'azure', endpoint: 'https://x.openai.azure.com', deployment: 'd', auth: 'entra' } });
  assert.equal(d.entra, true);
  assert.equal(d.needsKey, false);
});
