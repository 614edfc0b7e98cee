/**
 * Snippets in `.prompt.json` files that depend on the file (see src/core/format/snippets.ts): test data rows and
 * keys from the prompt's inputs, evaluators with the configured deployments as judges, inputs for undeclared
 * variables, messages. The JSON Schema's `defaultSnippets` offer the static ones through VS Code's JSON support.
 */
import * as vscode from 'vscode';
import { readSettings } from './config';
import { loadCore } from './core';
import type { PromptDiagnostics } from './diagnostics';

export class PromptSnippets implements vscode.CompletionItemProvider {
  constructor(private readonly diagnostics: PromptDiagnostics) {}

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
    if (!/\.prompt\.json$/i.test(document.uri.path)) return [];
    const analysis = this.diagnostics.analysis(document);
    const names = (code: string) => analysis.diagnostics.filter((d) => d.code === code).map((d) => d.data?.name).filter((n): n is string => typeof n === 'string');
    const text = document.getText();
    const snippets = loadCore().snippets.snippetsAt(text, document.offsetAt(position), analysis.prompt, {
      deployments: Object.keys(readSettings(document.uri).deployments),
      undeclared: [...new Set(names('undeclared-variable'))],
      unused: [...new Set(names('unused-input'))],
    });
    return snippets.map((s, i) => {
      const item = new vscode.CompletionItem({ label: s.label, description: vscode.l10n.t('Prompt Lab') }, vscode.CompletionItemKind.Snippet);
      item.insertText = new vscode.SnippetString(s.body);
      item.range = new vscode.Range(document.positionAt(s.replaceStart), document.positionAt(s.replaceEnd));
      item.detail = s.detail;
      item.sortText = `0${String(i).padStart(3, '0')}`;
      // A key typed inside its quotes is matched with them.
      if (text[s.replaceStart] === '"') item.filterText = `"${s.label}`;
      return item;
    });
  }
}
