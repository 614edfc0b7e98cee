// Quick fixes, completion, hover, CodeLens and the rendered preview inside the real extension host, through
// the same commands VS Code's UI uses (vscode.execute…Provider, workspace.applyEdit, executeCommand).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, codes, diagnosticsAfter, openWithDiagnostics, useDeployments, writePromptText } from './promptDocuments';

const DEPLOYMENTS = {
  alpha: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'model-a', parameters: { temperature: 0.1 } },
  beta: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'model-b' },
};

function label(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

function markdown(value: vscode.MarkdownString | vscode.MarkedString | string | undefined): string {
  if (value === undefined) return '';
  // MarkdownString.appendText writes spaces as &nbsp;.
  return (typeof value === 'string' ? value : value.value).replace(/&nbsp;/g, ' ');
}

/** Prompt Lab's hover at `position` (VS Code's JSON support adds the schema's own). */
async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<{ text: string; range: vscode.Range | undefined }> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  const ours = hovers.find((h) => h.contents.some((c) => /\*\*Input\*\*|is not declared/.test(markdown(c))));
  return { text: (ours?.contents ?? []).map(markdown).join('\n'), range: ours?.range };
}

/** The position just after the `occurrence`-th (0-based) `needle` in `document`. */
function positionAfter(document: vscode.TextDocument, needle: string, occurrence = 0): vscode.Position {
  const text = document.getText();
  let at = -1;
  for (let i = 0; i <= occurrence; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at !== -1, `${needle} is in the document`);
  return document.positionAt(at + needle.length);
}

async function openPrompt(name: string, text: string, done: (d: vscode.Diagnostic[]) => boolean = () => true): Promise<{ uri: vscode.Uri; document: vscode.TextDocument; diagnostics: vscode.Diagnostic[] }> {
  const uri = await writePromptText(name, text);
  const diagnostics = await openWithDiagnostics(uri, done);
  return { uri, document: await vscode.workspace.openTextDocument(uri), diagnostics };
}

/** Apply the quick fix titled `title` for the diagnostic with `code`; returns the diagnostics once it is gone. */
async function applyFix(uri: vscode.Uri, diagnostics: vscode.Diagnostic[], code: string, title: string): Promise<vscode.Diagnostic[]> {
  const diagnostic = diagnostics.find((d) => d.code === code);
  assert.ok(diagnostic, `a ${code} diagnostic`);
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range);
  const action = actions.find((a) => a.title === title);
  assert.ok(action?.edit, `"${title}" among ${JSON.stringify(actions.map((a) => a.title))}`);
  assert.equal(action.kind?.value, vscode.CodeActionKind.QuickFix.value);
  const edit = action.edit;
  return diagnosticsAfter(uri, () => vscode.workspace.applyEdit(edit), (d) => !codes(d).includes(code));
}

