/**
 * Adding a deployment to a settings file (`.vscode/settings.json`, JSONC) without losing anything: the new entry
 * goes into `promptLab.deployments` as one inserted property, so comments, the other deployments and the other
 * settings stay as they were written (a whole-value update through VS Code's configuration API would rewrite the
 * `promptLab.deployments` object and drop the comments inside it).
 */
import { parseTree } from 'jsonc-parser';
import { type EditOptions, type TextEdit, applyTextEdits, setPropertyEdits } from '../format/edits';
import type { DeploymentConfig } from './deployments';

/** The settings key deployments live under. */
export const DEPLOYMENTS_SETTING = 'promptLab.deployments';

/**
 * `text` (a settings file; '' for a new one) with deployment `name` set to `config` under `promptLab.deployments`,
 * creating that object when missing. An entry of the same name is replaced.
 * @throws Error when `text`, or its `promptLab.deployments`, is not a JSON object (the message says what to fix).
 */
export function withDeployment(text: string, name: string, config: DeploymentConfig, options: EditOptions = {}): string {
  const source = text.trim() === '' ? '{\n}\n' : text;
  return applyTextEdits(source, deploymentEdits(source, name, config, options));
}

/**
 * The edits that make `text` (a settings file holding a JSON object) set deployment `name` to `config`: only the
 * entry's own lines are added (or its value replaced).
 * @throws Error as withDeployment.
 */
export function deploymentEdits(text: string, name: string, config: DeploymentConfig, options: EditOptions = {}): TextEdit[] {
  const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (tree?.type !== 'object') throw new Error('The settings file does not hold a JSON object: fix it, then add the deployment again.');
  const edits = setPropertyEdits(text, [DEPLOYMENTS_SETTING], name, config, options);
  if (edits.length === 0) throw new Error(`"${DEPLOYMENTS_SETTING}" in the settings file is not an object: fix it, then add the deployment again.`);
  return edits;
}

/** `base`, or `base-2`, `base-3`… whichever is not among `taken`. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
