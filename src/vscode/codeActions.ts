/**
 * Quick fixes for Prompt Lab's diagnostics, keyed on `diagnostic.code`. What a fix needs (the variable to
 * declare, the suggested deployment) comes from the core's analysis of the document: the core diagnostic
 * with the same code and range. The edits come from the core too (src/core/format/edits.ts), so comments and
 * formatting survive.
 */
import * as vscode from 'vscode';
import type { PromptDiagnostic } from '../core/template/analyze';
import type { TextEdit } from '../core/format/edits';
import { loadCore } from './core';
import type { PromptDiagnostics } from './diagnostics';

export class PromptCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: PromptDiagnostics) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter((d) => d.source === 'Prompt Lab' && typeof d.code === 'string');
    if (ours.length === 0) return [];
    const analysis = this.diagnostics.analysis(document);
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const start = document.offsetAt(diagnostic.range.start);
      const end = document.offsetAt(diagnostic.range.end);
      const found = analysis.diagnostics.find((d) => d.code === diagnostic.code && d.start === start && d.end === end);
      if (found) actions.push(...this.fixes(document, diagnostic, found));
    }
    return actions;
  }

  private fixes(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, d: PromptDiagnostic): vscode.CodeAction[] {
    const { edits } = loadCore();
    const text = document.getText();
    const options = editOptions(document);
    const name = d.data?.name;
    const suggestion = d.data?.suggestion;
    switch (d.code) {
      case 'undeclared-variable':
        return name ? [fix(document, diagnostic, vscode.l10n.t('Declare input "{0}"', name), edits.declareInputEdits(text, name, options), true)] : [];
      case 'unused-input':
        return name ? [fix(document, diagnostic, vscode.l10n.t('Remove unused input "{0}"', name), edits.removeInputEdits(text, name), true)] : [];
      case 'unknown-deployment': {
        const known = d.data?.known ?? [];
        const ordered = suggestion ? [suggestion, ...known.filter((k) => k !== suggestion)] : known;
        return ordered.map((key) => fix(document, diagnostic, vscode.l10n.t('Use deployment "{0}"', key), [edits.replaceStringEdit(d.start, d.end, key)], key === suggestion));
      }
      case 'unknown-role':
        return suggestion ? [fix(document, diagnostic, vscode.l10n.t('Change role to "{0}"', suggestion), [edits.replaceStringEdit(d.start, d.end, suggestion)], true)] : [];
      case 'unknown-filter':
        return suggestion ? [fix(document, diagnostic, vscode.l10n.t('Use filter "{0}"', suggestion), [edits.replaceRangeEdit(d.start, d.end, suggestion)], true)] : [];
      default:
        return [];
    }
  }
}

function fix(document: vscode.TextDocument, diagnostic: vscode.Diagnostic, title: string, edits: TextEdit[], preferred: boolean): vscode.CodeAction {
  const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  action.isPreferred = preferred;
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) edit.replace(document.uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
  action.edit = edit;
  return action;
}

/** The indentation of the document's editor, else what VS Code would use by default. */
function editOptions(document: vscode.TextDocument): { tabSize: number; insertSpaces: boolean; eol: string } {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
  const tabSize = typeof editor?.options.tabSize === 'number' ? editor.options.tabSize : 2;
  const insertSpaces = typeof editor?.options.insertSpaces === 'boolean' ? editor.options.insertSpaces : true;
  return { tabSize, insertSpaces, eol: document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' };
}
