/**
 * The Runs view (`promptLab.runs` in the Prompt Lab view container): prompt files → their logged runs, newest first,
 * each with its newest rating. The history is the core's `readHistory` (summaries, streamed) of every workspace
 * folder's log directory, read when the view first asks and again, debounced, when a log file changes (a run or a
 * rating in this window, another window, a `git pull`). A filter (prompt, deployment, status, rating) narrows it.
 * An evaluation's cells are grouped under one node per evaluation (its pass rate and status); its judges' runs are
 * not listed (they belong to the cells they judged).
 */
import { path, pathOf, platform } from './platform';
import * as vscode from 'vscode';
import type { HistoryEntry, HistoryFilter, HistoryReader } from '../core/log/history';
import type { EvaluationRecord, RatingRecord } from '../core/log/runLog';
import type { RatingView } from '../protocol/runPanel';
import { readSettings } from './config';
import { loadCore } from './core';
import type { RunController } from './runController';
import type { EvaluationBus } from './evaluation/evaluationBus';

export const RUNS_VIEW_ID = 'promptLab.runs';
/** Context key: a filter is active (shows "Clear Filter" and the "no match" welcome). */
const FILTERED_CONTEXT = 'promptLab.runsFiltered';
/** Log file changes closer together than this are read once. */
const REFRESH_DEBOUNCE_MS = 200;

/** One workspace folder's history. */
export interface FolderHistory {
  folder: vscode.WorkspaceFolder;
  logDir: string;
  /** Newest first. */
  runs: HistoryEntry[];
  /** The same runs by prompt path, in the order of each prompt's newest run (the reader's grouping). */
  byPrompt: Map<string, HistoryEntry[]>;
  /** The newest evaluation line of each evaluation id. */
  evaluations: Map<string, EvaluationRecord>;
}

export interface PromptNode {
  kind: 'prompt';
  id: string;
  folder: vscode.WorkspaceFolder;
  /** Workspace-relative path of the prompt file, as logged. */
  prompt: string;
  /**
   * Its runs that belong to no evaluation, newest first. The nodes under a prompt are made when first asked for (VS
   * Code asks for an expanded prompt's children), so that a read of a large log makes none for the prompts nobody opened.
   */
  readonly runs: RunNode[];
  /** Its evaluations, in the order of their newest cell. */
  readonly evaluations: EvaluationNode[];
  /** What the tree shows under it: runs and evaluations, newest first. */
  readonly children: (RunNode | EvaluationNode)[];
  /** How many entries (runs, cells and judge runs) it has, without making the nodes. */
  readonly count: number;
  /** How many runs outside evaluations, and how many evaluations, without making the nodes. */
  readonly counts: PromptCounts;
}

/** A prompt's figures for its tree item, counted without making nodes. */
export interface PromptCounts {
  runs: number;
  evaluations: number;
}

/** An evaluation of a prompt: its cells' runs (judge runs left out), with its newest evaluation line when there is one. */
export interface EvaluationNode {
  kind: 'evaluation';
  id: string;
  folder: vscode.WorkspaceFolder;
  evaluationId: string;
  parent: PromptNode;
  /** Its cells' runs, newest first (a resumed cell shows each of its runs). */
  cells: RunNode[];
  /** Its newest `event: "evaluation"` line; undefined while it runs or when it never ended (window closed). */
  record?: EvaluationRecord;
}

export interface RunNode {
  kind: 'run';
  id: string;
  folder: vscode.WorkspaceFolder;
  entry: HistoryEntry;
  parent: PromptNode | EvaluationNode;
}

export type RunsNode = PromptNode | EvaluationNode | RunNode;

/** What a prompt's entries become in the tree, kept while the reader keeps the list (see RunsView.nodesOf). */
interface PromptChildren {
  runs: RunNode[];
  children: (RunNode | EvaluationNode)[];
  /** Each evaluation node with its cells as built from this list. */
  cells: [EvaluationNode, RunNode[]][];
}

