/**
 * Prompt Lab's activation, the same for the desktop (src/extension.ts) and the web (src/web/extension.ts): sets the
 * entry's platform, creates the pieces, registers the commands, and pushes every disposable into
 * `context.subscriptions`. Nothing runs at import time.
 */
import * as vscode from 'vscode';
import { setPlatform, type VscodePlatform } from './platform';
import type { HistoryFilter } from '../core/log/history';
import { ApiKeyStore } from './apiKeys';
import { PromptCodeActions } from './codeActions';
import { PromptCodeLenses } from './codeLens';
import { COMPLETION_TRIGGERS, PromptCompletions } from './completion';
import { type ConvertOptions, convertPromptFile } from './convert';
import { PromptDiagnostics } from './diagnostics';
import { PromptHovers } from './hover';
import { PLAYGROUND_PANEL_TYPE, PLAYGROUND_VIEW_ID, PlaygroundViewProvider } from './playground';
import { PREVIEW_SCHEME, PromptPreview } from './preview';
import { RunController, type RunFinishedEvent } from './runController';
import type { RunRenderedEvent } from './runPanel';
import { RUN_SCHEME, RunDocuments } from './runDocuments';
import { type AnnotateArgs, type ExportArgs, type RateArgs, RunsCommands } from './runsCommands';
import { type EvaluationNode, type RunNode, RunsView, promptUriOf } from './runsView';
import { setApiKey } from './setApiKey';
import { DeploymentStatusBar } from './statusBar';
import { createRenderer } from './renderer';
import { SecretScrubber } from '../core/log/secrets';
import { scrubbingLog } from './scrubbingLog';
import { type NewPromptFileArgs, newPromptFile } from './newPromptFile';
import { type AddDeploymentArgs, addDeployment } from './addDeployment';
import { WalkthroughState, openWalkthroughOnFirstActivation } from './walkthrough';
import { PromptLanguageStatus } from './languageStatus';
import { PromptSnippets } from './snippets';
import { type EvaluationPanels, registerEvaluationPanel } from './evaluation/evaluationPanel';
import { EvaluationBus } from './evaluation/evaluationBus';
import { type EvaluateArgs, EvaluationCommands, type ResumeArgs } from './evaluation/evaluationCommands';
import { AddToTestData, type AddToTestDataTarget } from './evaluation/addToTestData';
import { PromptLabTaskProvider, TASK_TYPE } from './tasks';

/** CPU time in µs, as `process.cpuUsage` gives it. */
interface CpuUsage { user: number; system: number }

/** What `activate` returns: events that integration tests and benchmarks observe. Not a stable public API. */
export interface PromptLabApi {
  /** A run ended (ok, error or cancelled) and its log line is written. */
  onDidFinishRun: vscode.Event<RunFinishedEvent>;
  /** A run panel confirmed it shows a finished run; carries the catch-up time in ms. */
  onDidRenderRun: vscode.Event<RunRenderedEvent>;
  /** A prompt document's diagnostics were refreshed. */
  onDidRefreshDiagnostics: vscode.Event<vscode.Uri>;
  /** A rating was appended to the log (from the panel or Rate Last Run). */
  onDidRate: RunController['onDidRate'];
  /** A note or property was appended to the log (Add Note to Run, Set Run Property). */
  onDidAnnotate: RunController['onDidAnnotate'];
  /** The Runs view's tree data provider (roots, children, items, filter, refresh events), for tests and benchmarks. */
  runsView: RunsView;
  /** The deployment status bar item (text and tooltip), for tests. */
  deploymentStatus: vscode.StatusBarItem;
  /** The Playground view's provider: `run(state)` as its Run button, `onDidRender` when a column shows its finished run. */
  playground: Pick<PlaygroundViewProvider, 'run' | 'whenReady' | 'onDidRender'>;
  /** ms of Prompt Lab's own activation work: evaluating dist/extension.js plus the `activate` call. */
  activationMs: number;
  /**
   * The same work in CPU time, ms (the extension host process's, `process.cpuUsage`): the work is synchronous, and on a
   * busy machine its wall time also counts the turns of other processes. NaN on the web, which cannot say.
   */
  activationCpuMs: number;
  /**
   * ms from the first statement of dist/extension.js to the first diagnostics Prompt Lab published (activation,
   * loading dist/core.js, the first analysis); undefined until a prompt document has been checked.
   */
  readonly firstDiagnosticsMs: number | undefined;
  /** The evaluation panels (and their bus), for tests. */
  evaluationPanels: EvaluationPanels;
  /** Evaluations as they start and go (the seam between the evaluation commands and the views). */
  evaluationBus: EvaluationBus;
  /** The Evaluate Prompt and Resume Evaluation commands; tests answer the over-budget question through it. */
  evaluations: EvaluationCommands;
  /** The extension's log folder (`ExtensionContext.logUri`); the output channel's file is in the session's logs. */
  logUri: vscode.Uri;
  /** The language status items of prompt files (deployment, problems), for tests. */
  languageStatus: PromptLanguageStatus;
  /** The walkthrough's context keys as last set, and their changes, for tests. */
  walkthrough: Pick<WalkthroughState, 'value' | 'onDidChange'>;
}

