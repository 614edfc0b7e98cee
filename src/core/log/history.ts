/**
 * Reading the run log back: every `*.jsonl` file of the log folder, streamed line by line (`forEachLine`), each run joined with its
 * newest rating. This is what the history tree paints first, so it keeps little per run:
 *
 * - `HistoryEntry.run` is a `RunSummary`: the run's line without its bulky fields (`inputs`, `messages`, `parameters`,
 *   `output`, `reasoning`, `toolCalls`), plus the first `PREVIEW_CHARS` characters of the output. The line is read
 *   without decoding or parsing those fields at all (./lineScan).
 *   100,000 runs take some tens of MB this way (see bench/history.ts).
 * Files are read through the front end's {@link FileSystem} (`stat` and ranged `read`), so the reader runs in a web
 * worker as well as in Node.
 *
 * - `file`, `line` (1-based) and `offset` (byte offset of the line) say where the full record is: `loadRun(entry)`
 *   reads just that line back. `readHistory(dir, { full: true })` keeps whole records instead (small logs, export).
 *
 * A line that is not JSON (a corrupt line, or the last line of a file that another window is still writing) is
 * skipped with a warning naming the file and the line; lines of unknown events are skipped silently, so the format
 * can grow.
 */
import { concatUint8Arrays } from 'uint8array-extras';
import { isFileSystemError, joinPath, type FileSystem } from '../platform/fileSystem';
import { scanLine } from './lineScan';
import { supersedes } from './ratings';
import type { AnnotationRecord, EvaluationRecord, RatingRecord, RunRecord } from './runLog';
import { foldAnnotations } from './annotations';

/** Characters of the output kept in a `RunSummary`. */
export const PREVIEW_CHARS = 120;

/** Fields of a run left out of its summary: load them with `loadRun`. */
export type HeavyRunField = 'inputs' | 'messages' | 'parameters' | 'output' | 'reasoning' | 'toolCalls';

/** A run without its bulky fields, as the history tree needs it. */
export type RunSummary = Omit<RunRecord, HeavyRunField> & {
  /** The output's first `PREVIEW_CHARS` characters. */
  outputPreview: string;
};

/** One run of the history, where it is in the log, and its newest rating. */
export interface HistoryEntry<R extends RunSummary | RunRecord = RunSummary> {
  run: R;
  /** The newest rating of the run (by `at`, then by file order), when it has one. */
  rating?: RatingRecord;
  /** Notes and properties added later (`event: "annotation"` lines): key → newest value; absent when there are none. */
  annotations?: Record<string, string>;
  /** Path of the log file, as the front end's {@link FileSystem} names it (an absolute path on Node). */
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  /** Byte offset of the line in `file`, so `loadRun` reads only that line. */
  offset: number;
}

/** The history as read: runs newest first by `timing.startedAt`, and the same entries grouped by prompt. */
export interface RunHistory<R extends RunSummary | RunRecord = RunSummary> {
  runs: HistoryEntry<R>[];
  /** Prompt path → its runs, newest first. */
  byPrompt: Map<string, HistoryEntry<R>[]>;
  /** Ratings whose run is not in the log (e.g. its day file was deleted). */
  orphanRatings: number;
  /**
   * The newest `event: "evaluation"` line (by `endedAt`) of each evaluation id: an evaluation's status and figures,
   * for grouping its runs (a resume appends another line; the newest tells).
   */
  evaluations: Map<string, EvaluationRecord>;
}

/** Which runs to keep. Every given criterion must hold. */
export interface HistoryFilter {
  /** Prompt path, exactly. */
  prompt?: string;
  /** Deployment key, exactly. */
  deployment?: string;
  status?: RunRecord['status'];
  /** By the newest rating: its thumb ("up", "down"), whether there is one at all ("rated", "unrated"). */
  rating?: 'up' | 'down' | 'unrated' | 'rated';
  /** By a note or property: `key=value` (that value exactly), or `key` (any value). */
  property?: string;
}

export interface ReadHistoryOptions {
  /** Called once per skipped line, with a sentence naming the file and line. */
  onWarning?(message: string): void;
  filter?: HistoryFilter;
  /** Keep whole run records instead of summaries. */
  full?: boolean;
}

/**
 * Read every `*.jsonl` file of `logDir` (in name order, i.e. by date) through `fs` and join each run with its newest
 * rating. A missing folder is an empty history. For a view that reads the same log again and again, keep a
 * {@link HistoryReader}: it reads only what was appended since.
 * @throws FileSystemError when the folder or a file cannot be read.
 */
export async function readHistory(fs: FileSystem, logDir: string, options: ReadHistoryOptions & { full: true }): Promise<RunHistory<RunRecord>>;
export async function readHistory(fs: FileSystem, logDir: string, options?: ReadHistoryOptions): Promise<RunHistory>;
export async function readHistory(fs: FileSystem, logDir: string, options: ReadHistoryOptions = {}): Promise<RunHistory<RunSummary | RunRecord>> {
  return new HistoryReader(fs, logDir, options).read();
}

