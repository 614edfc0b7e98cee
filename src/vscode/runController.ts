/**
 * "Prompt Lab: Run Prompt": read the prompt file, resolve its deployment and key, ask for missing inputs,
 * stream the run into the panel and log it. The work itself is the core's `executeRun`; this file only
 * gathers what VS Code knows (settings, secrets, the document, the person's answers) and shows the result.
 */
import { path, pathOf, platform } from './platform';
import * as vscode from 'vscode';
import type * as Core from '../core';
import type { ResolvedDeployment } from '../core/providers/deployments';
import type { DescribedError } from '../core/providers/errors';
import type { PromptFile, PromptInput } from '../core/format/promptFile';
import type { RunOutcome } from '../core/run/run';
import type { ErrorAction, MediaView, RatingView } from '../protocol/runPanel';
import type { ChatMessage } from '../core/template/template';
import { type ApiKeyStore, type FoundKey, originOf } from './apiKeys';
import { readSettings } from './config';
import { loadCore } from './core';
import { PROMPT_FILE_PATTERN } from './diagnostics';
import { type RunPanel, RunPanelManager, mediaView } from './runPanel';
import type { TemplateRenderer } from '../core/template/renderer';

/** One request of a run, with everything the panel and the log need. */
interface Attempt {
  uri: vscode.Uri;
  prompt: PromptFile;
  promptName: string;
  promptPath: string;
  deployment: ResolvedDeployment;
  inputs: Record<string, unknown>;
  apiKey: string | undefined;
  logDir: string;
  timeoutMs: number;
  redactPII: boolean;
  notice?: string;
  attempt: number;
  maxAttempts: number;
  followUp?: ChatMessage[];
  /** Logged as the run's `source`; "command" when absent. */
  source?: 'command' | 'playground';
  /** Where the run's events go instead of the prompt's panel (the playground's columns). */
  sink?: RunSink;
  /** Aborting it stops the run, like the panel's Stop. */
  signal?: AbortSignal;
}

/** What shows a run as it goes: a RunPanel, or a column of the playground. */
export type RunSink = Pick<RunPanel, 'started' | 'responded' | 'text' | 'retrying' | 'finished'>;

/** A Microsoft Entra ID token for Azure OpenAI, from VS Code's own `microsoft` authentication provider. */
export async function entraToken(): Promise<string> {
  const session = await vscode.authentication.getSession('microsoft', ['https://cognitiveservices.azure.com/.default'], { createIfNone: true });
  return session.accessToken;
}

/**
 * Scopes asked of VS Code's `github` sign-in for GitHub Models. Models takes a coarse-grained (OAuth or classic) token
 * without any particular scope (only fine-grained tokens and GitHub Apps need `models:read`: GitHub changelog
 * 2025-05-15, "models:read now required for GitHub Models access"); `read:user` is the least VS Code's provider asks for.
 */
export const GITHUB_MODELS_SCOPES: readonly string[] = ['read:user'];

/** A GitHub token for GitHub Models (the `github` preset), from VS Code's own `github` authentication provider. */
export async function githubToken(): Promise<string> {
  const session = await vscode.authentication.getSession('github', [...GITHUB_MODELS_SCOPES], { createIfNone: true });
  return session.accessToken;
}

/**
 * True, with a warning offering Manage Workspace Trust, when the workspace is not trusted: its settings decide where
 * requests and keys go, so nothing runs (Run Prompt, Evaluate Prompt). The warning is not awaited: the command ends
 * now and the notification stays until the person answers or closes it.
 */
export function refusedUntrusted(): boolean {
  if (vscode.workspace.isTrusted) return false;
  void vscode.window.showWarningMessage(vscode.l10n.t('Prompt Lab does not run prompts in an untrusted workspace: its settings could send your API key elsewhere.'), vscode.l10n.t('Manage Workspace Trust'))
    .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
  return true;
}

/** Reported after every run that reached the request stage, once its log line is written. */
export interface RunFinishedEvent extends RunOutcome {
  promptUri: vscode.Uri;
}

export class RunController implements vscode.Disposable {
  private readonly running = new Map<string, AbortController>();
  /** Deployment key of each prompt file's latest run, for the panel's "Set API Key" button. */
  private readonly lastDeployment = new Map<string, string>();
  private readonly finishedEmitter = new vscode.EventEmitter<RunFinishedEvent>();
  private readonly ratedEmitter = new vscode.EventEmitter<{ runId: string; promptUri: vscode.Uri; rating: RatingView }>();
  /** Fires after a rating line was appended to the log. */
  readonly onDidRate = this.ratedEmitter.event;
  /** Fires when a run ends (ok, error or cancelled), after it is logged. */
  readonly onDidFinishRun = this.finishedEmitter.event;
  readonly panels: RunPanelManager;

