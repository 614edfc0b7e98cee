/**
 * "Prompt Lab: Run Prompt": read the prompt file, resolve its deployment and key, ask for missing inputs,
 * stream the run into the panel and log it. The work itself is the core's `executeRun`; this file only
 * gathers what VS Code knows (settings, secrets, the document, the person's answers) and shows the result.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as Core from '../core';
import type { ResolvedDeployment } from '../core/deployments';
import type { DescribedError } from '../core/errors';
import type { PromptFile, PromptInput } from '../core/promptFile';
import type { RunOutcome } from '../core/run';
import type { ErrorAction, RunFinishedParams } from '../protocol';
import type { ApiKeyStore } from './apiKeys';
import { readSettings } from './config';
import { loadCore } from './core';
import { RunPanelManager } from './runPanel';

/** Reported after every run that reached the request stage, once its log line is written. */
export interface RunFinishedEvent extends RunOutcome {
  promptUri: vscode.Uri;
}

export class RunController implements vscode.Disposable {
  private readonly running = new Map<string, AbortController>();
  /** Deployment key of each prompt file's latest run, for the panel's "Set API Key" button. */
  private readonly lastDeployment = new Map<string, string>();
  private readonly finishedEmitter = new vscode.EventEmitter<RunFinishedEvent>();
  /** Fires when a run ends (ok, error or cancelled), after it is logged. */
  readonly onDidFinishRun = this.finishedEmitter.event;
  readonly panels: RunPanelManager;

  constructor(extensionUri: vscode.Uri, private readonly keys: ApiKeyStore, private readonly log: vscode.LogOutputChannel) {
    this.panels = new RunPanelManager(extensionUri, {
      stop: (runId) => this.stop(runId),
      rerun: (uri) => void this.run(uri),
      errorAction: (action, uri) => void this.performAction(action, uri),
    });
  }

  /** Cancel a running run; its partial output is kept and logged as `cancelled`. */
  stop(runId: string): void {
    this.running.get(runId)?.abort();
  }

