/**
 * The evaluation results panel, host side: one WebviewPanel "Evaluation: <prompt name>" per evaluation, showing a
 * running evaluation live (from the {@link EvaluationBus}) or a finished one from the log (`promptLab.showEvaluation`
 * with an evaluation id, or a prompt file's Uri for its latest evaluation). Live changes are coalesced in an
 * {@link EvaluationGrid} and posted at most once per {@link LIVE_BATCH_MS}. The webview is
 * webview/src/evaluation/main.ts; the messages are src/protocol/evaluation.ts.
 */
import { path, pathOf, platform } from '../platform';
import * as vscode from 'vscode';
import type { EvaluationRecord, RunRecord } from '../../core/log/runLog';
import type { LoggedEvaluation } from '../../core/evaluation/evaluationLog';
import type { PromptFile } from '../../core/format/promptFile';
import {
  LIVE_BATCH_MS, isEvaluationWebviewMessage, type CellView, type EvaluationChoiceView, type EvaluationHostMessage, type EvaluationWebviewMessage, type ThroughputPointView,
} from '../../protocol/evaluation';
import { readSettings } from '../config';
import { loadCore } from '../core';
import type { RunController } from '../runController';
import { renderHtml } from '../runPanel';
import type { RunsCommands } from '../runsCommands';
import { promptUriOf } from '../runsView';
import type { EvaluationBus, EvaluationSession } from './evaluationBus';
import { EvaluationGrid, cellView, type SourceRow } from './evaluationGrid';

const VIEW_TYPE = 'promptLab.evaluation';
/** Rows and cells go to a webview that opens on a large evaluation in messages of at most this many. */
const CHUNK = 5000;

/** What the panel uses of the rest of the extension. */
export interface EvaluationPanelDeps {
  /** Ratings (the run panel's code path) and the run panels. */
  runs: Pick<RunController, 'rate' | 'onDidRate'>;
  /** Opens a cell's run in the run panel. */
  runsCommands: Pick<RunsCommands, 'showRun'>;
  log: vscode.LogOutputChannel;
}

/** A message the host posted to an evaluation panel, for tests. */
export interface PostedEvaluationMessage {
  evaluationId: string;
  message: EvaluationHostMessage;
}

/**
 * Create the panels' manager and register `promptLab.showEvaluation` (`(evaluationId: string)` or `(uri: Uri)`, the
 * latest evaluation of that prompt file). Panels open by themselves when an evaluation starts on `bus`.
 */
export function registerEvaluationPanel(context: vscode.ExtensionContext, bus: EvaluationBus, deps: EvaluationPanelDeps): EvaluationPanels {
  const panels = new EvaluationPanels(context.extensionUri, bus, deps);
  context.subscriptions.push(panels, vscode.commands.registerCommand('promptLab.showEvaluation', (target?: string | vscode.Uri) => panels.show(target)));
  return panels;
}

/** The log folder of a workspace folder (`promptLab.log.directory`). */
function logDirOf(folder: vscode.WorkspaceFolder): string {
  return path.resolve(pathOf(folder.uri), readSettings(folder.uri).logDirectory);
}

function choiceOf(record: EvaluationRecord): EvaluationChoiceView {
  return { evaluationId: record.id, startedAt: record.startedAt, status: record.status, deployments: Object.keys(record.deployments), rows: record.rows };
}

/**
 * An evaluation running in this window, kept while it runs whether its panel is open or not: its grid goes on taking
 * the bus's events, so a panel opened again midway shows the cells so far and keeps filling.
 */
interface LiveEvaluation {
  options: PanelOptions;
  /** The test rows are in the grid (openLive has read the prompt's test data). */
  rowsKnown: boolean;
}

