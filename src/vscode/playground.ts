/**
 * The Playground view (`promptLab.playground`), host side: a WebviewView in the Prompt Lab view container where
 * a person edits messages, variables and parameters, runs them on up to four deployments side by side, rates
 * the outputs and saves what works as a .prompt.json. The model is the core's (src/core/playground/playground.ts, loaded
 * lazily with the rest of the core); runs go through RunController.runTemplate, so they are prepared, logged
 * (`source: "playground"`) and reported like Run Prompt's. Messages are typed in src/protocol/playground.ts;
 * the webview is webview/src/playground/.
 *
 * Runs of a playground that was not loaded from a file are logged with the prompt path "playground" (a virtual
 * name: no such file exists) in the first workspace folder; after "Load from the active editor" or "Save as",
 * with that file's workspace-relative path.
 *
 * The same playground opens in the editor too ("Open Playground in Editor": a WebviewPanel, for wide side-by-side
 * columns). Both pages share one playground: an edit in one is sent to the other (`playground/synced`), a run streams
 * into both, and each reply goes to the page that asked. Where Open Playground opens (side bar or editor) is the
 * person's last choice, kept in globalState; the editor page comes back after a reload (a WebviewPanelSerializer).
 */
import { path, pathOf } from './platform';
import * as vscode from 'vscode';
import { uint8ArrayToBase64 } from 'uint8array-extras';
import {
  type PlaygroundAttachment, type PlaygroundColumn, type PlaygroundHostMessage, type PlaygroundState, MAX_ATTACHMENT_BYTES, MAX_PLAYGROUND_DEPLOYMENTS,
  isPlaygroundState, isPlaygroundUi, isPlaygroundWebviewMessage,
} from '../protocol/playground';
import { affectsPromptLab, readSettings } from './config';
import { loadCore } from './core';
import { PlaygroundColumnRun } from './playgroundColumn';
import type { RunController } from './runController';
import { MAX_PREVIEW_BYTES, renderHtml } from './runPanel';

export const PLAYGROUND_VIEW_ID = 'promptLab.playground';
/** The editor page's WebviewPanel view type (package.json activates on it, to restore the page after a reload). */
export const PLAYGROUND_PANEL_TYPE = 'promptLab.playgroundPanel';
const STATE_KEY = 'promptLab.playground.state';
/** workspaceState key: the layout (PlaygroundUi) as the person left it, on either page. */
const UI_KEY = 'promptLab.playground.ui';
/** globalState key: where Open Playground opens, 'editor' or 'sideBar' (the default). */
export const PLAYGROUND_PLACE_KEY = 'promptLab.playground.openIn';

/** A page of the playground: the side bar's WebviewView or the editor's WebviewPanel. */
interface Surface {
  readonly kind: 'sideBar' | 'editor';
  readonly webview: vscode.Webview;
  ready: boolean;
  /** Messages for this page before it said `ready`. */
  readonly queue: PlaygroundHostMessage[];
  readonly disposables: vscode.Disposable[];
}

/** A column confirmed it shows its finished run (run/rendered): what the playground benchmark reads. */
export interface PlaygroundRenderedEvent {
  runId: string;
  column: number;
  deployment: string;
  outputLength: number;
  /** performance.now() in the extension host of the column's last text delta, and of the confirmation. */
  lastTextAt: number;
  renderedAt: number;
}

