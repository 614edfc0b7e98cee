// The context keys the walkthrough's steps wait for, in the real extension host: each turns true when the work is
// really done. "A deployment can run" needs no key for a server on this machine, and for a service turns true when
// its key is stored and false again when it is removed.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import { EXTENSION_ID, useDeployments } from './promptDocuments';

const DEADLINE_MS = 10_000;

/** Run `action`, then resolve when context key `key` has `value` (subscribed before the action). */
async function keyAfter(api: PromptLabApi, key: string, value: boolean, action: () => Thenable<unknown>): Promise<void> {
  let sub: vscode.Disposable | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reached = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (api.walkthrough.value(key) === value) resolve();
    };
    sub = api.walkthrough.onDidChange(check);
    timer = setTimeout(() => reject(new Error(`${key} never became ${value}; it is ${api.walkthrough.value(key)}`)), DEADLINE_MS);
  });
  try {
    await action();
    if (api.walkthrough.value(key) === value) return;
    await reached;
  } finally {
    sub?.dispose();
    clearTimeout(timer);
  }
}

describe('Walkthrough steps', function () {
  this.timeout(60_000);
  let api: PromptLabApi;
  let restore: (() => Promise<void>) | undefined;

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('promptLab.setApiKey', 'remote', '');
    await restore?.();
  });

  it('no deployment: neither step is done; a server on this machine: both, without a key', async () => {
    await keyAfter(api, 'promptLab.hasDeployments', false, async () => { restore = await useDeployments({}); });
    assert.equal(api.walkthrough.value('promptLab.deploymentReady'), false);
    await keyAfter(api, 'promptLab.deploymentReady', true, () => useDeployments({ local: { provider: 'ollama', model: 'llama3.2' } }));
    assert.equal(api.walkthrough.value('promptLab.hasDeployments'), true);
  });

  it('a service is ready once its key is stored, and not after the key is removed', async () => {
    await keyAfter(api, 'promptLab.deploymentReady', false, () => useDeployments({ remote: { provider: 'openai', model: 'gpt-4o-mini' } }));
    assert.equal(api.walkthrough.value('promptLab.hasDeployments'), true);
    await keyAfter(api, 'promptLab.deploymentReady', true, () => vscode.commands.executeCommand('promptLab.setApiKey', 'remote', 'sk-walkthrough-test'));
    await keyAfter(api, 'promptLab.deploymentReady', false, () => vscode.commands.executeCommand('promptLab.setApiKey', 'remote', ''));
  });

  // The workspace (a copy of examples/) holds prompt files from the start, so this proves the scan on activation,
  // not the file watcher: writing one more file would find the key already true and prove nothing.
  it('the prompt files a workspace already holds are found after activation', async () => {
    const found = await vscode.workspace.findFiles('**/*.prompt.json', '**/node_modules/**', 1);
    assert.equal(found.length, 1, 'the test workspace should hold a prompt file');
    await keyAfter(api, 'promptLab.hasPromptFiles', true, () => Promise.resolve());
  });
});
