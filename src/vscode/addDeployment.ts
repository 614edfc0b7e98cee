/**
 * "Prompt Lab: Add Deployment": what will run the prompts (a server on this machine, needing no key, or a service),
 * where it is and which model, and a name; the deployment is added to `promptLab.deployments` in the workspace's
 * `.vscode/settings.json` as one inserted entry (comments and the other entries stay as written), or to the user
 * settings when no folder is open. A service that needs a key is offered Set API Key at once.
 *
 * The providers offered are the core's presets (src/core/providers/providers.ts), so a preset added there shows here.
 */
import * as vscode from 'vscode';
import type { DeploymentConfig } from '../core/providers/deployments';
import { PROVIDERS, type ProviderId } from '../core/providers/providers';
import { SECTION, readSettings } from './config';
import { loadCore } from './core';
import { exists } from './files';

/** Arguments that skip the questions (tests, scripts): the entry to add as it is. */
export interface AddDeploymentArgs {
  name: string;
  config: DeploymentConfig;
}

/** How long listing a server's models may take before the person types the model name instead, in ms. */
const LIST_MODELS_TIMEOUT_MS = 3000;

type ProviderItem = vscode.QuickPickItem & { provider: ProviderId };

function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return loadCore().isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function providerItems(): ProviderItem[] {
  const entries = Object.entries(PROVIDERS) as [ProviderId, (typeof PROVIDERS)[ProviderId]][];
  const local = entries.filter(([, p]) => isLoopbackUrl(p.baseURL));
  const remote = entries.filter(([id, p]) => !isLoopbackUrl(p.baseURL) && id !== 'openai-compatible');
  return [
    { label: vscode.l10n.t('On this machine: no key needed'), kind: vscode.QuickPickItemKind.Separator, provider: 'openai-compatible' },
    ...local.map(([id, p]): ProviderItem => ({ provider: id, label: `$(vm) ${p.label}`, description: p.baseURL ?? '' })),
    { provider: 'openai-compatible', label: `$(plug) ${vscode.l10n.t('Another OpenAI-compatible server')}`, description: vscode.l10n.t('any URL, e.g. LM Studio, llama.cpp, a proxy') },
    { label: vscode.l10n.t('Services: need an API key'), kind: vscode.QuickPickItemKind.Separator, provider: 'openai' },
    ...remote.map(([id, p]): ProviderItem => ({ provider: id, label: `$(cloud) ${p.label}`, description: p.baseURL ?? vscode.l10n.t('your resource\'s endpoint') })),
  ];
}

/** Model names a service is usually started with, offered as the input box's value. */
const SUGGESTED_MODELS: Partial<Record<ProviderId, string>> = {
  openai: 'gpt-4o-mini', mistral: 'mistral-small-latest', github: 'openai/gpt-4o-mini', ollama: 'llama3.2',
};

/**
 * Run the command: ask, write the entry, offer Set API Key when the deployment needs one.
 * @returns the deployment's key, or undefined when the person cancelled.
 */
export async function addDeployment(args?: AddDeploymentArgs): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const existing = Object.keys(readSettings(folder?.uri).deployments);
  const entry = args && typeof args.name === 'string' && args.config ? args : await askDeployment(existing);
  if (!entry) return undefined;
  await writeDeployment(folder, entry.name, entry.config);
  let needsKey = false;
  try {
    needsKey = loadCore().resolveDeployment(entry.name, { [entry.name]: entry.config }).needsKey;
  } catch {
    // An entry typed by hand may lack a field; the diagnostics and the run will say which.
  }
  if (!args) {
    const where = folder ? vscode.workspace.asRelativePath(settingsUri(folder)) : vscode.l10n.t('your user settings');
    const setKey = vscode.l10n.t('Set API Key');
    const message = needsKey
      ? vscode.l10n.t('Deployment "{0}" added to {1}. It needs an API key.', entry.name, where)
      : vscode.l10n.t('Deployment "{0}" added to {1}. It needs no key.', entry.name, where);
    void vscode.window.showInformationMessage(message, ...(needsKey ? [setKey] : [])).then((choice) => {
      if (choice === setKey) void vscode.commands.executeCommand('promptLab.setApiKey', entry.name);
    });
  }
  return entry.name;
}