export class PlaygroundViewProvider implements vscode.WebviewViewProvider, vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly surfaces = new Set<Surface>();
  private sideBar: Surface | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private columns: PlaygroundColumnRun[] = [];
  /** Where each run of this session belongs, for ratings. */
  private readonly runUris = new Map<string, vscode.Uri>();
  private lastRun: PlaygroundState | undefined;
  private lastPromptUri: vscode.Uri | undefined;
  private readyWaiters: (() => void)[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderedEmitter = new vscode.EventEmitter<PlaygroundRenderedEvent>();
  /** Fires when a column confirms its finished run. */
  readonly onDidRender = this.renderedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly workspaceState: vscode.Memento,
    private readonly globalState: vscode.Memento,
    private readonly runs: RunController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.renderedEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsPromptLab(e)) this.post({ method: 'playground/deployments', params: { deployments: deploymentKeys() } });
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    if (this.sideBar) this.detach(this.sideBar);
    const surface = this.attach('sideBar', view.webview);
    this.sideBar = surface;
    surface.disposables.push(view.onDidDispose(() => {
      this.detach(surface);
      if (this.sideBar === surface) this.sideBar = undefined;
    }));
  }

  /** The editor page after a reload (VS Code kept it open): the same playground again. */
  deserializeWebviewPanel(panel: vscode.WebviewPanel): Thenable<void> {
    this.adoptPanel(panel);
    return Promise.resolve();
  }

  /** Open Playground: where the person chose last (the side bar unless they opened it in the editor). */
  async open(): Promise<void> {
    if (this.globalState.get<string>(PLAYGROUND_PLACE_KEY) === 'editor') await this.openInEditor();
    else await this.openInSideBar();
  }

  /** Open Playground in Editor: the editor page (created, or brought forward), remembered as the person's choice. */
  async openInEditor(): Promise<void> {
    await this.globalState.update(PLAYGROUND_PLACE_KEY, 'editor');
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PLAYGROUND_PANEL_TYPE, vscode.l10n.t('Playground'), vscode.ViewColumn.Active, { retainContextWhenHidden: true });
    this.adoptPanel(panel);
  }

  /** Move Playground to Side Bar: close the editor page, show the side bar's, remembered as the person's choice. */
  async openInSideBar(): Promise<void> {
    await this.globalState.update(PLAYGROUND_PLACE_KEY, 'sideBar');
    this.panel?.dispose();
    await vscode.commands.executeCommand(`${PLAYGROUND_VIEW_ID}.focus`);
  }

  private adoptPanel(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'prompt-lab.svg');
    const surface = this.attach('editor', panel.webview);
    surface.disposables.push(panel.onDidDispose(() => {
      this.detach(surface);
      if (this.panel === panel) this.panel = undefined;
    }));
  }

  /** Give `webview` the playground page and listen to it. */
  private attach(kind: Surface['kind'], webview: vscode.Webview): Surface {
    const surface: Surface = { kind, webview, ready: false, queue: [], disposables: [] };
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    webview.html = renderHtml(webview, this.extensionUri, 'playground', vscode.l10n.t('Prompt Lab playground'), kind);
    surface.disposables.push(webview.onDidReceiveMessage((message: unknown) => void this.receive(surface, message)));
    this.surfaces.add(surface);
    return surface;
  }

  private detach(surface: Surface): void {
    this.surfaces.delete(surface);
    for (const d of surface.disposables.splice(0)) d.dispose();
  }

  /** Resolves once a page of the playground is shown and its webview said `ready`. */
  whenReady(): Promise<void> {
    return [...this.surfaces].some((s) => s.ready) ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Run `state` on its deployments, as the view's Run button does. @returns the columns, or why nothing ran. */
  async run(state: PlaygroundState): Promise<PlaygroundColumn[] | string> {
    if (state.deployments.length === 0) return vscode.l10n.t('Pick a deployment to run on.');
    if (!vscode.workspace.isTrusted) return vscode.l10n.t('Prompt Lab does not run prompts in an untrusted workspace: its settings could send your API key elsewhere.');
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return vscode.l10n.t('Open a folder first: runs are logged in the workspace.');
    const core = loadCore();
    const problems = core.playground.problemsOf(state, deploymentKeys());
    if (problems.length > 0) return problems.join(' ');
    const sourceUri = state.sourcePath ? vscode.Uri.joinPath(folder.uri, state.sourcePath) : undefined;
    const promptUri = sourceUri ?? vscode.Uri.joinPath(folder.uri, core.playground.PLAYGROUND_PROMPT_PATH);
    const promptPath = state.sourcePath ?? core.playground.PLAYGROUND_PROMPT_PATH;
    for (const column of this.columns) column.dispose();
    this.lastRun = state;
    const inputs = core.playground.inputValues(state);
    this.lastPromptUri = promptUri;
    const post = (m: PlaygroundHostMessage): void => {
      if (m.method === 'run/started') this.runUris.set(m.params.runId, promptUri);
      this.post(m);
    };
    this.columns = state.deployments.slice(0, MAX_PLAYGROUND_DEPLOYMENTS).map((deployment, i) => new PlaygroundColumnRun(i, deployment, post));
    this.log.info(`[playground] run on ${this.columns.map((c) => c.deployment).join(', ')}`);
    const columns = this.columns.map((c) => ({ column: c.column, deployment: c.deployment }));
    this.post({ method: 'playground/columns', params: { columns } });
    // Past the budget, one question for the whole run, not one per column.
    let overBudget: Promise<boolean> | undefined;
    const keys = this.columns.map((c) => c.deployment).join(', ');
    const confirmOverBudget = (message: string) => (overBudget ??= Promise.resolve(
      vscode.window.showWarningMessage(`${message} ${vscode.l10n.t('Run "{0}" on {1} anyway?', state.name, keys)}`, { modal: true }, vscode.l10n.t('Run Anyway')),
    ).then((go) => go === vscode.l10n.t('Run Anyway')));
    for (const column of this.columns) {
      const prompt = core.playground.toPromptFile(state, column.deployment);
      this.runs.runTemplate({
        prompt, promptName: state.name, promptPath, promptUri, deploymentKey: column.deployment, inputs, source: 'playground', sink: column, signal: column.controller.signal,
        confirmOverBudget,
      }).then(
        (outcome) => {
          if (!outcome) column.notRun(state.name, vscode.l10n.t('Not run.'));
        },
        (err: unknown) => {
          this.log.error(`[playground] ${column.deployment}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          column.notRun(state.name, vscode.l10n.t('Could not run: {0}', err instanceof Error ? err.message : String(err)));
        },
      );
    }
    return columns;
  }

  /** To every page (run events, deployments): at once to a ready one, after its `ready` to one still loading. */
  private post(message: PlaygroundHostMessage): void {
    for (const surface of this.surfaces) this.send(surface, message);
  }

  private send(surface: Surface, message: PlaygroundHostMessage): void {
    if (surface.ready) void surface.webview.postMessage(message);
    else surface.queue.push(message);
  }

  private async receive(surface: Surface, message: unknown): Promise<void> {
    if (!isPlaygroundWebviewMessage(message)) return;
    // Replies go to the page that asked (each page numbers its own requests).
    const reply = (m: PlaygroundHostMessage) => this.send(surface, m);
    switch (message.method) {
      case 'ready': {
        surface.ready = true;
        const saved = this.workspaceState.get<unknown>(STATE_KEY);
        const ui = this.workspaceState.get<unknown>(UI_KEY);
        void surface.webview.postMessage({
          method: 'playground/init',
          params: { state: isPlaygroundState(saved) ? saved : null, deployments: deploymentKeys(), ...(isPlaygroundUi(ui) ? { ui } : {}) },
        } satisfies PlaygroundHostMessage);
        for (const queued of surface.queue.splice(0)) void surface.webview.postMessage(queued);
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        return;
      }
      case 'playground/state':
        for (const other of this.surfaces) if (other !== surface) this.send(other, { method: 'playground/synced', params: { state: message.params.state } });
        await this.workspaceState.update(STATE_KEY, message.params.state);
        return;
      case 'playground/ui':
        await this.workspaceState.update(UI_KEY, message.params.ui);
        return;
      case 'playground/analyze': {
        const { requestId, messages, parameters } = message.params;
        reply({ method: 'playground/analyzed', params: { requestId, analysis: loadCore().playground.analyzePlayground(messages, parameters) } });
        return;
      }
      case 'playground/load': {
        const { requestId } = message.params;
        const result = await this.load();
        reply(typeof result === 'string'
          ? { method: 'playground/failed', params: { requestId, message: result } }
          : { method: 'playground/loaded', params: { requestId, state: result } });
        return;
      }
      case 'playground/save': {
        const { requestId, state } = message.params;
        const result = await this.save(state).catch((err: unknown): { message: string; cancelled?: boolean } => ({ message: vscode.l10n.t('Could not save: {0}', err instanceof Error ? err.message : String(err)) }));
        reply('path' in result
          ? { method: 'playground/saved', params: { requestId, path: result.path } }
          : { method: 'playground/failed', params: { requestId, message: result.message, ...(result.cancelled ? { cancelled: true } : {}) } });
        return;
      }
      case 'playground/run': {
        const { requestId, state } = message.params;
        const result = await this.run(state);
        reply(typeof result === 'string'
          ? { method: 'playground/failed', params: { requestId, message: result } }
          : { method: 'playground/runStarted', params: { requestId, columns: result } });
        return;
      }
      case 'run/stop':
        this.columns.find((c) => c.column === message.params.column)?.stop();
        return;
      case 'run/stopAll':
        for (const column of this.columns) column.stop();
        return;
      case 'run/rendered': {
        const column = this.columns.find((c) => c.runId === message.params.runId);
        if (column) {
          this.renderedEmitter.fire({
            runId: message.params.runId, column: column.column, deployment: column.deployment, outputLength: message.params.outputLength,
            lastTextAt: column.lastTextAt, renderedAt: performance.now(),
          });
        }
        return;
      }
      case 'error/action': {
        const { action, deployment } = message.params;
        if (action === 'retry' && this.lastRun) await this.run(this.lastRun);
        else if (action !== 'retry' && action !== 'openPrompt') await this.runs.performAction(action, this.lastPromptUri ?? this.extensionUri, deployment);
        return;
      }
      case 'playground/attach': {
        const { requestId, messageId } = message.params;
        const result = await this.pickAttachment().catch((err: unknown) => vscode.l10n.t('Could not attach: {0}', err instanceof Error ? err.message : String(err)));
        reply(typeof result === 'string' || result === undefined
          ? { method: 'playground/failed', params: { requestId, message: result ?? vscode.l10n.t('Nothing attached.'), ...(result === undefined ? { cancelled: true } : {}) } }
          : { method: 'playground/attached', params: { requestId, messageId, attachment: result } });
        return;
      }
      case 'rating/submit': {
        const { requestId, runId, rating } = message.params;
        const uri = this.runUris.get(runId);
        if (!uri) {
          reply({ method: 'rating/failed', params: { requestId, runId, message: vscode.l10n.t('This run is not in the log yet; rate it once it has finished.') } });
          return;
        }
        await this.runs.rate(uri, runId, rating).then(
          (saved) => reply({ method: 'rating/saved', params: { requestId, runId, rating: saved } }),
          (err: unknown) => reply({ method: 'rating/failed', params: { requestId, runId, message: err instanceof Error ? err.message : String(err) } }),
        );
        return;
      }
    }
  }

  /**
   * Ask for an image, audio or PDF file and make it an attachment: a file inside a workspace folder by its relative path
   * (read again at each run), one outside as a data: URI (the person chose it; nothing outside is read later). Its kind
   * comes from its bytes. undefined when the person cancelled; a sentence when it cannot be attached.
   */
  private async pickAttachment(): Promise<PlaygroundAttachment | string | undefined> {
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Attach an image, audio or PDF file'), openLabel: vscode.l10n.t('Attach'), canSelectMany: false,
      filters: { [vscode.l10n.t('Images, audio, PDF')]: ['png', 'jpg', 'jpeg', 'webp', 'gif', 'wav', 'mp3', 'pdf'] },
      ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
    });
    const uri = picked?.[0];
    if (!uri) return undefined;
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (bytes.length > MAX_ATTACHMENT_BYTES) return vscode.l10n.t('{0} is larger than {1} MB.', path.basename(uri.path), MAX_ATTACHMENT_BYTES / 1024 / 1024);
    const core = loadCore();
    const mediaType = await core.detectMediaType(bytes);
    const kind = mediaType?.startsWith('image/') ? 'image' : mediaType?.startsWith('audio/') ? 'audio' : mediaType === 'application/pdf' ? 'file' : undefined;
    if (!kind || !mediaType) return mediaType
      ? vscode.l10n.t('{0} is not an image, audio or PDF file (it holds {1}).', path.basename(uri.path), mediaType)
      : vscode.l10n.t('{0} is not an image, audio or PDF file.', path.basename(uri.path));
    const dataUri = `data:${mediaType};base64,${uint8ArrayToBase64(bytes)}`;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const value = folder ? path.relative(pathOf(folder.uri), pathOf(uri)).split(path.sep).join('/') : dataUri;
    return {
      id: `a${Date.now().toString(36)}`, kind, name: path.basename(uri.path), value,
      ...(kind === 'image' && bytes.length <= MAX_PREVIEW_BYTES ? { preview: dataUri } : {}),
    };
  }

  /** The playground of the active editor's .prompt.json, or why there is none. */
  private async load(): Promise<PlaygroundState | string> {
    const document = vscode.window.activeTextEditor?.document
      ?? vscode.window.visibleTextEditors.find((e) => e.document.uri.path.endsWith('.prompt.json'))?.document;
    if (!document || !document.uri.path.endsWith('.prompt.json')) return vscode.l10n.t('Open a .prompt.json file in the editor first.');
    const core = loadCore();
    const parsed = core.parsePromptFile(document.getText());
    if (!parsed.prompt) return vscode.l10n.t('{0} cannot be read: {1}', path.basename(document.uri.path), parsed.problems[0]?.message ?? vscode.l10n.t('it is not a prompt file'));
    const sourcePath = vscode.workspace.getWorkspaceFolder(document.uri) ? vscode.workspace.asRelativePath(document.uri, false) : undefined;
    const state = core.playground.stateFromPromptFile(parsed.prompt, sourcePath ?? '', path.basename(document.uri.path, '.prompt.json'));
    if (!sourcePath) delete state.sourcePath;
    const known = new Set(deploymentKeys());
    const unknown = state.deployments.filter((d) => !known.has(d));
    if (unknown.length > 0) state.notes.push(vscode.l10n.t('The deployment "{0}" is not in promptLab.deployments.', unknown.join('", "')));
    state.deployments = state.deployments.filter((d) => known.has(d));
    return state;
  }

  /** Save `state` as a .prompt.json chosen in a save dialog and open it. */
  private async save(state: PlaygroundState): Promise<{ path: string } | { message: string; cancelled?: boolean }> {
    const core = loadCore();
    const problems = core.playground.problemsOf(state, deploymentKeys());
    if (problems.length > 0) return { message: vscode.l10n.t('Not saved: {0}', problems.join(' ')) };
    const folder = vscode.workspace.workspaceFolders?.[0];
    const slug = state.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'playground';
    const suggested = state.sourcePath && folder ? vscode.Uri.joinPath(folder.uri, state.sourcePath) : folder ? vscode.Uri.joinPath(folder.uri, `${slug}.prompt.json`) : undefined;
    const chosen = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Save the playground as a prompt file'), saveLabel: vscode.l10n.t('Save Prompt'), filters: { [vscode.l10n.t('Prompt files')]: ['json'] }, ...(suggested ? { defaultUri: suggested } : {}),
    });
    if (!chosen) return { message: vscode.l10n.t('Not saved.'), cancelled: true };
    const target = chosen.path.endsWith('.prompt.json') ? chosen : chosen.with({ path: `${chosen.path.replace(/\.json$/, '')}.prompt.json` });
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(core.playground.promptFileText(state)));
    await vscode.window.showTextDocument(target, { preview: false });
    this.log.info(`[playground] saved ${target.toString()}`);
    return { path: vscode.workspace.asRelativePath(target, false) };
  }

  dispose(): void {
    for (const column of this.columns) column.dispose();
    for (const surface of [...this.surfaces]) this.detach(surface);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The keys of promptLab.deployments (first workspace folder's scope). */
function deploymentKeys(): string[] {
  return Object.keys(readSettings(vscode.workspace.workspaceFolders?.[0]?.uri).deployments);
}
