/**
 * The commands of the Runs view: open a logged run in the panel, filter, compare two outputs, re-run with a run's
 * inputs, export, and rate the last run. Each takes plain arguments too (for scripts and tests) and then asks nothing.
 */
import { path, pathOf, platform } from './platform';
import * as vscode from 'vscode';
import type { DescribedError } from '../core/providers/errors';
import type { ExportFormat } from '../core/log/exportRuns';
import type { HistoryEntry, HistoryFilter } from '../core/log/history';
import type { RunOutcome } from '../core/run/run';
import type { RunRecord } from '../core/log/runLog';
import type { RatingView } from '../protocol/runPanel';
import { loadCore } from './core';
import type { RunController } from './runController';
import { runOutputUri } from './runDocuments';
import { type RunNode, type RunsView, localTime, promptTitle, promptUriOf, ratingView, runDescription } from './runsView';

/** Arguments of `promptLab.exportRuns` that skip its questions. */
export interface ExportArgs {
  format?: ExportFormat;
  /** All runs, or those the view's filter keeps. Default: the filter's when one is active. */
  scope?: 'all' | 'filter';
  /** Where to write; without it a save dialog asks. */
  uri?: vscode.Uri;
}

/**
 * Arguments of `promptLab.addRunNote` / `promptLab.setRunProperty` that skip their questions: which run (default: the
 * last run), the property's name (Set Run Property) and the value.
 */
export interface AnnotateArgs {
  runId?: string;
  key?: string;
  value?: string;
}

/** Arguments of `promptLab.rateLastRun` that skip its questions: the rating itself, and optionally which run. */
export type RateArgs = RatingView & { runId?: string };

interface Target {
  runId: string;
  promptUri: vscode.Uri;
}

const STATUSES: readonly RunRecord['status'][] = ['ok', 'error', 'cancelled'];
const RATINGS: readonly NonNullable<HistoryFilter['rating']>[] = ['up', 'down', 'rated', 'unrated'];
/** The label of a rating filter value, in the display language (a function: vscode.l10n is read when called). */
function ratingLabel(rating: NonNullable<HistoryFilter['rating']>): string {
  switch (rating) {
    case 'up': return `👍 ${vscode.l10n.t('Thumbs up')}`;
    case 'down': return `👎 ${vscode.l10n.t('Thumbs down')}`;
    case 'rated': return vscode.l10n.t('Rated');
    case 'unrated': return vscode.l10n.t('Not rated');
  }
}