/** Every evaluation panel of the window, by evaluation id. */
export class EvaluationPanels implements vscode.Disposable {
  private readonly panels = new Map<string, EvaluationPanel>();
  /** Evaluations running in this window, by evaluation id, until their `finished` event. */
  private readonly live = new Map<string, LiveEvaluation>();
  private readonly postedEmitter = new vscode.EventEmitter<PostedEvaluationMessage>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires for each message posted to a webview (tests read what the panel shows). */
  readonly onDidPost = this.postedEmitter.event;

  constructor(private readonly extensionUri: vscode.Uri, readonly bus: EvaluationBus, private readonly deps: EvaluationPanelDeps) {
    this.disposables.push(
      bus.onDidStart((session) => void this.openLive(session).catch((err: unknown) => this.fail('could not show the evaluation', err))),
      bus.onDidEvent(({ evaluationId, event }) => {
        const panel = this.panels.get(evaluationId);
        // With its panel closed, a running evaluation's grid still takes the event (for a panel opened again).
        if (panel) panel.apply(event);
        else this.live.get(evaluationId)?.options.grid.apply(event);
        if (event.type === 'finished') this.live.delete(evaluationId);
      }),
      deps.runs.onDidRate(({ runId, rating }) => {
        for (const panel of this.panels.values()) panel.ratedElsewhere(runId, rating.thumb);
      }),
    );
  }

  /** The panel of an evaluation, when one is open. */
  panel(evaluationId: string): EvaluationPanel | undefined {
    return this.panels.get(evaluationId);
  }

  /**
   * Show an evaluation: `target` an evaluation id, or a prompt file's Uri (its latest evaluation); without one, the
   * active editor's prompt file. One still running in this window (see {@link EvaluationBus.running}) shows live, with
   * the cells so far, even when its panel was closed; a finished one comes from the log. Says so when the log has none.
   * @returns the panel, or undefined when there is nothing to show.
   */
  async show(target?: string | vscode.Uri): Promise<EvaluationPanel | undefined> {
    const wanted = target ?? vscode.window.activeTextEditor?.document.uri;
    const running = wanted === undefined ? undefined : this.runningOf(wanted);
    if (running) return this.reopenLive(running);
    try {
      return await this.showFromLog(wanted);
    } catch (err) {
      this.fail('could not read the evaluation from the log', err);
      return undefined;
    }
  }

  /** The evaluation running in this window that `target` names (its id, or its prompt file's Uri). */
  private runningOf(target: string | vscode.Uri): LiveEvaluation | undefined {
    if (typeof target === 'string') return this.bus.running(target) ? this.live.get(target) : undefined;
    const uri = target.toString();
    return [...this.live.values()].reverse().find((l) => l.options.promptUri.toString() === uri && this.bus.running(l.options.grid.evaluationId));
  }

  /** The panel of a running evaluation: the open one brought forward, or a new one on its grid (the cells so far). */
  private reopenLive(live: LiveEvaluation): EvaluationPanel {
    const open = this.panels.get(live.options.grid.evaluationId);
    if (open) {
      open.reveal();
      return open;
    }
    const panel = this.create(live.options);
    if (live.rowsKnown) panel.rowsReady();
    return panel;
  }

