/**
 * What `run` and `eval` share: reading a prompt file into the core's model, and resolving a deployment with its key
 * from the environment. Every failure is a {@link CliError} that names the file (and line) or the setting to fix.
 */
import * as fs from 'node:fs';
import type { PromptFile } from '../core/format/promptFile';
import { parsePromptDocument } from '../core/format/parse';
import { positionAt } from '../core/format/text';
import { DeploymentError, type ResolvedDeployment } from '../core/providers/deployments';
import { resolveNamedDeployment, resolvePromptDeployment } from '../core/providers/models';
import type { EvaluationTarget } from '../core/evaluation/evaluate';
import { CliError } from './errors';
import { formatFileName, promptFormatOfArgument, relativePath } from './files';
import { findApiKey, missingKeyMessage, type CliSettings } from './settings';

/** A prompt file read and parsed. */
export interface LoadedPrompt {
  file: string;
  /** The path as the person sees it (relative to the current directory). */
  name: string;
  /** Workspace-relative, forward slashes: the run log's `prompt`. */
  promptPath: string;
  prompt: PromptFile;
}

/**
 * Read and parse a `.prompt.json` or `.prompt.yml` file.
 * @throws CliError when it cannot be read or does not parse (its first problem, with the line).
 */
export function loadPrompt(file: string, cwd: string, workspaceFolder: string): LoadedPrompt {
  const name = relativePath(cwd, file);
  const format = promptFormatOfArgument(file);
  if (format !== 'prompt.json' && format !== 'prompt.yml') {
    throw new CliError(`${name}: prompt-lab runs .prompt.json and .prompt.yml files${format === 'prompty' ? '; convert a .prompty first with prompt-lab convert' : ''}.`);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${name} cannot be read (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}).`);
  }
  const parsed = parsePromptDocument(formatFileName(file), text);
  if (!parsed.prompt) {
    const first = parsed.problems[0];
    const line = first ? positionAt(text, first.span.offset).line + 1 : 1;
    throw new CliError(`${name}:${line}: ${first ? first.message : 'the prompt file cannot be read'} (prompt-lab check ${name} lists every problem).`);
  }
  return { file, name, promptPath: relativePath(workspaceFolder, file), prompt: parsed.prompt };
}

/**
 * The deployment `key` names (`--deployment`), else the prompt's own (`deployment`, or `model` through
 * `promptLab.models` and the `github` preset), with its key from `env`.
 * @throws CliError for an unknown or invalid deployment, Entra ID authentication, or a missing key.
 */
export function resolveTarget(prompt: Pick<PromptFile, 'deployment' | 'model'>, settings: CliSettings, env: NodeJS.ProcessEnv, key?: string): EvaluationTarget {
  let deployment: ResolvedDeployment;
  try {
    // `--deployment key`: a key of `promptLab.deployments`, or a model id that `promptLab.models` maps or GitHub Models serves.
    deployment = key !== undefined ? resolveNamedDeployment(key, settings) : resolvePromptDeployment(prompt, settings);
  } catch (err) {
    if (err instanceof DeploymentError) throw new CliError(`${err.message}${settingsHint(settings)}`);
    throw err;
  }
  if (deployment.entra) {
    throw new CliError(`Deployment "${deployment.key}" signs in with Microsoft Entra ID ("auth": "entra") through VS Code, which a terminal cannot: run it from VS Code, or use a deployment with an API key.`);
  }
  const found = findApiKey(deployment, env);
  if (deployment.needsKey && !found) throw new CliError(missingKeyMessage(deployment));
  return { deployment, apiKey: found?.key };
}


function settingsHint(settings: CliSettings): string {
  return Object.keys(settings.deployments).length === 0 ? ' (No "promptLab.deployments" were found: run in the workspace folder, or pass --settings path/to/settings.json.)' : '';
}