async function askDeployment(existing: readonly string[]): Promise<AddDeploymentArgs | undefined> {
  const title = vscode.l10n.t('Add Deployment');
  const picked = await vscode.window.showQuickPick(providerItems(), { title, placeHolder: vscode.l10n.t('What will run your prompts?'), matchOnDescription: true });
  if (!picked) return undefined;
  const provider = picked.provider;
  const preset = PROVIDERS[provider];
  const config: DeploymentConfig = { provider };

  if (provider === 'azure') {
    const endpoint = await ask(title, vscode.l10n.t('Endpoint of your Azure OpenAI resource'), 'https://YOUR-RESOURCE.openai.azure.com', validUrl);
    if (endpoint === undefined) return undefined;
    const deployment = await ask(title, vscode.l10n.t('Name of the model deployment in that resource'), 'gpt-4o-mini', nonEmpty);
    if (deployment === undefined) return undefined;
    Object.assign(config, { endpoint, deployment, apiVersion: loadCore().DEFAULT_AZURE_API_VERSION });
  } else {
    let baseURL = preset.baseURL;
    if (!baseURL || isLoopbackUrl(baseURL) || provider === 'openai-compatible') {
      const answer = await ask(title, vscode.l10n.t('Base URL of the server, up to and including /v1'), baseURL ?? 'http://127.0.0.1:8000/v1', validUrl);
      if (answer === undefined) return undefined;
      baseURL = answer.replace(/\/+$/, '');
      if (baseURL !== preset.baseURL) config.baseURL = baseURL;
    }
    const model = await askModel(title, provider, baseURL);
    if (model === undefined) return undefined;
    config.model = model;
  }

  const base = provider === 'openai-compatible' ? 'local' : provider;
  const name = await ask(title, vscode.l10n.t('Name of the deployment: prompts name it in "deployment"'), loadCore().uniqueName(base, existing), (value) => {
    if (!value.trim()) return vscode.l10n.t('Type a name.');
    if (existing.includes(value.trim())) return vscode.l10n.t('"{0}" exists already: pick another name.', value.trim());
    return undefined;
  });
  return name === undefined ? undefined : { name: name.trim(), config };
}

/** The model: picked from the server's `GET /models` when it is on this machine and answers, else typed. */
async function askModel(title: string, provider: ProviderId, baseURL: string | undefined): Promise<string | undefined> {
  const models = isLoopbackUrl(baseURL) ? await listModels(baseURL!) : undefined;
  if (models && models.length > 0) {
    const typeOther = vscode.l10n.t('Type another model name…');
    const picked = await vscode.window.showQuickPick([...models.map((id) => ({ label: id })), { label: typeOther, alwaysShow: true }], {
      title, placeHolder: vscode.l10n.t('Model ({0} served by {1})', String(models.length), baseURL!), matchOnDescription: true,
    });
    if (!picked) return undefined;
    if (picked.label !== typeOther) return picked.label;
  }
  const prompt = models === undefined && isLoopbackUrl(baseURL)
    ? vscode.l10n.t('Model name (the server at {0} did not list its models; is it running?)', baseURL!)
    : vscode.l10n.t('Model name, as the server knows it');
  return ask(title, prompt, SUGGESTED_MODELS[provider] ?? '', nonEmpty);
}

/** The model ids a server lists at `GET {baseURL}/models` (the OpenAI API's list models), or undefined. */
async function listModels(baseURL: string): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${baseURL.replace(/\/+$/, '')}/models`, { signal: AbortSignal.timeout(LIST_MODELS_TIMEOUT_MS) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return undefined;
  }
}

async function ask(title: string, prompt: string, value: string, validate: (text: string) => string | undefined): Promise<string | undefined> {
  const answer = await vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: validate });
  return answer === undefined ? undefined : answer.trim();
}

function nonEmpty(text: string): string | undefined {
  return text.trim() ? undefined : vscode.l10n.t('Type a value.');
}

function validUrl(text: string): string | undefined {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : vscode.l10n.t('Type an http:// or https:// URL.');
  } catch {
    return vscode.l10n.t('Type a URL, e.g. http://127.0.0.1:11434/v1.');
  }
}

function settingsUri(folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json');
}

/**
 * Add the entry to the folder's `.vscode/settings.json` through the editor's document (undoable, and right even
 * when the file is open with unsaved changes), then save it; to the user settings when no folder is open.
 */
async function writeDeployment(folder: vscode.WorkspaceFolder | undefined, name: string, config: DeploymentConfig): Promise<void> {
  if (!folder) {
    const settings = vscode.workspace.getConfiguration(SECTION);
    const current = settings.inspect<Record<string, DeploymentConfig>>('deployments')?.globalValue ?? {};
    await settings.update('deployments', { ...current, [name]: config }, vscode.ConfigurationTarget.Global);
    return;
  }
  const uri = settingsUri(folder);
  if (!(await exists(uri))) {
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, new Uint8Array());
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const text = document.getText();
  const source = text.trim() === '' ? '{\n}\n' : text;
  const edits = loadCore().deploymentEdits(source, name, config, { eol: document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n' });
  const edit = new vscode.WorkspaceEdit();
  if (source !== text) edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), loadCore().edits.applyTextEdits(source, edits));
  else for (const e of edits) edit.replace(uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
  if (!(await vscode.workspace.applyEdit(edit)) || !(await document.save())) {
    throw new Error(vscode.l10n.t('Could not write {0}.', vscode.workspace.asRelativePath(uri)));
  }
}
