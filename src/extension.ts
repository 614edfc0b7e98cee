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
import { PLAYGROUND_VIEW_ID, PlaygroundViewProvider } from './vscode/playground';
import { PREVIEW_SCHEME, PromptPreview } from './vscode/preview';
import { RunController, type RunFinishedEvent } from './vscode/runController';
import type { RunRenderedEvent } from './vscode/runPanel';
import { RUN_SCHEME, RunDocuments } from './vscode/runDocuments';
import { type AnnotateArgs, type ExportArgs, type RateArgs, RunsCommands } from './vscode/runsCommands';
import { type RunNode, RunsView } from './vscode/runsView';
import { setApiKey } from './vscode/setApiKey';
import { DeploymentStatusBar } from './vscode/statusBar';
import { createRenderer } from './vscode/renderer';
import { SecretScrubber } from './core/log/secrets';
import { scrubbingLog } from './vscode/scrubbingLog';
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
   * ms from the first statement of dist/extension.js to the first diagnostics Prompt Lab published (activation,
   * loading dist/core.js, the first analysis); undefined until a prompt document has been checked.
   */
  readonly firstDiagnosticsMs: number | undefined;
  /** The extension's log folder (`ExtensionContext.logUri`); the output channel's file is in the session's logs. */
  logUri: vscode.Uri;
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
  // Keys and tokens Prompt Lab reads are masked in the output channel, which VS Code also writes to a file.
  const secrets = new SecretScrubber();
  const log = scrubbingLog(vscode.window.createOutputChannel('Prompt Lab', { log: true }), secrets);
  const keys = new ApiKeyStore(context.secrets, secrets);
  const renderer = createRenderer(context.extensionUri);
  const runs = new RunController(context.extensionUri, keys, log, renderer, (text) => secrets.scrub(text));
  const diagnostics = new PromptDiagnostics();
  const preview = new PromptPreview(diagnostics, renderer);
  const statusBar = new DeploymentStatusBar(diagnostics);
  const runsView = new RunsView(runs, log);
  const runsCommands = new RunsCommands(runs, runsView, log);
  const playground = new PlaygroundViewProvider(context.extensionUri, context.workspaceState, runs, log);
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
    playground,
    vscode.window.registerWebviewViewProvider(PLAYGROUND_VIEW_ID, playground, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand('promptLab.openPlayground', () => vscode.commands.executeCommand(`${PLAYGROUND_VIEW_ID}.focus`)),
  );
  const { __promptLabLoadStart: loadStart, __promptLabLoadEnd: loadEnd } = globalThis as { __promptLabLoadStart?: number; __promptLabLoadEnd?: number };
  const loadMs = loadStart !== undefined && loadEnd !== undefined ? loadEnd - loadStart : Number.NaN;
  let firstDiagnosticsMs: number | undefined;
  const firstRefresh = diagnostics.onDidRefresh(() => {
    firstDiagnosticsMs = loadStart === undefined ? Number.NaN : performance.now() - loadStart;
    firstRefresh.dispose();
  });
  context.subscriptions.push(firstRefresh);
  return {
    get firstDiagnosticsMs() { return firstDiagnosticsMs; },
    activationMs: loadMs + (performance.now() - activateStart),
    onDidFinishRun: runs.onDidFinishRun, onDidRenderRun: runs.panels.onDidRender, onDidRefreshDiagnostics: diagnostics.onDidRefresh,
    deploymentStatus: statusBar.item, onDidRate: runs.onDidRate, onDidAnnotate: runs.onDidAnnotate, runsView, playground, logUri: context.logUri,
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