/** A refresh: when its read started (performance.now()) and what it read. */
export interface RefreshEvent {
  startedAt: number;
  /** Runs in every folder's history after the read. */
  runs: number;
}

/** Reported each time the view hands VS Code its root elements: the first paint's figures. */
export interface RootsReturnedEvent {
  /** From the getChildren call to its result, ms (reading the log included when it was not read yet). */
  ms: number;
  roots: number;
  runs: number;
}

export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  readonly treeView: vscode.TreeView<RunsNode>;
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly refreshed = new vscode.EventEmitter<RefreshEvent>();
  /** Fires after the log was read again because it changed and the tree was told. */
  readonly onDidRefresh = this.refreshed.event;
  /** The nodes of each prompt's entries, kept while the reader keeps that list (an unchanged prompt's). */
  private readonly nodesOf = new WeakMap<readonly HistoryEntry[], PromptChildren>();
  private readonly promptNodes = new Map<string, LazyPromptNode>();
  /** The counts of each prompt's entries, kept like its nodes. */
  private readonly countsOf = new WeakMap<readonly HistoryEntry[], PromptCounts>();
  /** The newest evaluation line of each evaluation, from the last read. */
  private evaluationRecords = new Map<string, EvaluationRecord>();
  private readonly evaluationNodes = new Map<string, EvaluationNode>();
  private readonly usedIds = new Set<string>();
  private readonly rootsReturned = new vscode.EventEmitter<RootsReturnedEvent>();
  readonly onDidReturnRoots = this.rootsReturned.event;

  private snapshot: Promise<FolderHistory[]> | undefined;
  /** The first part of a large log, newest files first, while the rest is read (see HistoryReader.read). */
  private partial: Promise<FolderHistory[] | undefined> | undefined;
  private roots: Promise<PromptNode[]> | undefined;
  /** One reader per log folder: a read after a change reads only what was appended. */
  private readonly readers = new Map<string, HistoryReader>();
  private currentFilter: HistoryFilter = {};
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A change arrived while the view was hidden: read again when it shows. */
  private stale = false;
  private watchers: vscode.Disposable[] = [];
  /** Whether the log folders are watched: from the first read on (see reload). */
  private watching = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** The lines the history skips, one warning each; each distinct one is logged once. */
  warnings: string[] = [];
  private readonly logged = new Set<string>();

  constructor(runs: RunController, private readonly log: vscode.LogOutputChannel, private readonly evaluationBus?: EvaluationBus) {
    this.treeView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this, canSelectMany: true, showCollapseAll: true });
    this.disposables.push(
      this.treeView,
      runs.onDidFinishRun(() => this.refresh()),
      runs.onDidRate(() => this.refresh()),
      runs.onDidAnnotate(() => this.refresh()),
      this.treeView.onDidChangeVisibility(({ visible }) => {
        if (visible && this.stale) this.refresh();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('promptLab.log.directory')) this.watch();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.watch()),
    );
    // No watcher yet: until the log is first read a change has nothing to refresh (see refresh), so the first read
    // starts watching, and activation neither reads the setting nor arms a watcher for a view nobody opened.
    // An evaluation's node says "running" while it runs in this window.
    if (evaluationBus) {
      this.disposables.push(
        evaluationBus.onDidStart(() => this.refresh()),
        evaluationBus.onDidEvent(({ event }) => {
          if (event.type === 'finished') this.refresh();
        }),
      );
    }
  }

  /** The active filter (a copy). */
  get filter(): HistoryFilter {
    return { ...this.currentFilter };
  }

  /** Replace the filter; `{}` clears it. The view's description says what it keeps. */
  setFilter(filter: HistoryFilter): void {
    const kept: HistoryFilter = {};
    if (filter.prompt !== undefined) kept.prompt = filter.prompt;
    if (filter.deployment !== undefined) kept.deployment = filter.deployment;
    if (filter.status !== undefined) kept.status = filter.status;
    if (filter.rating !== undefined) kept.rating = filter.rating;
    if (filter.property !== undefined) kept.property = filter.property;
    this.currentFilter = kept;
    const active = Object.keys(kept).length > 0;
    this.treeView.description = active ? describeFilter(kept) : '';
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT, active);
    this.roots = undefined;
    this.changed.fire(undefined);
  }

  /** Every folder's history as last read (read now when it was not yet, or is stale). */
  history(): Promise<FolderHistory[]> {
    if (this.snapshot && !this.stale) return this.snapshot;
    return this.reload(this.snapshot !== undefined);
  }

  /** The runs to show or export: all of them, or those the filter keeps; newest first within each folder. */
  async entries(filtered: boolean): Promise<{ folder: vscode.WorkspaceFolder; entry: HistoryEntry }[]> {
    const core = loadCore();
    return (await this.history()).flatMap(({ folder, runs }) =>
      (filtered ? core.filterRuns(runs, this.currentFilter) : runs).map((entry) => ({ folder, entry })));
  }

  /** Read the log again after `REFRESH_DEBOUNCE_MS`; while the view is hidden, only remember to. */
  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.snapshot && !this.stale) return; // nobody has looked yet: the first look reads it
      if (this.treeView.visible) void this.reload(true);
      else this.stale = true;
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Read the log again now (the view's Refresh button); resolves once the tree was told. */
  async reloadNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.reload(true);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'prompt') return promptItem(node, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
    if (node.kind === 'evaluation') return evaluationItem(node, this.evaluationBus?.running(node.evaluationId) !== undefined);
    return runItem(node);
  }

  getChildren(node?: RunsNode): vscode.ProviderResult<RunsNode[]> {
    if (node) return node.kind === 'prompt' ? node.children : node.kind === 'evaluation' ? node.cells : [];
    const t0 = performance.now();
    this.roots ??= this.buildRoots(this.firstAvailable());
    return this.roots.then((roots) => {
      this.rootsReturned.fire({ ms: performance.now() - t0, roots: roots.length, runs: roots.reduce((n, r) => n + r.count, 0) });
      return roots;
    }, (err: unknown) => {
      this.log.error(`[runs] could not read the run log: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab could not read the run log: {0}', err instanceof Error ? err.message : String(err)), vscode.l10n.t('Show Log'))
        .then((choice) => choice && this.log.show());
      return [];
    });
  }

  getParent(node: RunsNode): RunsNode | undefined {
    return node.kind === 'prompt' ? undefined : node.parent;
  }

  /**
   * What the tree can show first: the partial history of a large log when it comes before the whole (the tree is
   * told again when the whole is read), else the whole.
   */
  private firstAvailable(): Promise<FolderHistory[]> {
    const whole = this.history();
    const partial = this.partial;
    if (!partial) return whole;
    return Promise.race([whole, partial.then((p) => p ?? whole)]).then((first) => {
      if (first !== undefined && this.snapshot) {
        const snapshot = this.snapshot;
        void snapshot.then((all) => {
          if (all !== first && this.snapshot === snapshot) {
            this.roots = undefined;
            this.changed.fire(undefined);
          }
        }, () => undefined);
      }
      return first;
    });
  }

  private async buildRoots(source: Promise<FolderHistory[]>): Promise<PromptNode[]> {
    const core = loadCore();
    const roots: PromptNode[] = [];
    const filtered = Object.keys(this.currentFilter).length > 0;
    const records = new Map<string, EvaluationRecord>();
    for (const history of await source) {
      const { folder, byPrompt, evaluations } = history;
      for (const [id, record] of evaluations) records.set(id, record);
      // The list of every run only for a filter: unfiltered, the groups by prompt are all the tree needs, and reading
      // `runs` would have the reader build it.
      const groups = filtered ? core.groupByPrompt(core.filterRuns(history.runs, this.currentFilter)) : byPrompt;
      for (const [prompt, entries] of groups) {
        const id = `prompt:${folder.uri.toString()}:${prompt}`;
        let parent = this.promptNodes.get(id);
        if (!parent) {
          parent = new LazyPromptNode(id, folder, prompt, this);
          this.promptNodes.set(id, parent);
        }
        parent.entries = entries;
        const counts = this.promptCounts(entries);
        if (counts.runs + counts.evaluations > 0) roots.push(parent);
      }
    }
    this.evaluationRecords = records;
    return roots;
  }

  /**
   * A prompt's entries as tree nodes (see {@link promptChildren}); an unchanged prompt keeps its list of entries between
   * reads (HistoryReader), and so its nodes. Each evaluation node gets its cells and its newest evaluation line.
   * @internal for LazyPromptNode
   */
  childrenOf(parent: PromptNode, entries: readonly HistoryEntry[]): PromptChildren {
    let nodes = this.nodesOf.get(entries);
    if (!nodes) {
      nodes = this.promptChildren(parent, entries);
      this.nodesOf.set(entries, nodes);
    }
    for (const [evaluation, cells] of nodes.cells) {
      evaluation.cells = cells;
      const record = this.evaluationRecords.get(evaluation.evaluationId);
      if (record) evaluation.record = record;
      else delete evaluation.record;
    }
    return nodes;
  }

  /**
   * How many runs outside evaluations and how many evaluations (judge runs left out) `entries` hold: one pass, no nodes.
   * @internal for LazyPromptNode
   */
  promptCounts(entries: readonly HistoryEntry[]): PromptCounts {
    let counts = this.countsOf.get(entries);
    if (!counts) {
      const evaluations = new Set<string>();
      let runs = 0;
      for (const entry of entries) {
        const evaluationId = entry.run.evaluationId;
        if (evaluationId === undefined) runs++;
        else if (entry.run.source !== 'judge') evaluations.add(evaluationId);
      }
      counts = { runs, evaluations: evaluations.size };
      this.countsOf.set(entries, counts);
    }
    return counts;
  }

  /** A prompt's entries as tree nodes: runs, and one node per evaluation holding its cells (judge runs left out). */
  private promptChildren(parent: PromptNode, entries: readonly HistoryEntry[]): PromptChildren {
    const out: PromptChildren = { runs: [], children: [], cells: [] };
    const cellsOf = new Map<string, RunNode[]>();
    for (const entry of entries) {
      const evaluationId = entry.run.evaluationId;
      if (evaluationId === undefined) {
        const node = this.runNode(parent, entry);
        out.runs.push(node);
        out.children.push(node);
        continue;
      }
      if (entry.run.source === 'judge') continue;
      let cells = cellsOf.get(evaluationId);
      const evaluation = this.evaluationNode(parent, evaluationId);
      if (!cells) {
        cells = [];
        cellsOf.set(evaluationId, cells);
        out.cells.push([evaluation, cells]);
        out.children.push(evaluation);
      }
      cells.push(this.runNode(evaluation, entry));
    }
    return out;
  }

  /** The node of evaluation `evaluationId` of `parent`'s prompt: the same node from one read to the next. */
  private evaluationNode(parent: PromptNode, evaluationId: string): EvaluationNode {
    const id = `evaluation:${parent.folder.uri.toString()}:${evaluationId}`;
    let node = this.evaluationNodes.get(id);
    if (!node || node.parent !== parent) {
      node = { kind: 'evaluation', id, folder: parent.folder, evaluationId, parent, cells: [] };
      this.evaluationNodes.set(id, node);
    }
    return node;
  }

  /** The node of `entry` under `parent`: the same node (and id) for the same run line from one read to the next. */
  private runNode(parent: PromptNode | EvaluationNode, entry: HistoryEntry): RunNode {
    const key = `${entry.file}:${entry.offset}`;
    const known = this.nodesByLine.get(key);
    if (known && known.entry.run.id === entry.run.id && known.parent === parent) {
      if (known.entry !== entry) known.entry = entry;
      return known;
    }
    // A line copied twice (a merge, a restored file) must not give two tree items one id.
    let id = `run:${entry.run.id}`;
    if (this.usedIds.has(id)) id = `${id}@${entry.file}:${entry.line}`;
    this.usedIds.add(id);
    const node: RunNode = { kind: 'run', id, folder: parent.folder, entry, parent };
    this.nodesByLine.set(key, node);
    return node;
  }

  /** Run nodes by `file:offset` of their line. */
  private readonly nodesByLine = new Map<string, RunNode>();

  /**
   * Start reading every folder's log; the result becomes the snapshot. With `notify`, once it is read (and no newer
   * read started meanwhile) the tree is told and `onDidRefresh` fires.
   */
  private reload(notify: boolean): Promise<FolderHistory[]> {
    // Watching before reading: a line appended once the read has listed the files is seen by the watcher.
    if (!this.watching) {
      this.watching = true;
      this.watch();
    }
    this.stale = false;
    this.roots = undefined;
    let resolvePartial: (p: FolderHistory[] | undefined) => void = () => undefined;
    this.partial = new Promise((resolve) => { resolvePartial = resolve; });
    const next = this.read(resolvePartial);
    void next.then(() => resolvePartial(undefined), () => resolvePartial(undefined));
    this.snapshot = next;
    // A large log takes a second or two: the view shows its progress bar meanwhile.
    void vscode.window.withProgress({ location: { viewId: RUNS_VIEW_ID } }, () => next.catch(() => undefined));
    if (notify) {
      const startedAt = performance.now();
      next.then((folders) => {
        if (this.snapshot !== next) return;
        this.changed.fire(undefined);
        this.refreshed.fire({ startedAt, runs: folders.reduce((n, f) => n + runCount(f), 0) });
      }, () => undefined);
    }
    return next;
  }

  /** Read every folder's log (only what changed since the last read); `onPartial` gets a single folder's first part. */
  private async read(onPartial?: (partial: FolderHistory[]) => void): Promise<FolderHistory[]> {
    const core = loadCore();
    const workspaceFolders = vscode.workspace.workspaceFolders ?? [];
    const logDirs = new Set(workspaceFolders.map(logDirOf));
    for (const dir of this.readers.keys()) if (!logDirs.has(dir)) this.readers.delete(dir);
    const folders = await Promise.all(workspaceFolders.map(async (folder) => {
      const logDir = logDirOf(folder);
      let reader = this.readers.get(logDir);
      if (!reader) {
        reader = new core.HistoryReader(platform().fileSystem(), logDir);
        this.readers.set(logDir, reader);
      }
      const partial = workspaceFolders.length === 1 && onPartial
        ? (p: { runs: HistoryEntry[]; byPrompt: Map<string, HistoryEntry[]>; evaluations: Map<string, EvaluationRecord> }) => onPartial([{ folder, logDir, runs: p.runs, byPrompt: p.byPrompt, evaluations: p.evaluations }])
        : undefined;
      const history = await reader.read(partial as Parameters<HistoryReader['read']>[0]);
      // `runs` only when asked for: after a refresh the reader builds the list of every run then (the tree needs only
      // the groups by prompt).
      return { folder, logDir, get runs() { return history.runs as HistoryEntry[]; }, byPrompt: history.byPrompt as Map<string, HistoryEntry[]>, evaluations: history.evaluations };
    }));
    // The skipped lines of the history as it is now, not only of what this read appended.
    const warnings = workspaceFolders.flatMap((folder) => this.readers.get(logDirOf(folder))?.warnings ?? []);
    this.warnings = warnings;
    for (const message of warnings) {
      if (this.logged.has(message)) continue;
      this.logged.add(message);
      this.log.warn(`[runs] ${message}`);
    }
    return folders;
  }

  /**
   * One watcher per workspace folder on `<log dir>/*.jsonl`, from the first read on; called again when the folders or
   * the setting change.
   * On the desktop it watches the folder itself rather than through `createFileSystemWatcher`, which misses a log
   * folder made or re-made while VS Code runs (see src/node/folderWatcher.ts); the web has only the latter.
   */
  private watch(): void {
    if (!this.watching) return;
    for (const d of this.watchers.splice(0)) d.dispose();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      this.watchers.push(platform().watchFolder(logDirOf(folder), () => this.refresh(), (name) => name.endsWith('.jsonl')));
    }
    if (this.snapshot) this.refresh();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of [...this.watchers.splice(0), ...this.disposables.splice(0)]) d.dispose();
    this.changed.dispose();
    this.refreshed.dispose();
    this.rootsReturned.dispose();
  }
}

/** A prompt's node: the same object from one read to the next, holding the prompt's entries of the last read. */
class LazyPromptNode implements PromptNode {
  readonly kind = 'prompt';
  /** The prompt's entries in the history the roots were built from, newest first. */
  entries: readonly HistoryEntry[] = [];

  constructor(readonly id: string, readonly folder: vscode.WorkspaceFolder, readonly prompt: string,
    private readonly view: Pick<RunsView, 'childrenOf' | 'promptCounts'>) {}

  get runs(): RunNode[] {
    return this.view.childrenOf(this, this.entries).runs;
  }

  get children(): (RunNode | EvaluationNode)[] {
    return this.view.childrenOf(this, this.entries).children;
  }

  get evaluations(): EvaluationNode[] {
    return this.view.childrenOf(this, this.entries).cells.map(([evaluation]) => evaluation);
  }

  get count(): number {
    return this.entries.length;
  }

  get counts(): PromptCounts {
    return this.view.promptCounts(this.entries);
  }
}

/** How many runs a folder's history holds, counted from its groups by prompt (which hold every run once). */
function runCount(history: FolderHistory): number {
  let n = 0;
  for (const entries of history.byPrompt.values()) n += entries.length;
  return n;
}

/** Absolute log directory of a workspace folder (`promptLab.log.directory`). */
export function logDirOf(folder: vscode.WorkspaceFolder): string {
  return path.resolve(pathOf(folder.uri), readSettings(folder.uri).logDirectory);
}

/** The prompt file a logged run ran. */
export function promptUriOf(folder: vscode.WorkspaceFolder, prompt: string): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, ...prompt.split('/'));
}

