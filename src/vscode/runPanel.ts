/**
 * The Run Prompt panel, host side: one WebviewPanel per prompt file, beside the editor. Messages to the
 * webview are queued until it says `ready`; text deltas are batched (see TextBatcher). The webview code is
 * webview/src/runPanel/main.ts; the messages are typed in src/protocol/runPanel.ts.
 */
import * as vscode from 'vscode';
import type { RunRecord } from '../core/log/runLog';
import type { ChatMediaPart } from '../core/template/template';
import { TextBatcher } from '../core/run/textBatcher';
import { webviewCsp, webviewNonce } from './webviewPolicy';
import {
  type ErrorAction, type HostMessage, type MediaView, type RatingView, type RunFinishedParams, type RunRetryingParams, type RunStartedParams, isWebviewMessage,
} from '../protocol/runPanel';

/** What the panel asks of its owner. */
export interface RunPanelHandlers {
  stop(runId: string): void;
  /** Append a rating of `runId` to the log; resolves with the rating as saved, rejects with a sentence. */
  rate(promptUri: vscode.Uri, runId: string, rating: RatingView): Promise<RatingView>;
  rerun(promptUri: vscode.Uri): void;
  /** Ask for a note or a property of `runId` and append it (Add Note to Run / Set Run Property). */
  annotate(promptUri: vscode.Uri, runId: string, kind: 'note' | 'property'): void;
  /** Add to Test Data: append the run's inputs as a row of the prompt's testData. */
  addToTestData(runId: string): void;
  errorAction(action: ErrorAction, promptUri: vscode.Uri): void;
}

/** Reported when the webview shows a finished run: the figure the catch-up benchmark reads. */
export interface RunRenderedEvent {
  runId: string;
  promptUri: vscode.Uri;
  /** Characters the panel shows for the run's output. */
  outputLength: number;
  /** From the last text delta received from the server to the webview's confirmation, in ms. */
  catchUpMs: number;
}

const VIEW_TYPE = 'promptLab.runPanel';