/** What was read of one log file: where reading stopped, and the runs and ratings found before that. */
interface FileState {
  /** Bytes consumed: up to the end of the last complete line. */
  consumed: number;
  /** Lines consumed (the next line is `lines + 1`). */
  lines: number;
  runs: { entry: HistoryEntry<RunSummary | RunRecord>; time: number }[];
  ratings: RatingRecord[];
  annotations: AnnotationRecord[];
  /** Lines of this file that were skipped, as warnings (kept while the file is, so a later read still knows them). */
  warnings: string[];
  /** Its `event: "evaluation"` lines. */
  evaluations: EvaluationRecord[];
}

/** Runs a first partial history is reported after (see {@link HistoryReader.read}). */
export const PARTIAL_AFTER_RUNS = 2000;

/**
 * Reads a log folder and remembers what it read: the log is append-only, so reading again reads only new files and
 * the bytes appended to known ones (a file that shrank or was replaced, e.g. by a `git checkout`, is read again
 * whole). A line still being written at the end of a file is read again next time.
 */
export class HistoryReader {
  private readonly files = new Map<string, FileState>();
  private readonly interned = new Map<string, string>();

  constructor(private readonly fs: FileSystem, private readonly logDir: string, private readonly options: Omit<ReadHistoryOptions, 'filter'> & { filter?: HistoryFilter } = {}) {}

