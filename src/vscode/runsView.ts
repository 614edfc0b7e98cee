/**
 * The Runs view (`promptLab.runs` in the Prompt Lab view container): prompt files → their logged runs, newest first,
 * each with its newest rating. The history is the core's `readHistory` (summaries, streamed) of every workspace
 * folder's log directory, read when the view first asks and again, debounced, when a log file changes (a run or a
 * rating in this window, another window, a `git pull`). A filter (prompt, deployment, status, rating) narrows it.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { HistoryEntry, HistoryFilter, HistoryReader } from '../core/log/history';
import type { RatingRecord } from '../core/log/runLog';
import type { RatingView } from '../protocol/runPanel';
import { readSettings } from './config';
import { nodeFileSystem } from '../node/fileSystem';
import { loadCore } from './core';
import { FolderWatcher } from './folderWatcher';
import type { RunController } from './runController';

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
}

export interface PromptNode {
  kind: 'prompt';
  id: string;
  folder: vscode.WorkspaceFolder;
  /** Workspace-relative path of the prompt file, as logged. */
  prompt: string;
  /**
   * The nodes of its runs, newest first: made when first asked for (VS Code asks for an expanded prompt's children),
   * so that a read of a large log makes none for the prompts nobody opened.
   */
  readonly runs: RunNode[];
  /** How many runs it has (`runs.length`, without making the nodes). */
  readonly count: number;
}

export interface RunNode {
  kind: 'run';
  id: string;
  folder: vscode.WorkspaceFolder;
  entry: HistoryEntry;
  parent: PromptNode;
}