  /** `renderer` renders every run's templates (the bounded worker, see ./renderer.ts). */
  /**
   * `scrub` masks the keys this session knows (the extension's SecretScrubber): what a person types into a note goes
   * through it before it is written.
   */
  constructor(extensionUri: vscode.Uri, private readonly keys: ApiKeyStore, private readonly log: vscode.LogOutputChannel, private readonly renderer: TemplateRenderer,
    private readonly scrub: (text: string) => string = (t) => t) {
    this.panels = new RunPanelManager(extensionUri, {
      stop: (runId) => this.stop(runId),
      rerun: (uri) => void this.run(uri),
      errorAction: (action, uri) => void this.performAction(action, uri),
      rate: (uri, runId, rating) => this.rate(uri, runId, rating),
      annotate: (uri, runId, kind) => void this.askAnnotation(uri, runId, kind).catch((err: unknown) => this.annotationFailed(err)),
      // The command owns the edit (also run from the Runs view and the evaluation grid).
      addToTestData: (runId) => void vscode.commands.executeCommand('promptLab.addToTestData', runId),
    });
  }

  /**
   * Append a note (`key` "note") or a property of run `runId` (of the prompt file `uri`) to the log, as its own line; the
   * session's keys are masked in the value, and personal data too with `promptLab.log.redactPII`. Shows the run's notes
   * and properties in its open panel.
   * @returns the run's notes and properties after it (key → newest value); rejects with a sentence when it is not valid
   * or cannot be written.
   */
  async annotate(uri: vscode.Uri, runId: string, key: string, value: string): Promise<Record<string, string>> {
    const settings = readSettings(uri);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const logDir = path.resolve(pathOf(folder?.uri) ?? path.dirname(pathOf(uri)), settings.logDirectory);
    const core = loadCore();
    const { record } = await core.appendAnnotation(platform().fileSystem(), logDir, { runId, key, value }, { redactPII: settings.redactPII, scrub: (t) => this.scrub(t) });
    this.log.info(`[annotation] ${runId}: ${record.key} (${record.value.length} characters)`);
    const shown = { ...(this.annotationsOf.get(runId) ?? {}) };
    if (record.value === '') delete shown[record.key];
    else shown[record.key] = record.value;
    this.annotationsOf.set(runId, shown);
    this.panels.existing(uri)?.annotations(runId, shown);
    this.annotatedEmitter.fire({ runId, promptUri: uri, key: record.key, value: record.value });
    return shown;
  }

  /** Notes and properties known for runs of this session (from the log when a run is opened, and as they are added). */
  readonly annotationsOf = new Map<string, Record<string, string>>();
  private readonly annotatedEmitter = new vscode.EventEmitter<{ runId: string; promptUri: vscode.Uri; key: string; value: string }>();
  /** Fires after a note or property line was appended to the log. */
  readonly onDidAnnotate = this.annotatedEmitter.event;

  /** Ask for the note, or the property's name and value, of `runId` and append it; undefined when the person cancelled. */
  async askAnnotation(uri: vscode.Uri, runId: string, kind: 'note' | 'property', given?: { key?: string; value?: string }): Promise<Record<string, string> | undefined> {
    const core = loadCore();
    const known = this.annotationsOf.get(runId) ?? {};
    let key = kind === 'note' ? core.NOTE_KEY : given?.key;
    if (key === undefined) {
      key = await vscode.window.showInputBox({
        title: vscode.l10n.t('Set Run Property'), prompt: vscode.l10n.t('Property name (letters, digits, _ - .), e.g. reviewed'), ignoreFocusOut: true,
        validateInput: (text) => (/^[A-Za-z_][\w.-]{0,63}$/.test(text) ? undefined : vscode.l10n.t('Start with a letter or _; then letters, digits, _, - or . (at most 64).')),
      });
      if (key === undefined) return undefined;
    }
    let value = given?.value;
    if (value === undefined) {
      value = await vscode.window.showInputBox({
        title: kind === 'note' ? vscode.l10n.t('Add Note to Run') : vscode.l10n.t('Set Run Property "{0}"', key), value: known[key] ?? '', ignoreFocusOut: true,
        prompt: kind === 'note' ? vscode.l10n.t('A note on this run (replaces its earlier note; empty removes it)') : vscode.l10n.t('The value of "{0}" (empty removes it)', key),
      });
      if (value === undefined) return undefined;
    }
    return this.annotate(uri, runId, key, value);
  }

