/**
 * "Prompt Lab: Set API Key": pick a deployment, type its key in a password box; the key goes to
 * SecretStorage only. An empty answer removes the stored key.
 */
import * as vscode from 'vscode';
import type { DeploymentConfig } from '../core/providers/deployments';
import { PROVIDERS, type ProviderId } from '../core/providers/providers';
import type { ApiKeyStore } from './apiKeys';
import { readSettings } from './config';

/** One quick pick item per deployment: its key, provider and model, and where it sends requests. */
export function deploymentPickItems(deployments: Readonly<Record<string, DeploymentConfig>>): vscode.QuickPickItem[] {
  return Object.entries(deployments).map(([name, config]): vscode.QuickPickItem => {
    const item: vscode.QuickPickItem = {
      label: name,
      description: [PROVIDERS[config.provider as ProviderId]?.label ?? config.provider, config.model ?? config.deployment].filter(Boolean).join(' · '),
    };
    const where = config.baseURL ?? config.endpoint;
    if (where) item.detail = where;
    return item;
  });
}

/**
 * Run the command. `deploymentKey` skips the pick (the error actions pass it); `value` skips the password box
 * (for scripts and tests: `executeCommand('promptLab.setApiKey', 'openai', 'sk-…')`, '' removes the key).
 * Resolves true when a key was stored.
 */
export async function setApiKey(keys: ApiKeyStore, deploymentKey?: string, value?: string): Promise<boolean> {
  const deployments = readSettings(vscode.window.activeTextEditor?.document.uri).deployments;
  let key = typeof deploymentKey === 'string' ? deploymentKey : undefined;
  if (!key) {
    const items = deploymentPickItems(deployments);
    if (items.length === 0) {
      const open = await vscode.window.showWarningMessage(vscode.l10n.t('No deployments yet: add one to "promptLab.deployments" first.'), vscode.l10n.t('Open Settings'));
      if (open) await vscode.commands.executeCommand('workbench.action.openSettings', 'promptLab.deployments');
      return false;
    }
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Set API Key'), placeHolder: vscode.l10n.t('Deployment whose API key to set') });
    if (!picked) return false;
    key = picked.label;
  }
  const deployment: string = key;
  const answer = typeof value === 'string' ? value : await vscode.window.showInputBox({
    title: vscode.l10n.t('API key for "{0}"', deployment),
    prompt: vscode.l10n.t('Stored in VS Code\'s secret storage, never in settings or logs. Leave empty to remove the stored key.'),
    password: true,
    ignoreFocusOut: true,
  });
  if (answer === undefined) return false;
  if (answer.trim() === '') {
    await keys.delete(deployment);
    void vscode.window.showInformationMessage(vscode.l10n.t('Removed the stored API key of "{0}".', deployment));
    return false;
  }
  // Bound to the endpoint of the first run that uses it (see ApiKeyStore).
  await keys.set(deployment, answer.trim(), null);
  void vscode.window.showInformationMessage(vscode.l10n.t('API key of "{0}" stored.', deployment));
  return true;
}
