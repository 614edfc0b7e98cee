// GitHub Models .prompt.yml files inside the real extension host: diagnostics at their exact characters (inside a
// block scalar too) with GitHub's severities, the refresh after an edit, the preview rendered by GitHub's rules on
// GitHub Models, Run Prompt on the deployment `promptLab.models` names (a local replay server), and Convert to .prompt.json / .prompt.yml writing files that Prompt Lab checks clean.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import type { RunOutcome } from '../../src/core/run/run';
import { startReplayServer } from '../replay/server';
import { EXTENSION_ID, codes, diagnosticsAfter, openWithDiagnostics, placed, promptLabDiagnostics, useDeployments, writePromptText } from './promptDocuments';

const FIXTURE = [
  'name: Greeter',
  'model: openai/gpt-4o-mini',
  'modelParameters:',
  '  temperature: 3',
  'testData:',
  '  - name: Ada',
  'messages:',
  '  - role: system',
  '    content: |',
  '      You greet {{name}} in {{language}}.',
  '      {% if formal %}Be formal.{% endif %}',
  '  - role: usr',
  '    content: "caf\\u00e9 {{name}}"',
  '',
].join('\n');

describe('prompt.yml', function () {
  this.timeout(30000);
  let restore: () => Promise<void>;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    restore = await useDeployments({ alpha: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'model-a' } });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await restore?.();
  });

  it('reports each problem at its exact characters, warnings where GitHub sends text as written', async () => {
    const uri = await writePromptText('yml-ranges.prompt.yml', FIXTURE);
    const diagnostics = await openWithDiagnostics(uri, (d) => d.length > 0);
    const lines = FIXTURE.split('\n');
    assert.deepEqual(diagnostics.map(placed), [
      ['parameter-out-of-range', 3, 15, 3, 16],
      ['unknown-variable', 9, (lines[9] ?? '').indexOf('language'), 9, (lines[9] ?? '').indexOf('language') + 8],
      ['template-not-replaced', 10, (lines[10] ?? '').indexOf('{% if'), 10, (lines[10] ?? '').indexOf('{% if') + '{% if formal %}'.length],
      ['template-not-replaced', 10, (lines[10] ?? '').indexOf('{% endif'), 10, (lines[10] ?? '').indexOf('{% endif') + '{% endif %}'.length],
      ['unknown-role', 11, 10, 11, 13],
    ]);
    const severity = new Map(diagnostics.map((d) => [String(d.code), d.severity]));
    assert.equal(severity.get('unknown-variable'), vscode.DiagnosticSeverity.Warning);
    assert.equal(severity.get('template-not-replaced'), vscode.DiagnosticSeverity.Warning);
    assert.equal(severity.get('unknown-role'), vscode.DiagnosticSeverity.Error);
    assert.equal(severity.get('parameter-out-of-range'), vscode.DiagnosticSeverity.Error);
  });

  it('refreshes after an edit: a testData key clears the unknown variable', async () => {
    const uri = await writePromptText('yml-edit.prompt.yml', FIXTURE);
    await openWithDiagnostics(uri, (d) => codes(d).includes('unknown-variable'));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(6, 0), '    language: French\n');
    const after = await diagnosticsAfter(uri, () => vscode.workspace.applyEdit(edit), (d) => !codes(d).includes('unknown-variable'));
    assert.deepEqual(codes(after), ['parameter-out-of-range', 'template-not-replaced', 'template-not-replaced', 'unknown-role']);
  });

  it('previews the messages rendered by GitHub\'s rules, on GitHub Models for the model it names', async () => {
    const clean = FIXTURE.replace('temperature: 3', 'temperature: 0.2').replace('role: usr', 'role: user');
    const uri = await writePromptText('yml-preview.prompt.yml', clean);
    const previewUri = await vscode.commands.executeCommand<vscode.Uri | undefined>('promptLab.previewPrompt', uri);
    assert.ok(previewUri);
    const preview = vscode.workspace.textDocuments.find((d) => d.uri.toString() === previewUri.toString());
    assert.ok(preview);
    const shown = preview.getText();
    for (const expected of ['# Greeter', 'You greet Ada in {{language}}.', '{% if formal %}Be formal.{% endif %}', '### 2. user', 'café Ada',
      '`openai/gpt-4o-mini`', 'github', 'https://models.github.ai/inference', '"temperature":0.2']) {
      assert.ok(shown.includes(expected), `the preview shows ${expected}:\n${shown}`);
    }
  });

  it('runs with Run Prompt on the deployment promptLab.models names, sending the messages GitHub\'s rules render, and logs the run', async () => {
    const server = await startReplayServer();
    const config = vscode.workspace.getConfiguration('promptLab');
    const previousModels = config.inspect('models')?.workspaceValue;
    const restoreDeployments = await useDeployments({ echo: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'synthetic/echo' } });
    try {
      await config.update('models', { 'openai/gpt-4o-mini': 'echo' }, vscode.ConfigurationTarget.Workspace);
      const clean = FIXTURE.replace('temperature: 3', 'temperature: 0.2').replace('role: usr', 'role: user');
      const uri = await writePromptText('yml-run.prompt.yml', clean);
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      assert.ok(outcome, 'Run Prompt returned the run');
      const { record } = outcome;
      assert.equal(record.status, 'ok', JSON.stringify(record.error));
      assert.equal(record.deployment, 'echo');
      assert.equal(record.prompt, 'yml-run.prompt.yml');
      // GitHub's rules: {{name}} from the test data's first row, an unknown {{language}} and a Nunjucks tag sent as written.
      assert.deepEqual(record.messages, [
        { role: 'system', content: 'You greet Ada in {{language}}.\n{% if formal %}Be formal.{% endif %}\n' },
        { role: 'user', content: 'café Ada' },
      ]);
      assert.equal(record.output, 'café Ada', 'the echo server answers with the last message');
      const sent = server.requests.filter((r) => r.method === 'POST').at(-1);
      assert.equal((sent?.body as { temperature?: number } | undefined)?.temperature, 0.2);
    } finally {
      await config.update('models', previousModels, vscode.ConfigurationTarget.Workspace);
      await restoreDeployments();
      await server.close();
    }
  });

  it('converts to .prompt.json and back; a clean source gives files Prompt Lab checks clean', async () => {
    const clean = FIXTURE.replace('temperature: 3', 'temperature: 0.2').replace('role: usr', 'role: user').replace(' in {{language}}', '').replace('      {% if formal %}Be formal.{% endif %}\n', '');
    const uri = await writePromptText('yml-convert.prompt.yml', clean);
    const json = await vscode.commands.executeCommand<{ target: vscode.Uri; notes: unknown[] } | undefined>('promptLab.convertToPromptJson', uri, { overwrite: true });
    assert.ok(json, 'the conversion wrote a file');
    assert.ok(json.target.path.endsWith('/yml-convert.prompt.json'));
    assert.deepEqual(json.notes, []);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === json.target.toString());
    assert.ok(document, 'the .prompt.json is open');
    assert.match(document.getText(), /"content": "You greet \{\{ name \}\}\.\\n"/);
    // Checked clean: wait for the refresh an edit causes, then read Prompt Lab's diagnostics of the file.
    const api = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID)?.exports;
    assert.ok(api);
    const refreshed = new Promise<void>((resolve) => {
      const subscription = api.onDidRefreshDiagnostics((u) => {
        if (u.toString() !== json.target.toString()) return;
        subscription.dispose();
        resolve();
      });
    });
    const edit = new vscode.WorkspaceEdit();
    edit.insert(json.target, document.positionAt(document.getText().length), '\n');
    await vscode.workspace.applyEdit(edit);
    await refreshed;
    assert.deepEqual(codes(promptLabDiagnostics(json.target)), []);
    await document.save();

    const back = await vscode.commands.executeCommand<{ target: vscode.Uri; notes: unknown[] } | undefined>('promptLab.convertToPromptYaml', json.target, { overwrite: true });
    assert.ok(back);
    assert.equal(back.target.toString(), uri.toString());
    const yaml = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.ok(yaml?.getText().includes('You greet {{name}}.'), yaml?.getText());
  });
});
