/**
 * Typed reader of the `promptLab.*` settings. Every read goes through here, so a setting's name and
 * default live in package.json and in this one file.
 */
import * as vscode from 'vscode';
import type { BudgetSettings } from '../core/run/budget';
import type { DeploymentConfig, RoutingContext } from '../core/providers/deployments';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from '../core/template/renderer';

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

/** Bounds of the render settings, as package.json declares them: a value outside is brought inside. */
const RENDER_TIMEOUT_MS = { min: 100, max: 60_000 };
const RENDER_OUTPUT_CHARS = { min: 1_000, max: 10_000_000 };

function clamp(value: unknown, fallback: number, { min, max }: { min: number; max: number }): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/**
 * The limits of one render (`promptLab.render.timeoutMs`, `promptLab.render.maxOutputChars`). They are
 * application-scoped settings: VS Code reads them from the user's settings only, so a cloned repository's
 * .vscode/settings.json cannot raise them. The heap limit is not a setting.
 */
export function readRenderLimits(): RenderLimits {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    timeoutMs: clamp(config.get('render.timeoutMs'), DEFAULT_RENDER_LIMITS.timeoutMs, RENDER_TIMEOUT_MS),
    maxOutputChars: clamp(config.get('render.maxOutputChars'), DEFAULT_RENDER_LIMITS.maxOutputChars, RENDER_OUTPUT_CHARS),
    maxHeapMb: DEFAULT_RENDER_LIMITS.maxHeapMb,
  };
}