  private async showFromLog(target: string | vscode.Uri | undefined): Promise<EvaluationPanel | undefined> {
    const core = loadCore();
    const fs = platform().fileSystem();
    if (target === undefined) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a .prompt.json file that has been evaluated, or pass an evaluation id, to show its results.'));
      return undefined;
    }
    let found: { folder: vscode.WorkspaceFolder; record: EvaluationRecord } | undefined;
    if (typeof target === 'string') {
      const open = this.panels.get(target);
      if (open) {
        open.reveal();
        return open;
      }
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        const record = (await core.listEvaluationRecords(fs, logDirOf(folder))).find((r) => r.id === target);
        if (record) {
          found = { folder, record };
          break;
        }
      }
      if (!found) {
        void vscode.window.showWarningMessage(vscode.l10n.t('There is no evaluation {0} in the run log.', target));
        return undefined;
      }
    } else {
      const folder = vscode.workspace.getWorkspaceFolder(target);
      if (!folder) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Prompt Lab keeps evaluations in the workspace folder\'s run log: open the prompt file from a workspace folder.'));
        return undefined;
      }
      const promptPath = path.relative(pathOf(folder.uri), pathOf(target)).split(path.sep).join('/');
      const record = (await core.listEvaluationRecords(fs, logDirOf(folder), promptPath))[0];
      if (!record) {
        void vscode.window.showInformationMessage(vscode.l10n.t('{0} has not been evaluated yet: run Prompt Lab: Evaluate Prompt first.', promptPath));
        return undefined;
      }
      const open = this.panels.get(record.id);
      if (open) {
        open.reveal();
        return open;
      }
      found = { folder, record };
    }
    const { folder, record } = found;
    const logDir = logDirOf(folder);
    const promptUri = promptUriOf(folder, record.prompt);
    const prompt = await readPrompt(promptUri);
    const deployments = Object.keys(record.deployments);
    const evaluators = record.evaluators;
    const inputNames = prompt ? [...prompt.inputs.keys()] : [];
    const logged = await core.readLoggedEvaluation(fs, logDir, record.id, undefined, { records: true });
    const grid = new EvaluationGrid(record.id, deployments, evaluators, inputNames, record.rows, core.summarize);
    for (const [key, cell] of logged.cells) {
      const run = logged.runs?.get(key);
      if (run) grid.addLogged(run, cell, logged.ratings?.get(run.id));
    }
    const views = cellViewsOf(logged);
    if (inputNames.length === 0) {
      const names = new Set<string>();
      for (const r of logged.runs?.values() ?? []) for (const n of Object.keys(r.inputs)) names.add(n);
      inputNames.push(...names);
    }
    grid.setRows(await testRows(prompt, folder, record.rows));
    grid.fillRowsFromRuns();
    const newest = logged.records.at(-1) ?? record;
    const done = Object.values(newest.deployments).reduce((a, d) => a + d.passed + d.failed + d.errors, 0);
    grid.status = {
      state: newest.status, total: newest.rows * deployments.length, done,
      passed: Object.values(newest.deployments).reduce((a, d) => a + d.passed, 0),
      failed: Object.values(newest.deployments).reduce((a, d) => a + d.failed, 0),
      errors: Object.values(newest.deployments).reduce((a, d) => a + d.errors, 0),
    };
    const promptName = prompt?.name ?? core.promptStem(record.prompt);
    return this.create({ grid, promptUri, promptName, promptPath: record.prompt, logDir, live: false, views });
  }

  /**
   * A panel for an evaluation that has just started in this window: created at once, so it gets every event; the
   * webview is told once the prompt's test data is read.
   */
  private async openLive(session: EvaluationSession): Promise<void> {
    const core = loadCore();
    const folder = vscode.workspace.getWorkspaceFolder(session.promptUri);
    let panel = this.panels.get(session.evaluationId);
    if (panel) {
      // A resume in the same window: the open panel goes on with the new events, and can be closed and opened again.
      this.live.set(session.evaluationId, { options: panel.shown, rowsKnown: true });
      panel.reveal();
      return;
    }
    const grid = new EvaluationGrid(session.evaluationId, session.deployments, [], [], session.rows, core.summarize);
    const live: LiveEvaluation = {
      options: { grid, promptUri: session.promptUri, promptName: session.promptName, promptPath: session.promptPath, logDir: folder ? logDirOf(folder) : undefined, live: true, points: [], since: new Date().toISOString().slice(0, 10) },
      rowsKnown: false,
    };
    this.live.set(session.evaluationId, live);
    panel = this.create(live.options);
    try {
      const prompt = await readPrompt(session.promptUri);
      grid.evaluators = prompt?.evaluators.map((e) => e.name) ?? [];
      grid.inputNames = prompt ? [...prompt.inputs.keys()] : [];
      // The rows the evaluation runs, when the session has them; else read from the test data again.
      if (session.testRows?.length === session.rows) grid.setRows(session.testRows);
      else if (folder) grid.setRows(await testRows(prompt, folder, session.rows));
    } finally {
      grid.fillRowsFromRuns();
      live.rowsKnown = true;
      // The panel shown now: the first, or one opened again while the test data was read.
      this.panels.get(session.evaluationId)?.rowsReady();
    }
  }

  private create(options: PanelOptions): EvaluationPanel {
    const { grid } = options;
    const column = [...this.panels.values()].map((p) => p.viewColumn).find((c) => c !== undefined) ?? vscode.ViewColumn.Beside;
    const webviewPanel = vscode.window.createWebviewPanel(VIEW_TYPE, vscode.l10n.t('Evaluation: {0}', options.promptName), { viewColumn: column, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    const panel = new EvaluationPanel(webviewPanel, this.extensionUri, options, this.deps, (message) => this.postedEmitter.fire({ evaluationId: grid.evaluationId, message }), () => this.panels.delete(grid.evaluationId));
    this.panels.set(grid.evaluationId, panel);
    return panel;
  }

  private fail(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.deps.log.error(`[evaluation] ${what}: ${err instanceof Error ? err.stack ?? message : message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab {0}: {1}', what, message));
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
    this.panels.clear();
    this.live.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.postedEmitter.dispose();
  }
}

interface PanelOptions {
  grid: EvaluationGrid;
  promptUri: vscode.Uri;
  promptName: string;
  promptPath: string;
  /** The run log folder; undefined when the prompt is outside every workspace folder (no comparison). */
  logDir: string | undefined;
  /** The evaluation runs in this window: its events come from the bus. */
  live: boolean;
  /** A live evaluation's throughput samples so far, shared by every panel opened on it (one opened again gets them all). */
  points?: ThroughputPointView[];
  /** The finished cells' views by run id, read from the log with the grid: the first webview gets them without a second read. */
  views?: Map<string, CellView>;
  /**
   * A live evaluation's first UTC day (`YYYY-MM-DD`): the runs its grid sees finish are in the log files of that day
   * and later (a run is written to the file of the day it started), so reading them skips the older files.
   */
  since?: string;
}

/** The views of an evaluation's cells read from the log (with `records`), by run id, each with its newest rating. */
function cellViewsOf(logged: LoggedEvaluation): Map<string, CellView> {
  const views = new Map<string, CellView>();
  for (const [key, cell] of logged.cells) {
    const run = logged.runs?.get(key);
    if (run) views.set(run.id, cellView(run, cell, logged.ratings?.get(run.id)));
  }
  return views;
}

/** The prompt file parsed, or undefined when it is gone or cannot be read. */
async function readPrompt(uri: vscode.Uri): Promise<PromptFile | undefined> {
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return loadCore().parsePromptDocument(uri.path, text).prompt ?? undefined;
  } catch {
    return undefined;
  }
}

/** The grid's rows from the prompt's test data, when it still has `rows` of them; else none (rows then come from the runs). */
async function testRows(prompt: PromptFile | undefined, folder: vscode.WorkspaceFolder, rows: number): Promise<readonly SourceRow[]> {
  if (!prompt?.testData) return [];
  const loaded = await loadCore().loadTestData(prompt, { fs: platform().fileSystem({ root: pathOf(folder.uri) }), workspaceFolder: pathOf(folder.uri) });
  if (loaded.rows.length !== rows) return [];
  return loaded.rows;
}

/** One evaluation's panel. */
export class EvaluationPanel implements vscode.Disposable {
  private ready = false;
  private readonly queue: EvaluationHostMessage[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** Every sample so far, for a webview that opens (or reloads) midway. */
  private readonly allPoints: ThroughputPointView[];
  private timer: ReturnType<typeof setInterval> | undefined;
  private dirty = false;
  private seq = 0;
  private rowsKnown: boolean;
  /** The webview has been sent everything so far (`evaluation/init` first): batches may follow. */
  private initialized = false;
  private readonly grid: EvaluationGrid;
  /** Runs whose rating this panel is saving (cell/rate). */
  private readonly rating = new Set<string>();

  constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly options: PanelOptions,
    private readonly deps: EvaluationPanelDeps,
    private readonly posted: (message: EvaluationHostMessage) => void,
    onDispose: () => void,
  ) {
    this.grid = options.grid;
    this.allPoints = options.points ?? [];
    this.rowsKnown = !options.live;
    panel.webview.html = renderHtml(panel.webview, extensionUri, 'evaluation', vscode.l10n.t('Evaluation: {0}', options.promptName));
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
    );
  }

  get evaluationId(): string {
    return this.grid.evaluationId;
  }

  /** What the panel shows: its grid, prompt and log folder. */
  get shown(): PanelOptions {
    return this.options;
  }

  get viewColumn(): vscode.ViewColumn | undefined {
    return this.panel.viewColumn;
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  /** The live panel's rows are loaded: the webview may be told everything so far. */
  rowsReady(): void {
    this.rowsKnown = true;
    if (this.ready) this.sendAll();
  }

  /** One core event of this evaluation. */
  apply(event: Parameters<EvaluationGrid['apply']>[0]): void {
    if (!this.grid.apply(event)) return;
    this.dirty = true;
    if (event.type === 'finished') {
      this.flush(true);
      this.stopTimer();
      return;
    }
    if (this.initialized) this.timer ??= setInterval(() => this.flush(false), LIVE_BATCH_MS);
  }

  /** A rating saved elsewhere (the run panel, Rate Last Run) of a run in this grid. */
  ratedElsewhere(runId: string, thumb: 'up' | 'down' | undefined): void {
    // A rating this panel asked for is answered by its own `evaluation/rated`.
    if (this.rating.has(runId)) return;
    if (this.grid.rated(runId, thumb)) this.post({ method: 'evaluation/rated', params: { runId, ...(thumb ? { thumb } : {}) } });
  }

  /** Write the rows the webview shows (test indexes in order) as CSV or JSONL to `uri`. */
  async exportTo(uri: vscode.Uri, format: 'csv' | 'jsonl', rows: readonly number[]): Promise<void> {
    // Whole outputs: the log's run lines (the grid keeps no outputs).
    const records = new Map<string, RunRecord>();
    if (this.options.logDir !== undefined) {
      const logged = await loadCore().readLoggedEvaluation(platform().fileSystem(), this.options.logDir, this.grid.evaluationId, this.options.since, { records: true });
      for (const run of logged.runs?.values() ?? []) records.set(run.id, run);
    }
    const text = loadCore().exportGrid(format, {
      inputNames: this.grid.inputNames, deployments: this.grid.deployments, evaluators: this.grid.evaluators, rows: this.grid.exportRows(rows, records),
    });
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  }

  private flush(final: boolean): void {
    if (!this.initialized || !this.dirty) return;
    this.dirty = false;
    // Rows the test data did not give (it changed or could not be read): from the runs' inputs, at the end.
    const added = final ? this.grid.fillRowsFromRuns() : [];
    if (added.length) this.post({ method: 'evaluation/rows', params: { rows: added } });
    const { cells, deltas } = this.grid.takeBatch();
    if (cells.length || deltas.length) this.post({ method: 'evaluation/cells', params: { seq: ++this.seq, cells, deltas } });
    const fresh = this.grid.takePoints();
    if (fresh.length) this.post({ method: 'evaluation/throughput', params: { points: fresh } });
    this.allPoints.push(...fresh);
    const totals = this.grid.takeTotals(final);
    if (totals) this.post({ method: 'evaluation/totals', params: { deployments: totals, status: this.grid.status } });
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Everything so far, to a webview that has just said ready. */
  private sendAll(): void {
    const grid = this.grid;
    this.initialized = false;
    void Promise.all([this.previous(), this.finishedViews()]).then(([previous, views]) => {
      this.post({ method: 'evaluation/init', params: {
        evaluationId: grid.evaluationId, promptName: this.options.promptName, promptPath: this.options.promptPath, deployments: [...grid.deployments],
        evaluators: [...grid.evaluators], inputNames: [...grid.inputNames], rowCount: grid.rowCount, status: grid.status, previous,
      } });
      for (let i = 0; i < grid.rowCount; i += CHUNK) this.post({ method: 'evaluation/rows', params: { rows: grid.rowsAt(i, i + CHUNK) } });
      const cells = grid.allCells(views);
      for (let i = 0; i < cells.length; i += CHUNK) this.post({ method: 'evaluation/cells', params: { seq: ++this.seq, cells: cells.slice(i, i + CHUNK), deltas: [] } });
      this.allPoints.push(...grid.takePoints());
      if (this.allPoints.length) this.post({ method: 'evaluation/throughput', params: { points: [...this.allPoints] } });
      this.post({ method: 'evaluation/totals', params: { deployments: grid.takeTotals(true) ?? grid.totals(), status: grid.status } });
      this.initialized = true;
      this.dirty = false;
      if (grid.status.state === 'running') this.timer ??= setInterval(() => this.flush(false), LIVE_BATCH_MS);
    }, (err: unknown) => this.deps.log.error(`[evaluation] could not read the log for the panel: ${String(err)}`));
  }

  /** The finished cells' views by run id, from the log (the grid keeps no outputs); the ones read with the grid, once. */
  private async finishedViews(): Promise<ReadonlyMap<string, CellView>> {
    const given = this.options.views;
    if (given) {
      delete this.options.views;
      return given;
    }
    if (this.options.logDir === undefined) return new Map();
    return cellViewsOf(await loadCore().readLoggedEvaluation(platform().fileSystem(), this.options.logDir, this.grid.evaluationId, this.options.since, { records: true }));
  }

  /** A finished cell's run line, read from the log; undefined when the cell has not finished or its line is not there. */
  private async runRecord(runId: string): Promise<RunRecord | undefined> {
    const result = this.grid.result(runId);
    if (!result || this.options.logDir === undefined) return undefined;
    const fs = platform().fileSystem();
    const core = loadCore();
    const day = Number.isFinite(result.startedAtMs) ? new Date(result.startedAtMs).toISOString().slice(0, 10) : undefined;
    return (day !== undefined ? await core.readLoggedRun(fs, this.options.logDir, runId, day) : undefined) ?? await core.readLoggedRun(fs, this.options.logDir, runId);
  }

  /** Earlier evaluations of the same prompt, newest first. */
  private async previous(): Promise<EvaluationChoiceView[]> {
    if (this.options.logDir === undefined) return [];
    const records = await loadCore().listEvaluationRecords(platform().fileSystem(), this.options.logDir, this.options.promptPath);
    return records.filter((r) => r.id !== this.grid.evaluationId).map(choiceOf);
  }

  private async compare(evaluationId: string | null): Promise<void> {
    if (evaluationId === null || this.options.logDir === undefined) {
      this.post({ method: 'evaluation/compare', params: { against: null, cells: [], totals: {} } });
      return;
    }
    const core = loadCore();
    const fs = platform().fileSystem();
    const logged = await core.readLoggedEvaluation(fs, this.options.logDir, evaluationId);
    const record = logged.records.at(-1);
    const cells: [number, string, 'passed' | 'failed' | 'error' | 'cancelled'][] = [...logged.cells.values()].map((c) => [c.testIndex, c.deployment, c.outcome]);
    const deployments = record ? Object.keys(record.deployments) : [...new Set([...logged.cells.values()].map((c) => c.deployment))];
    const summary = record?.deployments ?? core.summarize(logged.cells.values(), Math.max(0, ...[...logged.cells.values()].map((c) => c.testIndex + 1)), deployments);
    const totals: Record<string, { passRate: number | null; meanScore: number | null }> = {};
    for (const [k, s] of Object.entries(summary)) totals[k] = { passRate: s.passRate, meanScore: s.meanScore };
    const against: EvaluationChoiceView = record ? choiceOf(record) : { evaluationId, startedAt: '', status: 'cancelled', deployments, rows: 0 };
    this.post({ method: 'evaluation/compare', params: { against, cells, totals } });
  }

  private post(message: EvaluationHostMessage): void {
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    this.posted(message);
    void this.panel.webview.postMessage(message);
  }

  private receive(message: unknown): void {
    if (!isEvaluationWebviewMessage(message)) return;
    this.handleMessage(message).catch((err: unknown) => {
      const text = err instanceof Error ? err.message : String(err);
      this.deps.log.error(`[evaluation] ${message.method}: ${text}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab: {0}', text));
    });
  }

  /**
   * Act on a message of the webview (posted by it, or given by an integration test the way it would post it).
   * @throws an Error with a sentence when the action fails (opening a running cell, a failed export or command).
   */
  async handleMessage(message: EvaluationWebviewMessage): Promise<void> {
    switch (message.method) {
      case 'ready':
        this.ready = true;
        for (const queued of this.queue.splice(0)) this.post(queued);
        if (this.rowsKnown) this.sendAll();
        return;
      case 'cell/open': {
        const record = await this.runRecord(message.params.runId);
        if (!record) {
          throw new Error(this.grid.result(message.params.runId)
            ? 'this cell\'s run line is not in the run log (was it moved or deleted?).'
            : 'this cell\'s run has not finished yet: open it when it has.');
        }
        const thumb = this.grid.thumb(message.params.runId);
        this.deps.runsCommands.showRun(this.options.promptUri, record, thumb ? { thumb } : undefined);
        return;
      }
      case 'cell/rate': {
        const { requestId, runId, thumb } = message.params;
        this.rating.add(runId);
        try {
          const saved = await this.deps.runs.rate(this.options.promptUri, runId, { thumb });
          this.grid.rated(runId, saved.thumb);
          this.post({ method: 'evaluation/rated', params: { requestId, runId, ...(saved.thumb ? { thumb: saved.thumb } : {}) } });
        } catch (err) {
          this.post({ method: 'evaluation/rated', params: { requestId, runId, message: err instanceof Error ? err.message : String(err) } });
        } finally {
          this.rating.delete(runId);
        }
        return;
      }
      case 'cell/addToTestData':
        await vscode.commands.executeCommand('promptLab.addToTestData', message.params.runId);
        return;
      case 'export': {
        const { format, rows } = message.params;
        const folder = vscode.workspace.getWorkspaceFolder(this.options.promptUri);
        const name = `${path.posix.basename(this.options.promptPath).replace(/\.prompt\.(json|ya?ml)$/, '')}-evaluation.${format}`;
        const uri = await vscode.window.showSaveDialog({
          title: vscode.l10n.t('Export the evaluation grid'),
          defaultUri: vscode.Uri.joinPath(folder?.uri ?? platform().uriOf(path.dirname(pathOf(this.options.promptUri))), name),
          filters: format === 'csv' ? { CSV: ['csv'] } : { 'JSON Lines': ['jsonl'] },
        });
        if (!uri) return;
        await this.exportTo(uri, format, rows);
        void vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} rows to {1}.', rows.length, vscode.workspace.asRelativePath(uri)));
        return;
      }
      case 'compare':
        await this.compare(message.params.evaluationId);
        return;
      case 'evaluation/applied':
        this.appliedEmitter.fire(message.params);
        return;
    }
  }

  private readonly appliedEmitter = new vscode.EventEmitter<{ seq: number; renderedRows: number }>();
  /** The webview drew batch `seq` (tests and benchmarks wait on it). */
  readonly onDidApply = this.appliedEmitter.event;

  dispose(): void {
    this.stopTimer();
    this.appliedEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
