// The settings in settings.json, through VS Code's own JSON support and the schema package.json contributes: a new
// deployment is offered whole (snippets per provider), the providers complete as values with their descriptions,
// and a deployment's fields complete by name. Every setting has a Markdown description.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, workspaceRoot } from './promptDocuments';

interface Setting { markdownDescription?: string; scope?: string }
const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Setting> } };
};

function label(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

/** Replace the whole text of `uri`'s document (a write to disk would reach an open document later than a request). */
async function setText(uri: vscode.Uri, text: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(uri);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  return document;
}

/** The completion labels at the `|` of `text` put in the workspace's .vscode/settings.json (unsaved). */
async function completionsAt(uri: vscode.Uri, text: string): Promise<vscode.CompletionItem[]> {
  const offset = text.indexOf('|');
  const document = await setText(uri, text.replace('|', ''));
  await vscode.window.showTextDocument(document);
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, document.positionAt(offset));
  return list.items;
}

describe('Settings schema', function () {
  this.timeout(60_000);
  let uri: vscode.Uri;
  let original: Uint8Array | undefined;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    uri = vscode.Uri.file(path.join(workspaceRoot(), '.vscode', 'settings.json'));
    original = await vscode.workspace.fs.readFile(uri).then((b) => b, () => undefined);
    // VS Code's JSON language server starts with the first JSON document and loads the settings schema from the
    // workbench: a value the schema refuses, once reported, says it is ready (no sleeping).
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('VS Code\'s JSON support never checked settings.json')), 30_000);
      const sub = vscode.languages.onDidChangeDiagnostics((e) => {
        if (!e.uris.some((u) => u.toString() === uri.toString())) return;
        if (!vscode.languages.getDiagnostics(uri).some((d) => /requestTimeoutMs|number/i.test(d.message) || d.range.start.line === 1)) return;
        clearTimeout(timer);
        sub.dispose();
        resolve();
      });
      void (async () => {
        if (!original) await vscode.workspace.fs.writeFile(uri, Buffer.from('{}\n'));
        await setText(uri, '{\n  "promptLab.requestTimeoutMs": "soon"\n}\n');
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      })();
    });
  });

  after(async () => {
    // Back to the file as it was, through the document and saved, so the editor's copy and the disk agree (VS Code
    // refuses to write settings while they differ).
    await setText(uri, original ? Buffer.from(original).toString('utf8') : '{}\n');
    await (await vscode.workspace.openTextDocument(uri)).save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('every setting has a Markdown description and a scope', () => {
    for (const [key, setting] of Object.entries(pkg.contributes.configuration.properties)) {
      assert.ok(setting.markdownDescription && setting.markdownDescription.trim(), `${key} has a markdownDescription`);
      assert.ok(setting.scope, `${key} has a scope`);
    }
  });

  it('settings.json offers the Prompt Lab settings by name', async () => {
    const labels = (await completionsAt(uri, '{\n  "promptLab.|\n}\n')).map(label);
    for (const key of ['promptLab.deployments', 'promptLab.context', 'promptLab.budget']) assert.ok(labels.some((l) => l.includes(key)), `${key} in ${JSON.stringify(labels.slice(0, 40))}`);
  });

  it('a new deployment is offered whole, per provider', async () => {
    const labels = (await completionsAt(uri, '{\n  "promptLab.deployments": {\n    "mine": |\n  }\n}\n')).map(label);
    for (const expected of ['OpenAI', 'Azure OpenAI', 'Ollama (this machine)', 'vLLM (this machine)', 'GitHub Models', 'Mistral']) {
      assert.ok(labels.includes(expected), `${expected} in ${JSON.stringify(labels)}`);
    }
    const whole = (await completionsAt(uri, '{\n  "promptLab.deployments": |\n}\n')).map(label);
    assert.ok(whole.includes('A server on this machine (Ollama)'), JSON.stringify(whole));
  });

  it('providers complete as values, with their descriptions', async () => {
    const items = await completionsAt(uri, '{\n  "promptLab.deployments": {\n    "mine": { "provider": | }\n  }\n}\n');
    const labels = items.map(label).map((l) => l.replace(/"/g, ''));
    for (const provider of ['openai', 'azure', 'openai-compatible', 'mistral', 'vllm', 'ollama', 'github']) assert.ok(labels.includes(provider), `${provider} in ${JSON.stringify(labels)}`);
    const ollama = items.find((i) => label(i).replace(/"/g, '') === 'ollama');
    const documentation = typeof ollama?.documentation === 'string' ? ollama.documentation : ollama?.documentation?.value ?? '';
    assert.match(documentation, /11434/);
  });

  it('a deployment\'s fields complete by name', async () => {
    const labels = (await completionsAt(uri, '{\n  "promptLab.deployments": {\n    "mine": { "provider": "openai", | }\n  }\n}\n')).map(label).map((l) => l.replace(/"/g, ''));
    for (const field of ['model', 'baseURL', 'apiKeyEnv', 'prices', 'parameters', 'maxRetries', 'variants', 'timeoutMs']) assert.ok(labels.includes(field), `${field} in ${JSON.stringify(labels)}`);
  });
});