  /**
   * The whole history as the log is now. `onPartial` (optional) is called once, early, with the runs of the newest
   * files read so far (at least {@link PARTIAL_AFTER_RUNS} runs, or everything), so a view can paint before the whole
   * log is read; files are read newest first for that.
   */
  read(onPartial?: (partial: RunHistory<RunSummary | RunRecord>) => void): Promise<RunHistory<RunSummary | RunRecord>> {
    // One read at a time: two interleaved reads of the same file would take its appended lines twice.
    const next = this.queue.then(() => this.readNow(onPartial));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private queue: Promise<unknown> = Promise.resolve();

  /**
   * The skipped lines of the history as last read, one warning each (`<file>:<line>: skipped …`), oldest file first.
   * `onWarning` hears a line once, when it is first read; this lists it as long as its file is unchanged.
   */
  get warnings(): string[] {
    return [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([, state]) => state.warnings);
  }

  private async readNow(onPartial?: (partial: RunHistory<RunSummary | RunRecord>) => void): Promise<RunHistory<RunSummary | RunRecord>> {
    let names: string[];
    try {
      names = (await this.fs.readDirectory(this.logDir)).filter((n) => n.endsWith('.jsonl')).sort().reverse();
    } catch (err) {
      if (isFileSystemError(err, 'not-found')) {
        this.files.clear();
        this.joined = undefined;
        return { runs: [], byPrompt: new Map(), orphanRatings: 0, evaluations: new Map() };
      }
      throw err;
    }
    const present = new Set(names.map((n) => joinPath(this.logDir, n)));
    // What was read before, and its newest file: lines appended there (or new files after it) can be joined into the
    // last result; anything else (a file gone, shrunk or replaced, lines added to an older file) is joined anew.
    const newestBefore = [...this.files.keys()].sort().at(-1);
    let incremental = this.joined !== undefined;
    for (const file of this.files.keys()) {
      if (!present.has(file)) {
        this.files.delete(file);
        incremental = false;
      }
    }
    const changes: FileChange[] = [];
    // A partial history is for a view that has nothing to show yet: on a first read only. Later reads take what was
    // appended, and a partial would be a second full join of everything already read.
    let partialSent = !onPartial || this.joined !== undefined;
    let counted = 0;
    // Every file's size at once: a refresh that finds one line appended asks for 30 sizes, and one after the other
    // each waits its own turn of the event loop (on a busy extension host, milliseconds each).
    const sizes = await Promise.all(names.map((name) => this.fs.stat(joinPath(this.logDir, name)).then((s) => s.size)));
    for (const [index, name] of names.entries()) {
      const file = joinPath(this.logDir, name);
      const before = this.files.get(file);
      const runsBefore = before?.runs.length ?? 0;
      const ratingsBefore = before?.ratings.length ?? 0;
      const annotationsBefore = before?.annotations.length ?? 0;
      await this.update(file, sizes[index] as number);
      const after = this.files.get(file) as FileState;
      if (before !== undefined && after !== before) incremental = false;
      const change = {
        file,
        runs: after.runs.slice(after === before ? runsBefore : 0),
        ratings: after.ratings.slice(after === before ? ratingsBefore : 0),
        annotations: after.annotations.slice(after === before ? annotationsBefore : 0),
      };
      if (change.runs.length > 0 || change.ratings.length > 0 || change.annotations.length > 0) {
        changes.push(change);
        if (newestBefore !== undefined && file < newestBefore) incremental = false;
      }
      counted += after.runs.length;
      if (!partialSent && counted >= PARTIAL_AFTER_RUNS && name !== names.at(-1)) {
        partialSent = true;
        onPartial?.(this.finish(this.joinAll()));
      }
    }
    if (!incremental || this.joined === undefined) this.joined = this.joinAll();
    else if (changes.length > 0) this.joined = joinChanges(this.joined, changes.sort((a, b) => (a.file < b.file ? -1 : 1)));
    return this.finish(this.joined);
  }

  /** The result of a join: filtered when the reader has a filter. */
  private finish(joined: Joined): RunHistory<RunSummary | RunRecord> {
    const evaluations = this.evaluations();
    // `runs` read through the join: after a refresh, the list of every run is built only when someone asks for it.
    if (!this.options.filter) return { get runs() { return joined.runs; }, byPrompt: joined.byPrompt, orphanRatings: joined.orphans, evaluations };
    const kept = filterRuns(joined.runs, this.options.filter);
    return { runs: kept, byPrompt: groupByPrompt(kept), orphanRatings: joined.orphans, evaluations };
  }

  /** The newest evaluation line of each id among the files read (few lines: one per evaluation or resume). */
  private evaluations(): Map<string, EvaluationRecord> {
    const out = new Map<string, EvaluationRecord>();
    for (const state of this.files.values()) {
      for (const record of state.evaluations) {
        const before = out.get(record.id);
        if (!before || record.endedAt >= before.endedAt) out.set(record.id, record);
      }
    }
    return out;
  }

  /**
   * Bring `file`'s state up to date: read from where the last read stopped, or from the start if it shrank. `size` is
   * its size as this read found it (what was appended since is read too).
   */
  private async update(file: string, size: number): Promise<void> {
    let state = this.files.get(file);
    if (!state || size < state.consumed) {
      state = { consumed: 0, lines: 0, runs: [], ratings: [], annotations: [], evaluations: [], warnings: [] };
      this.files.set(file, state);
    }
    if (size === state.consumed) return;
    const current = state;
    const warn = (message: string): void => {
      current.warnings.push(message);
      this.options.onWarning?.(message);
    };
    const { consumed } = await forEachLine(this.fs, file, (bytes, line, offset) => {
      const found = this.parse(file, bytes, line, offset, warn);
      if (found === 'incomplete') return false;
      if (found?.kind === 'run') current.runs.push(found.value);
      else if (found?.kind === 'rating') current.ratings.push(found.value);
      else if (found?.kind === 'annotation') current.annotations.push(found.value);
      else if (found?.kind === 'evaluation') current.evaluations.push(found.value);
      return true;
    }, current.consumed, current.lines, size - current.consumed);
    current.consumed = consumed.bytes;
    current.lines = consumed.lines;
  }

  /** One line: a run, a rating, nothing (another event, or skipped with a warning), or 'incomplete' (a last line still being written). */
  private parse(file: string, bytes: Uint8Array, line: number, offset: number, warn: (message: string) => void):
    { kind: 'run'; value: { entry: HistoryEntry<RunSummary | RunRecord>; time: number } } | { kind: 'rating'; value: RatingRecord }
    | { kind: 'annotation'; value: AnnotationRecord } | { kind: 'evaluation'; value: EvaluationRecord } | undefined | 'incomplete' {
    const full = this.options.full === true;
    let value: unknown;
    let preview: string | undefined;
    const scanned = full ? undefined : scanLine(bytes, HEAVY_FIELDS, 'output', PREVIEW_CHARS);
    if (scanned) {
      value = scanned.value;
      preview = scanned.preview ?? '';
    } else {
      try {
        value = JSON.parse(utf8.decode(bytes));
      } catch {
        warn(`${file}:${line}: skipped a line that is not complete JSON (corrupt, or still being written).`);
        // Only a last line without its newline may still be completed; that one is read again next time.
        return 'incomplete';
      }
    }
    const event = (value as { event?: unknown } | null)?.event;
    if (event === 'run') {
      const run = value as RunRecord;
      const time = isRun(run) ? Date.parse(run.timing.startedAt) : NaN;
      if (Number.isNaN(time)) {
        warn(`${file}:${line}: skipped a run line without id, prompt or a valid timing.startedAt.`);
        return undefined;
      }
      const summary = full ? run : scanned ? summarizeScanned(scanned.value, this.intern, preview ?? '') : summarize(run, this.intern, preview);
      return { kind: 'run', value: { entry: { run: summary, file, line, offset }, time } };
    }
    if (event === 'rating') {
      const rating = value as RatingRecord;
      if (!isRating(rating)) {
        warn(`${file}:${line}: skipped a rating line without runId, a valid at, or with a score outside 0..1.`);
        return undefined;
      }
      return { kind: 'rating', value: rating };
    }
    if (event === 'annotation') {
      const annotation = value as AnnotationRecord;
      if (typeof annotation.runId !== 'string' || typeof annotation.key !== 'string' || typeof annotation.value !== 'string' || Number.isNaN(Date.parse(String(annotation.at)))) {
        warn(`${file}:${line}: skipped an annotation line without runId, key, a text value or a valid at.`);
        return undefined;
      }
      return { kind: 'annotation', value: annotation };
    }
    if (event === 'evaluation') {
      const evaluation = value as EvaluationRecord;
      if (typeof evaluation.id !== 'string' || typeof evaluation.prompt !== 'string' || typeof evaluation.endedAt !== 'string' || typeof evaluation.deployments !== 'object' || evaluation.deployments === null) {
        warn(`${file}:${line}: skipped an evaluation line without id, prompt, endedAt or deployments.`);
        return undefined;
      }
      return { kind: 'evaluation', value: evaluation };
    }
    return undefined;
  }

  private readonly intern = (s: string): string => {
    const known = this.interned.get(s);
    if (known !== undefined) return known;
    this.interned.set(s, s);
    return s;
  };

  /** Join, sort and group everything read so far. */
  private joinAll(): Joined {
    const ratings = new Map<string, RatingRecord>();
    const annotations = new Map<string, AnnotationRecord[]>();
    const runs: { entry: HistoryEntry<RunSummary | RunRecord>; time: number }[] = [];
    // Oldest file first, so that among equal `at` the later line wins (see supersedes).
    for (const file of [...this.files.keys()].sort()) {
      const state = this.files.get(file) as FileState;
      for (const rating of state.ratings) {
        const previous = ratings.get(rating.runId);
        if (previous === undefined || supersedes(rating, previous)) ratings.set(rating.runId, rating);
      }
      for (const annotation of state.annotations) {
        const list = annotations.get(annotation.runId);
        if (list) list.push(annotation);
        else annotations.set(annotation.runId, [annotation]);
      }
      for (const run of state.runs) runs.push(run);
    }
    runs.sort((a, b) => b.time - a.time);
    const byId = new Map<string, IdEntries>();
    const all: HistoryEntry<RunSummary | RunRecord>[] = [];
    for (const { entry } of runs) {
      const joined = join(entry, ratings.get(entry.run.id), annotations.get(entry.run.id));
      const same = byId.get(entry.run.id);
      if (same === undefined) byId.set(entry.run.id, joined);
      else if (Array.isArray(same)) same.push(joined);
      else byId.set(entry.run.id, [same, joined]);
      all.push(joined);
    }
    let orphans = 0;
    for (const runId of ratings.keys()) if (!byId.has(runId)) orphans++;
    return { runs: all, pendingRuns: 0, byPrompt: groupByPrompt(all), ratings, annotations, byId, orphans };
  }

  /** The last join (runs newest first, grouped, with the indexes an appended line is joined in with). */
  private joined: Joined | undefined;
}

/** A join of the log: what a read returns, and what the next read's appended lines are joined into. */
interface Joined {
  /** Every run, newest first (after an incremental join, built when first read: see {@link LazyRuns}). */
  readonly runs: HistoryEntry<RunSummary | RunRecord>[];
  /** How many joins since `runs` was last built (0: built). */
  readonly pendingRuns: number;
  byPrompt: Map<string, HistoryEntry<RunSummary | RunRecord>[]>;
  /** The newest rating of each run id. */
  ratings: Map<string, RatingRecord>;
  /** The annotation lines of each run id, oldest first (folded when joined: the newest value of a key wins). */
  annotations: Map<string, AnnotationRecord[]>;
  /** The joined entries of each run id (a line copied twice gives two). */
  byId: Map<string, IdEntries>;
  orphans: number;
}

/**
 * The joined entries of one run id: the entry itself, or, for a line copied twice (a merge, a restored file), the
 * list of them; most runs have one, and a list each would be 100,000 more objects on a large log.
 */
type IdEntries = HistoryEntry<RunSummary | RunRecord> | HistoryEntry<RunSummary | RunRecord>[];

function entriesOf(entries: IdEntries | undefined): readonly HistoryEntry<RunSummary | RunRecord>[] {
  return entries === undefined ? [] : Array.isArray(entries) ? entries : [entries];
}

/** The lines a read found in one file beyond what the last read had. */
interface FileChange {
  file: string;
  runs: { entry: HistoryEntry<RunSummary | RunRecord>; time: number }[];
  ratings: RatingRecord[];
  annotations: AnnotationRecord[];
}

/**
 * An entry with its newest rating and its folded notes: a copy (entries of an earlier result are never changed), or
 * `entry` itself when it has neither and gets neither (most runs of a log: no object made for them).
 */
function join(entry: HistoryEntry<RunSummary | RunRecord>, rating: RatingRecord | undefined, notes: readonly AnnotationRecord[] | undefined): HistoryEntry<RunSummary | RunRecord> {
  if (rating === undefined && notes === undefined && entry.rating === undefined && entry.annotations === undefined) return entry;
  const joined = rating ? { ...entry, rating } : { ...entry };
  if (!rating) delete joined.rating;
  const folded = notes ? foldAnnotations([...notes]) : undefined;
  if (folded && Object.keys(folded).length > 0) joined.annotations = folded;
  else delete joined.annotations;
  return joined;
}

function timeOf(entry: HistoryEntry<RunSummary | RunRecord>): number {
  return Date.parse(entry.run.timing.startedAt);
}

/** In `entries` (newest first), the first index whose time is below `time`: where a run of that time goes last. */
function insertionIndex(entries: readonly HistoryEntry<RunSummary | RunRecord>[], time: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeOf(entries[mid] as HistoryEntry<RunSummary | RunRecord>) >= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Replace `old` by `next` in `entries` (newest first; found by its time); false when it is not there. */
function replaceEntry(entries: HistoryEntry<RunSummary | RunRecord>[], old: HistoryEntry<RunSummary | RunRecord>, next: HistoryEntry<RunSummary | RunRecord>): boolean {
  const time = timeOf(old);
  for (let i = insertionIndex(entries, time) - 1; i >= 0 && timeOf(entries[i] as HistoryEntry<RunSummary | RunRecord>) === time; i--) {
    if (entries[i] === old) {
      entries[i] = next;
      return true;
    }
  }
  return false;
}

/** Insert `added` (newest first, each after the entries of its time already there) into a copy of `entries`. */
function insertEntries(entries: readonly HistoryEntry<RunSummary | RunRecord>[], added: readonly HistoryEntry<RunSummary | RunRecord>[]): HistoryEntry<RunSummary | RunRecord>[] {
  if (added.length === 0) return [...entries];
  const out: HistoryEntry<RunSummary | RunRecord>[] = [];
  let i = 0;
  for (const entry of added) {
    const at = insertionIndex(entries, timeOf(entry));
    while (i < at) out.push(entries[i++] as HistoryEntry<RunSummary | RunRecord>);
    out.push(entry);
  }
  while (i < entries.length) out.push(entries[i++] as HistoryEntry<RunSummary | RunRecord>);
  return out;
}

/** Joins after which the list of every run is built even though nobody asked for it (see {@link LazyRuns}). */
const MAX_PENDING_RUNS = 16;

/**
 * The list of every run after an incremental join, built from the previous join's list when first asked for: a copy
 * of 100,000 entries costs milliseconds on a loaded machine, and a refresh of the Runs view, which reads only the
 * groups by prompt, would pay it every time. Holds the previous join's list (or its own LazyRuns) until then.
 */
class LazyRuns {
  private value: HistoryEntry<RunSummary | RunRecord>[] | undefined;

  constructor(
    private previous: Pick<Joined, 'runs' | 'pendingRuns'> | undefined,
    private added: readonly HistoryEntry<RunSummary | RunRecord>[],
    private replaced: readonly [HistoryEntry<RunSummary | RunRecord>, HistoryEntry<RunSummary | RunRecord>][],
  ) {}

  /** Joins since the list was last built: 0 once this one is. */
  get pending(): number {
    return this.value ? 0 : (this.previous?.pendingRuns ?? 0) + 1;
  }

  get runs(): HistoryEntry<RunSummary | RunRecord>[] {
    if (!this.value) {
      const runs = insertEntries(this.previous?.runs ?? [], this.added);
      for (const [old, next] of this.replaced) replaceEntry(runs, old, next);
      this.value = runs;
      this.previous = undefined;
      this.added = [];
      this.replaced = [];
    }
    return this.value;
  }
}

/**
 * The join of `previous` with the lines appended since (files in name order, each change's lines in file order):
 * the same result as joining everything again, in time proportional to the appended lines and the runs of the prompts
 * they touch, not to the whole log. The list of every run (`runs`) is built from the previous one when first read
 * (a copy of it; at once when a new run changes the order of the prompts, or after MAX_PENDING_RUNS joins).
 * Entries that did not change are the same objects as in `previous`, and `previous.runs` and `previous.byPrompt` (what
 * a read returned) are left as they were; its indexes (`ratings`, `annotations`, `byId`), which no read returns, are
 * taken over and updated in place: copying them would cost time in proportion to the whole log on every refresh.
 */
function joinChanges(previous: Joined, changes: readonly FileChange[]): Joined {
  const { ratings, annotations, byId } = previous;
  let orphans = previous.orphans;
  const rerated = new Set<string>();
  const added: { entry: HistoryEntry<RunSummary | RunRecord>; time: number }[] = [];
  for (const change of changes) {
    for (const rating of change.ratings) {
      const before = ratings.get(rating.runId);
      if (before !== undefined && !supersedes(rating, before)) continue;
      ratings.set(rating.runId, rating);
      rerated.add(rating.runId);
      if (before === undefined && !byId.has(rating.runId)) orphans++;
    }
    for (const annotation of change.annotations) {
      const list = annotations.get(annotation.runId);
      if (list) list.push(annotation);
      else annotations.set(annotation.runId, [annotation]);
      rerated.add(annotation.runId);
    }
    added.push(...change.runs);
  }
  // The entries read before of the runs whose rating or notes changed, before the appended runs join them.
  const before = new Map<string, readonly HistoryEntry<RunSummary | RunRecord>[]>();
  for (const runId of rerated) {
    const old = byId.get(runId);
    if (old !== undefined) before.set(runId, entriesOf(old));
  }
  // Stable: runs of the same time keep their file order, after those already read.
  added.sort((a, b) => b.time - a.time);
  const addedJoined: HistoryEntry<RunSummary | RunRecord>[] = [];
  for (const { entry } of added) {
    const rating = ratings.get(entry.run.id);
    const joined = join(entry, rating, annotations.get(entry.run.id));
    const same = byId.get(entry.run.id);
    // Its rating was an orphan until now (counted when it was read, in this change or before).
    if (same === undefined && rating !== undefined) orphans--;
    byId.set(entry.run.id, same === undefined ? joined : [...entriesOf(same), joined]);
    addedJoined.push(joined);
  }
  const replacedEntries: [HistoryEntry<RunSummary | RunRecord>, HistoryEntry<RunSummary | RunRecord>][] = [];
  const byPrompt = new Map(previous.byPrompt);
  const touched = new Map<string, HistoryEntry<RunSummary | RunRecord>[]>();
  const promptEntries = (prompt: string): HistoryEntry<RunSummary | RunRecord>[] => {
    let list = touched.get(prompt);
    if (!list) {
      list = [...(byPrompt.get(prompt) ?? [])];
      touched.set(prompt, list);
      byPrompt.set(prompt, list);
    }
    return list;
  };
  // Runs read before whose newest rating changed: a new joined entry in their place.
  for (const [runId, old] of before) {
    const rating = ratings.get(runId);
    const replaced = old.map((entry) => {
      const next = join(entry, rating, annotations.get(runId));
      replacedEntries.push([entry, next]);
      replaceEntry(promptEntries(entry.run.prompt), entry, next);
      return next;
    });
    const all = [...replaced, ...entriesOf(byId.get(runId)).slice(old.length)];
    byId.set(runId, all.length === 1 ? all[0] as HistoryEntry<RunSummary | RunRecord> : all);
  }
  let reorder = false;
  for (const [prompt, entries] of groupByPrompt(addedJoined)) {
    const before = byPrompt.get(prompt)?.[0];
    const list = insertEntries(promptEntries(prompt), entries);
    touched.set(prompt, list);
    byPrompt.set(prompt, list);
    if (list[0] !== before) reorder = true;
  }
  const lazy = new LazyRuns(previous, addedJoined, replacedEntries);
  if (reorder || lazy.pending > MAX_PENDING_RUNS) void lazy.runs;
  return {
    get runs() { return lazy.runs; },
    get pendingRuns() { return lazy.pending; },
    byPrompt: reorder ? orderPrompts(byPrompt, lazy.runs) : byPrompt, ratings, annotations, byId, orphans,
  };
}

/** The groups in groupByPrompt's order: by their newest run's place in `runs`. */
function orderPrompts(groups: Map<string, HistoryEntry<RunSummary | RunRecord>[]>, runs: readonly HistoryEntry<RunSummary | RunRecord>[]): Map<string, HistoryEntry<RunSummary | RunRecord>[]> {
  const position = (entry: HistoryEntry<RunSummary | RunRecord>): number => {
    const time = timeOf(entry);
    for (let i = insertionIndex(runs, time) - 1; i >= 0; i--) if (runs[i] === entry) return i;
    return runs.indexOf(entry);
  };
  const firsts = [...groups].map(([prompt, list]) => ({ prompt, list, at: position(list[0] as HistoryEntry<RunSummary | RunRecord>) }));
  firsts.sort((a, b) => a.at - b.at);
  return new Map(firsts.map((g) => [g.prompt, g.list]));
}

/** The entries that meet every criterion of `filter`, in their order. */
export function filterRuns<E extends HistoryEntry<RunSummary | RunRecord>>(entries: readonly E[], filter: HistoryFilter): E[] {
  return entries.filter((e) => {
    if (filter.prompt !== undefined && e.run.prompt !== filter.prompt) return false;
    if (filter.deployment !== undefined && e.run.deployment !== filter.deployment) return false;
    if (filter.status !== undefined && e.run.status !== filter.status) return false;
    if (filter.property !== undefined && !hasProperty(e.annotations, filter.property)) return false;
    switch (filter.rating) {
      case undefined: return true;
      case 'rated': return e.rating !== undefined;
      case 'unrated': return e.rating === undefined;
      default: return e.rating?.thumb === filter.rating;
    }
  });
}

/** Entries grouped by prompt path, each group in the entries' order. */
export function groupByPrompt<E extends HistoryEntry<RunSummary | RunRecord>>(entries: readonly E[]): Map<string, E[]> {
  const groups = new Map<string, E[]>();
  for (const e of entries) {
    const group = groups.get(e.run.prompt);
    if (group) group.push(e);
    else groups.set(e.run.prompt, [e]);
  }
  return groups;
}

/**
 * The full record of an entry's run, read back from its file through `fs`: at `offset` when it still points at the
 * run's line, else by counting lines up to `line` (a file edited by hand since it was read).
 * @throws Error when the line is no longer that run; FileSystemError when the file cannot be read.
 */
export async function loadRun(fs: FileSystem, entry: Pick<HistoryEntry, 'file' | 'line' | 'offset'> & { run: { id: string } }): Promise<RunRecord> {
  const atOffset = await readLineAt(fs, entry.file, entry.offset).catch(() => undefined);
  const fromOffset = atOffset === undefined ? undefined : parseRun(atOffset);
  if (fromOffset?.id === entry.run.id) return fromOffset;
  let found: RunRecord | undefined;
  await forEachLine(fs, entry.file, (bytes, line) => {
    if (line === entry.line) found = parseRun(utf8.decode(bytes));
  });
  if (found?.id === entry.run.id) return found;
  throw new Error(`${entry.file}:${entry.line} is no longer the run ${entry.run.id}: the log file changed.`);
}

/** Full records for `entries`, one at a time (for an export of many runs without holding them all). */
export async function* loadRuns(fs: FileSystem, entries: Iterable<HistoryEntry<RunSummary | RunRecord>>): AsyncGenerator<HistoryEntry<RunRecord>> {
  for (const entry of entries) {
    const run = isFull(entry.run) ? entry.run : await loadRun(fs, entry);
    yield { ...entry, run };
  }
}

/** Bytes read from a log file at a time. */
const CHUNK_BYTES = 1 << 20;
/** The smallest read buffer (when little is expected): a few lines. */
const MIN_CHUNK_BYTES = 1 << 14;

/**
 * Call `onLine` with the bytes of every non-blank line of `file` from byte `from` (valid only during the call), read
 * through `fs` in 1 MB chunks into two reused buffers (never the whole file in memory, nor in one string), with its 1-based number
 * and byte offset; a "\r" before the "\n" is dropped. A last line without "\n" is passed with `complete` false; when
 * `onLine` returns false for it, it is not counted as consumed (it may still be being written).
 * Splitting bytes on "\n" ourselves is 3× faster than node:readline (which decodes, then scans for "\r" and "\n"
 * separately) and gives exact byte offsets; "\n" never occurs inside a multi-byte UTF-8 character.
 * `expectedBytes` (optional) is how many bytes the caller expects from `from` on (a file's size less what was read):
 * the buffers are made no larger than needed for that, so reading a line appended to a large file does not allocate
 * and clear 2 MB; more bytes than expected are read all the same.
 * @returns how far reading got: bytes and lines consumed (to resume from).
 */
export async function forEachLine(
  fs: FileSystem,
  file: string,
  onLine: (bytes: Uint8Array, line: number, offset: number, complete: boolean) => boolean | void,
  from = 0,
  linesBefore = 0,
  expectedBytes = CHUNK_BYTES,
): Promise<{ consumed: { bytes: number; lines: number } }> {
  let pending: Uint8Array[] = [];
  let line = linesBefore;
  let lineStart = from;
  let position = from;
  const emit = (bytes: Uint8Array, start: number, end: number, complete: boolean): boolean => {
    if (end > start && bytes[end - 1] === 0x0d) end--;
    let blank = true;
    for (let i = start; i < end && blank; i++) blank = bytes[i] === 0x20 || bytes[i] === 0x09;
    if (blank) return true;
    return onLine(bytes.subarray(start, end), line + 1, lineStart, complete) !== false;
  };
  // Two buffers, reused for every chunk (fresh 1 MB buffers per chunk would cost more in garbage collection than the
  // parsing): the next chunk is read into one while the lines of the other are split and parsed.
  const bufferBytes = Math.min(CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, expectedBytes + 1));
  const buffers = [new Uint8Array(bufferBytes), new Uint8Array(bufferBytes)];
  let current = 0;
  // The file opened once when the FileSystem can: the next chunk's read then runs while this one's lines are parsed
  // (with `read` alone, only its open would: the read and close that follow wait for the parsing to end).
  const opened = fs.openForReading ? await fs.openForReading(file) : undefined;
  const read = opened ? (at: number, into: Uint8Array) => opened.read(at, into) : (at: number, into: Uint8Array) => fs.read(file, at, into);
  let reading: Promise<number> | undefined;
  try {
    reading = read(position, buffers[0] as Uint8Array);
    for (;;) {
      const bytesRead = await reading;
      if (bytesRead === 0) break;
      const chunk = (buffers[current] as Uint8Array).subarray(0, bytesRead);
      current ^= 1;
      reading = read(position + bytesRead, buffers[current] as Uint8Array);
      let start = 0;
      let newline = chunk.indexOf(0x0a);
      while (newline >= 0) {
        if (pending.length > 0) {
          pending.push(chunk.subarray(0, newline));
          const joined = concatUint8Arrays(pending);
          pending = [];
          emit(joined, 0, joined.length, true);
        } else {
          emit(chunk, start, newline, true);
        }
        line++;
        lineStart = position + newline + 1;
        start = newline + 1;
        newline = chunk.indexOf(0x0a, start);
      }
      // The rest of a line continues in the next chunk: copy it, its buffer is read into again next.
      if (start < chunk.length) pending.push(chunk.slice(start));
      position += bytesRead;
    }
  } finally {
    // A read still in flight (when a line's handler threw) must end before its buffer is let go, and its file closed.
    await reading?.catch(() => undefined);
    await opened?.close().catch(() => undefined);
  }
  if (pending.length > 0) {
    const joined = concatUint8Arrays(pending);
    if (emit(joined, 0, joined.length, false)) return { consumed: { bytes: position, lines: line + 1 } };
  }
  return { consumed: { bytes: lineStart, lines: line } };
}

function isFull(run: RunSummary | RunRecord): run is RunRecord {
  return 'output' in run;
}

async function readLineAt(fs: FileSystem, file: string, offset: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let position = offset;
  for (;;) {
    const buffer = new Uint8Array(64 * 1024);
    const bytesRead = await fs.read(file, position, buffer);
    if (bytesRead === 0) break;
    const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
    parts.push(buffer.subarray(0, end < 0 ? bytesRead : end));
    if (end >= 0) break;
    position += bytesRead;
  }
  return utf8.decode(concatUint8Arrays(parts));
}

// ignoreBOM: a leading U+FEFF is kept as a character, as Buffer's toString kept it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function parseRun(text: string): RunRecord | undefined {
  try {
    const value = JSON.parse(text) as RunRecord;
    return value?.event === 'run' && isRun(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRun(run: RunRecord): boolean {
  return typeof run.id === 'string' && typeof run.prompt === 'string' && typeof run.timing?.startedAt === 'string';
}

function isRating(rating: RatingRecord): boolean {
  if (typeof rating.runId !== 'string' || typeof rating.at !== 'string' || Number.isNaN(Date.parse(rating.at))) return false;
  return rating.score === undefined || (typeof rating.score === 'number' && rating.score >= 0 && rating.score <= 1);
}

const HEAVY_FIELDS: ReadonlySet<string> = new Set<HeavyRunField>(['inputs', 'messages', 'parameters', 'output', 'reasoning', 'toolCalls']);
const INTERNED_FIELD_LIST = ['prompt', 'deployment', 'provider', 'model', 'finishReason', 'status'] as const;
const INTERNED_FIELDS: ReadonlySet<string> = new Set(INTERNED_FIELD_LIST);

/**
 * The run without its heavy fields (every other field kept as it is, including ones added to the format later);
 * repeated short strings (prompt, deployment…) shared through `intern`. `preview` is the output's start when the
 * line was scanned without its output (see ./lineScan), else it is taken from `run.output`.
 */
function summarize(run: RunRecord, intern: (s: string) => string, preview: string | undefined): RunSummary {
  const summary: Record<string, unknown> = {};
  for (const key in run) {
    if (HEAVY_FIELDS.has(key)) continue;
    const value = (run as unknown as Record<string, unknown>)[key];
    summary[key] = INTERNED_FIELDS.has(key) && typeof value === 'string' ? intern(value) : value;
  }
  if (preview === undefined) {
    const output = typeof run.output === 'string' ? run.output : '';
    // Copied so that the summary does not keep the whole output alive as the parent of a sliced string.
    preview = output.length > PREVIEW_CHARS ? utf8.decode(utf8Encoder.encode(output.slice(0, PREVIEW_CHARS))) : output;
  }
  summary.outputPreview = preview;
  return summary as RunSummary;
}

/**
 * {@link summarize} for a line the scanner read without its heavy fields: the scanned object is the summary itself
 * (its repeated short strings shared through `intern`, the preview added), rather than a copy of it; one object less
 * per run of a large log to make and collect.
 */
function summarizeScanned(value: Record<string, unknown>, intern: (s: string) => string, preview: string): RunSummary {
  for (const key of INTERNED_FIELD_LIST) {
    const field = value[key];
    if (typeof field === 'string') value[key] = intern(field);
  }
  value.outputPreview = preview;
  return value as unknown as RunSummary;
}

/** Whether `annotations` hold `key=value` (that value, trimmed) or, for `key` alone, any value of it. */
function hasProperty(annotations: Record<string, string> | undefined, property: string): boolean {
  const at = property.indexOf('=');
  const key = (at < 0 ? property : property.slice(0, at)).trim();
  const value = annotations && Object.prototype.hasOwnProperty.call(annotations, key) ? annotations[key] : undefined;
  if (value === undefined) return false;
  return at < 0 || value.trim() === property.slice(at + 1).trim();
}
