// Prompt Lab's diagnostics inside the real extension host: the codes and exact ranges of a fixture, the refresh
// after an edit and after a settings change, and that a closed document's diagnostics go away.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, codes, diagnosticsAfter, openWithDiagnostics, placed, promptLabDiagnostics, useDeployments, writePromptText } from './promptDocuments';

const DEPLOYMENTS = {
  alpha: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'model-a' },
  beta: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'model-b' },
};

// Line 7 holds escapes (\u00e9, \", \n, \t) before the undeclared variable: its range must still be the
// document characters of `who`.
const FIXTURE = [
  '{',
  '  "deployment": "alpha",',
  '  "inputs": {',
  '    "topic": { "description": "What to write about", "default": "tents" },',
  '    "unused": { "default": 1 }',
  '  },',
  '  "messages": [',
  '    { "role": "system", "content": "caf\\u00e9 \\"q\\"\\n\\t{{ who }} on {{ topic | uper }}" },',
  '    { "role": "usr", "content": "hi" }',
  '  ]',
  '}',
].join('\n');

describe('diagnostics', function () {
  this.timeout(30000);
  let restore: () => Promise<void>;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    restore = await useDeployments(DEPLOYMENTS);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await restore?.();
  });

  it('reports each problem at its exact characters, also after JSON escapes on the same line', async () => {
    const uri = await writePromptText('diag-ranges.prompt.json', FIXTURE);
    const diagnostics = await openWithDiagnostics(uri, (d) => d.length > 0);
    const line7 = FIXTURE.split('\n')[7] ?? '';
    assert.deepEqual(diagnostics.map(placed), [
      ['unused-input', 4, 4, 4, 12],
      ['undeclared-variable', 7, line7.indexOf('who'), 7, line7.indexOf('who') + 3],
      ['unknown-filter', 7, line7.indexOf('uper'), 7, line7.indexOf('uper') + 4],
      ['unknown-role', 8, 14, 8, 19],
    ]);
    assert.equal(line7.indexOf('who'), 58, 'in the document, 8 characters of escapes later than its template index 14 (+36)');
    const byCode = new Map(diagnostics.map((d) => [String(d.code), d]));
    assert.equal(byCode.get('undeclared-variable')?.message, '"who" is used in message 1 but not declared in "inputs".');
    assert.equal(byCode.get('undeclared-variable')?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(byCode.get('unused-input')?.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(byCode.get('unused-input')?.tags, [vscode.DiagnosticTag.Unnecessary]);
    assert.equal(byCode.get('unknown-filter')?.message, 'Unknown filter "uper"; did you mean "upper"?');
  });

  it('refreshes after an edit', async () => {
    const uri = await writePromptText('diag-edit.prompt.json', FIXTURE);
    const before = await openWithDiagnostics(uri, (d) => d.length > 0);
    const who = before.find((d) => d.code === 'undeclared-variable');
    assert.ok(who);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, who.range, 'topic');
    const after = await diagnosticsAfter(uri, () => vscode.workspace.applyEdit(edit), (d) => !codes(d).includes('undeclared-variable'));
    assert.deepEqual(codes(after), ['unused-input', 'unknown-filter', 'unknown-role']);

    // A new problem is placed where the edit put it.
    const insert = new vscode.WorkspaceEdit();
    insert.insert(uri, new vscode.Position(7, 36), '{{ later }}');
    const again = await diagnosticsAfter(uri, () => vscode.workspace.applyEdit(insert), (d) => codes(d).includes('undeclared-variable'));
    assert.deepEqual(again.filter((d) => d.code === 'undeclared-variable').map(placed), [['undeclared-variable', 7, 39, 7, 44]]);
  });

  it('forgets a document when it closes', async () => {
    const uri = await writePromptText('diag-close.prompt.json', FIXTURE);
    // Opened the way a person opens it: a document the extension host opened itself (openTextDocument) stays
    // open for minutes after its editor closes, by VS Code's design.
    await diagnosticsAfter(uri, () => vscode.commands.executeCommand('vscode.open', uri), (d) => d.length > 0);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
    const after = await diagnosticsAfter(uri, () => vscode.commands.executeCommand('workbench.action.closeActiveEditor'), (d) => d.length === 0);
    assert.deepEqual(after, []);
    assert.deepEqual(promptLabDiagnostics(uri), []);
  });

  it('an unknown deployment lists the known keys, and is refreshed when the setting changes', async () => {
    const text = '{\n  "deployment": "alpah",\n  "messages": [{ "role": "user", "content": "hi" }]\n}';
    const uri = await writePromptText('diag-deployment.prompt.json', text);
    const [unknown, ...rest] = await openWithDiagnostics(uri, (d) => d.length > 0);
    assert.deepEqual(rest, []);
    assert.ok(unknown);
    assert.deepEqual(placed(unknown), ['unknown-deployment', 1, 16, 1, 23]);
    assert.equal(unknown.message, 'No deployment "alpah" in "promptLab.deployments"; did you mean "alpha"? Known: "alpha", "beta".');
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);

    // Adding the key to the setting clears the error without touching the document.
    const cleared = await diagnosticsAfter(uri,
      () => vscode.workspace.getConfiguration('promptLab').update('deployments', { ...DEPLOYMENTS, alpah: DEPLOYMENTS.alpha }, vscode.ConfigurationTarget.Workspace),
      (d) => d.length === 0);
    assert.deepEqual(cleared, []);
    // And removing it again brings the error back.
    const back = await diagnosticsAfter(uri,
      () => vscode.workspace.getConfiguration('promptLab').update('deployments', DEPLOYMENTS, vscode.ConfigurationTarget.Workspace),
      (d) => d.length === 1);
    assert.deepEqual(codes(back), ['unknown-deployment']);
  });
});
