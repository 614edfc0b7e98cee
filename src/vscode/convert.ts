/**
 * "Prompt Lab: Convert to .prompt.json" (for a GitHub Models `.prompt.yml` or a Microsoft `.prompty`) and
 * "Prompt Lab: Convert to .prompt.yml" (for a `.prompt.json`). The core converts (src/core/format); this file reads
 * the source, writes the file beside it, opens it, and shows what did not convert: each note in the *Prompt Lab*
 * output channel as `file:line: severity: message`, and a summary notification. A `.prompty` whose model fits no
 * deployment gets an offer to add the suggested entry to the workspace settings.
 */
import { path, platform } from './platform';
import * as vscode from 'vscode';
import { exists } from './files';
import type { ConversionNote, ConversionResult } from '../core/format/conversion';
import type { DeploymentConfig } from '../core/providers/deployments';
import { SECTION, readSettings } from './config';
import { loadCore } from './core';

/** Arguments for tests and keybindings: overwrite an existing target without asking; add a suggested deployment. */
export interface ConvertOptions {
  overwrite?: boolean;
  addDeployment?: boolean;
}

/** What a conversion command did: the file written and the notes, or undefined when nothing was written. */
export interface ConvertOutcome {
  target: vscode.Uri;
  notes: ConversionNote[];
}

type Direction = 'toJson' | 'toYaml';

function targetOf(source: vscode.Uri, direction: Direction): vscode.Uri | undefined {
  const p = source.path;
  if (direction === 'toYaml') return /\.prompt\.json$/i.test(p) ? source.with({ path: p.replace(/\.prompt\.json$/i, '.prompt.yml') }) : undefined;
  if (/\.prompt\.ya?ml$/i.test(p)) return source.with({ path: p.replace(/\.prompt\.ya?ml$/i, '.prompt.json') });
  if (/\.prompty$/i.test(p)) return source.with({ path: p.replace(/\.prompty$/i, '.prompt.json') });
  return undefined;
}

/**
 * Convert `target` (a Uri from the Explorer or the editor title; else the active editor's file) in `direction`.
 * @returns what was written, or undefined when nothing was (wrong file, the person declined to overwrite, the
 *   source could not be read, which is shown as an error naming its line).
 */
export async function convertPromptFile(direction: Direction, log: vscode.LogOutputChannel, target?: vscode.Uri, options: ConvertOptions = {}): Promise<ConvertOutcome | undefined> {
  const source = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  const destination = source ? targetOf(source, direction) : undefined;
  if (!source || !destination) {
    void vscode.window.showWarningMessage(direction === 'toJson' ? vscode.l10n.t('Open a .prompt.yml or .prompty file to convert it to .prompt.json.') : vscode.l10n.t('Open a .prompt.json file to convert it to .prompt.yml.'));
    return undefined;
  }
  const name = path.posix.basename(source.path);
  const core = loadCore();
  const settings = readSettings(source);
  const text = (await vscode.workspace.openTextDocument(source)).getText();
  let result: ConversionResult & { suggestedDeployment?: { key: string; config: DeploymentConfig } };
  try {
    if (direction === 'toYaml') result = core.promptJsonToYaml(text, { deployments: settings.deployments, models: settings.models });
    else if (/\.prompty$/i.test(source.path)) {
      result = core.promptyToJson(text, { deployments: settings.deployments, readFile: platform().filesBeside(path.dirname(platform().pathOf(source))) });
    } else result = core.promptYamlToJson(text);
  } catch (err) {
    const line = (err as { line?: number }).line;
    void vscode.window.showErrorMessage(`${name}${line ? `:${line}` : ''}: ${(err as Error).message}`);
    return undefined;
  }
  if (await exists(destination)) {
    const replaceButton = vscode.l10n.t('Replace');
    const replace = options.overwrite ?? (await vscode.window.showWarningMessage(vscode.l10n.t('{0} exists. Replace it with the conversion of {1}?', path.posix.basename(destination.path), name), { modal: true }, replaceButton)) === replaceButton;
    if (!replace) return undefined;
  }
  await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(result.text));
  await vscode.window.showTextDocument(destination, { viewColumn: vscode.ViewColumn.Beside, preview: false });

  for (const note of result.notes) {
    const line = `${vscode.workspace.asRelativePath(source)}${note.line ? `:${note.line}` : ''}: ${note.severity}: ${note.message}`;
    if (note.severity === 'error') log.error(line);
    else if (note.severity === 'warning') log.warn(line);
    else log.info(line);
  }
  const lost = result.notes.filter((n) => n.severity === 'error').length;
  const warned = result.notes.filter((n) => n.severity === 'warning').length;
  if (lost || warned) {
    const parts = [
      ...(lost ? [lost === 1 ? vscode.l10n.t('1 part could not convert') : vscode.l10n.t('{0} parts could not convert', lost)] : []),
      ...(warned ? [warned === 1 ? vscode.l10n.t('1 warning') : vscode.l10n.t('{0} warnings', warned)] : []),
    ];
    const summary = vscode.l10n.t('Converted {0}: {1}.', name, parts.join(', '));
    void vscode.window.showWarningMessage(summary, vscode.l10n.t('Show Notes')).then((choice) => choice && log.show());
  }
  if (result.suggestedDeployment) await offerDeployment(source, result.suggestedDeployment, options.addDeployment);
  return { target: destination, notes: result.notes };
}

/** Offers to add the deployment a `.prompty` names to the workspace's `promptLab.deployments`. */
async function offerDeployment(scope: vscode.Uri, suggested: { key: string; config: DeploymentConfig }, add: boolean | undefined): Promise<void> {
  const addButton = vscode.l10n.t('Add Deployment');
  const go = add ?? (await vscode.window.showInformationMessage(
    vscode.l10n.t('No deployment fits the .prompty\'s model. Add "{0}" ({1}) to promptLab.deployments?', suggested.key, String(suggested.config.provider)),
    addButton,
  )) === addButton;
  if (!go) return;
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const current = config.get<Record<string, DeploymentConfig>>('deployments') ?? {};
  const target = vscode.workspace.getWorkspaceFolder(scope) ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config.update('deployments', { ...current, [suggested.key]: suggested.config }, target);
}
