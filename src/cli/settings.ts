/**
 * Settings outside VS Code: the `promptLab.*` entries of the workspace's `.vscode/settings.json` (JSONC: comments and
 * trailing commas allowed, as VS Code reads it), or of the file `--settings` names, with `--context key=value` over
 * `promptLab.context`. The render limits are application settings in VS Code (a workspace cannot raise them), so
 * the CLI keeps their defaults whatever a workspace file says. API keys come from the environment: the deployment's
 * `apiKeyEnv`, else `PROMPT_LAB_API_KEY_<KEY>` (see {@link apiKeyVariable}); SecretStorage belongs to VS Code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { BudgetSettings } from '../core/run/budget';
import type { DeploymentConfig, ResolvedDeployment } from '../core/providers/deployments';
import { apiKeyVariable } from './args';
import { CliError } from './errors';

/** The settings the CLI's commands read, as the extension reads them (src/vscode/config.ts). */
export interface CliSettings {
  deployments: Record<string, DeploymentConfig>;
  /** `promptLab.models`: model id → deployment key. */
  models: Record<string, string>;
  /** `promptLab.log.directory`, relative to the workspace folder. */
  logDirectory: string;
  /** `promptLab.requestTimeoutMs`. */
  requestTimeoutMs: number;
  /** `promptLab.context` with `--context` over it. */
  context: Record<string, string>;
  budget: BudgetSettings | undefined;
  /** `promptLab.log.redactPII`. */
  redactPII: boolean;
}

/** Where the settings came from: the workspace folder (log and test data paths start there) and the file read. */
export interface LoadedSettings {
  workspaceFolder: string;
  /** The settings file read; undefined when there is none (every setting at its default). */
  file: string | undefined;
  settings: CliSettings;
}

const SETTINGS_PATH = path.join('.vscode', 'settings.json');

/**
 * The workspace folder for `start` (a directory): the nearest folder at or above it with `.vscode/settings.json`,
 * else the nearest with `.git`, else `start` itself.
 */
export function findWorkspaceFolder(start: string): string {
  const from = path.resolve(start);
  for (const marker of [SETTINGS_PATH, '.git']) {
    for (let dir = from; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, marker))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return from;
}

function stringValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The `promptLab.*` settings in the JSONC text of a settings file, defaults for those it does not set.
 * @throws CliError when the text is not JSONC or not an object (naming the file and line).
 */
export function settingsFromText(text: string, file: string, context: Record<string, string> = {}): CliSettings {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0] as ParseError;
    const line = text.slice(0, first.offset).split(/\r\n|\r|\n/).length;
    throw new CliError(`${file}:${line}: the settings file is not valid JSON (${printParseErrorCode(first.error)}): fix it, or name another with --settings.`);
  }
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new CliError(`${file}: a settings file holds one JSON object, e.g. { "promptLab.deployments": { … } }.`);
  }
  const get = (name: string): unknown => (value as Record<string, unknown> | undefined)?.[`promptLab.${name}`];
  const deployments = get('deployments');
  if (deployments !== undefined && (typeof deployments !== 'object' || deployments === null || Array.isArray(deployments))) {
    throw new CliError(`${file}: "promptLab.deployments" must be an object of named deployments, e.g. { "local": { "provider": "ollama", "model": "llama3.2" } }.`);
  }
  const logDirectory = get('log.directory');
  const timeout = get('requestTimeoutMs');
  const budget = get('budget');
  return {
    deployments: (deployments ?? {}) as Record<string, DeploymentConfig>,
    models: stringValues(get('models')),
    logDirectory: typeof logDirectory === 'string' && logDirectory !== '' ? logDirectory : '.promptlab/runs',
    requestTimeoutMs: typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 1000 ? timeout : 600_000,
    context: { ...stringValues(get('context')), ...context },
    budget: budget && typeof budget === 'object' && !Array.isArray(budget) ? budget as BudgetSettings : undefined,
    redactPII: get('log.redactPII') === true,
  };
}

/**
 * Read the settings: the file `settingsFile` names (relative to the current directory), else the workspace's
 * `.vscode/settings.json` when there is one. `workspace` is the folder given with `--workspace`, else found from
 * the current directory ({@link findWorkspaceFolder}).
 * @throws CliError when a named file is missing or a file does not parse.
 */
export function loadSettings(options: { cwd: string; workspace?: string; settingsFile?: string; context?: Record<string, string> }): LoadedSettings {
  const workspaceFolder = options.workspace !== undefined ? path.resolve(options.cwd, options.workspace) : findWorkspaceFolder(options.cwd);
  if (options.workspace !== undefined && !fs.existsSync(workspaceFolder)) throw new CliError(`--workspace "${options.workspace}" does not exist: name the folder that holds .vscode/settings.json.`);
  let file: string | undefined;
  if (options.settingsFile !== undefined) {
    file = path.resolve(options.cwd, options.settingsFile);
    if (!fs.existsSync(file)) throw new CliError(`--settings "${options.settingsFile}" does not exist: name a settings.json file.`);
  } else {
    const candidate = path.join(workspaceFolder, SETTINGS_PATH);
    if (fs.existsSync(candidate)) file = candidate;
  }
  const text = file !== undefined ? readText(file) : '{}';
  return { workspaceFolder, file, settings: settingsFromText(text, file !== undefined ? path.relative(options.cwd, file) || file : 'settings', options.context) };
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file} cannot be read (${(err as Error).message}).`);
  }
}

/** A key found for a deployment and the variable it came from. */
export interface EnvironmentKey {
  key: string;
  variable: string;
}

/**
 * The API key of `deployment` in `env`: its `apiKeyEnv` (its own or its provider's, e.g. `GITHUB_TOKEN`), else
 * `PROMPT_LAB_API_KEY_<KEY>`. Undefined when neither is set (empty counts as unset).
 */
export function findApiKey(deployment: Pick<ResolvedDeployment, 'key' | 'apiKeyEnv'>, env: NodeJS.ProcessEnv): EnvironmentKey | undefined {
  for (const variable of [deployment.apiKeyEnv, apiKeyVariable(deployment.key)]) {
    if (variable === undefined) continue;
    const key = env[variable];
    if (key) return { key, variable };
  }
  return undefined;
}

/** The one line for a deployment that needs a key and has none in the environment. */
export function missingKeyMessage(deployment: Pick<ResolvedDeployment, 'key' | 'apiKeyEnv'>): string {
  const variables = [deployment.apiKeyEnv, apiKeyVariable(deployment.key)].filter((v): v is string => v !== undefined);
  return `Deployment "${deployment.key}" needs an API key: set ${variables.join(' or ')} in the environment (VS Code's SecretStorage, where Set API Key keeps keys, is not reachable from a terminal).`;
}
