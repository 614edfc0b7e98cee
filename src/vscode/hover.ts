/**
 * Hover over a variable in a message's template: the input's description and default value, or that the
 * variable is not declared.
 */
import * as vscode from 'vscode';
import { inputDocumentation } from './completion';
import { loadCore } from './core';
import type { PromptDiagnostics } from './diagnostics';

export class PromptHovers implements vscode.HoverProvider {
  constructor(private readonly diagnostics: PromptDiagnostics) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.diagnostics.analysis(document);
    const offset = document.offsetAt(position);
    const message = loadCore().analyze.messageAt(analysis, offset);
    if (!message) return undefined;
    const map = message.map();
    const index = map.fromDocument(offset);
    const use = message.analysis.uses.find((u) => index >= u.start && index <= u.start + u.name.length);
    if (!use) return undefined;
    const range = new vscode.Range(document.positionAt(map.toDocument(use.start)), document.positionAt(map.toDocument(use.start + use.name.length)));
    const input = analysis.prompt?.inputs.get(use.name);
    // use.name comes from the template's parse tree: an identifier, safe inside a Markdown code span.
    if (!input) {
      const md = new vscode.MarkdownString().appendMarkdown(`\`${use.name}\` is not declared in \`"inputs"\`: a run would fail on it.`);
      return new vscode.Hover(md, range);
    }
    const md = new vscode.MarkdownString().appendMarkdown(`**Input** \`${use.name}\`${input.type ? ` (${input.type})` : ''}\n\n`);
    md.appendMarkdown(inputDocumentation(input).value);
    return new vscode.Hover(md, range);
  }
}
