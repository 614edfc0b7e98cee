/**
 * Typed reader of the `promptLab.*` settings. Every read goes through here, so a setting's name and
 * default live in package.json and in this one file.
 */
import * as vscode from 'vscode';
import type { DeploymentConfig } from '../core/deployments';

export const SECTION = 'promptLab';

/** The settings a run needs, for the scope of one prompt file (workspace folder settings apply). */
export interface PromptLabSettings {
  deployments: Record<string, DeploymentConfig>;
  /** Folder of the run log, relative to the workspace folder. */
  logDirectory: string;
  /** Request timeout (ms) for deployments that set none. */
  requestTimeoutMs: number;
}

/** Read the settings for `scope` (a prompt file's Uri). */
export function readSettings(scope?: vscode.Uri): PromptLabSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const deployments = config.get<Record<string, DeploymentConfig>>('deployments') ?? {};
  return {
    deployments: typeof deployments === 'object' && deployments !== null ? deployments : {},
    logDirectory: config.get<string>('log.directory') || '.promptlab/runs',
    requestTimeoutMs: config.get<number>('requestTimeoutMs') ?? 600_000,
  };
}

/** True when a configuration change touches Prompt Lab's settings. */
export function affectsPromptLab(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SECTION);
}