  /**
   * Run the prompt file `target` (a Uri from the explorer or editor title), else the active editor's file.
   * @returns the outcome, or undefined when nothing ran (no prompt file, the person cancelled an input).
   */
  async run(target?: vscode.Uri): Promise<RunOutcome | undefined> {
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !uri.path.endsWith('.prompt.json')) {
      void vscode.window.showWarningMessage('Open a .prompt.json file to run it, or pick one in the Explorer.');
      return undefined;
    }
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage('Prompt Lab does not run prompts in an untrusted workspace: its settings could send your API key elsewhere.', 'Manage Workspace Trust');
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }

    const core = loadCore();
    const { parsePromptFile, resolveDeployment, describeError, MissingApiKeyError, PromptFileError, executeRun } = core;
    const document = await vscode.workspace.openTextDocument(uri);
    const parsed = parsePromptFile(document.getText());
    const title = path.basename(uri.path, '.prompt.json');
    if (!parsed.prompt) {
      const first = parsed.problems[0];
      this.showSetupError(describeError(new PromptFileError(first ? first.message : 'The prompt file cannot be read.')), uri, title);
      return undefined;
    }
    const prompt = parsed.prompt;
    const settings = readSettings(uri);
    let deployment: ResolvedDeployment;
    try {
      deployment = resolveDeployment(prompt.deployment, settings.deployments);
    } catch (err) {
      this.showSetupError(describeError(err), uri, prompt.name ?? title, prompt.deployment);
      return undefined;
    }
    const apiKey = await this.keys.get(deployment);
    if (deployment.needsKey && !apiKey) {
      this.showSetupError(describeError(new MissingApiKeyError(deployment.key)), uri, prompt.name ?? title, deployment.key, deployment);
      return undefined;
    }

    const inputs = await this.askMissingInputs(prompt, title, core.resolveInputs);
    if (!inputs) return undefined;

    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const root = folder?.uri.fsPath ?? path.dirname(uri.fsPath);
    const promptPath = path.relative(root, uri.fsPath).split(path.sep).join('/');
    const runId = randomUUID();
    this.lastDeployment.set(uri.toString(), deployment.key);
    const panel = this.panels.panelFor(uri, prompt.name ?? title);
    const controller = new AbortController();
    this.running.set(runId, controller);
    this.log.info(`[run] ${runId} ${promptPath} → ${deployment.key} (${deployment.provider}, ${deployment.model}) at ${deployment.baseURL}`);

    let outcome: RunOutcome;
    try {
      outcome = await executeRun({
        runId, promptPath, prompt, inputs, deployment, apiKey,
        signal: controller.signal,
        logDir: path.resolve(root, settings.logDirectory),
        timeoutMs: settings.requestTimeoutMs,
      }, {
        onStarted: ({ startedAt, model }) => panel.started({
          runId, promptName: prompt.name ?? title, promptPath, deployment: deployment.key, provider: deployment.provider, model, baseURL: deployment.baseURL, startedAt,
        }),
        onResponded: (replayOf) => panel.responded(runId, replayOf),
        onText: (text) => panel.text(runId, text),
        onEnded: ({ record, error }) => {
          if (record.messages.length === 0) {
            // Rendering failed before the request: the panel has not seen this run yet.
            panel.started({ runId, promptName: prompt.name ?? title, promptPath, deployment: deployment.key, provider: deployment.provider, model: deployment.model, baseURL: deployment.baseURL, startedAt: record.timing.startedAt });
          }
          const finished: RunFinishedParams = {
            runId, status: record.status, model: record.model, finishReason: record.finishReason, usage: record.usage,
            ttftMs: record.timing.ttftMs, latencyMs: record.timing.latencyMs, outputLength: record.output.length,
          };
          if (error) finished.error = error;
          if (record.costUsd !== undefined) finished.costUsd = record.costUsd;
          panel.finished(finished);
        },
      });
    } finally {
      this.running.delete(runId);
    }

    const { record } = outcome;
    this.log.info(`[run] ${runId} ${record.status} in ${record.timing.latencyMs} ms (ttft ${record.timing.ttftMs ?? '-'} ms), ${record.output.length} chars, finish_reason ${record.finishReason ?? '-'}`);
    if (outcome.error) this.showError(outcome.error, uri, deployment.key);
    if (outcome.logError) {
      this.log.error(`[log] could not write the run log: ${outcome.logError.stack ?? outcome.logError.message}`);
      void vscode.window.showErrorMessage(`Prompt Lab could not write the run log: ${outcome.logError.message}`, 'Show Log').then((c) => c && this.log.show());
    }
    this.finishedEmitter.fire({ ...outcome, promptUri: uri });
    return outcome;
  }

  /** Ask for each required input with no value; undefined when the person pressed Escape. */
  private async askMissingInputs(prompt: PromptFile, title: string, resolveInputs: typeof Core.resolveInputs): Promise<Record<string, unknown> | undefined> {
    const { values, missing } = resolveInputs(prompt);
    for (const name of missing) {
      const input = prompt.inputs.get(name) as PromptInput;
      const structured = input.type === 'array' || input.type === 'object' || input.type === 'chat_history';
      const answer = await vscode.window.showInputBox({
        title: `${title}: input "${name}"`,
        prompt: input.description ?? `Value of the required input "${name}"${structured ? ' (JSON)' : ''}`,
        ignoreFocusOut: true,
        validateInput: (text) => validateInputText(input, text),
      });
      if (answer === undefined) return undefined;
      values[name] = parseInputText(input, answer);
    }
    return values;
  }

  /**
   * An error before any request (the prompt file, its deployment, a key): shown in the prompt's panel and as a
   * notification, each with its fix. Nothing ran, so nothing is logged.
   */
  private showSetupError(error: DescribedError, promptUri: vscode.Uri, promptName: string, deploymentKey?: string, deployment?: ResolvedDeployment): void {
    const panel = this.panels.panelFor(promptUri, promptName);
    const runId = randomUUID();
    if (deploymentKey) this.lastDeployment.set(promptUri.toString(), deploymentKey);
    panel.started({
      runId, promptName, promptPath: vscode.workspace.asRelativePath(promptUri), deployment: deploymentKey ?? '—', provider: deployment?.provider ?? '—',
      model: deployment?.model ?? '—', baseURL: deployment?.baseURL ?? '', startedAt: new Date().toISOString(),
    });
    panel.finished({ runId, status: 'error', model: deployment?.model ?? '—', finishReason: null, usage: null, ttftMs: null, latencyMs: 0, outputLength: 0, error });
    this.showError(error, promptUri, deploymentKey);
  }

  private showError(error: DescribedError, promptUri: vscode.Uri, deploymentKey?: string): void {
    this.log.error(`[run] ${error.message}\n${error.detail}`);
    const buttons = [error.actionLabel, 'Show Log'].filter((b): b is string => !!b && b !== undefined);
    void vscode.window.showErrorMessage(error.message, ...new Set(buttons)).then((choice) => {
      if (choice === 'Show Log') this.log.show();
      else if (choice && error.action) void this.performAction(error.action, promptUri, deploymentKey);
    });
  }

  /** Carry out an error's action (from a notification or the panel's button). */
  async performAction(action: ErrorAction, promptUri: vscode.Uri, deploymentKey?: string): Promise<void> {
    switch (action) {
      case 'openSettings':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'promptLab.deployments');
        break;
      case 'setApiKey':
        await vscode.commands.executeCommand('promptLab.setApiKey', deploymentKey ?? this.lastDeployment.get(promptUri.toString()));
        break;
      case 'showLog':
        this.log.show();
        break;
      case 'openPrompt':
        await vscode.window.showTextDocument(promptUri, { preview: false });
        break;
      case 'retry':
        await this.run(promptUri);
        break;
    }
  }

  dispose(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
    this.panels.dispose();
    this.finishedEmitter.dispose();
  }
}

function validateInputText(input: PromptInput, text: string): string | undefined {
  if (input.type === 'number' && (text.trim() === '' || Number.isNaN(Number(text)))) return 'Type a number.';
  if (input.type === 'array' || input.type === 'object' || input.type === 'chat_history') {
    try {
      const value: unknown = JSON.parse(text);
      if (input.type === 'object' ? typeof value !== 'object' || value === null || Array.isArray(value) : !Array.isArray(value)) {
        return input.type === 'object' ? 'Type a JSON object, e.g. {"key": "value"}.' : 'Type a JSON array, e.g. [{"role": "user", "content": "Hi"}].';
      }
    } catch {
      return 'Type valid JSON.';
    }
  }
  return undefined;
}

function parseInputText(input: PromptInput, text: string): unknown {
  if (input.type === 'number') return Number(text);
  if (input.type === 'boolean') return /^(true|yes|1)$/i.test(text.trim());
  if (input.type === 'array' || input.type === 'object' || input.type === 'chat_history') return JSON.parse(text) as unknown;
  return text;
}
