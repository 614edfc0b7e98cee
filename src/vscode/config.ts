/**
 * Typed reader of the `promptLab.*` settings. Every read goes through here, so a setting's name and
 * default live in package.json and in this one file.
 */
import * as vscode from 'vscode';
import type { BudgetSettings } from '../core/run/budget';
import type { DeploymentConfig, RoutingContext } from '../core/providers/deployments';

export const SECTION = 'promptLab';

/** The settings a run needs, for the scope of one prompt file (workspace folder settings apply). */
export interface PromptLabSettings {
  deployments: Record<string, DeploymentConfig>;
  /** `promptLab.models`: model id (`publisher/name`) → deployment key, for prompts that name a `model`. */
  models: Record<string, string>;
  /** Folder of the run log, relative to the workspace folder. */
  logDirectory: string;
  /** Request timeout (ms) for deployments that set none. */
  requestTimeoutMs: number;
  /** The routing context that picks deployment variants. */
  context: RoutingContext;
  budget: BudgetSettings | undefined;
  /** Mask personal data and keys in what is logged (`promptLab.log.redactPII`). */
  redactPII: boolean;
}

/** Read the settings for `scope` (a prompt file's Uri). */
export function readSettings(scope?: vscode.Uri): PromptLabSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const deployments = config.get<Record<string, DeploymentConfig>>('deployments') ?? {};
  return {
    deployments: typeof deployments === 'object' && deployments !== null ? deployments : {},
    models: stringValues(config.get<Record<string, unknown>>('models')),
    logDirectory: config.get<string>('log.directory') || '.promptlab/runs',
    requestTimeoutMs: config.get<number>('requestTimeoutMs') ?? 600_000,
    context: stringValues(config.get<Record<string, unknown>>('context')),
    budget: config.get<BudgetSettings>('budget') ?? undefined,
    redactPII: config.get<boolean>('log.redactPII') === true,
  };
}

function stringValues(value: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** True when a configuration change touches Prompt Lab's settings. */
export function affectsPromptLab(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SECTION);
}
