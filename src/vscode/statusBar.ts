/**
 * The status bar item that says which deployment, and which variant of it, the active prompt file will use
 * (routing by `promptLab.context`). Clicking it switches the context or the prompt's deployment.
 */
import * as vscode from 'vscode';
import { soon } from './platform';
import type { DeploymentConfig, ResolvedDeployment } from '../core/providers/deployments';
import { SECTION, affectsPromptLab, readSettings } from './config';
import { loadCore } from './core';
import { type PromptDiagnostics, isPromptDocument, isPromptYamlDocument } from './diagnostics';

export const SWITCH_COMMAND = 'promptLab.switchDeployment';

export class DeploymentStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('promptLab.deployment', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly diagnostics: PromptDiagnostics) {
    this.item.name = vscode.l10n.t('Prompt Lab Deployment');
    this.item.command = SWITCH_COMMAND;
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      diagnostics.onDidRefresh((uri) => {
        if (uri.toString() === vscode.window.activeTextEditor?.document.uri.toString()) this.update();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsPromptLab(e)) this.update();
      }),
      vscode.commands.registerCommand(SWITCH_COMMAND, () => this.pick()),
    );
    soon(() => this.update());
  }

  /** Show what the active prompt file resolves to, or hide the item when no prompt file is active. */
  update(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || !isPromptDocument(document)) {
      this.item.hide();
      return;
    }
    const described = describePromptDeployment(document, this.diagnostics);
    const key = described.key;
    const contextText = Object.entries(described.context).map(([k, v]) => `${k}=${v}`).join(', ') || vscode.l10n.t('none');
    if (!key) {
      this.item.text = `$(server) ${vscode.l10n.t('no deployment')}`;
      this.item.tooltip = vscode.l10n.t('This prompt names no deployment. Click to pick one.');
    } else if (described.deployment) {
      const d = described.deployment;
      this.item.text = `$(server) ${key}${d.variant !== 'default' ? ` · ${d.variant}` : ''}`;
      const tooltip = new vscode.MarkdownString();
      tooltip.appendMarkdown(`${vscode.l10n.t('**{0}** (variant: {1})', key, d.variant)}\n\n`);
      tooltip.appendMarkdown(`${vscode.l10n.t('Provider: {0}  \nModel: {1}  \nURL: {2}', d.provider, d.model, d.baseURL)}  \n${vscode.l10n.t('Context: {0}', contextText)}\n\n`);
      tooltip.appendMarkdown(vscode.l10n.t('Click to switch the context or the deployment.'));
      this.item.tooltip = tooltip;
    } else {
      this.item.text = `$(warning) ${key}`;
      this.item.tooltip = `${described.error ?? ''} ${vscode.l10n.t('Click to pick a deployment.')}`;
    }
    this.item.show();
  }

  /** Quick pick: set a context value, or switch the active prompt's deployment. */
  private async pick(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const document = editor?.document;
    if (!document || !isPromptDocument(document)) return;
    const settings = readSettings(document.uri);
    type Item = vscode.QuickPickItem & { run?: () => Promise<void> };
    const items: Item[] = [{ label: vscode.l10n.t('Context'), kind: vscode.QuickPickItemKind.Separator }];
    for (const [name, values] of contextChoices(settings.deployments)) {
      items.push({
        label: `$(symbol-key) ${name}: ${settings.context[name] ?? vscode.l10n.t('(unset)')}`, description: vscode.l10n.t('switch {0}', name),
        run: () => this.pickContextValue(document.uri, name, values, settings.context),
      });
    }
    // A .prompt.yml names a model, not a deployment: only the context can be switched from here.
    const deploymentKeys = isPromptYamlDocument(document) ? [] : Object.keys(settings.deployments);
    if (deploymentKeys.length) items.push({ label: vscode.l10n.t('Deployment'), kind: vscode.QuickPickItemKind.Separator });
    const current = this.diagnostics.analysis(document).prompt?.deployment;
    for (const key of deploymentKeys) {
      items.push({
        label: `${key === current ? '$(check)' : '$(server)'} ${key}`, description: settings.deployments[key]?.model ?? settings.deployments[key]?.deployment ?? '',
        run: () => this.useDeployment(document, key),
      });
    }
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Prompt Lab: context and deployment'), placeHolder: vscode.l10n.t('Switch a context value, or the deployment of this prompt') });
    await picked?.run?.();
  }

  private async pickContextValue(scope: vscode.Uri, name: string, values: Set<string>, context: Readonly<Record<string, string>>): Promise<void> {
    const unset = vscode.l10n.t('(unset)');
    const items = [...values].map((v) => ({ label: v, description: v === context[name] ? vscode.l10n.t('current') : '' }));
    items.push({ label: unset, description: vscode.l10n.t('remove "{0}" from the context', name) });
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Context: {0}', name) });
    if (!picked) return;
    const next: Record<string, string> = { ...context };
    if (picked.label === unset) delete next[name];
    else next[name] = picked.label;
    const target = vscode.workspace.getWorkspaceFolder(scope) ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SECTION, scope).update('context', next, target);
  }

  private async useDeployment(document: vscode.TextDocument, key: string): Promise<void> {
    const { analyze, edits } = loadCore();
    const text = document.getText();
    const tree = analyze.analyzePromptFile(text).tree;
    const node = tree?.children?.find((p) => p.children?.[0]?.value === 'deployment')?.children?.[1];
    const edit = new vscode.WorkspaceEdit();
    if (node && node.type === 'string') {
      const e = edits.replaceStringEdit(node.offset, node.offset + node.length, key);
      edit.replace(document.uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
    } else {
      const open = text.indexOf('{');
      edit.insert(document.uri, document.positionAt(open + 1), `\n  "deployment": ${JSON.stringify(key)},`);
    }
    await vscode.workspace.applyEdit(edit);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** What a prompt document will run on: the key it names, its resolution, or why it does not resolve. */
export interface PromptDeploymentDescription {
  /** The prompt's `deployment`, else its `model` (publisher/name, served through promptLab.models or GitHub Models). */
  key: string | undefined;
  deployment?: ResolvedDeployment;
  /** Why `key` does not resolve (a sentence). */
  error?: string;
  /** The routing context that picked the variant. */
  context: Readonly<Record<string, string>>;
}

/** Resolve the deployment of `document` with the settings of its folder (the status bar and the language status). */
export function describePromptDeployment(document: vscode.TextDocument, diagnostics: PromptDiagnostics): PromptDeploymentDescription {
  const prompt = diagnostics.analysis(document).prompt;
  const key = prompt?.deployment ?? prompt?.model;
  const settings = readSettings(document.uri);
  if (!key) return { key, context: settings.context };
  try {
    return { key, deployment: loadCore().resolvePromptDeployment(prompt ?? {}, settings), context: settings.context };
  } catch (err) {
    return { key, error: (err as Error).message, context: settings.context };
  }
}

/** Context keys the deployments' variants test, each with the values they name. */
export function contextChoices(deployments: Readonly<Record<string, DeploymentConfig>>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const config of Object.values(deployments)) {
    for (const variant of config?.variants ?? []) {
      for (const [k, v] of Object.entries(variant?.when ?? {})) {
        const set = out.get(k) ?? new Set<string>();
        for (const value of Array.isArray(v) ? v : [v]) if (typeof value === 'string') set.add(value);
        out.set(k, set);
      }
    }
  }
  return out;
}