export type RunsNode = PromptNode | RunNode;

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
  /** The run nodes of each prompt's entries, kept while the reader keeps that list (an unchanged prompt's). */
  private readonly nodesOf = new WeakMap<readonly HistoryEntry[], RunNode[]>();
  private readonly promptNodes = new Map<string, LazyPromptNode>();
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
  private readonly disposables: vscode.Disposable[] = [];
  /** The lines the history skips, one warning each; each distinct one is logged once. */
  warnings: string[] = [];
  private readonly logged = new Set<string>();

  constructor(runs: RunController, private readonly log: vscode.LogOutputChannel) {
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
    this.watch();
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
    return node.kind === 'prompt' ? promptItem(node, (vscode.workspace.workspaceFolders?.length ?? 0) > 1) : runItem(node);
  }

  getChildren(node?: RunsNode): vscode.ProviderResult<RunsNode[]> {
    if (node) return node.kind === 'prompt' ? node.runs : [];
    const t0 = performance.now();
    this.roots ??= this.buildRoots(this.firstAvailable());
    return this.roots.then((roots) => {
      this.rootsReturned.fire({ ms: performance.now() - t0, roots: roots.length, runs: roots.reduce((n, r) => n + r.count, 0) });
      return roots;
    }, (err: unknown) => {
      this.log.error(`[runs] could not read the run log: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      void vscode.window.showErrorMessage(`Prompt Lab could not read the run log: ${err instanceof Error ? err.message : String(err)}`, 'Show Log')
        .then((choice) => choice && this.log.show());
      return [];
    });
  }

  getParent(node: RunsNode): RunsNode | undefined {
    return node.kind === 'run' ? node.parent : undefined;
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
    for (const { folder, runs, byPrompt } of await source) {
      const groups = filtered ? core.groupByPrompt(core.filterRuns(runs, this.currentFilter)) : byPrompt;
      for (const [prompt, entries] of groups) {
        const id = `prompt:${folder.uri.toString()}:${prompt}`;
        let parent = this.promptNodes.get(id);
        if (!parent) {
          parent = new LazyPromptNode(id, folder, prompt, (node, list) => this.runNodes(node, list));
          this.promptNodes.set(id, parent);
        }
        parent.entries = entries;
        roots.push(parent);
      }
    }
    return roots;
  }

  /** The nodes of a prompt's entries; an unchanged prompt keeps its list of entries between reads (HistoryReader), and so its nodes. */
  private runNodes(parent: PromptNode, entries: readonly HistoryEntry[]): RunNode[] {
    let nodes = this.nodesOf.get(entries);
    if (!nodes) {
      nodes = entries.map((entry) => this.runNode(parent, entry));
      this.nodesOf.set(entries, nodes);
    }
    return nodes;
  }

  /** The node of `entry` under `parent`: the same node (and id) for the same run line from one read to the next. */
  private runNode(parent: PromptNode, entry: HistoryEntry): RunNode {
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
        this.refreshed.fire({ startedAt, runs: folders.reduce((n, f) => n + f.runs.length, 0) });
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
        reader = new core.HistoryReader(nodeFileSystem(), logDir);
        this.readers.set(logDir, reader);
      }
      const partial = workspaceFolders.length === 1 && onPartial
        ? (p: { runs: HistoryEntry[]; byPrompt: Map<string, HistoryEntry[]> }) => onPartial([{ folder, logDir, runs: p.runs, byPrompt: p.byPrompt }])
        : undefined;
      const history = await reader.read(partial as Parameters<HistoryReader['read']>[0]);
      return { folder, logDir, runs: history.runs as HistoryEntry[], byPrompt: history.byPrompt as Map<string, HistoryEntry[]> };
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
   * One watcher per workspace folder on `<log dir>/*.jsonl`; called again when the folders or the setting change.
   * It watches the folder itself rather than through `createFileSystemWatcher`, which misses a log folder made or
   * re-made while VS Code runs (see FolderWatcher); the log is on local disk, read with Node's `fs`, either way.
   */
  private watch(): void {
    for (const d of this.watchers.splice(0)) d.dispose();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      this.watchers.push(new FolderWatcher(logDirOf(folder), () => this.refresh(), (name) => name.endsWith('.jsonl')));
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
    private readonly nodesOf: (node: PromptNode, entries: readonly HistoryEntry[]) => RunNode[]) {}

  get runs(): RunNode[] {
    return this.nodesOf(this, this.entries);
  }

  get count(): number {
    return this.entries.length;
  }
}

/** Absolute log directory of a workspace folder (`promptLab.log.directory`). */
export function logDirOf(folder: vscode.WorkspaceFolder): string {
  return path.resolve(folder.uri.fsPath, readSettings(folder.uri).logDirectory);
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
  if (rating.score !== undefined) parts.push(`score ${rating.score}`);
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
    run.usage ? `${run.usage.totalTokens} tokens` : '', run.costUsd !== undefined ? costText(run.costUsd) : '',
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
  if (filter.rating !== undefined) parts.push({ up: '👍', down: '👎', rated: 'rated', unrated: 'unrated' }[filter.rating]);
  if (filter.property !== undefined) parts.push(filter.property);
  return `Filter: ${parts.join(', ')}`;
}

function promptItem(node: PromptNode, multiRoot: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(node.prompt, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.resourceUri = promptUriOf(node.folder, node.prompt);
  item.iconPath = vscode.ThemeIcon.File;
  item.description = `${node.count} ${node.count === 1 ? 'run' : 'runs'}${multiRoot ? ` · ${node.folder.name}` : ''}`;
  item.contextValue = 'promptLab.prompt';
  item.tooltip = `${node.prompt}: ${item.description}`;
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
  item.command = { command: 'promptLab.openRun', title: 'Open Run', arguments: [node] };
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown('**').appendText(`${run.prompt} · ${run.status}`).appendMarkdown('**\n\n');
  const facts: [string, string | undefined][] = [
    ['Started', new Date(run.timing.startedAt).toLocaleString()],
    ['Deployment', `${run.deployment}${run.variant && run.variant !== 'default' ? ` · variant ${run.variant}` : ''} (${run.provider}, ${run.model})`],
    ['Requested model', run.requestModel !== undefined && run.requestModel !== run.model ? run.requestModel : undefined],
    ['Context', run.context ? Object.entries(run.context).map(([k, v]) => `${k}=${v}`).join(', ') : undefined],
    ['Request rules', run.requestRules?.length ? run.requestRules.join(', ') : undefined],
    ['Tokens', run.usage ? `${run.usage.promptTokens} prompt + ${run.usage.completionTokens} completion` : undefined],
    ['Latency', `${Math.round(run.timing.latencyMs)} ms${run.timing.ttftMs !== null ? `, first token ${Math.round(run.timing.ttftMs)} ms` : ''}`],
    ['Cost', run.costUsd !== undefined ? costText(run.costUsd) : undefined],
    ['Rating', rating ? `${ratingText(rating)}${rating.comment ? `: ${rating.comment}` : ''}` : undefined],
    ['Tags', run.tags?.length ? run.tags.join(', ') : undefined],
    ['Chain', run.chainId],
    ['Chat', run.chatId],
    ['Error', run.error?.message],
    ['Run id', run.id],
  ];
  for (const [key, value] of Object.entries(node.entry.annotations ?? {})) facts.push([key === 'note' ? 'Note' : `Property ${key}`, value]);
  for (const [name, value] of facts) if (value !== undefined) tooltip.appendMarkdown(`${name}: `).appendText(value).appendMarkdown('  \n');
  if (node.entry.run.outputPreview) tooltip.appendCodeblock(node.entry.run.outputPreview, 'text');
  item.tooltip = tooltip;
  return item;
}
