// Snippets in a real editor: Prompt Lab's own (from the file: rows keyed by its inputs, evaluators, inputs for
// undeclared variables) next to the JSON Schema's (messages of each role) that VS Code's JSON support offers, only in
// *.prompt.json; an accepted row snippet leaves the file without a diagnostic.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, openWithDiagnostics, useDeployments, workspaceRoot, writePromptText } from './promptDocuments';

function label(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

async function labelsAt(uri: vscode.Uri, needle: string, after = 0): Promise<{ items: vscode.CompletionItem[]; labels: string[]; position: vscode.Position }> {
  const document = await vscode.workspace.openTextDocument(uri);
  const offset = document.getText().indexOf(needle);
  assert.notEqual(offset, -1, needle);
  const position = document.positionAt(offset + after);
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
  return { items: list.items, labels: list.items.map(label), position };
}

const PROMPT = `{
  "deployment": "replay-openai",
  "inputs": {
    "ticket": { "type": "string", "required": true, "default": "x" },
    "limit": { "type": "number", "default": 3 }
  },
  "messages": [
    { "role": "user", "content": "{{ ticket }} in {{ limit }} words" },
    
  ],
  "testData": [
    
  ],
  "evaluators": [
    
  ]
}`;

describe('Snippets', function () {
  this.timeout(60_000);

  let restore: () => Promise<void>;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    restore = await useDeployments({ 'replay-openai': { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'm' } });
  });

  after(async () => {
    await restore();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('offers a test data row with the inputs, evaluators, and the schema\'s messages next to Prompt Lab\'s', async () => {
    const uri = await writePromptText('snippets.prompt.json', PROMPT);
    await openWithDiagnostics(uri, () => true);
    const rows = await labelsAt(uri, '"testData": [\n    ', '"testData": [\n    '.length);
    assert.ok(rows.labels.includes('Test data row'), JSON.stringify(rows.labels));
    const row = rows.items.find((i) => label(i) === 'Test data row');
    assert.match((row?.insertText as vscode.SnippetString).value, /^\{ "ticket": "\$1", "limit": \$\{2:0\}, "expected": "\$3" \}$/);
    const evaluators = await labelsAt(uri, '"evaluators": [\n    ', '"evaluators": [\n    '.length);
    for (const expected of ['Evaluator: contains the expected answer', 'Evaluator: LLM judge', 'Evaluator: built-in judge']) {
      assert.ok(evaluators.labels.includes(expected), `${expected} in ${JSON.stringify(evaluators.labels)}`);
    }
    const messages = await labelsAt(uri, 'words" },\n    ', 'words" },\n    '.length);
    assert.ok(messages.labels.includes('Few-shot example'), JSON.stringify(messages.labels));
    assert.ok(messages.labels.includes('System message'), `the schema's message snippets too: ${JSON.stringify(messages.labels)}`);
  });

  it('an accepted test data row leaves a file without a Prompt Lab diagnostic', async () => {
    // An evaluator reads `expected`, so the row's `expected` is no stray key (issue 13's check).
    const uri = await writePromptText('snippets-row.prompt.json', PROMPT.replace(',\n    \n  ],\n  "testData"', '\n  ],\n  "testData"')
      .replace('"evaluators": [\n    \n  ]', '"evaluators": [{ "name": "c", "string": { "contains": "{{ expected }}" } }]'));
    await openWithDiagnostics(uri, () => true);
    const editor = await vscode.window.showTextDocument(uri);
    const { items, position } = await labelsAt(uri, '"testData": [\n    ', '"testData": [\n    '.length);
    const row = items.find((i) => label(i) === 'Test data row');
    assert.ok(row);
    const diagnostics = await new Promise<vscode.Diagnostic[]>((resolve) => {
      const sub = vscode.languages.onDidChangeDiagnostics((e) => {
        if (!e.uris.some((u) => u.toString() === uri.toString())) return;
        const text = editor.document.getText();
        if (!text.includes('"expected"')) return;
        sub.dispose();
        resolve(vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Prompt Lab'));
      });
      void editor.insertSnippet(row.insertText as vscode.SnippetString, position);
    });
    assert.deepEqual(diagnostics.map((d) => `${String(d.code)}: ${d.message}`), []);
    assert.match(editor.document.getText(), /"testData": \[\n {4}\{ "ticket": "", "limit": 0, "expected": "" \}/);
  });

  it('offers nothing of Prompt Lab\'s in another JSONC file', async () => {
    const uri = vscode.Uri.joinPath(vscode.Uri.file(workspaceRoot()), 'other.jsonc');
    await vscode.workspace.fs.writeFile(uri, Buffer.from('{\n  "testData": [\n    \n  ]\n}\n'));
    const { items } = await labelsAt(uri, '"testData": [\n    ', '"testData": [\n    '.length);
    assert.deepEqual(items.filter((i) => typeof i.label !== 'string' && i.label.description === 'Prompt Lab').map(label), []);
  });
});