describe('language features', function () {
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

  describe('quick fixes', () => {
    it('"Declare input" adds the input to "inputs", keeping comments', async () => {
      const text = '{\n  "inputs": {\n    "topic": { "default": "tents" } // what to write about\n  },\n  "messages": [{ "role": "user", "content": "{{ topic }} for {{ who }}" }]\n}';
      const { uri, document, diagnostics } = await openPrompt('fix-declare.prompt.json', text, (d) => d.length > 0);
      const left = await applyFix(uri, diagnostics, 'undeclared-variable', 'Declare input "who"');
      assert.deepEqual(left, []);
      assert.equal(document.getText(), '{\n  "inputs": {\n    "topic": { "default": "tents" }, // what to write about\n    "who": { "default": "" }\n  },\n  "messages": [{ "role": "user", "content": "{{ topic }} for {{ who }}" }]\n}');
    });

    it('"Declare input" creates "inputs" when the file has none', async () => {
      const text = '{\n  "name": "No inputs",\n  "messages": [{ "role": "user", "content": "Hello {{ who }}" }]\n}';
      const { uri, document, diagnostics } = await openPrompt('fix-create-inputs.prompt.json', text, (d) => d.length > 0);
      await applyFix(uri, diagnostics, 'undeclared-variable', 'Declare input "who"');
      assert.equal(document.getText(), '{\n  "name": "No inputs",\n  "inputs": {\n    "who": { "default": "" }\n  },\n  "messages": [{ "role": "user", "content": "Hello {{ who }}" }]\n}');
    });

    it('"Remove unused input" removes its line', async () => {
      const text = '{\n  "inputs": {\n    "topic": { "default": "tents" },\n    "unused": { "default": 1 }\n  },\n  "messages": [{ "role": "user", "content": "{{ topic }}" }]\n}';
      const { uri, document, diagnostics } = await openPrompt('fix-unused.prompt.json', text, (d) => d.length > 0);
      assert.deepEqual(codes(await applyFix(uri, diagnostics, 'unused-input', 'Remove unused input "unused"')), []);
      assert.equal(document.getText(), '{\n  "inputs": {\n    "topic": { "default": "tents" }\n  },\n  "messages": [{ "role": "user", "content": "{{ topic }}" }]\n}');
    });

    it('"Use deployment" offers every known key, the closest first and preferred', async () => {
      const text = '{\n  "deployment": "alpah",\n  "messages": [{ "role": "user", "content": "hi" }]\n}';
      const { uri, document, diagnostics } = await openPrompt('fix-deployment.prompt.json', text, (d) => d.length > 0);
      const diagnostic = diagnostics.find((d) => d.code === 'unknown-deployment');
      assert.ok(diagnostic);
      const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range)).filter((a) => a.title.startsWith('Use deployment'));
      assert.deepEqual(actions.map((a) => [a.title, a.isPreferred === true]), [['Use deployment "alpha"', true], ['Use deployment "beta"', false]]);
      await applyFix(uri, diagnostics, 'unknown-deployment', 'Use deployment "alpha"');
      assert.equal(document.getText(), text.replace('"alpah"', '"alpha"'));
    });

    it('"Change role" and "Use filter" apply the suggestion', async () => {
      const text = '{\n  "inputs": { "topic": { "default": "tents" } },\n  "messages": [\n    { "role": "usr", "content": "{{ topic | uper }}" }\n  ]\n}';
      const { uri, document, diagnostics } = await openPrompt('fix-role-filter.prompt.json', text, (d) => d.length > 0);
      // A message with an unknown role is not a template, so "topic" counts as unused until the role is fixed.
      assert.deepEqual(codes(diagnostics), ['unused-input', 'unknown-role']);
      const afterRole = await applyFix(uri, diagnostics, 'unknown-role', 'Change role to "user"');
      assert.equal(document.getText(), text.replace('"usr"', '"user"'));
      // With a template role, the template is checked: its unknown filter shows up, and is fixed in turn.
      const withFilter = afterRole.some((d) => d.code === 'unknown-filter') ? afterRole : await diagnosticsAfter(uri, async () => undefined, (d) => codes(d).includes('unknown-filter'));
      assert.deepEqual(await applyFix(uri, withFilter, 'unknown-filter', 'Use filter "upper"'), []);
      assert.equal(document.getText(), text.replace('"usr"', '"user"').replace('uper', 'upper'));
    });
  });

  describe('completion, hover and CodeLens', () => {
    const text = [
      '{',
      '  "inputs": {',
      '    "user": { "description": "The customer", "default": { "name": "Ada", "address": { "city": "Oslo" } } },',
      '    "topic": { "default": "tents" },',
      '    "question": { "required": true }',
      '  },',
      '  "messages": [',
      '    { "role": "system", "content": "About \\"{{ topic }}\\"\\n{{ missing }} {{ user.name }}" },',
      '    { "role": "user", "content": "\\"Hi\\" {{  }} {{ user. }} {{ user.address. }} {% if  %}" }',
      '  ]',
      '}',
    ].join('\n');
    let uri: vscode.Uri;
    let document: vscode.TextDocument;

    before(async () => {
      ({ uri, document } = await openPrompt('features.prompt.json', text));
    });

    async function complete(position: vscode.Position, trigger?: string): Promise<vscode.CompletionItem[]> {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position, trigger);
      return list.items;
    }

    it('offers the declared inputs inside {{ }} and {% %}', async () => {
      for (const position of [positionAfter(document, '{{ ', 3), positionAfter(document, '{% if ')]) {
        const items = (await complete(position, ' ')).filter((i) => i.kind === vscode.CompletionItemKind.Variable);
        assert.deepEqual(items.map(label).sort(), ['question', 'topic', 'user']);
        const user = items.find((i) => label(i) === 'user');
        const documentation = markdown(user?.documentation);
        assert.match(documentation, /The customer/);
        assert.match(documentation, /"city": "Oslo"/);
      }
    });

    it('offers the fields of an object default after "name."', async () => {
      const fields = (await complete(positionAfter(document, '{{ user.'), '.')).filter((i) => i.kind === vscode.CompletionItemKind.Field);
      assert.deepEqual(fields.map(label).sort(), ['address', 'name']);
      const nested = (await complete(positionAfter(document, '{{ user.address.'), '.')).filter((i) => i.kind === vscode.CompletionItemKind.Field);
      assert.deepEqual(nested.map(label), ['city']);
    });

    it('offers nothing outside a tag or outside a template', async () => {
      const ours = (items: vscode.CompletionItem[]) => items.filter((i) => i.kind === vscode.CompletionItemKind.Variable || i.kind === vscode.CompletionItemKind.Field).map(label);
      assert.deepEqual(ours(await complete(positionAfter(document, '\\"Hi'), ' ')), []);
      assert.deepEqual(ours(await complete(positionAfter(document, '"description": "The'), ' ')), []);
    });

    it('hover shows the description and default of an input, and says when a variable is not declared', async () => {
      const topic = await hoverText(uri, positionAfter(document, '{{ to'));
      assert.match(topic.text, /\*\*Input\*\* `topic`/);
      assert.match(topic.text, /```json\n"tents"\n```/);
      assert.deepEqual(topic.range && [topic.range.start.line, topic.range.start.character, topic.range.end.character], [7, document.lineAt(7).text.indexOf('topic'), document.lineAt(7).text.indexOf('topic') + 5]);

      const user = await hoverText(uri, positionAfter(document, '{{ us'));
      assert.match(user.text, /The customer/);
      assert.match(user.text, /"name": "Ada"/);

      const missing = await hoverText(uri, positionAfter(document, '{{ mis'));
      assert.match(missing.text, /`missing` is not declared in `"inputs"`/);
    });

    it('CodeLens: Run and Preview above "messages"', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const ours = lenses.filter((l) => l.command?.command.startsWith('promptLab.'));
      assert.deepEqual(ours.map((l) => [l.command?.title, l.command?.command, l.range.start.line]), [
        ['▶ Run', 'promptLab.runPrompt', 6],
        ['Preview', 'promptLab.previewPrompt', 6],
      ]);
      for (const lens of ours) assert.equal((lens.command?.arguments?.[0] as vscode.Uri).toString(), uri.toString());
    });
  });

  describe('preview', () => {
    const secret = 'sk-secret-preview-0123456789';
    after(async () => {
      await vscode.commands.executeCommand('promptLab.setApiKey', 'alpha', '');
    });

    it('shows the rendered messages and the deployment, never the API key, and follows edits', async () => {
      await vscode.commands.executeCommand('promptLab.setApiKey', 'alpha', secret);
      const text = [
        '{',
        '  "name": "Greeting",',
        '  "deployment": "alpha",',
        '  "parameters": { "max_tokens": 50 },',
        '  "inputs": { "user": { "default": { "name": "Ada" } }, "history": { "type": "chat_history", "default": [{ "role": "assistant", "content": "Earlier answer" }] } },',
        '  "messages": [',
        '    { "role": "system", "content": "You greet people by name." },',
        '    { "role": "chat_history", "input": "history" },',
        '    { "role": "user", "content": "Hello {{ user.name | upper }}" }',
        '  ]',
        '}',
      ].join('\n');
      const { uri, document } = await openPrompt('preview.prompt.json', text);
      const previewUri = await vscode.commands.executeCommand<vscode.Uri | undefined>('promptLab.previewPrompt', uri);
      assert.ok(previewUri);
      assert.equal(previewUri.scheme, 'promptlab-preview');
      const preview = vscode.workspace.textDocuments.find((d) => d.uri.toString() === previewUri.toString());
      assert.ok(preview, 'the preview document is open');
      assert.equal(preview.languageId, 'markdown');
      assert.ok(vscode.window.visibleTextEditors.some((e) => e.document === preview), 'the preview is shown');
      const shown = preview.getText();
      assert.ok(shown.startsWith('# Greeting\n'), shown);
      for (const expected of ['### 1. system', 'You greet people by name.', '### 2. assistant', 'Earlier answer', '### 3. user', 'Hello ADA',
        '`alpha`', 'openai-compatible', '`model-a`', 'http://127.0.0.1:9/v1', '{"temperature":0.1,"max_tokens":50}']) {
        assert.ok(shown.includes(expected), `the preview shows ${expected}:\n${shown}`);
      }
      assert.ok(!shown.includes(secret), 'the API key is not in the preview');

      // An edit that breaks a template: the preview shows the error instead of the messages.
      const changed = new Promise<string>((resolve) => {
        const sub = vscode.workspace.onDidChangeTextDocument((e) => {
          if (e.document.uri.toString() === previewUri.toString() && e.document.getText().includes('cannot be rendered')) {
            sub.dispose();
            resolve(e.document.getText());
          }
        });
      });
      const edit = new vscode.WorkspaceEdit();
      const at = document.getText().indexOf('upper');
      edit.replace(uri, new vscode.Range(document.positionAt(at), document.positionAt(at + 5)), 'shout');
      await vscode.workspace.applyEdit(edit);
      const broken = await changed;
      assert.match(broken, /Template error in message 3.*shout/);
      assert.ok(!broken.includes('Hello ADA'));
      assert.ok(!broken.includes(secret));
    });
  });
});