/** The prompt's name for titles: the file name without `.prompt.json`. */
export function promptTitle(prompt: string): string {
  return path.posix.basename(prompt).replace(/\.prompt\.json$/, '');
}

/** A run's start in local time, `YYYY-MM-DD HH:MM:SS`: the label of a run. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A rating as the description shows it: 👍 / 👎 and the score, or 💬 for a comment only. */
export function ratingText(rating: RatingRecord | undefined): string {
  if (!rating) return '';
  const parts: string[] = [];
  if (rating.thumb) parts.push(rating.thumb === 'up' ? '👍' : '👎');
  if (rating.score !== undefined) parts.push(vscode.l10n.t('score {0}', rating.score));
  if (parts.length === 0) parts.push('💬');
  return parts.join(' ');
}

/** A cost in USD: cents for a cent or more, else two significant digits. */
export function costText(usd: number): string {
  return usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${Number(usd.toPrecision(2))}`;
}

/** The description of a run: deployment · status · rating · tokens · cost (absent parts left out). */
export function runDescription(entry: HistoryEntry): string {
  const { run } = entry;
  return [
    run.variant && run.variant !== 'default' ? `${run.deployment} · ${run.variant}` : run.deployment, run.status, ratingText(entry.rating),
    run.usage ? vscode.l10n.t('{0} tokens', run.usage.totalTokens) : '', run.costUsd !== undefined ? costText(run.costUsd) : '',
  ].filter((p) => p !== '').join(' · ');
}

/** The rating as the panel takes it. */
export function ratingView(rating: RatingRecord | undefined): RatingView | undefined {
  if (!rating) return undefined;
  const { event: _event, runId: _runId, ...view } = rating;
  return view;
}

function describeFilter(filter: HistoryFilter): string {
  const parts: string[] = [];
  if (filter.prompt !== undefined) parts.push(promptTitle(filter.prompt));
  if (filter.deployment !== undefined) parts.push(filter.deployment);
  if (filter.status !== undefined) parts.push(filter.status);
  if (filter.rating !== undefined) parts.push({ up: '👍', down: '👎', rated: vscode.l10n.t('rated'), unrated: vscode.l10n.t('unrated') }[filter.rating]);
  if (filter.property !== undefined) parts.push(filter.property);
  return vscode.l10n.t('Filter: {0}', parts.join(', '));
}

function promptItem(node: PromptNode, multiRoot: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(node.prompt, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.resourceUri = promptUriOf(node.folder, node.prompt);
  item.iconPath = vscode.ThemeIcon.File;
  const counts = node.counts;
  const evaluations = counts.evaluations > 0 ? ` · ${counts.evaluations === 1 ? vscode.l10n.t('1 evaluation') : vscode.l10n.t('{0} evaluations', counts.evaluations)}` : '';
  item.description = `${counts.runs === 1 ? vscode.l10n.t('1 run') : vscode.l10n.t('{0} runs', counts.runs)}${evaluations}${multiRoot ? ` · ${node.folder.name}` : ''}`;
  item.contextValue = 'promptLab.prompt';
  item.tooltip = `${node.prompt}: ${item.description}`;
  return item;
}

/**
 * An evaluation's pass rate (passed / finished cells, 0..1, null when none finished) and cells: from its newest
 * evaluation line when it has one and is not running, else counted from its cells (the newest run of each).
 */
export function evaluationFigures(node: EvaluationNode, running: boolean): { passRate: number | null; passed: number; finished: number; cells: number } {
  if (node.record && !running) {
    let passed = 0;
    let finished = 0;
    let cells = 0;
    for (const d of Object.values(node.record.deployments)) {
      passed += d.passed;
      finished += d.passed + d.failed + d.errors;
      cells += d.rows;
    }
    return { passRate: finished > 0 ? passed / finished : null, passed, finished, cells };
  }
  const seen = new Set<string>();
  let passed = 0;
  let finished = 0;
  for (const { entry: { run } } of node.cells) {
    const key = `${run.testIndex ?? -1}\u0000${run.deployment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (run.status === 'cancelled' || (run.evaluations ?? []).some((e) => e.error === 'cancelled')) continue;
    finished++;
    if (run.status === 'ok' && (run.evaluations ?? []).every((e) => e.passed && e.error === undefined)) passed++;
  }
  return { passRate: finished > 0 ? passed / finished : null, passed, finished, cells: seen.size };
}

