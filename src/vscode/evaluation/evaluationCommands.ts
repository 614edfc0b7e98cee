/**
 * "Prompt Lab: Evaluate Prompt" and "Prompt Lab: Resume Evaluation": gather what VS Code knows (the document, the
 * settings, keys from SecretStorage or `apiKeyEnv`, Entra tokens, the person's pick of deployments), load the test data
 * through the extension's file system, run the core's `evaluatePrompt` under a progress notification with Cancel, and
 * pass every core event to the {@link EvaluationBus} for the views. The work itself is the core's.
 */
import { path, pathOf, platform } from '../platform';
import * as vscode from 'vscode';
import type { EvaluationBudget, EvaluationOutcome, EvaluationRequest, EvaluationTarget } from '../../core/evaluation/evaluate';
import type { LoggedEvaluationSummary } from '../../core/evaluation/evaluationLog';
import type { RegexMatcher } from '../../core/evaluation/evaluators';
import type { TestRow } from '../../core/evaluation/testData';
import type { PromptFile } from '../../core/format/promptFile';
import type { ResolvedDeployment } from '../../core/providers/deployments';
import type { TemplateRenderer } from '../../core/template/renderer';
import type { ApiKeyStore } from '../apiKeys';
import { readSettings, type PromptLabSettings } from '../config';
import { loadCore } from '../core';
import { PROMPT_FILE_PATTERN } from '../diagnostics';
import { entraToken, refusedUntrusted, type RunController } from '../runController';
import type { EvaluationBus } from './evaluationBus';
import { ProgressText } from './progressText';

/** Arguments of `promptLab.evaluatePrompt` after the Uri: `deployments` (keys) skips the pick. */
export interface EvaluateArgs {
  deployments?: string[];
}

/** Arguments of `promptLab.resumeEvaluation` after the Uri: `evaluationId` skips the pick. */
export interface ResumeArgs {
  evaluationId?: string;
}

/** A prompt file ready to evaluate: parsed, with its settings, paths and test data. */
interface Prepared {
  uri: vscode.Uri;
  prompt: PromptFile;
  promptName: string;
  /** Workspace-relative, forward slashes. */
  promptPath: string;
  settings: PromptLabSettings;
  logDir: string;
  rows: TestRow[];
}

export class EvaluationCommands implements vscode.Disposable {
  private readonly running = new Set<AbortController>();

  /**
   * Asks whether to go on past `promptLab.budget` (a modal; at most once per evaluation, the core decides when).
   * Resolves true to go on. Replaced by integration tests, which cannot press a modal's buttons.
   */
  confirmOverBudget: (message: string) => Thenable<boolean> = async (message) =>
    (await vscode.window.showWarningMessage(message, { modal: true, detail: vscode.l10n.t('Cells already started finish; no new request is sent if you stop.') }, vscode.l10n.t('Continue Evaluation'))) === vscode.l10n.t('Continue Evaluation');

  constructor(private readonly runs: Pick<RunController, 'keyFor' | 'performAction'>, private readonly keys: ApiKeyStore, private readonly bus: EvaluationBus,
    private readonly log: vscode.LogOutputChannel, private readonly renderer: TemplateRenderer, private readonly regex?: RegexMatcher) {}

  /**
   * Evaluate the prompt file `target` (else the active editor's) over its test data on the deployments `args.deployments`,
   * else on those the person picks (the prompt's own preselected).
   * @returns the outcome, or undefined when nothing ran (no prompt file, no test data, a pick or key declined).
   */
  async evaluate(target?: vscode.Uri, args?: EvaluateArgs): Promise<EvaluationOutcome | undefined> {
    const prepared = await this.prepare(target);
    if (!prepared) return undefined;
    const keys = args?.deployments ?? await this.pickDeployments(prepared);
    if (!keys || keys.length === 0) return undefined;
    return this.execute(prepared, [...new Set(keys)], crypto.randomUUID());
  }

