/**
 * Prompt Lab's activation: creates the pieces, registers the commands, and pushes every disposable into
 * `context.subscriptions`. Nothing runs at import time.
 */
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { HistoryFilter } from './core/log/history';
import { ApiKeyStore } from './vscode/apiKeys';
import { PromptCodeActions } from './vscode/codeActions';
import { PromptCodeLenses } from './vscode/codeLens';
import { COMPLETION_TRIGGERS, PromptCompletions } from './vscode/completion';
import { type ConvertOptions, convertPromptFile } from './vscode/convert';
import { PromptDiagnostics } from './vscode/diagnostics';
import { PromptHovers } from './vscode/hover';
import { PLAYGROUND_PANEL_TYPE, PLAYGROUND_VIEW_ID, PlaygroundViewProvider } from './vscode/playground';
import { PREVIEW_SCHEME, PromptPreview } from './vscode/preview';
import { RunController, type RunFinishedEvent } from './vscode/runController';
import type { RunRenderedEvent } from './vscode/runPanel';
import { RUN_SCHEME, RunDocuments } from './vscode/runDocuments';
import { type AnnotateArgs, type ExportArgs, type RateArgs, RunsCommands } from './vscode/runsCommands';
import { type EvaluationNode, type RunNode, RunsView, promptUriOf } from './vscode/runsView';
import { setApiKey } from './vscode/setApiKey';
import { DeploymentStatusBar } from './vscode/statusBar';
import { createRenderer } from './vscode/renderer';
import { SecretScrubber } from './core/log/secrets';
import { scrubbingLog } from './vscode/scrubbingLog';
import { type NewPromptFileArgs, newPromptFile } from './vscode/newPromptFile';
import { type AddDeploymentArgs, addDeployment } from './vscode/addDeployment';
import { WalkthroughState, openWalkthroughOnFirstActivation } from './vscode/walkthrough';
import { PromptLanguageStatus } from './vscode/languageStatus';
import { PromptSnippets } from './vscode/snippets';
import { type EvaluationPanels, registerEvaluationPanel } from './vscode/evaluation/evaluationPanel';
import { EvaluationBus } from './vscode/evaluation/evaluationBus';
import { type EvaluateArgs, EvaluationCommands, type ResumeArgs } from './vscode/evaluation/evaluationCommands';
import { AddToTestData, type AddToTestDataTarget } from './vscode/evaluation/addToTestData';
import { WorkerRegexMatcher } from './node/regexWorker';
import { PromptLabTaskProvider, TASK_TYPE } from './vscode/tasks';

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
   * busy machine its wall time also counts the turns of other processes.
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

/** The documents Prompt Lab's language features apply to. */
const PROMPT_FILES: vscode.DocumentFilter[] = [
  { language: 'jsonc', scheme: 'file', pattern: '**/*.prompt.json' },
  { language: 'jsonc', scheme: 'untitled', pattern: '**/*.prompt.json' },
];
/**
 * GitHub Models prompt files: diagnostics (PromptDiagnostics watches every document), Run/Preview lenses and hovers;
 * completion and quick fixes write JSON, so they stay with .prompt.json.
 */
const PROMPT_YAML_FILES: vscode.DocumentFilter[] = [
  { scheme: 'file', pattern: '**/*.prompt.{yml,yaml}' },
  { scheme: 'untitled', pattern: '**/*.prompt.{yml,yaml}' },
];

export function activate(context: vscode.ExtensionContext): PromptLabApi {
  const activateStart = performance.now();
  const activateCpu = process.cpuUsage();
  // Keys and tokens Prompt Lab reads are masked in the output channel, which VS Code also writes to a file.
  const secrets = new SecretScrubber();
  const log = scrubbingLog(vscode.window.createOutputChannel('Prompt Lab', { log: true }), secrets);
  const keys = new ApiKeyStore(context.secrets, secrets);
  const renderer = createRenderer(context.extensionUri);
  const runs = new RunController(context.extensionUri, keys, log, renderer, (text) => secrets.scrub(text));
  const diagnostics = new PromptDiagnostics();
  const preview = new PromptPreview(diagnostics, renderer);
  const statusBar = new DeploymentStatusBar(diagnostics);
  const evaluationBus = new EvaluationBus();
  const runsView = new RunsView(runs, log, evaluationBus);
  const runsCommands = new RunsCommands(runs, runsView, log);
  const regexMatcher = new WorkerRegexMatcher();
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
    vscode.tasks.registerTaskProvider(TASK_TYPE, new PromptLabTaskProvider(vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath)),
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
  const { __promptLabLoadStart: loadStart, __promptLabLoadEnd: loadEnd, __promptLabLoadCpu: loadCpu } = globalThis as { __promptLabLoadStart?: number; __promptLabLoadEnd?: number; __promptLabLoadCpu?: NodeJS.CpuUsage };
  const evaluationPanels = registerEvaluationPanel(context, evaluationBus, { runs, runsCommands, log });
  const loadMs = loadStart !== undefined && loadEnd !== undefined ? loadEnd - loadStart : Number.NaN;
  const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
  const activationCpuMs = (loadCpu !== undefined && loadEnd !== undefined ? cpuMs(loadCpu) : Number.NaN) + cpuMs(process.cpuUsage(activateCpu));
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

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