/** One panel, for one prompt file. */
export class RunPanel implements vscode.Disposable {
  private ready = false;
  private readonly queue: HostMessage[] = [];
  private readonly batchers = new Map<string, TextBatcher>();
  private readonly lastTextAt = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];
  private focused = false;
  private readonly runningIds = new Set<string>();

  constructor(
    readonly promptUri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly handlers: RunPanelHandlers,
    private readonly rendered: vscode.EventEmitter<RunRenderedEvent>,
    onDispose: () => void,
    /** Called when the panel gains or loses the focus, or a run in it starts or ends. */
    private readonly onStateChange: () => void = () => undefined,
  ) {
    panel.webview.html = renderHtml(panel.webview, extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidDispose(() => {
        this.focused = false;
        this.runningIds.clear();
        this.dispose();
        onDispose();
      }),
    );
  }

  /** Whether the panel's document has the keyboard focus (as its webview last reported). */
  get hasFocus(): boolean {
    return this.focused;
  }

  /** Whether the panel is the active editor (it may have the focus or not). */
  get active(): boolean {
    return this.panel.active;
  }

  /** The runs the panel shows as running. */
  get running(): readonly string[] {
    return [...this.runningIds];
  }

  /** The editor group column the panel is in, when it is shown. */
  get viewColumn(): vscode.ViewColumn | undefined {
    return this.panel.viewColumn;
  }

  /** Bring the panel forward without taking focus from the editor. */
  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  started(params: RunStartedParams): void {
    this.runningIds.add(params.runId);
    this.onStateChange();
    this.panel.title = vscode.l10n.t('Run: {0}', params.promptName);
    this.batchers.set(params.runId, new TextBatcher((text) => this.post({ method: 'run/delta', params: { runId: params.runId, text } })));
    this.post({ method: 'run/started', params });
  }

  responded(runId: string, replayOf: string | null): void {
    this.post({ method: 'run/responded', params: { runId, replayOf } });
  }

  retrying(params: RunRetryingParams): void {
    this.batchers.get(params.runId)?.flush();
    this.post({ method: 'run/retrying', params });
  }

  text(runId: string, text: string): void {
    this.lastTextAt.set(runId, performance.now());
    this.batchers.get(runId)?.push(text);
  }

  finished(params: RunFinishedParams): void {
    if (this.runningIds.delete(params.runId)) this.onStateChange();
    const batcher = this.batchers.get(params.runId);
    batcher?.flush();
    batcher?.dispose();
    this.batchers.delete(params.runId);
    if (!this.lastTextAt.has(params.runId)) this.lastTextAt.set(params.runId, performance.now());
    this.post({ method: 'run/finished', params });
  }

  /** Show the newest rating of a run (after a save elsewhere, e.g. Rate Last Run). */
  rating(runId: string, rating: RatingView): void {
    this.post({ method: 'rating/show', params: { runId, rating } });
  }

  /** Show a run's notes and properties (key → newest value). */
  annotations(runId: string, annotations: Record<string, string>): void {
    this.post({ method: 'annotations/show', params: { runId, annotations } });
  }

  /**
   * Show a logged run again (from the Runs view): its output, metrics, newest rating, notes and properties, and its media
   * as the log has them (path or URL, type, size: the log keeps no bytes, so no thumbnails).
   */
  showRecord(record: RunRecord, finished: RunFinishedParams, rating?: RatingView, annotations?: Record<string, string>): void {
    const promptName = this.panel.title.replace(/^Run: /, '');
    const media = loggedMediaViews(record);
    this.post({ method: 'run/started', params: {
      runId: record.id, promptName, promptPath: record.prompt, deployment: record.deployment, provider: record.provider, model: record.model,
      baseURL: '', startedAt: record.timing.startedAt,
      ...(record.variant && record.variant !== 'default' ? { variant: record.variant } : {}),
      ...(media.length > 0 ? { media } : {}),
      ...(record.requestRules?.length ? { requestRules: record.requestRules } : {}),
    } });
    if (record.replayOf) this.post({ method: 'run/responded', params: { runId: record.id, replayOf: record.replayOf } });
    if (record.output) this.post({ method: 'run/delta', params: { runId: record.id, text: record.output } });
    this.post({ method: 'run/finished', params: finished });
    if (rating) this.rating(record.id, rating);
    if (annotations && Object.keys(annotations).length > 0) this.annotations(record.id, annotations);
  }

  private post(message: HostMessage): void {
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) return;
    switch (message.method) {
      case 'ready':
        this.ready = true;
        for (const queued of this.queue.splice(0)) void this.panel.webview.postMessage(queued);
        break;
      case 'run/stop':
        this.handlers.stop(message.params.runId);
        break;
      case 'run/rerun':
        this.handlers.rerun(this.promptUri);
        break;
      case 'run/rendered': {
        const last = this.lastTextAt.get(message.params.runId);
        this.lastTextAt.delete(message.params.runId);
        this.rendered.fire({
          runId: message.params.runId,
          promptUri: this.promptUri,
          outputLength: message.params.outputLength,
          catchUpMs: last === undefined ? 0 : performance.now() - last,
        });
        break;
      }
      case 'error/action':
        this.handlers.errorAction(message.params.action, this.promptUri);
        break;
      case 'panel/focus':
        this.focused = message.params.focused;
        this.onStateChange();
        break;
      case 'annotation/add':
        this.handlers.annotate(this.promptUri, message.params.runId, message.params.kind);
        break;
      case 'testData/add':
        this.handlers.addToTestData(message.params.runId);
        break;
      case 'rating/submit': {
        const { requestId, runId, rating } = message.params;
        this.handlers.rate(this.promptUri, runId, rating).then(
          (saved) => this.post({ method: 'rating/saved', params: { requestId, runId, rating: saved } }),
          (err: unknown) => this.post({ method: 'rating/failed', params: { requestId, runId, message: err instanceof Error ? err.message : String(err) } }),
        );
        break;
      }
    }
  }

  dispose(): void {
    for (const batcher of this.batchers.values()) batcher.dispose();
    this.batchers.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Keeps one RunPanel per prompt file and reuses it for later runs. */
export class RunPanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, RunPanel>();
  /** The context keys as last set (see updateContext). */
  private readonly context = new Map<string, boolean>();
  private readonly renderedEmitter = new vscode.EventEmitter<RunRenderedEvent>();
  /** Fires when a panel confirms it shows a finished run. */
  readonly onDidRender = this.renderedEmitter.event;

  constructor(private readonly extensionUri: vscode.Uri, private readonly handlers: RunPanelHandlers) {}

  /** The panel of `promptUri`, created beside the editor when there is none. */
  panelFor(promptUri: vscode.Uri, title: string): RunPanel {
    const key = promptUri.toString();
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    // Panels of other prompt files share one editor group beside the editors rather than opening a group each.
    const column = [...this.panels.values()].map((p) => p.viewColumn).find((c) => c !== undefined) ?? vscode.ViewColumn.Beside;
    const webviewPanel = vscode.window.createWebviewPanel(VIEW_TYPE, vscode.l10n.t('Run: {0}', title), { viewColumn: column, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    const panel = new RunPanel(promptUri, webviewPanel, this.extensionUri, this.handlers, this.renderedEmitter, () => {
      this.panels.delete(key);
      this.updateContext();
    }, () => this.updateContext());
    this.panels.set(key, panel);
    return panel;
  }

  /** The panel with the keyboard focus, else the active one: where Stop Run applies. */
  current(): RunPanel | undefined {
    const panels = [...this.panels.values()];
    return panels.find((p) => p.hasFocus) ?? panels.find((p) => p.active);
  }

  /** The running runs of every panel. */
  allRunning(): string[] {
    return [...this.panels.values()].flatMap((p) => p.running);
  }

  /**
   * Context keys of Stop Run: `promptLab.runPanelFocused` (a run panel has the keyboard focus),
   * `promptLab.runPanelRunning` (that panel shows a running run; the Escape keybinding needs both) and
   * `promptLab.runsRunning` (a panel shows a running run; the Command Palette offers Stop Run).
   */
  private updateContext(): void {
    const focused = [...this.panels.values()].find((p) => p.hasFocus);
    const next: Record<string, boolean> = {
      'promptLab.runPanelFocused': focused !== undefined,
      'promptLab.runPanelRunning': (focused?.running.length ?? 0) > 0,
      'promptLab.runsRunning': this.allRunning().length > 0,
    };
    for (const [key, value] of Object.entries(next)) {
      if (this.context.get(key) !== value) void vscode.commands.executeCommand('setContext', key, value);
      this.context.set(key, value);
    }
  }

  /** The open panel of `promptUri`, if there is one (neither created nor revealed). */
  existing(promptUri: vscode.Uri): RunPanel | undefined {
    return this.panels.get(promptUri.toString());
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
    this.panels.clear();
    this.renderedEmitter.dispose();
  }
}

/**
 * A webview's HTML: a strict CSP, the script dist/webview/<entry>.js with a nonce from crypto.getRandomValues, the
 * style media/<entry>.css. The run panel's, and the playground's (entry "playground"). `place` marks where it is shown
 * (`<body data-place>`: the side bar or the editor), for its style and for tests.
 */
export function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri, entry = 'runPanel', title = vscode.l10n.t('Prompt Lab run'), place: 'sideBar' | 'editor' = 'editor'): string {
  const nonce = webviewNonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${entry}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${entry}.css`));
  const csp = webviewCsp(webview.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style.toString()}">
<title>${title}</title>
</head>
<body data-place="${place}">
<div id="app"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** The media parts a logged run sent, as the panel shows them without their bytes. */
export function loggedMediaViews(record: Pick<RunRecord, 'messages'>): MediaView[] {
  const views: MediaView[] = [];
  for (const message of record.messages) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) if (part.type !== 'text') views.push(mediaView(part));
  }
  return views;
}

/** Images and audio up to this size are shown from a data: URI; larger ones are named only. */
export const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;

/** A media part as the views show it; `dataUri` only for images and audio up to MAX_PREVIEW_BYTES. */
export function mediaView(part: ChatMediaPart, dataUri?: string): MediaView {
  const view: MediaView = { kind: part.type, input: part.input, label: part.path ?? part.url ?? vscode.l10n.t('inline data') };
  if (part.mediaType) view.mediaType = part.mediaType;
  if (part.bytes !== undefined) view.bytes = part.bytes;
  if (part.url) view.url = part.url;
  if (dataUri && part.type !== 'file' && (part.bytes ?? Infinity) <= MAX_PREVIEW_BYTES) view.dataUri = dataUri;
  return view;
}