function evaluationItem(node: EvaluationNode, running: boolean): vscode.TreeItem {
  const newest = node.cells[0]?.entry.run.timing.startedAt;
  const startedAt = node.record?.startedAt ?? node.cells.at(-1)?.entry.run.timing.startedAt ?? newest;
  const item = new vscode.TreeItem(vscode.l10n.t('Evaluation {0}', startedAt ? localTime(startedAt) : node.evaluationId), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  const status = running ? 'running' : node.record ? node.record.status : 'unfinished';
  const figures = evaluationFigures(node, running);
  const rate = figures.passRate === null ? '–' : `${Math.round(figures.passRate * 100)}%`;
  item.description = vscode.l10n.t('{0} passed · {1} · {2} cells', rate, status, figures.cells);
  item.iconPath = running ? new vscode.ThemeIcon('loading~spin')
    : status === 'complete' ? new vscode.ThemeIcon('checklist', new vscode.ThemeColor(figures.passed === figures.finished ? 'testing.iconPassed' : 'testing.iconFailed'))
    : new vscode.ThemeIcon('debug-pause');
  item.contextValue = running ? 'promptLab.evaluation.running' : 'promptLab.evaluation';
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown('**').appendText(vscode.l10n.t('{0} · evaluation {1}', node.parent.prompt, status)).appendMarkdown('**\n\n');
  for (const [key, d] of Object.entries(node.record?.deployments ?? {})) {
    tooltip.appendText(vscode.l10n.t('{0}: {1} passed ({2} passed, {3} failed, {4} errors, {5} not run)', key, d.passRate === null ? '–' : `${Math.round(d.passRate * 100)}%`, d.passed, d.failed, d.errors, d.cancelled)).appendMarkdown('  \n');
  }
  tooltip.appendText(vscode.l10n.t('Evaluation id: {0}', node.evaluationId));
  item.tooltip = tooltip;
  return item;
}

const STATUS_ICONS: Record<string, vscode.ThemeIcon> = {
  ok: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  cancelled: new vscode.ThemeIcon('circle-slash'),
};

function runItem(node: RunNode): vscode.TreeItem {
  const { run, rating } = node.entry;
  const item = new vscode.TreeItem(localTime(run.timing.startedAt), vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = runDescription(node.entry);
  item.iconPath = STATUS_ICONS[run.status] ?? new vscode.ThemeIcon('circle-outline');
  item.contextValue = 'promptLab.run';
  item.command = { command: 'promptLab.openRun', title: vscode.l10n.t('Open Run'), arguments: [node] };
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown('**').appendText(`${run.prompt} · ${run.status}`).appendMarkdown('**\n\n');
  const facts: [string, string | undefined][] = [
    [vscode.l10n.t('Started'), new Date(run.timing.startedAt).toLocaleString()],
    [vscode.l10n.t('Deployment'), `${run.deployment}${run.variant && run.variant !== 'default' ? ` · ${vscode.l10n.t('variant {0}', run.variant)}` : ''} (${run.provider}, ${run.model})`],
    [vscode.l10n.t('Requested model'), run.requestModel !== undefined && run.requestModel !== run.model ? run.requestModel : undefined],
    [vscode.l10n.t('Context'), run.context ? Object.entries(run.context).map(([k, v]) => `${k}=${v}`).join(', ') : undefined],
    [vscode.l10n.t('Request rules'), run.requestRules?.length ? run.requestRules.join(', ') : undefined],
    [vscode.l10n.t('Tokens'), run.usage ? vscode.l10n.t('{0} prompt + {1} completion', run.usage.promptTokens, run.usage.completionTokens) : undefined],
    [vscode.l10n.t('Latency'), run.timing.ttftMs !== null
      ? vscode.l10n.t('{0} ms, first token {1} ms', Math.round(run.timing.latencyMs), Math.round(run.timing.ttftMs))
      : vscode.l10n.t('{0} ms', Math.round(run.timing.latencyMs))],
    [vscode.l10n.t('Cost'), run.costUsd !== undefined ? costText(run.costUsd) : undefined],
    [vscode.l10n.t('Rating'), rating ? `${ratingText(rating)}${rating.comment ? `: ${rating.comment}` : ''}` : undefined],
    [vscode.l10n.t('Tags'), run.tags?.length ? run.tags.join(', ') : undefined],
    [vscode.l10n.t('Chain'), run.chainId],
    [vscode.l10n.t('Chat'), run.chatId],
    [vscode.l10n.t('Error'), run.error?.message],
    [vscode.l10n.t('Run id'), run.id],
  ];
  for (const [key, value] of Object.entries(node.entry.annotations ?? {})) facts.push([key === 'note' ? vscode.l10n.t('Note') : vscode.l10n.t('Property {0}', key), value]);
  for (const [name, value] of facts) if (value !== undefined) tooltip.appendMarkdown(`${name}: `).appendText(value).appendMarkdown('  \n');
  if (node.entry.run.outputPreview) tooltip.appendCodeblock(node.entry.run.outputPreview, 'text');
  item.tooltip = tooltip;
  return item;
}