/** The documents Prompt Lab's language features apply to, in the schemes of the host's workspaces. */
function promptFiles(host: VscodePlatform): vscode.DocumentFilter[] {
  return host.documentSchemes.map((scheme) => ({ language: 'jsonc', scheme, pattern: '**/*.prompt.json' }));
}
/**
 * GitHub Models prompt files: diagnostics (PromptDiagnostics watches every document), Run/Preview lenses and hovers;
 * completion and quick fixes write JSON, so they stay with .prompt.json.
 */
function promptYamlFiles(host: VscodePlatform): vscode.DocumentFilter[] {
  return host.documentSchemes.map((scheme) => ({ scheme, pattern: '**/*.prompt.{yml,yaml}' }));
}

/**
 * Activates Prompt Lab on `host` (the entry's platform: see ./platform.ts).
 * @returns the events and views that integration tests and benchmarks observe.
 */
export function activatePromptLab(context: vscode.ExtensionContext, host: VscodePlatform): PromptLabApi {
  const activateStart = performance.now();
  const activateCpu = host.cpuUsage();
  setPlatform(host);
  const PROMPT_FILES = promptFiles(host);
  const PROMPT_YAML_FILES = promptYamlFiles(host);
  // Keys and tokens Prompt Lab reads are masked in the output channel, which VS Code also writes to a file.
  const secrets = new SecretScrubber();
  const log = scrubbingLog(vscode.window.createOutputChannel('Prompt Lab', { log: true }), secrets);
  host.useLog(log);
  const keys = new ApiKeyStore(context.secrets, secrets, host.env);
  const renderer = createRenderer(context.extensionUri);
  const runs = new RunController(context.extensionUri, keys, log, renderer, (text) => secrets.scrub(text));
  const diagnostics = new PromptDiagnostics();
  const preview = new PromptPreview(diagnostics, renderer);
  const statusBar = new DeploymentStatusBar(diagnostics);
  const evaluationBus = new EvaluationBus();
  const runsView = new RunsView(runs, log, evaluationBus);
  const runsCommands = new RunsCommands(runs, runsView, log);
  const regexMatcher = host.createRegexMatcher(context.extensionUri);
  const evaluations = new EvaluationCommands(runs, keys, evaluationBus, log, renderer, regexMatcher);
  const addToTestData = new AddToTestData(runsView, log);
  const playground = new PlaygroundViewProvider(context.extensionUri, context.workspaceState, context.globalState, runs, log);
  context.subscriptions.push(
    statusBar,
    log,
    renderer,
    runs,
    diagnostics,
    preview,
    vscode.languages.registerCodeActionsProvider(PROMPT_FILES, new PromptCodeActions(diagnostics), PromptCodeActions.metadata),
    vscode.languages.registerCompletionItemProvider(PROMPT_FILES, new PromptCompletions(diagnostics), ...COMPLETION_TRIGGERS),
    vscode.languages.registerHoverProvider([...PROMPT_FILES, ...PROMPT_YAML_FILES], new PromptHovers(diagnostics)),
    vscode.languages.registerCodeLensProvider([...PROMPT_FILES, ...PROMPT_YAML_FILES], new PromptCodeLenses(diagnostics)),
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, preview),
    vscode.commands.registerCommand('promptLab.runPrompt', (uri?: vscode.Uri) => runs.run(uri)),
    vscode.commands.registerCommand('promptLab.setApiKey', (deploymentKey?: string, value?: string) => setApiKey(keys, deploymentKey, value)),
    vscode.commands.registerCommand('promptLab.showLog', () => log.show()),
    vscode.commands.registerCommand('promptLab.previewPrompt', (uri?: vscode.Uri) => preview.open(uri)),
    vscode.commands.registerCommand('promptLab.convertToPromptJson', (uri?: vscode.Uri, options?: ConvertOptions) => convertPromptFile('toJson', log, uri, options)),
    vscode.commands.registerCommand('promptLab.convertToPromptYaml', (uri?: vscode.Uri, options?: ConvertOptions) => convertPromptFile('toYaml', log, uri, options)),
    runsView,
    runsCommands,
    vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, new RunDocuments()),
    vscode.commands.registerCommand('promptLab.openRun', (node?: RunNode) => runsCommands.openRun(node)),
    vscode.commands.registerCommand('promptLab.refreshRuns', () => runsView.reloadNow()),
    vscode.commands.registerCommand('promptLab.filterRuns', (filter?: HistoryFilter) => runsCommands.filter(filter)),
    vscode.commands.registerCommand('promptLab.clearRunsFilter', () => runsCommands.clearFilter()),
    vscode.commands.registerCommand('promptLab.compareRun', (node?: RunNode, other?: RunNode | RunNode[]) => runsCommands.compare(node, other)),
    vscode.commands.registerCommand('promptLab.rerunWithInputs', (node?: RunNode) => runsCommands.rerun(node)),
    vscode.commands.registerCommand('promptLab.exportRuns', (args?: ExportArgs) => runsCommands.exportRuns(args)),
    vscode.commands.registerCommand('promptLab.rateLastRun', (args?: RateArgs) => runsCommands.rateLastRun(args)),
    vscode.commands.registerCommand('promptLab.addRunNote', (target?: RunNode | AnnotateArgs) => runsCommands.annotate('note', target)),
    vscode.commands.registerCommand('promptLab.setRunProperty', (target?: RunNode | AnnotateArgs) => runsCommands.annotate('property', target)),
    evaluationBus,
    regexMatcher,
    evaluations,
    vscode.commands.registerCommand('promptLab.evaluatePrompt', (uri?: vscode.Uri, args?: EvaluateArgs) => evaluations.evaluate(uri, args)),
    vscode.commands.registerCommand('promptLab.resumeEvaluation', (target?: vscode.Uri | EvaluationNode, args?: ResumeArgs) =>
      // From the Runs view's context menu: the evaluation node says which.
      target && !(target instanceof vscode.Uri) && target.kind === 'evaluation'
        ? evaluations.resume(promptUriOf(target.folder, target.parent.prompt), { evaluationId: target.evaluationId })
        : evaluations.resume(target instanceof vscode.Uri ? target : undefined, args)),
    vscode.commands.registerCommand('promptLab.addToTestData', (target?: AddToTestDataTarget) => addToTestData.add(target)),
    playground,
    vscode.window.registerWebviewViewProvider(PLAYGROUND_VIEW_ID, playground, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.registerWebviewPanelSerializer(PLAYGROUND_PANEL_TYPE, playground),
    vscode.commands.registerCommand('promptLab.openPlayground', () => playground.open()),
    vscode.commands.registerCommand('promptLab.openPlaygroundInEditor', () => playground.openInEditor()),
    vscode.commands.registerCommand('promptLab.openPlaygroundInSideBar', () => playground.openInSideBar()),
  );
  // Tasks run the CLI with the extension host's Node: the web runs no process, so it offers none.
  if (host.nodeExecutable !== undefined) {
    context.subscriptions.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new PromptLabTaskProvider(vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath, host.nodeExecutable)));
  }
  // The first hour (issue 17): the walkthrough and what its steps wait for, new prompt files, adding a deployment.
  const walkthrough = new WalkthroughState(keys, context.secrets, runs);
  const languageStatus = new PromptLanguageStatus([...PROMPT_FILES, ...PROMPT_YAML_FILES], diagnostics);
  context.subscriptions.push(
    walkthrough,
    languageStatus,
    openWalkthroughOnFirstActivation(context.globalState, log),
    vscode.commands.registerCommand('promptLab.newPromptFile', (arg?: vscode.Uri | NewPromptFileArgs) => newPromptFile(arg)),
    vscode.commands.registerCommand('promptLab.addDeployment', (args?: AddDeploymentArgs) => addDeployment(args)),
    vscode.commands.registerCommand('promptLab.stopRun', (runId?: string) => runs.stopRuns(runId)),
    vscode.languages.registerCompletionItemProvider(PROMPT_FILES, new PromptSnippets(diagnostics)),
  );
  const { __promptLabLoadStart: loadStart, __promptLabLoadEnd: loadEnd, __promptLabLoadCpu: loadCpu } = globalThis as { __promptLabLoadStart?: number; __promptLabLoadEnd?: number; __promptLabLoadCpu?: CpuUsage };
  const evaluationPanels = registerEvaluationPanel(context, evaluationBus, { runs, runsCommands, log });
  const loadMs = loadStart !== undefined && loadEnd !== undefined ? loadEnd - loadStart : Number.NaN;
  const cpuMs = (usage: CpuUsage): number => (usage.user + usage.system) / 1000;
  const activateCpuEnd = host.cpuUsage();
  const activationCpuMs = loadCpu !== undefined && loadEnd !== undefined && activateCpu && activateCpuEnd
    ? cpuMs(loadCpu) + cpuMs({ user: activateCpuEnd.user - activateCpu.user, system: activateCpuEnd.system - activateCpu.system })
    : Number.NaN;
  let firstDiagnosticsMs: number | undefined;
  const firstRefresh = diagnostics.onDidRefresh(() => {
    firstDiagnosticsMs = loadStart === undefined ? Number.NaN : performance.now() - loadStart;
    firstRefresh.dispose();
  });
  context.subscriptions.push(firstRefresh, evaluationBus);
  return {
    get firstDiagnosticsMs() { return firstDiagnosticsMs; },
    activationMs: loadMs + (performance.now() - activateStart),
    activationCpuMs,
    onDidFinishRun: runs.onDidFinishRun, onDidRenderRun: runs.panels.onDidRender, onDidRefreshDiagnostics: diagnostics.onDidRefresh,
    deploymentStatus: statusBar.item, onDidRate: runs.onDidRate, onDidAnnotate: runs.onDidAnnotate, runsView, playground, logUri: context.logUri,
    languageStatus, walkthrough, evaluationPanels, evaluationBus, evaluations,
  };
}