  /**
   * Run again the cells of an evaluation of `target` that have no `ok` run: `args.evaluationId`, else one the person
   * picks among the prompt's evaluations in the log that are cancelled, unfinished (no evaluation line: the window
   * closed) or have cells without an `ok` run. Works after a window reload: everything comes from the log.
   * @returns the outcome, or undefined when nothing ran.
   */
  async resume(target?: vscode.Uri, args?: ResumeArgs): Promise<EvaluationOutcome | undefined> {
    const prepared = await this.prepare(target);
    if (!prepared) return undefined;
    const core = loadCore();
    let listed: LoggedEvaluationSummary[];
    try {
      listed = await core.listLoggedEvaluations(platform().fileSystem(), prepared.logDir, prepared.promptPath);
    } catch (err) {
      this.fail(`Prompt Lab could not read the run log: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    let chosen: LoggedEvaluationSummary | undefined;
    if (args?.evaluationId !== undefined) {
      chosen = listed.find((e) => e.id === args.evaluationId);
      if (!chosen) {
        void vscode.window.showWarningMessage(vscode.l10n.t('The run log has no evaluation {0} of "{1}".', args.evaluationId, prepared.promptName));
        return undefined;
      }
    } else {
      const open = listed.filter((e) => !this.bus.running(e.id) && (e.status !== 'complete' || e.doneCells < prepared.rows.length * e.deployments.length));
      if (open.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" has no cancelled or unfinished evaluation to resume.', prepared.promptName));
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(open.map((e) => ({
        label: `${e.status === 'incomplete' ? vscode.l10n.t('Unfinished') : e.status === 'cancelled' ? vscode.l10n.t('Cancelled') : vscode.l10n.t('With errors')} · ${new Date(e.startedAt).toLocaleString()}`,
        description: e.deployments.join(', '),
        detail: vscode.l10n.t('{0} of {1} cells done', e.doneCells, prepared.rows.length * e.deployments.length),
        evaluation: e,
      })), { title: vscode.l10n.t('Resume Evaluation: {0}', prepared.promptName), placeHolder: vscode.l10n.t('The evaluation whose missing cells to run') });
      if (!picked) return undefined;
      chosen = picked.evaluation;
    }
    if (this.bus.running(chosen.id)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('That evaluation of "{0}" is still running in this window.', prepared.promptName));
      return undefined;
    }
    if (chosen.deployments.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('The evaluation {0} names no deployment in the log, so there is nothing to resume.', chosen.id));
      return undefined;
    }
    return this.execute(prepared, chosen.deployments, chosen.id, { since: chosen.startedAt.slice(0, 10) });
  }

  /** Read the prompt file and its test data; undefined (after saying why) when it cannot be evaluated. */
  private async prepare(target: vscode.Uri | undefined): Promise<Prepared | undefined> {
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !PROMPT_FILE_PATTERN.test(uri.path)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a .prompt.json or .prompt.yml file with "testData" to evaluate it, or pick one in the Explorer.'));
      return undefined;
    }
    if (refusedUntrusted()) return undefined;
    const core = loadCore();
    const document = await vscode.workspace.openTextDocument(uri);
    const parsed = core.parsePromptDocument(uri.path, document.getText());
    const title = core.promptStem(uri.path);
    if (!parsed.prompt) {
      this.fail(`"${title}" cannot be evaluated: ${parsed.problems[0]?.message ?? 'the prompt file cannot be read.'}`, uri);
      return undefined;
    }
    const prompt = parsed.prompt;
    const promptName = prompt.name ?? title;
    if (!prompt.testData) {
      void vscode.window.showWarningMessage(vscode.l10n.t('"{0}" has no "testData": add rows (an array, or the path of a .jsonl or .csv file) to evaluate it.', promptName), vscode.l10n.t('Open Prompt'))
        .then((c) => (c ? vscode.window.showTextDocument(uri) : undefined));
      return undefined;
    }
    const settings = readSettings(uri);
    const root = pathOf(vscode.workspace.getWorkspaceFolder(uri)?.uri) ?? path.dirname(pathOf(uri));
    // Test data is read inside the workspace folder only: the prompt file may come from someone else's repository.
    const loaded = await core.loadTestData(prompt, { fs: platform().fileSystem({ root }), workspaceFolder: root });
    for (const p of loaded.problems) this.log.warn(`[evaluation] ${p.message}`);
    if (loaded.rows.length === 0) {
      const first = loaded.problems.find((p) => p.severity === 'error');
      this.fail(first ? `"${promptName}" cannot be evaluated: ${first.message}` : `"${promptName}" has no test data rows: add at least one.`, uri);
      return undefined;
    }
    const skipped = loaded.problems.filter((p) => p.code === 'test-data-file').length;
    if (skipped > 0) {
      void vscode.window.showWarningMessage(skipped > 1 ? vscode.l10n.t('{0} lines of {1} could not be read and are left out (see the Problems view).', skipped, loaded.file ?? vscode.l10n.t('the test data')) : vscode.l10n.t('1 line of {0} could not be read and is left out (see the Problems view).', loaded.file ?? vscode.l10n.t('the test data')), vscode.l10n.t('Show Log'))
        .then((c) => c && this.log.show());
    }
    return {
      uri, prompt, promptName, settings, rows: loaded.rows,
      promptPath: path.relative(root, pathOf(uri)).split(path.sep).join('/'),
      logDir: path.resolve(root, settings.logDirectory),
    };
  }

  /** The multi-select pick of deployments, the prompt's own preselected; undefined when dismissed. */
  private async pickDeployments(p: Prepared): Promise<string[] | undefined> {
    const core = loadCore();
    let own: string | undefined;
    try {
      own = core.resolvePromptDeployment(p.prompt, p.settings).key;
    } catch {
      own = undefined;
    }
    const keys = Object.keys(p.settings.deployments);
    if (keys.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('No deployment is configured: add one to "promptLab.deployments".'), vscode.l10n.t('Open Settings'))
        .then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'promptLab.deployments'));
      return undefined;
    }
    const items = keys.map((key) => {
      const config = p.settings.deployments[key];
      return { label: key, description: [config?.provider, config?.model ?? config?.deployment].filter(Boolean).join(' · '), picked: key === own };
    });
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true, title: p.rows.length === 1 ? vscode.l10n.t('Evaluate "{0}" (1 row)', p.promptName) : vscode.l10n.t('Evaluate "{0}" ({1} rows)', p.promptName, p.rows.length),
      placeHolder: vscode.l10n.t('Deployments to evaluate on (each runs every row)'), ignoreFocusOut: true,
    });
    return picked?.map((i) => i.label);
  }

  /** Resolve a deployment (a key or a model id) and find its API key; undefined after showing why it cannot be used. */
  private async target(uri: vscode.Uri, key: string, settings: PromptLabSettings, role: 'evaluated' | 'judge'): Promise<EvaluationTarget | undefined | 'declined'> {
    const core = loadCore();
    let deployment: ResolvedDeployment;
    try {
      // A key of promptLab.deployments, or a model id (a .prompt.yml judge's modelId) that promptLab.models maps or GitHub Models serves.
      deployment = core.resolveNamedDeployment(key, settings);
    } catch (err) {
      this.showError(core.describeError(err), uri, key, role);
      return undefined;
    }
    const found = await this.runs.keyFor(deployment);
    if (found === 'declined') return 'declined';
    if (deployment.needsKey && !found) {
      this.showError(core.describeError(new core.MissingApiKeyError(deployment.key)), uri, key, role);
      return undefined;
    }
    const target: EvaluationTarget = { deployment, apiKey: found?.key };
    if (deployment.entra) {
      target.azureADTokenProvider = async () => {
        const token = await entraToken();
        this.keys.remember(token);
        return token;
      };
    }
    return target;
  }

  /** Run evaluation `evaluationId` of `p` on `keys` under a progress notification. */
  private async execute(p: Prepared, keys: string[], evaluationId: string, resume?: { since: string }): Promise<EvaluationOutcome | undefined> {
    const core = loadCore();
    const targets: EvaluationTarget[] = [];
    for (const key of keys) {
      const t = await this.target(p.uri, key, p.settings, 'evaluated');
      if (!t || t === 'declined') return undefined;
      targets.push(t);
    }
    // As the CLI does: judges that name no deployment use the prompt's own (its `deployment`, else its `model`, else the
    // first deployment evaluated), and a .prompt.yml's gh-models built-in judges (`uses: github/…`) gh-models' judge model.
    const prompt = core.withJudgeDeployments(p.prompt, core.promptFormatOf(p.uri.path) === 'prompt.yml' ? 'prompt.yml' : 'prompt.json', p.prompt.deployment ?? p.prompt.model ?? keys[0]);
    const judges = new Map<string, EvaluationTarget>();
    for (const key of core.judgeDeploymentKeys(prompt)) {
      if (keys.includes(key)) continue;
      const t = await this.target(p.uri, key, p.settings, 'judge');
      if (!t || t === 'declined') return undefined;
      judges.set(key, t);
    }

    const controller = new AbortController();
    const request: EvaluationRequest = {
      evaluationId, promptPath: p.promptPath, prompt, rows: p.rows, targets, judges, renderer: this.renderer,
      fs: platform().fileSystem(), logDir: p.logDir, signal: controller.signal, timeoutMs: p.settings.requestTimeoutMs, redactPII: p.settings.redactPII,
      ...cpuTimeMsOption(),
    };
    if (resume) request.resume = resume;
    // A prompt file's regex evaluators match in a worker, bounded in time (a backtracking pattern must not freeze the host).
    if (this.regex) request.regex = this.regex;
    if (p.settings.budget) {
      const budget: EvaluationBudget = {
        settings: p.settings.budget,
        spent: await core.spending(platform().fileSystem(), p.logDir),
        confirm: async (check) => this.confirmOverBudget(`${check.message ?? 'The budget is spent.'} Go on evaluating "${p.promptName}"?`),
      };
      request.budget = budget;
    }
    this.log.info(`[evaluation] ${evaluationId} ${p.promptPath}: ${p.rows.length} rows × ${keys.join(', ')}${resume ? ' (resume)' : ''}${judges.size ? `; judges on ${[...judges.keys()].join(', ')}` : ''}`);

    this.running.add(controller);
    const session = {
      evaluationId, promptUri: p.uri, promptName: p.promptName, promptPath: p.promptPath, deployments: keys, rows: p.rows.length, testRows: p.rows,
      cancel: () => controller.abort(),
    };
    try {
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Evaluating "{0}"', p.promptName), cancellable: true }, async (progress, token) => {
        const cancelled = token.onCancellationRequested(() => controller.abort());
        const bar = new ProgressText((value) => progress.report(value));
        try {
          return await core.evaluatePrompt(request, (event) => {
            // Announced with its first event: a resume whose log cannot be read throws before it, and leaves no session open.
            if (event.type === 'started') this.bus.start(session);
            this.bus.fire(evaluationId, event);
            bar.on(event);
          });
        } finally {
          cancelled.dispose();
        }
      });
      this.finished(p, outcome);
      return outcome;
    } catch (err) {
      this.fail(`The evaluation of "${p.promptName}" failed: ${err instanceof Error ? err.message : String(err)}`, p.uri);
      this.log.error(`[evaluation] ${evaluationId}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      return undefined;
    } finally {
      this.running.delete(controller);
    }
  }

  /** The closing notification: pass rate per deployment, and Resume when cells are missing. */
  private finished(p: Prepared, outcome: EvaluationOutcome): void {
    const { record } = outcome;
    const rates = Object.entries(record.deployments).map(([key, d]) => {
      const finished = d.passed + d.failed + d.errors;
      return `${key} ${d.passRate === null ? '–' : `${Math.round(d.passRate * 100)}%`} (${d.passed}/${finished}${d.errors ? `, ${d.errors} error${d.errors > 1 ? 's' : ''}` : ''})`;
    });
    this.log.info(`[evaluation] ${record.id} ${record.status}: ${rates.join('; ')}`);
    if (outcome.logError) {
      this.log.error(`[log] could not write the run log: ${outcome.logError.stack ?? outcome.logError.message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab could not write the run log: {0}', outcome.logError.message), vscode.l10n.t('Show Log')).then((c) => c && this.log.show());
    }
    if (record.status === 'cancelled') {
      void vscode.window.showInformationMessage(vscode.l10n.t('Evaluation of "{0}" cancelled. Passed so far: {1}.', p.promptName, rates.join('; ')), vscode.l10n.t('Resume Evaluation'))
        .then((c) => c && vscode.commands.executeCommand('promptLab.resumeEvaluation', p.uri, { evaluationId: record.id } satisfies ResumeArgs));
    } else {
      void vscode.window.showInformationMessage(vscode.l10n.t('Evaluated "{0}": {1} passed.', p.promptName, rates.join('; ')));
    }
  }

  private showError(error: { message: string; detail: string; action?: Parameters<RunController['performAction']>[0]; actionLabel?: string }, uri: vscode.Uri, key: string, role: 'evaluated' | 'judge'): void {
    this.log.error(`[evaluation] ${role === 'judge' ? `judge deployment ${key}: ` : ''}${error.message}\n${error.detail}`);
    const buttons = [error.actionLabel, vscode.l10n.t('Show Log')].filter((b): b is string => !!b);
    const prefix = role === 'judge' ? vscode.l10n.t('The evaluators\' judge deployment "{0}" cannot be used: ', key) : '';
    void vscode.window.showErrorMessage(`${prefix}${error.message}`, ...new Set(buttons)).then((choice) => {
      if (choice === vscode.l10n.t('Show Log')) this.log.show();
      else if (choice && error.action) void this.runs.performAction(error.action, uri, key);
    });
  }

  private fail(message: string, uri?: vscode.Uri): void {
    this.log.error(`[evaluation] ${message}`);
    void vscode.window.showErrorMessage(message, ...(uri ? [vscode.l10n.t('Open Prompt')] : []), vscode.l10n.t('Show Log')).then((c) => {
      if (c === vscode.l10n.t('Show Log')) this.log.show();
      else if (c === vscode.l10n.t('Open Prompt') && uri) void vscode.window.showTextDocument(uri);
    });
  }

  dispose(): void {
    for (const controller of this.running) controller.abort();
    this.running.clear();
  }
}

/**
 * The host's CPU time in ms, for the evaluation's loop guard ({@link EvaluationRequest.cpuTimeMs}), when the platform
 * can say (`process.cpuUsage` on the desktop); undefined on the web, where the guard acts on the loop's delay alone.
 */
function cpuTimeMsOption(): { cpuTimeMs?: () => number } {
  if (!platform().cpuUsage()) return {};
  return {
    cpuTimeMs: () => {
      const u = platform().cpuUsage();
      return u ? (u.user + u.system) / 1000 : 0;
    },
  };
}