  private annotationFailed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error(`[annotation] ${message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab could not save the note: {0}', message));
  }

  /**
   * Append a rating of run `runId` (of the prompt file `uri`) to the workspace's run log, as its own line.
   * @returns the rating as logged; rejects with a sentence when it is not valid or cannot be written.
   */
  async rate(uri: vscode.Uri, runId: string, rating: RatingView): Promise<RatingView> {
    const settings = readSettings(uri);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const logDir = path.resolve(pathOf(folder?.uri) ?? path.dirname(pathOf(uri)), settings.logDirectory);
    const { record } = await loadCore().appendRating(platform().fileSystem(), logDir, { runId, ...rating }, { redactPII: settings.redactPII });
    const { event: _event, runId: _runId, ...saved } = record;
    this.log.info(`[rating] ${runId}: ${JSON.stringify({ thumb: saved.thumb, score: saved.score })}`);
    this.ratedEmitter.fire({ runId, promptUri: uri, rating: saved });
    return saved;
  }

  /** Cancel a running run; its partial output is kept and logged as `cancelled`. */
  stop(runId: string): void {
    this.running.get(runId)?.abort();
  }

  /**
   * "Prompt Lab: Stop Run" (Escape in a run panel): run `runId`, else the runs of the run panel with the focus (or
   * the active one), else those of every run panel. Each keeps its partial output, logged as `cancelled`.
   * @returns how many runs were stopped.
   */
  stopRuns(runId?: string): number {
    const inPanel = this.panels.current()?.running ?? [];
    const ids = typeof runId === 'string' ? [runId].filter((id) => this.running.has(id)) : inPanel.length > 0 ? inPanel : this.panels.allRunning();
    for (const id of ids) this.stop(id);
    if (ids.length === 0 && typeof runId !== 'string') void vscode.window.showInformationMessage(vscode.l10n.t('No Prompt Lab run is running.'));
    return ids.length;
  }

  /**
   * Run the prompt file `target` (a Uri from the explorer or editor title), else the active editor's file.
   * `options.inputs` replace the resolved input values (Re-run with these inputs); inputs it gives are not asked for.
   * @returns the outcome, or undefined when nothing ran (no prompt file, the person cancelled an input).
   */
  async run(target?: vscode.Uri, options?: { inputs?: Record<string, unknown> }): Promise<RunOutcome | undefined> {
    const uri = target instanceof vscode.Uri ? target : promptEditorUri();
    if (!uri || !PROMPT_FILE_PATTERN.test(uri.path)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a .prompt.json or .prompt.yml file to run it, or pick one in the Explorer.'));
      return undefined;
    }
    if (refusedUntrusted()) return undefined;

    const core = loadCore();
    const { parsePromptDocument, resolvePromptDeployment, describeError, MissingApiKeyError, PromptFileError } = core;
    const document = await vscode.workspace.openTextDocument(uri);
    const parsed = parsePromptDocument(uri.path, document.getText());
    const title = core.promptStem(uri.path);
    if (!parsed.prompt) {
      const first = parsed.problems[0];
      this.showSetupError(describeError(new PromptFileError(first ? first.message : vscode.l10n.t('The prompt file cannot be read.'))), uri, title);
      return undefined;
    }
    const prompt = parsed.prompt;
    const promptName = prompt.name ?? title;
    const settings = readSettings(uri);
    let deployment: ResolvedDeployment;
    try {
      deployment = resolvePromptDeployment(prompt, settings);
    } catch (err) {
      this.showSetupError(describeError(err), uri, promptName, prompt.deployment ?? prompt.model);
      return undefined;
    }
    const key = await this.keyFor(deployment);
    if (key === 'declined') return undefined;
    if (deployment.needsKey && !key) {
      const missing = describeError(new MissingApiKeyError(deployment.key));
      // VS Code for the Web has no environment: a key named by apiKeyEnv can only come from SecretStorage there.
      if (platform().kind === 'web' && deployment.apiKeyEnv) {
        missing.message = `${missing.message} ${vscode.l10n.t('Environment variables such as {0} do not exist in VS Code for the Web.', deployment.apiKeyEnv)}`;
      }
      this.showSetupError(missing, uri, promptName, deployment.key, deployment);
      return undefined;
    }

    const inputs = await askMissingInputs(prompt, title, core.resolveInputs, options?.inputs);
    if (!inputs) return undefined;

    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const root = pathOf(folder?.uri) ?? path.dirname(pathOf(uri));
    const logDir = path.resolve(root, settings.logDirectory);
    const budget = core.checkBudget(settings.budget, await core.spending(platform().fileSystem(), logDir));
    if (budget.level === 'over') {
      const runAnyway = vscode.l10n.t('Run Anyway');
      const go = await vscode.window.showWarningMessage(`${budget.message} ${vscode.l10n.t('Run "{0}" anyway?', promptName)}`, { modal: true }, runAnyway);
      if (go !== runAnyway) return undefined;
    }

    const base: Omit<Attempt, 'attempt' | 'maxAttempts' | 'followUp'> = {
      uri, prompt, promptName, deployment, inputs, apiKey: key?.key, logDir, timeoutMs: settings.requestTimeoutMs, redactPII: settings.redactPII,
      promptPath: path.relative(root, pathOf(uri)).split(path.sep).join('/'),
      ...(budget.level === 'warn' && budget.message ? { notice: budget.message } : {}),
    };
    // A structured output that fails its schema is asked again, up to the prompt's "retries"; each attempt is a run.
    const schema = core.responseSchema(core.requestParameters(prompt, deployment));
    const maxAttempts = schema ? 1 + Math.max(0, Math.min(5, prompt.retries ?? 0)) : 1;
    let outcome = await this.attempt({ ...base, attempt: 1, maxAttempts });
    for (let n = 2; n <= maxAttempts && schema && outcome.record.status === 'ok'; n++) {
      const check = core.checkStructuredOutput(outcome.record.output, schema);
      if (check.valid) break;
      outcome = await this.attempt({ ...base, attempt: n, maxAttempts, followUp: core.reaskMessages(outcome.record.output, check) });
    }
    return outcome;
  }

  /**
   * Run a prompt that is not a file as it is on disk, e.g. the playground's, on the deployment `deploymentKey`:
   * the same preparation as `run` (deployment with the routing context, the key bound to its origin, the budget),
   * the same log line and error notifications, but with the inputs given (no input boxes), one attempt, and the
   * events going to `sink` instead of a panel. `promptUri` is where the run belongs: its workspace folder holds
   * the log, and ratings of the run go through `rate(promptUri, …)`.
   * `confirmOverBudget`, when given, answers the over-budget question instead of a dialog of this run's own: runs
   * started together (the playground's columns) share one question.
   * @returns the outcome, or undefined when nothing ran (untrusted workspace, a setup error shown through `sink`,
   * a key or budget the person declined).
   */
  async runTemplate(options: {
    prompt: PromptFile; promptName: string; promptPath: string; promptUri: vscode.Uri; deploymentKey: string;
    inputs: Record<string, unknown>; source: 'playground'; sink: RunSink; signal?: AbortSignal;
    confirmOverBudget?: (message: string) => Promise<boolean>;
  }): Promise<RunOutcome | undefined> {
    const { prompt, promptName, promptUri: uri, deploymentKey, sink } = options;
    if (!vscode.workspace.isTrusted) return undefined;
    const core = loadCore();
    const settings = readSettings(uri);
    let deployment: ResolvedDeployment;
    try {
      deployment = core.resolveDeployment(deploymentKey, settings.deployments, settings.context);
    } catch (err) {
      this.showSetupError(core.describeError(err), uri, promptName, deploymentKey, undefined, sink);
      return undefined;
    }
    const key = await this.keyFor(deployment);
    if (key === 'declined') return undefined;
    if (deployment.needsKey && !key) {
      this.showSetupError(core.describeError(new core.MissingApiKeyError(deployment.key)), uri, promptName, deployment.key, deployment, sink);
      return undefined;
    }
    const root = pathOf(vscode.workspace.getWorkspaceFolder(uri)?.uri) ?? path.dirname(pathOf(uri));
    const logDir = path.resolve(root, settings.logDirectory);
    const budget = core.checkBudget(settings.budget, await core.spending(platform().fileSystem(), logDir));
    if (budget.level === 'over') {
      const go = options.confirmOverBudget
        ? await options.confirmOverBudget(budget.message ?? '')
        : (await vscode.window.showWarningMessage(`${budget.message} ${vscode.l10n.t('Run "{0}" on {1} anyway?', promptName, deployment.key)}`, { modal: true }, vscode.l10n.t('Run Anyway'))) === vscode.l10n.t('Run Anyway');
      if (!go) return undefined;
    }
    return this.attempt({
      uri, prompt, promptName, promptPath: options.promptPath, deployment, inputs: options.inputs, apiKey: key?.key, logDir,
      timeoutMs: settings.requestTimeoutMs, redactPII: settings.redactPII, attempt: 1, maxAttempts: 1, source: options.source, sink,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(budget.level === 'warn' && budget.message ? { notice: budget.message } : {}),
    });
  }

  /**
   * The key for a deployment, after confirming a stored key may go to a host other than the one it was bound to
   * (a modal); 'declined' when the person refused. Used by single runs and evaluations alike.
   */
  async keyFor(deployment: ResolvedDeployment): Promise<FoundKey | undefined | 'declined'> {
    const found = await this.keys.find(deployment);
    if (!found && deployment.provider === 'github') {
      // No stored key nor GITHUB_TOKEN: sign in with GitHub in VS Code, as Azure with Entra ID uses `microsoft`.
      const token = await githubToken();
      this.keys.remember(token);
      return { key: token, source: 'github', origin: null };
    }
    if (!found || found.source !== 'secret') return found;
    const origin = originOf(deployment.baseURL);
    if (!origin || found.origin === origin) return found;
    if (found.origin !== null) {
      const sendKey = vscode.l10n.t('Send Key');
      const send = await vscode.window.showWarningMessage(
        vscode.l10n.t('The API key of "{0}" was used with {1}; this deployment now sends requests to {2}. Send the key there?', deployment.key, found.origin, origin),
        { modal: true, detail: vscode.l10n.t('Workspace settings decide where a deployment sends requests. Send the key only to a host you trust.') },
        sendKey,
      );
      if (send !== sendKey) return 'declined';
    }
    await this.keys.bind(deployment.key, origin);
    return { ...found, origin };
  }

  /** One request of a run: the panel, the log, the notification. */
  private async attempt(a: Attempt): Promise<RunOutcome> {
    const core = loadCore();
    const runId = crypto.randomUUID();
    const { uri, deployment } = a;
    this.lastDeployment.set(uri.toString(), deployment.key);
    const panel = a.sink ?? this.panels.panelFor(uri, a.promptName);
    const controller = new AbortController();
    if (a.signal?.aborted) controller.abort();
    a.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    this.running.set(runId, controller);
    this.log.info(`[run] ${runId} ${a.promptPath} → ${deployment.key}${deployment.variant !== 'default' ? ` [${deployment.variant}]` : ''} (${deployment.provider}, ${deployment.model}) at ${deployment.baseURL}${a.maxAttempts > 1 ? `, attempt ${a.attempt} of ${a.maxAttempts}` : ''}`);
    const started = (startedAt: string, model: string, media?: MediaView[], requestRules?: string[]) => panel.started({
      runId, promptName: a.promptName, promptPath: a.promptPath, deployment: deployment.key, provider: deployment.provider, model, baseURL: deployment.baseURL, startedAt,
      ...(media && media.length > 0 ? { media } : {}),
      ...(requestRules && requestRules.length > 0 ? { requestRules } : {}),
      ...(deployment.variant !== 'default' ? { variant: deployment.variant } : {}),
      ...(a.notice ? { notice: a.notice } : {}),
      ...(a.maxAttempts > 1 ? { attempt: { number: a.attempt, of: a.maxAttempts } } : {}),
    });
    const request: Parameters<typeof core.executeRun>[0] = {
      runId, promptPath: a.promptPath, prompt: a.prompt, renderer: this.renderer, inputs: a.inputs, deployment, apiKey: a.apiKey,
      signal: controller.signal, logDir: a.logDir, fs: platform().fileSystem(), timeoutMs: a.timeoutMs, redactPII: a.redactPII, source: a.source ?? 'command',
    };
    if (a.prompt.chainId !== undefined) request.chainId = a.prompt.chainId;
    if (a.prompt.chatId !== undefined) request.chatId = a.prompt.chatId;
    if (a.prompt.tags.length > 0) request.tags = a.prompt.tags;
    if (a.followUp) request.followUp = a.followUp;
    if (a.maxAttempts > 1) request.attempt = a.attempt;
    // Image, audio and file inputs are read from the workspace folder only (a prompt file comes from someone else's repository).
    const root = pathOf(vscode.workspace.getWorkspaceFolder(uri)?.uri) ?? path.dirname(pathOf(uri));
    request.media = { fileSystem: platform().fileSystem({ root }), root, hasher: platform().hasher };
    if (deployment.entra) {
      request.azureADTokenProvider = async () => {
        const token = await entraToken();
        this.keys.remember(token);
        return token;
      };
    }
    let outcome: RunOutcome;
    try {
      outcome = await core.executeRun(request, {
        onStarted: ({ startedAt, model, media, requestRules }) => started(startedAt, model, media?.map((m) => mediaView(m.part, m.dataUri)), requestRules?.map((r) => r.name)),
        onResponded: (replayOf) => panel.responded(runId, replayOf),
        onText: (text) => panel.text(runId, text),
        onRetry: (retry) => {
          this.log.warn(`[run] ${runId} retry ${retry.attempt}/${retry.maxRetries} in ${retry.delayMs} ms: ${retry.reason}`);
          panel.retrying({ runId, ...retry });
        },
        onEnded: ({ record, error }) => {
          // Rendering failed before the request: the panel has not seen this run yet.
          if (record.messages.length === 0) started(record.timing.startedAt, deployment.model);
          panel.finished(core.finishedView(record, error));
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
      void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab could not write the run log: {0}', outcome.logError.message), vscode.l10n.t('Show Log')).then((c) => c && this.log.show());
    }
    this.finishedEmitter.fire({ ...outcome, promptUri: uri });
    return outcome;
  }

  /**
   * An error before any request (the prompt file, its deployment, a key): shown in the prompt's panel and as a
   * notification, each with its fix. Nothing ran, so nothing is logged.
   */
  private showSetupError(error: DescribedError, promptUri: vscode.Uri, promptName: string, deploymentKey?: string, deployment?: ResolvedDeployment, sink?: RunSink): void {
    const panel = sink ?? this.panels.panelFor(promptUri, promptName);
    const runId = crypto.randomUUID();
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
    const showLog = vscode.l10n.t('Show Log');
    const buttons = [error.actionLabel, showLog].filter((b): b is string => !!b && b !== undefined);
    void vscode.window.showErrorMessage(error.message, ...new Set(buttons)).then((choice) => {
      if (choice === showLog) this.log.show();
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
    this.ratedEmitter.dispose();
    this.annotatedEmitter.dispose();
  }
}

/**
 * The active editor's file; when the active editor is no text editor (the walkthrough, a webview panel), the prompt
 * file visible beside it, so the walkthrough's Run button runs the file the person just made.
 */
function promptEditorUri(): vscode.Uri | undefined {
  const active = vscode.window.activeTextEditor;
  if (active) return active.document.uri;
  return vscode.window.visibleTextEditors.find((e) => PROMPT_FILE_PATTERN.test(e.document.uri.path))?.document.uri;
}

/** Ask for each required input with no value (after `overrides`); undefined when the person pressed Escape. */
async function askMissingInputs(prompt: PromptFile, title: string, resolveInputs: typeof Core.resolveInputs, overrides?: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const { values, missing } = resolveInputs(prompt, overrides);
  for (const name of missing) {
    const input = prompt.inputs.get(name) as PromptInput;
    const structured = input.type === 'array' || input.type === 'object' || input.type === 'chat_history';
    const answer = await vscode.window.showInputBox({
      title: vscode.l10n.t('{0}: input "{1}"', title, name),
      prompt: input.description ?? (structured ? vscode.l10n.t('Value of the required input "{0}" (JSON)', name) : vscode.l10n.t('Value of the required input "{0}"', name)),
      ignoreFocusOut: true,
      validateInput: (text) => validateInputText(input, text),
    });
    if (answer === undefined) return undefined;
    values[name] = parseInputText(input, answer);
  }
  return values;
}

function validateInputText(input: PromptInput, text: string): string | undefined {
  if (input.type === 'number' && (text.trim() === '' || Number.isNaN(Number(text)))) return vscode.l10n.t('Type a number.');
  if (input.type === 'array' || input.type === 'object' || input.type === 'chat_history') {
    try {
      const value: unknown = JSON.parse(text);
      if (input.type === 'object' ? typeof value !== 'object' || value === null || Array.isArray(value) : !Array.isArray(value)) {
        return input.type === 'object' ? vscode.l10n.t('Type a JSON object, e.g. {"key": "value"}.') : vscode.l10n.t('Type a JSON array, e.g. [{"role": "user", "content": "Hi"}].');
      }
    } catch {
      return vscode.l10n.t('Type valid JSON.');
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