/** An error's message, for a sentence that names it. */
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class RunsCommands implements vscode.Disposable {
  /** The newest run of this window, for Rate Last Run. */
  private last: Target | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunController, private readonly view: RunsView, private readonly log: vscode.LogOutputChannel) {
    this.subscription = runs.onDidFinishRun((e) => {
      this.last = { runId: e.record.id, promptUri: e.promptUri };
    });
  }

  /** Show a logged run in its prompt's panel: output, metrics and newest rating. */
  async openRun(node?: RunNode): Promise<void> {
    const target = node ?? this.selectedRun();
    if (!target) return;
    const core = loadCore();
    let record: RunRecord;
    try {
      record = await core.loadRun(platform().fileSystem(), target.entry);
    } catch (err) {
      this.fail(vscode.l10n.t('Prompt Lab could not read the run from the log: {0}', messageOf(err)), err);
      return;
    }
    this.showRun(promptUriOf(target.folder, record.prompt), record, ratingView(target.entry.rating), target.entry.annotations);
  }

  /**
   * Show a logged run in the panel of its prompt file `promptUri`, with its newest rating and its notes and properties
   * (Open Run, and a cell of the evaluation grid).
   */
  showRun(promptUri: vscode.Uri, record: RunRecord, rating?: RatingView, annotations?: Record<string, string>): void {
    const panel = this.runs.panels.panelFor(promptUri, promptTitle(record.prompt));
    if (annotations) this.runs.annotationsOf.set(record.id, { ...annotations });
    panel.showRecord(record, loadCore().finishedView(record, loggedError(record)), rating, annotations);
  }

  /**
   * Add a note to a run, or set one of its properties: the run of `target` (a Runs view item), the run `target.runId`, or
   * the newest run of this window (else the newest in the log). Asks for what `target` does not give.
   * @returns the run's notes and properties after it, or undefined when there is no run or the person cancelled.
   */
  async annotate(kind: 'note' | 'property', target?: RunNode | AnnotateArgs): Promise<Record<string, string> | undefined> {
    const node = target && (target as RunNode).kind === 'run' ? target as RunNode : undefined;
    const args = node || !target || target instanceof vscode.Uri ? undefined : target as AnnotateArgs;
    let run: Target | undefined;
    if (node) {
      run = { runId: node.entry.run.id, promptUri: promptUriOf(node.folder, node.entry.run.prompt) };
      if (node.entry.annotations && !this.runs.annotationsOf.has(run.runId)) this.runs.annotationsOf.set(run.runId, { ...node.entry.annotations });
    } else {
      run = args?.runId ? await this.findRun(args.runId) : this.last ?? await this.newestLogged();
    }
    if (!run) {
      const message = args?.runId ? vscode.l10n.t('There is no run {0} in the log.', args.runId) : vscode.l10n.t('There is no run to annotate yet: run a prompt first.');
      if (args) throw new Error(message);
      void vscode.window.showInformationMessage(message);
      return undefined;
    }
    if (!node && !this.runs.annotationsOf.has(run.runId)) {
      const entry = (await this.view.entries(false)).find((e) => e.entry.run.id === run.runId)?.entry;
      if (entry?.annotations) this.runs.annotationsOf.set(run.runId, { ...entry.annotations });
    }
    const given: { key?: string; value?: string } = {};
    if (args?.key !== undefined) given.key = args.key;
    if (args?.value !== undefined) given.value = args.value;
    try {
      return await this.runs.askAnnotation(run.promptUri, run.runId, kind, given);
    } catch (err) {
      if (args) throw err;
      this.fail(kind === 'note' ? vscode.l10n.t('Prompt Lab could not save the note: {0}', messageOf(err)) : vscode.l10n.t('Prompt Lab could not save the property: {0}', messageOf(err)), err);
      return undefined;
    }
  }

  /** Set the filter: from `filter` as given, or by asking what to filter by and which value. */
  async filter(filter?: HistoryFilter): Promise<HistoryFilter | undefined> {
    if (isFilter(filter)) {
      this.view.setFilter(filter);
      return this.view.filter;
    }
    const current = this.view.filter;
    type Field = keyof HistoryFilter | 'clear';
    const any = vscode.l10n.t('any');
    const kinds: (vscode.QuickPickItem & { field: Field })[] = [
      { field: 'prompt', label: `$(file) ${vscode.l10n.t('Prompt')}`, description: current.prompt ?? any },
      { field: 'deployment', label: `$(server) ${vscode.l10n.t('Deployment')}`, description: current.deployment ?? any },
      { field: 'status', label: `$(pass) ${vscode.l10n.t('Status')}`, description: current.status ?? any },
      { field: 'rating', label: `$(thumbsup) ${vscode.l10n.t('Rating')}`, description: current.rating ? ratingLabel(current.rating) : any },
      { field: 'property', label: `$(tag) ${vscode.l10n.t('Note or Property')}`, description: current.property ?? any },
    ];
    if (Object.keys(current).length > 0) kinds.push({ field: 'clear', label: `$(clear-all) ${vscode.l10n.t('Clear Filter')}` });
    const kind = await vscode.window.showQuickPick(kinds, { title: vscode.l10n.t('Filter Runs'), placeHolder: vscode.l10n.t('Filter the runs by…') });
    if (!kind) return undefined;
    if (kind.field === 'clear') return this.clearFilter();
    const field = kind.field;
    if (field === 'property') {
      const keys = [...new Set((await this.view.entries(false)).flatMap((e) => Object.keys(e.entry.annotations ?? {})))].sort();
      const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t('Filter Runs by Note or Property'), value: current.property ?? '', placeHolder: keys.length ? vscode.l10n.t('{0}=… (keys: {1})', keys[0] ?? '', keys.join(', ')) : vscode.l10n.t('reviewed=yes'),
        prompt: vscode.l10n.t('key=value keeps the runs whose property has that value; key alone keeps the runs that have it. Empty: any.'),
      });
      if (typed === undefined) return undefined;
      const next: HistoryFilter = { ...current };
      if (typed.trim() === '') delete next.property;
      else next.property = typed.trim();
      this.view.setFilter(next);
      void vscode.commands.executeCommand('promptLab.runs.focus');
      return this.view.filter;
    }

    const entries = (await this.view.entries(false)).map((e) => e.entry);
    const counts = new Map<string, number>();
    const add = (value: string) => counts.set(value, (counts.get(value) ?? 0) + 1);
    for (const { run, rating } of entries) {
      if (field === 'rating') {
        add(rating ? 'rated' : 'unrated');
        if (rating?.thumb) add(rating.thumb);
      } else {
        add(run[field]);
      }
    }
    const order = field === 'rating' ? RATINGS : field === 'status' ? STATUSES : [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
    const values: (vscode.QuickPickItem & { value: string | undefined })[] = [{ label: vscode.l10n.t('Any'), value: undefined, picked: current[field] === undefined }];
    for (const value of order) {
      const count = counts.get(value) ?? 0;
      if (count === 0 && current[field] !== value) continue;
      values.push({ label: field === 'rating' ? ratingLabel(value as NonNullable<HistoryFilter['rating']>) : value, description: runCount(count), value });
    }
    const picked = await vscode.window.showQuickPick(values, { title: vscode.l10n.t('Filter Runs by {0}', kind.label.replace(/^\$\([^)]*\) /, '')), matchOnDescription: true });
    if (!picked) return undefined;
    const next: Record<string, string> = { ...current };
    if (picked.value === undefined) delete next[field];
    else next[field] = picked.value;
    this.view.setFilter(next as HistoryFilter);
    void vscode.commands.executeCommand('promptLab.runs.focus');
    return this.view.filter;
  }

  clearFilter(): HistoryFilter {
    this.view.setFilter({});
    return {};
  }

  /**
   * Open VS Code's diff editor on the outputs of two runs, the older on the left: `node` and `other` (or the second
   * of the view's selection), else one picked from a list of the same prompt's runs first, then all others.
   * @returns the two uris shown, left then right.
   */
  async compare(node?: RunNode, other?: RunNode | readonly RunNode[]): Promise<[vscode.Uri, vscode.Uri] | undefined> {
    const first = node ?? this.selectedRun();
    if (!first) return undefined;
    let second: HistoryEntry | undefined = Array.isArray(other) ? (other as readonly RunNode[]).find((n) => n.kind === 'run' && n.id !== first.id)?.entry : (other as RunNode | undefined)?.entry;
    second ??= await this.pickRun(first);
    if (!second) return undefined;
    const [older, newer] = Date.parse(first.entry.run.timing.startedAt) <= Date.parse(second.run.timing.startedAt) ? [first.entry, second] : [second, first.entry];
    const left = runOutputUri(older);
    const right = runOutputUri(newer);
    const name = (e: HistoryEntry) => `${promptTitle(e.run.prompt)} ${localTime(e.run.timing.startedAt)}`;
    await vscode.commands.executeCommand('vscode.diff', left, right, `${name(older)} ↔ ${name(newer)}`, { preview: true });
    return [left, right];
  }

  /**
   * Run the run's prompt file again with the run's logged inputs. Inputs the log masked (`promptLab.log.redactPII`)
   * are left out, so they take the prompt's default or are asked for, rather than sending "[EMAIL]" to the model.
   */
  async rerun(node?: RunNode): Promise<RunOutcome | undefined> {
    const target = node ?? this.selectedRun();
    if (!target) return undefined;
    let record: RunRecord;
    try {
      record = await loadCore().loadRun(platform().fileSystem(), target.entry);
    } catch (err) {
      this.fail(vscode.l10n.t('Prompt Lab could not read the run from the log: {0}', messageOf(err)), err);
      return undefined;
    }
    const uri = promptUriOf(target.folder, record.prompt);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} is no longer in the workspace, so its run cannot be repeated.', record.prompt));
      return undefined;
    }
    // Media inputs are read again from the workspace: say which files changed since the logged run (by SHA-256).
    const root = pathOf(target.folder.uri);
    const changed = await loadCore().changedMedia(record.messages, { fileSystem: platform().fileSystem({ root }), root, hasher: platform().hasher });
    if (changed.length > 0) {
      const what = changed.map((c) => (c.reason === 'missing' ? vscode.l10n.t('"{0}" (input "{1}") is gone', c.path, c.input) : vscode.l10n.t('"{0}" (input "{1}") changed', c.path, c.input))).join(', ');
      this.log.warn(`[runs] re-run of ${record.id}: ${what}`);
      void vscode.window.showWarningMessage(vscode.l10n.t('Since the logged run, {0}: the re-run sends the workspace\'s files as they are now.', what));
    }
    const masked = new Set(record.maskedInputs ?? []);
    if (masked.size > 0) {
      const names = [...masked].map((n) => `"${n}"`).join(', ');
      void vscode.window.showInformationMessage(masked.size === 1
        ? vscode.l10n.t('The log masked {0} (promptLab.log.redactPII), so the re-run uses the prompt\'s default for it or asks for a value.', names)
        : vscode.l10n.t('The log masked {0} (promptLab.log.redactPII), so the re-run uses the prompt\'s default for them or asks for a value.', names));
    }
    const inputs = Object.fromEntries(Object.entries(record.inputs).filter(([name]) => !masked.has(name)));
    return this.runs.run(uri, { inputs });
  }

  /**
   * Write runs with their newest ratings to a CSV or JSON Lines file: which format, which runs and where are asked
   * unless given. Streams: one full record is in memory at a time.
   * @returns where it was written and how many runs, or undefined when cancelled.
   */
  async exportRuns(args?: ExportArgs): Promise<{ uri: vscode.Uri; runs: number } | undefined> {
    const given = args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {};
    const format = given.format ?? (await vscode.window.showQuickPick(
      [{ label: 'CSV', description: vscode.l10n.t('one row per run, for a spreadsheet'), format: 'csv' as const }, { label: 'JSON Lines', description: vscode.l10n.t('whole records, one per line'), format: 'jsonl' as const }],
      { title: vscode.l10n.t('Export Runs'), placeHolder: vscode.l10n.t('Format') },
    ))?.format;
    if (!format) return undefined;
    const filtered = Object.keys(this.view.filter).length > 0;
    let scope = given.scope ?? (filtered ? undefined : 'all');
    if (!scope) {
      const [all, kept] = await Promise.all([this.view.entries(false), this.view.entries(true)]);
      scope = (await vscode.window.showQuickPick(
        [{ label: vscode.l10n.t('Runs matching the filter'), description: `${runCount(kept.length)} · ${this.view.treeView.description ?? ''}`, scope: 'filter' as const }, { label: vscode.l10n.t('All runs'), description: runCount(all.length), scope: 'all' as const }],
        { title: vscode.l10n.t('Export Runs'), placeHolder: vscode.l10n.t('Which runs') },
      ))?.scope;
      if (!scope) return undefined;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    const target = given.uri ?? await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Export Runs'),
      saveLabel: vscode.l10n.t('Export'),
      filters: format === 'csv' ? { CSV: ['csv'] } : { 'JSON Lines': ['jsonl'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder.uri, `prompt-lab-runs-${new Date().toISOString().slice(0, 10)}.${format}`) } : {}),
    });
    if (!target) return undefined;
    if (platform().kind === 'desktop' && target.scheme !== 'file') {
      void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab can export runs only to a file on this machine.'));
      return undefined;
    }
    const entries = (await this.view.entries(scope === 'filter')).map((e) => e.entry);
    const core = loadCore();
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting {0}…', runCount(entries.length)) }, async () => {
        const out = platform().openExportFile(target);
        try {
          await core.writeRunsExport(core.loadRuns(platform().fileSystem(), entries), format, out, core.annotationKeys(entries));
        } catch (err) {
          out.abort();
          throw err;
        }
        await out.close();
      });
    } catch (err) {
      this.fail(vscode.l10n.t('Prompt Lab could not export the runs to {0}: {1}', pathOf(target), messageOf(err)), err);
      if (args) throw err;
      return undefined;
    }
    this.log.info(`[export] ${entries.length} runs as ${format} to ${pathOf(target)}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} to {1}.', runCount(entries.length), path.basename(pathOf(target))), vscode.l10n.t('Open File'))
      .then((choice) => (choice ? vscode.window.showTextDocument(target) : undefined));
    return { uri: target, runs: entries.length };
  }

  /**
   * Rate the newest run of this window (else the newest in the log): 👍, 👎 or a score, asked unless `args` carries a
   * rating. Appends a rating line (RunController.rate fires onDidRate) and shows it in the open panel.
   * @returns the rating as logged, or undefined when there is no run or the person cancelled.
   */
  async rateLastRun(args?: RateArgs): Promise<RatingView | undefined> {
    const scripted = args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : undefined;
    const target = scripted?.runId ? await this.findRun(scripted.runId) : this.last ?? await this.newestLogged();
    if (!target) {
      const message = scripted?.runId ? vscode.l10n.t('There is no run {0} in the log.', scripted.runId) : vscode.l10n.t('There is no run to rate yet: run a prompt first.');
      if (scripted) throw new Error(message);
      void vscode.window.showInformationMessage(message);
      return undefined;
    }
    let rating: RatingView | undefined;
    if (scripted) {
      const { runId: _runId, ...given } = scripted;
      rating = given;
    } else {
      rating = await askRating(path.basename(target.promptUri.path, '.prompt.json'));
    }
    if (!rating) return undefined;
    let saved: RatingView;
    try {
      saved = await this.runs.rate(target.promptUri, target.runId, rating);
    } catch (err) {
      if (scripted) throw err;
      this.fail(vscode.l10n.t('Prompt Lab could not save the rating: {0}', messageOf(err)), err);
      return undefined;
    }
    this.runs.panels.existing(target.promptUri)?.rating(target.runId, saved);
    vscode.window.setStatusBarMessage(`$(check) ${vscode.l10n.t('Prompt Lab: rating saved')}`, 3000);
    return saved;
  }

  private selectedRun(): RunNode | undefined {
    const run = this.view.treeView.selection.find((n): n is RunNode => n.kind === 'run');
    if (!run) void vscode.window.showInformationMessage(vscode.l10n.t('Select a run in the Prompt Lab Runs view first.'));
    return run;
  }

  /** Ask for the other run of a comparison: the same prompt's runs first, then the newest of the others. */
  private async pickRun(first: RunNode): Promise<HistoryEntry | undefined> {
    const all = await this.view.entries(false);
    const same = all.filter((e) => e.folder === first.folder && e.entry.run.prompt === first.entry.run.prompt && e.entry.run.id !== first.entry.run.id);
    const others = all.filter((e) => e.entry.run.prompt !== first.entry.run.prompt || e.folder !== first.folder).slice(0, 2000);
    type Item = vscode.QuickPickItem & { entry?: HistoryEntry };
    const item = ({ entry }: { entry: HistoryEntry }, withPrompt: boolean): Item => ({
      label: localTime(entry.run.timing.startedAt),
      description: `${withPrompt ? `${entry.run.prompt} · ` : ''}${runDescription(entry)}`,
      detail: entry.run.outputPreview.replace(/\s+/g, ' '),
      entry,
    });
    const items: Item[] = [
      { label: vscode.l10n.t('Runs of {0}', first.entry.run.prompt), kind: vscode.QuickPickItemKind.Separator }, ...same.map((e) => item(e, false)),
      { label: vscode.l10n.t('Other prompts'), kind: vscode.QuickPickItemKind.Separator }, ...others.map((e) => item(e, true)),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Compare the run of {0} with…', localTime(first.entry.run.timing.startedAt)), matchOnDescription: true, matchOnDetail: true,
    });
    return picked?.entry;
  }

  private async findRun(runId: string): Promise<Target | undefined> {
    // A run that just ended may not be read yet (the view's refresh waits 200 ms): read what was appended, once.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt === 1) await this.view.reloadNow();
      for (const { folder, runs } of await this.view.history()) {
        const entry = runs.find((e) => e.run.id === runId);
        if (entry) return { runId, promptUri: promptUriOf(folder, entry.run.prompt) };
      }
    }
    return undefined;
  }

  private async newestLogged(): Promise<Target | undefined> {
    let newest: Target & { time: number } | undefined;
    for (const { folder, runs } of await this.view.history()) {
      const entry = runs[0];
      const time = entry ? Date.parse(entry.run.timing.startedAt) : NaN;
      if (entry && (!newest || time > newest.time)) newest = { runId: entry.run.id, promptUri: promptUriOf(folder, entry.run.prompt), time };
    }
    return newest && { runId: newest.runId, promptUri: newest.promptUri };
  }

  /** Show `message` (a sentence that names the error) with Show Log; log the error's stack. */
  private fail(message: string, err: unknown): void {
    this.log.error(`[runs] ${message}${err instanceof Error && err.stack ? `\n${err.stack}` : ''}`);
    void vscode.window.showErrorMessage(message, vscode.l10n.t('Show Log')).then((choice) => choice && this.log.show());
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

/** 👍, 👎 or a score from 0 to 1; undefined when cancelled. */
async function askRating(promptName: string): Promise<RatingView | undefined> {
  const picked = await vscode.window.showQuickPick(
    [{ label: '👍', description: vscode.l10n.t('Thumbs up'), rating: { thumb: 'up' as const } }, { label: '👎', description: vscode.l10n.t('Thumbs down'), rating: { thumb: 'down' as const } }, { label: vscode.l10n.t('Score…'), description: vscode.l10n.t('from 0 to 1'), rating: undefined }],
    { title: vscode.l10n.t('Rate the last run of {0}', promptName) },
  );
  if (!picked) return undefined;
  if (picked.rating) return picked.rating;
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Score the last run of {0}', promptName),
    prompt: vscode.l10n.t('A score from 0 (completely wrong) to 1 (right), e.g. 0.8'),
    validateInput: (value) => (scoreOf(value) === undefined ? vscode.l10n.t('Type a number from 0 to 1, e.g. 0.8.') : undefined),
  });
  const score = text === undefined ? undefined : scoreOf(text);
  return score === undefined ? undefined : { score };
}

/** "1 run", "{n} runs". */
function runCount(count: number): string {
  return count === 1 ? vscode.l10n.t('1 run') : vscode.l10n.t('{0} runs', count);
}

function scoreOf(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

function isFilter(value: unknown): value is HistoryFilter {
  if (typeof value !== 'object' || value === null || value instanceof vscode.Uri || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if ('kind' in v) return false; // a tree node, not a filter
  return Object.entries(v).every(([key, field]) => field === undefined
    || (key === 'prompt' || key === 'deployment' || key === 'property' ? typeof field === 'string'
      : key === 'status' ? (STATUSES as readonly unknown[]).includes(field)
        : key === 'rating' ? (RATINGS as readonly unknown[]).includes(field) : false));
}

/** A logged error as the panel shows it (the log keeps the sentence and the HTTP status, not the fix). */
function loggedError(record: RunRecord): DescribedError | undefined {
  if (!record.error) return undefined;
  return { message: record.error.message, detail: '', ...(record.error.httpStatus !== undefined ? { httpStatus: record.error.httpStatus } : {}) };
}
