/**
 * "Prompt Lab: New Prompt File" (Command Palette, File → New File…, the Explorer's folder context menu, the
 * walkthrough): pick a starting point, the deployment when there are several, and a file name; the file is written
 * and opened with its first template selected. The starting points are the core's (src/core/format/starters.ts).
 */
import * as vscode from 'vscode';
import { exists } from './files';
import type { StarterId } from '../core/format/starters';
import { readSettings } from './config';
import { loadCore } from './core';
import { deploymentPickItems } from './setApiKey';

export const NEW_PROMPT_FILE_COMMAND = 'promptLab.newPromptFile';

/**
 * Arguments that skip the questions (tests, the walkthrough, keybindings): `starter` skips the pick, `uri` the file
 * name (the file must not exist), `deployment` the deployment pick (`null`: name no deployment).
 */
export interface NewPromptFileArgs {
  starter?: StarterId;
  uri?: vscode.Uri;
  deployment?: string | null;
}

type StarterItem = vscode.QuickPickItem & { id: StarterId };

function starterItems(): StarterItem[] {
  return [
    { id: 'empty', label: `$(file) ${vscode.l10n.t('Empty')}`, description: vscode.l10n.t('one user message'), detail: vscode.l10n.t('The smallest prompt file: write the template, declare its inputs as you go.') },
    { id: 'summariser', label: `$(note) ${vscode.l10n.t('Summariser')}`, description: vscode.l10n.t('system and user messages, inputs with defaults'), detail: vscode.l10n.t('Summarises a text within a word limit: a text input and a number input.') },
    { id: 'classifier', label: `$(tag) ${vscode.l10n.t('Classifier with test data and evaluators')}`, description: vscode.l10n.t('testData, evaluators'), detail: vscode.l10n.t('Puts a ticket into one category, with test cases and the evaluators that judge each answer.') },
    { id: 'chat', label: `$(comment-discussion) ${vscode.l10n.t('Chat with history')}`, description: vscode.l10n.t('chat_history input'), detail: vscode.l10n.t('Answers the next message of a conversation: the earlier turns come from an input.') },
    { id: 'structured', label: `$(json) ${vscode.l10n.t('Structured output with a schema')}`, description: vscode.l10n.t('response_format json_schema, retries'), detail: vscode.l10n.t('Extracts data as JSON that matches a JSON Schema; the run panel checks it.') },
  ];
}

/**
 * Run the command. `arg` is a folder Uri (Explorer context menu) or NewPromptFileArgs.
 * @returns the new file's Uri, or undefined when the person cancelled a question.
 */
export async function newPromptFile(arg?: vscode.Uri | NewPromptFileArgs): Promise<vscode.Uri | undefined> {
  const args: NewPromptFileArgs = arg instanceof vscode.Uri ? {} : arg ?? {};
  const folder = arg instanceof vscode.Uri ? arg : defaultFolder();
  const core = loadCore();

  const starter = args.starter ?? (await vscode.window.showQuickPick(starterItems(), {
    title: vscode.l10n.t('New Prompt File'), placeHolder: vscode.l10n.t('Start from…'), matchOnDescription: true, matchOnDetail: true,
  }))?.id;
  if (!starter) return undefined;

  const deployment = args.deployment !== undefined ? args.deployment ?? undefined : await pickDeployment(args.uri ?? folder);
  if (deployment === null) return undefined;

  const uri = args.uri ?? await askFileName(folder, core.starters.STARTER_FILE_STEMS[starter]);
  if (!uri) return undefined;

  const stem = uri.path.slice(uri.path.lastIndexOf('/') + 1).replace(/\.prompt\.json$/i, '');
  const file = core.starters.starterFile(starter, { name: core.starters.nameFromStem(stem), ...(deployment ? { deployment } : {}) });
  let document: vscode.TextDocument;
  if (uri.scheme === 'untitled') {
    document = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), file.text);
    await vscode.workspace.applyEdit(edit);
  } else {
    if (await exists(uri)) throw new Error(vscode.l10n.t('{0} already exists: pick another name.', vscode.workspace.asRelativePath(uri)));
    // Through a workspace edit, as the Explorer's New File does: undoable, and reported by onDidCreateFiles.
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(uri, { contents: new TextEncoder().encode(file.text) });
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(vscode.l10n.t('Could not create {0}.', vscode.workspace.asRelativePath(uri)));
    document = await vscode.workspace.openTextDocument(uri);
  }
  const editor = await vscode.window.showTextDocument(document, { preview: false, viewColumn: targetColumn() });
  const selection = new vscode.Selection(document.positionAt(file.firstTemplate.start), document.positionAt(file.firstTemplate.end));
  editor.selection = selection;
  editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return uri;
}

