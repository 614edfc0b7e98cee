/**
 * "▶ Run" and "Preview" above the `messages` of a prompt file.
 */
import * as vscode from 'vscode';
import type { PromptDiagnostics } from './diagnostics';

export class PromptCodeLenses implements vscode.CodeLensProvider {
  constructor(private readonly diagnostics: PromptDiagnostics) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const tree = this.diagnostics.analysis(document).tree;
    const property = tree?.type === 'object' ? tree.children?.find((p) => p.children?.[0]?.value === 'messages') : undefined;
    if (!property) return [];
    const at = document.positionAt(property.offset);
    const range = new vscode.Range(at, at);
    return [
      new vscode.CodeLens(range, { title: vscode.l10n.t('▶ Run'), tooltip: vscode.l10n.t('Run this prompt (Prompt Lab: Run Prompt)'), command: 'promptLab.runPrompt', arguments: [document.uri] }),
      new vscode.CodeLens(range, { title: vscode.l10n.t('Preview'), tooltip: vscode.l10n.t('Show the messages as they would be sent (Prompt Lab: Preview Rendered Prompt)'), command: 'promptLab.previewPrompt', arguments: [document.uri] }),
    ];
  }
}
