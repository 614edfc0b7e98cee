/**
 * "▶ Run" and "Preview" above the `messages` of a prompt file, and "Evaluate" when it has `testData`.
 */
import * as vscode from 'vscode';
import type { PromptDiagnostics } from './diagnostics';

export class PromptCodeLenses implements vscode.CodeLensProvider {
  constructor(private readonly diagnostics: PromptDiagnostics) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const analysis = this.diagnostics.analysis(document);
    const tree = analysis.tree;
    const property = tree?.type === 'object' ? tree.children?.find((p) => p.children?.[0]?.value === 'messages') : undefined;
    if (!property) return [];
    const at = document.positionAt(property.offset);
    const range = new vscode.Range(at, at);
    const hasTestData = analysis.prompt?.testData !== undefined;
    return [
      new vscode.CodeLens(range, { title: vscode.l10n.t('▶ Run'), tooltip: vscode.l10n.t('Run this prompt (Prompt Lab: Run Prompt)'), command: 'promptLab.runPrompt', arguments: [document.uri] }),
      new vscode.CodeLens(range, { title: vscode.l10n.t('Preview'), tooltip: vscode.l10n.t('Show the messages as they would be sent (Prompt Lab: Preview Rendered Prompt)'), command: 'promptLab.previewPrompt', arguments: [document.uri] }),
      ...(hasTestData ? [new vscode.CodeLens(range, { title: vscode.l10n.t('Evaluate'), tooltip: vscode.l10n.t('Run every test data row on the deployments you pick (Prompt Lab: Evaluate Prompt)'), command: 'promptLab.evaluatePrompt', arguments: [document.uri] })] : []),
    ];
  }
}
