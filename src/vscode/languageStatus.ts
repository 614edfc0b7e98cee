/**
 * Language status items of a prompt file (the `{ }` next to the language in the status bar): the deployment that
 * will run it, with its variant and a link to switch deployment or context; and how many problems the file has,
 * from every source (Prompt Lab's checks and VS Code's JSON support), with a link to the Problems view.
 */
import * as vscode from 'vscode';
import { soon } from './platform';
import { affectsPromptLab } from './config';
import { type PromptDiagnostics, isPromptDocument } from './diagnostics';
import { SWITCH_COMMAND, describePromptDeployment } from './statusBar';

export class PromptLanguageStatus implements vscode.Disposable {
  readonly deployment: vscode.LanguageStatusItem;
  readonly problems: vscode.LanguageStatusItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly updated = new vscode.EventEmitter<void>();
  /** Fires after the items show a new state of the active prompt file (for tests). */
  readonly onDidUpdate = this.updated.event;

  constructor(selector: vscode.DocumentSelector, private readonly diagnostics: PromptDiagnostics) {
    this.deployment = vscode.languages.createLanguageStatusItem('promptLab.deployment', selector);
    this.deployment.name = vscode.l10n.t('Prompt Lab: deployment');
    this.problems = vscode.languages.createLanguageStatusItem('promptLab.problems', selector);
    this.problems.name = vscode.l10n.t('Prompt Lab: problems');
    this.problems.command = { title: vscode.l10n.t('Show Problems'), command: 'workbench.actions.view.problems' };
    this.disposables.push(
      this.updated,
      this.deployment,
      this.problems,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      diagnostics.onDidRefresh((uri) => this.updateIfActive(uri)),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = this.activeDocument()?.uri.toString();
        if (active && e.uris.some((u) => u.toString() === active)) this.updateProblems();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsPromptLab(e)) this.update();
      }),
    );
    soon(() => this.update());
  }

  private activeDocument(): vscode.TextDocument | undefined {
    const document = vscode.window.activeTextEditor?.document;
    return document && isPromptDocument(document) ? document : undefined;
  }

  private updateIfActive(uri: vscode.Uri): void {
    if (uri.toString() === this.activeDocument()?.uri.toString()) this.update();
  }

  /** Show what the active prompt file resolves to and its problem count. */
  update(): void {
    this.updateDeployment();
    this.updateProblems();
  }

  private fire(): void {
    this.updated.fire();
  }

  private updateDeployment(): void {
    const document = this.activeDocument();
    if (!document) return;
    const item = this.deployment;
    const { key, deployment, error } = describePromptDeployment(document, this.diagnostics);
    item.command = { title: vscode.l10n.t('Switch'), command: SWITCH_COMMAND, tooltip: vscode.l10n.t('Switch the deployment of this prompt, or a context value') };
    if (!key) {
      item.text = `$(server) ${vscode.l10n.t('No deployment')}`;
      item.detail = vscode.l10n.t('this prompt names none');
      item.severity = vscode.LanguageStatusSeverity.Warning;
    } else if (deployment) {
      item.text = `$(server) ${key}${deployment.variant !== 'default' ? ` · ${deployment.variant}` : ''}`;
      item.detail = [deployment.provider, deployment.model, deployment.variant !== 'default' ? vscode.l10n.t('variant {0}', deployment.variant) : ''].filter(Boolean).join(' · ');
      item.severity = vscode.LanguageStatusSeverity.Information;
    } else {
      item.text = `$(warning) ${key}`;
      item.detail = error ?? '';
      item.severity = vscode.LanguageStatusSeverity.Error;
    }
    item.accessibilityInformation = { label: `${vscode.l10n.t('Deployment')}: ${item.text.replace(/\$\([^)]*\)\s*/g, '')}. ${item.detail}` };
    this.fire();
  }

  private updateProblems(): void {
    const document = this.activeDocument();
    if (!document) return;
    const all = vscode.languages.getDiagnostics(document.uri);
    const errors = all.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
    const warnings = all.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length;
    const item = this.problems;
    const icon = errors > 0 ? '$(error)' : '$(warning)';
    item.text = all.length === 0 ? `$(check) ${vscode.l10n.t('No problems')}`
      : all.length === 1 ? `${icon} ${vscode.l10n.t('1 problem')}` : `${icon} ${vscode.l10n.t('{0} problems', all.length)}`;
    const errorText = errors === 1 ? vscode.l10n.t('1 error') : vscode.l10n.t('{0} errors', errors);
    const warningText = warnings === 1 ? vscode.l10n.t('1 warning') : vscode.l10n.t('{0} warnings', warnings);
    item.detail = all.length === 0 ? '' : `${errorText}, ${warningText}`;
    item.severity = errors > 0 ? vscode.LanguageStatusSeverity.Error : warnings > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    this.fire();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