/**
 * Where the new file opens: an empty editor group when there is one (the walkthrough's button makes one beside
 * it), beside the active editor when that is no text editor (the walkthrough, a webview), else the active group.
 */
function targetColumn(): vscode.ViewColumn {
  const groups = vscode.window.tabGroups;
  const empty = groups.all.find((g) => g.tabs.length === 0);
  if (empty) return empty.viewColumn;
  const active = groups.activeTabGroup.activeTab;
  return active && !(active.input instanceof vscode.TabInputText) ? vscode.ViewColumn.Beside : groups.activeTabGroup.viewColumn;
}

/** The folder of the active file when it is in the workspace, else the first workspace folder. */
function defaultFolder(): vscode.Uri | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.scheme !== 'untitled' && vscode.workspace.getWorkspaceFolder(active)) return vscode.Uri.joinPath(active, '..');
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** The deployment the new file names: none when there is none, the only one, or the one picked; null when cancelled. */
async function pickDeployment(scope: vscode.Uri | undefined): Promise<string | undefined | null> {
  const deployments = readSettings(scope).deployments;
  const keys = Object.keys(deployments);
  if (keys.length <= 1) return keys[0];
  const picked = await vscode.window.showQuickPick(deploymentPickItems(deployments), {
    title: vscode.l10n.t('New Prompt File: deployment'), placeHolder: vscode.l10n.t('Which deployment runs this prompt? (Switch it later from the status bar.)'),
    matchOnDescription: true,
  });
  return picked ? picked.label : null;
}

/** Ask for the file name in `folder` (an untitled file when no folder is open); undefined when cancelled. */
async function askFileName(folder: vscode.Uri | undefined, stem: string): Promise<vscode.Uri | undefined> {
  if (!folder) return vscode.Uri.from({ scheme: 'untitled', path: `${stem}.prompt.json` });
  let name = `${stem}.prompt.json`;
  for (let n = 2; n < 100 && (await exists(vscode.Uri.joinPath(folder, name))); n++) name = `${stem}-${n}.prompt.json`;
  const answer = await vscode.window.showInputBox({
    title: vscode.l10n.t('New Prompt File: name'),
    prompt: vscode.l10n.t('File name, relative to {0}', vscode.workspace.asRelativePath(folder, true) || folder.fsPath),
    value: name,
    valueSelection: [0, name.length - '.prompt.json'.length],
    validateInput: async (text) => {
      const value = withExtension(text);
      if (!value) return vscode.l10n.t('Type a file name.');
      if (/(^|[\\/])\.\.([\\/]|$)/.test(value) || /^[\\/]/.test(value)) return vscode.l10n.t('Give a name inside the folder, without "..".');
      if (await exists(vscode.Uri.joinPath(folder, value))) return vscode.l10n.t('{0} already exists.', value);
      return undefined;
    },
  });
  const value = answer === undefined ? undefined : withExtension(answer);
  return value ? vscode.Uri.joinPath(folder, value) : undefined;
}

/** `name` with `.prompt.json` at its end (added when missing), or '' for a blank answer. */
function withExtension(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) return '';
  return /\.prompt\.json$/i.test(trimmed) ? trimmed : `${trimmed.replace(/\.json$/i, '')}.prompt.json`;
}
