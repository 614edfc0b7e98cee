// The language status items of a prompt file in the real extension host: the deployment (with its variant and the
// Switch link) and the problem count of every source, following edits, settings and the active editor.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import { EXTENSION_ID, openWithDiagnostics, writePromptText } from './promptDocuments';

const DEADLINE_MS = 10_000;

/** Resolve when `check` holds, re-checking after each update of the items; fails with `what` and the last state. */
async function until(api: PromptLabApi, check: () => boolean, what: string): Promise<void> {
  if (check()) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`${what}; now ${JSON.stringify(state(api))}`));
    }, DEADLINE_MS);
    const sub = api.languageStatus.onDidUpdate(() => {
      if (!check()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

function state(api: PromptLabApi) {
  const { deployment, problems } = api.languageStatus;
  return { deployment: [deployment.text, deployment.detail, deployment.severity], problems: [problems.text, problems.detail, problems.severity] };
}

describe('Language status', function () {
  this.timeout(60_000);
  let api: PromptLabApi;
  const config = () => vscode.workspace.getConfiguration('promptLab');
  let previousDeployments: unknown;
  let previousContext: unknown;

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    previousDeployments = config().inspect('deployments')?.workspaceValue;
    previousContext = config().inspect('context')?.workspaceValue;
    await config().update('deployments', {
      chat: {
        provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'model-a',
        variants: [{ name: 'staging', when: { environment: 'staging' }, model: 'model-b' }],
      },
    }, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await config().update('deployments', previousDeployments, vscode.ConfigurationTarget.Workspace);
    await config().update('context', previousContext, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the deployment, its provider and model, and links to Switch Deployment or Context', async () => {
    const uri = await writePromptText('status-ok.prompt.json', JSON.stringify({ deployment: 'chat', messages: [{ role: 'user', content: 'Hi' }] }, null, 2));
    await openWithDiagnostics(uri, () => true);
    await until(api, () => api.languageStatus.deployment.text === '$(server) chat', 'the deployment item names "chat"');
    const item = api.languageStatus.deployment;
    assert.equal(item.detail, 'openai-compatible · model-a');
    assert.equal(item.severity, vscode.LanguageStatusSeverity.Information);
    assert.equal(item.command?.command, 'promptLab.switchDeployment');
    assert.equal(item.command?.title, 'Switch');
    await until(api, () => api.languageStatus.problems.text === '$(check) No problems', 'no problems');
  });

  it('shows the variant the routing context picks', async () => {
    await config().update('context', { environment: 'staging' }, vscode.ConfigurationTarget.Workspace);
    await until(api, () => api.languageStatus.deployment.text === '$(server) chat · staging', 'the staging variant');
    assert.equal(api.languageStatus.deployment.detail, 'openai-compatible · model-b · variant staging');
    await config().update('context', undefined, vscode.ConfigurationTarget.Workspace);
    await until(api, () => api.languageStatus.deployment.text === '$(server) chat', 'back to the default variant');
  });

  it('an unknown deployment is an error item with the reason; problems count every source', async () => {
    const uri = await writePromptText('status-bad.prompt.json', JSON.stringify({ deployment: 'nope', messages: [{ role: 'user', content: 'Hi {{ who }}' }] }, null, 2));
    const diagnostics = await openWithDiagnostics(uri, (d) => d.length >= 2);
    assert.deepEqual(diagnostics.map((d) => d.code).sort(), ['undeclared-variable', 'unknown-deployment']);
    await until(api, () => api.languageStatus.deployment.text === '$(warning) nope', 'the item names "nope" as a warning');
    assert.equal(api.languageStatus.deployment.severity, vscode.LanguageStatusSeverity.Error);
    assert.match(api.languageStatus.deployment.detail ?? '', /No deployment "nope"/);
    await until(api, () => api.languageStatus.problems.text === '$(error) 2 problems', 'two problems');
    assert.equal(api.languageStatus.problems.detail, '2 errors, 0 warnings');
    assert.equal(api.languageStatus.problems.severity, vscode.LanguageStatusSeverity.Error);
    assert.equal(api.languageStatus.problems.command?.command, 'workbench.actions.view.problems');

    // A property the schema refuses: VS Code's JSON support adds a warning, and the count follows.
    const document = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, document.positionAt(1), '"notAField": 1,');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until(api, () => api.languageStatus.problems.text === '$(error) 3 problems', 'three problems with the schema warning');
    assert.equal(api.languageStatus.problems.detail, '2 errors, 1 warning');
    await document.save();
  });

  it('follows the active editor', async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'status-ok.prompt.json');
    await vscode.window.showTextDocument(uri);
    await until(api, () => api.languageStatus.deployment.text === '$(server) chat', 'the ok file\'s deployment again');
  });
});
