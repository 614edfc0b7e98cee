/**
 * Hover over a variable in a message's template: the input's description and default value, or that the
 * variable is not declared. Hover over the `deployment` value: the deployment and variant a run would use.
 */
import * as vscode from 'vscode';
import { inputDocumentation } from './completion';
import { readSettings } from './config';
import { loadCore } from './core';
import type { PromptDiagnostics } from './diagnostics';

export class PromptHovers implements vscode.HoverProvider {
  constructor(private readonly diagnostics: PromptDiagnostics) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.diagnostics.analysis(document);
    const offset = document.offsetAt(position);
    const message = loadCore().analyze.messageAt(analysis, offset);
    if (!message) return this.deploymentHover(document, analysis, offset);
    const map = message.map();
    const index = map.fromDocument(offset);
    const use = message.analysis.uses.find((u) => index >= u.start && index <= u.start + u.name.length);
    if (!use) return undefined;
    const range = new vscode.Range(document.positionAt(map.toDocument(use.start)), document.positionAt(map.toDocument(use.start + use.name.length)));
    const input = analysis.prompt?.inputs.get(use.name);
    if (analysis.prompt?.templateSyntax === 'github') {
      // A .prompt.yml: names are testData keys, any text (so written as plain text, never Markdown).
      const md = new vscode.MarkdownString();
      if (!input) md.appendText(vscode.l10n.t('"{0}" has no value in the testData rows: GitHub sends {1} as written.', use.name, `{{${use.name}}}`));
      else md.appendText(input.hasDefault
        ? vscode.l10n.t('testData key "{0}"; the first row\'s value: {1}', use.name, JSON.stringify(input.default))
        : vscode.l10n.t('testData key "{0}"', use.name));
      return new vscode.Hover(md, range);
    }
    // use.name comes from the template's parse tree: an identifier, safe inside a Markdown code span.
    if (!input) {
      const md = new vscode.MarkdownString().appendMarkdown(vscode.l10n.t('`{0}` is not declared in `"inputs"`: a run would fail on it.', use.name));
      return new vscode.Hover(md, range);
    }
    const md = new vscode.MarkdownString().appendMarkdown(`${input.type ? vscode.l10n.t('**Input** `{0}` ({1})', use.name, input.type) : vscode.l10n.t('**Input** `{0}`', use.name)}\n\n`);
    md.appendMarkdown(inputDocumentation(input).value);
    return new vscode.Hover(md, range);
  }

  /** Over the value of `"deployment"`: which variant the routing context picks, and where it sends. Never the key. */
  private deploymentHover(document: vscode.TextDocument, analysis: ReturnType<PromptDiagnostics['analysis']>, offset: number): vscode.Hover | undefined {
    const node = analysis.tree?.children?.find((p) => p.children?.[0]?.value === 'deployment')?.children?.[1];
    if (!node || node.type !== 'string' || offset < node.offset || offset > node.offset + node.length) return undefined;
    const range = new vscode.Range(document.positionAt(node.offset), document.positionAt(node.offset + node.length));
    const settings = readSettings(document.uri);
    const context = Object.entries(settings.context).map(([k, v]) => `${k}=${v}`).join(', ') || vscode.l10n.t('none');
    const md = new vscode.MarkdownString();
    md.isTrusted = false;
    try {
      const d = loadCore().resolveDeployment(String(node.value), settings.deployments, settings.context);
      md.appendMarkdown(`${vscode.l10n.t('**Deployment** `{0}`, variant **{1}** (context: {2})', d.key, d.variant, context)}\n\n`);
      md.appendMarkdown(vscode.l10n.t('Provider: {0}  \nModel: {1}  \nURL: {2}', d.provider, d.model, d.baseURL));
    } catch (err) {
      md.appendText((err as Error).message);
    }
    return new vscode.Hover(md, range);
  }
}
