/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/runsView.mjs on a workspace whose
 * `promptLab.log.directory` points at a generated 100,000-run log (PROMPT_LAB_BENCH_RUNS_VIEW_LOG); a 1,000-run log
 * of the same kind is at PROMPT_LAB_BENCH_RUNS_VIEW_SMALL. Prints one `BENCH-SAMPLE <json>` line per measurement;
 * throws when a precondition fails.
 * - first paint: from opening the Prompt Lab view container to the Runs view's first roots (a partial paint: the
 *   newest days, see HistoryReader), and to the roots of the whole log; then, as the whole paint's floor, reading the
 *   same files in this host and `JSON.parse` of every line (after the paint: the same page cache, the same load).
 * - refresh: per round, on each log in turn (the setting switched between them, the switch's full read not timed),
 *   PROMPT_LAB_BENCH_REFRESHES (default 5) refreshes in a row, the round's value for that log being their median: one
 *   refresh is about 10 ms, and a ratio of two single ones was mostly the noise of a loaded machine. Each time a rating
 *   line is appended to the newest day file, and the refresh that read it (checked: it started after the
 *   append, and the refreshed history holds that rating) is timed as the extension host's own work: from the start of
 *   its read to the tree being told, plus from VS Code's request for the roots to the view handing them over, plus any
 *   garbage collection of the extension host between the two. What is left out is VS Code's own round trip between
 *   telling the tree and asking for its roots (its 200 ms batching of tree changes, the workbench in the browser):
 *   the same work for both logs, and on a loaded machine it varies 40× from one round to the next (measured: 0.06–9.8
 *   as a ratio), which hid what the figure is for. That round trip, and the time from the append itself (the file
 *   watcher and the 200 ms debounce included), are printed per round. Switching logs reads the other log whole and
 *   drops the reader of the one left: a full garbage collection follows each switch, so that the collection of what
 *   the switch made and dropped (not something a refresh costs) does not land in the refresh timed next.
 * With PROMPT_LAB_BENCH_CPU_PROFILE=<dir> (bench/runsView.mjs --profile <dir>), each timed refresh is also recorded
 * as a CPU profile of the extension host (<dir>/refresh-<log>-<round>-<i>.cpuprofile), and the first paint
 * (<dir>/firstPaint.cpuprofile): for reading where the time goes,
 * not for the figures (the profiler slows what it records).
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { RefreshEvent, RootsReturnedEvent } from '../src/vscode/runsView';
import { median } from './stats';

function sample(value: Record<string, unknown>): void {
  console.log(`BENCH-SAMPLE ${JSON.stringify(value)}`);
}

/** A full garbage collection, in an extension host started without --expose-gc (the flag set now, `gc` taken from a new context). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** CPU profiles of this process, written to `dir` (undefined: no profiling). */
function profiler(dir: string | undefined): { start(): Promise<void>; stop(name: string): Promise<void> } {
  if (!dir) return { start: async () => undefined, stop: async () => undefined };
  fs.mkdirSync(dir, { recursive: true });
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> => new Promise((resolve, reject) => {
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result)));
  });
  let enabled = false;
  return {
    async start() {
      if (!enabled) {
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 100 });
        enabled = true;
      }
      await post('Profiler.start');
    },
    async stop(name) {
      const { profile } = await post('Profiler.stop') as { profile: unknown };
      fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const big = { dir: process.env.PROMPT_LAB_BENCH_RUNS_VIEW_LOG ?? '', runs: Number(process.env.PROMPT_LAB_BENCH_RUNS_VIEW_RUNS) };
  const small = { dir: process.env.PROMPT_LAB_BENCH_RUNS_VIEW_SMALL ?? '', runs: Number(process.env.PROMPT_LAB_BENCH_RUNS_VIEW_SMALL_RUNS) };
  if (!big.dir || !small.dir || !big.runs || !small.runs) throw new Error('the log folders are not set (run bench/runsView.mjs)');
  const host = Number(process.env.PROMPT_LAB_BENCH_HOST) || 0;
  const api = await ext.activate();
  const view = api.runsView;

  const profile = profiler(process.env.PROMPT_LAB_BENCH_CPU_PROFILE);
  // First paint: the view paints the newest days first and repaints when the whole log is read.
  await profile.start();
  const t0 = performance.now();
  let first: { ms: number; runs: number } | undefined;
  const whole = new Promise<number>((resolve) => {
    const sub = view.onDidReturnRoots((e) => {
      first ??= { ms: performance.now() - t0, runs: e.runs };
      if (e.runs === big.runs) {
        sub.dispose();
        resolve(performance.now() - t0);
      }
    });
  });
  await vscode.commands.executeCommand('workbench.view.extension.promptLab');
  const wholeMs = await whole;
  await profile.stop('firstPaint');
  const partial = first as { ms: number; runs: number };
  if (partial.runs >= big.runs) throw new Error(`precondition: the first paint was not partial (${partial.runs} runs)`);
  // The floor of the whole paint, in this same extension host right after it (the same files, the same page cache,
  // the same load): reading every file of the log and `JSON.parse` of every line, nothing else (history.read's floor).
  const floorT0 = performance.now();
  let floorRuns = 0;
  for (const name of fs.readdirSync(big.dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    const text = await fs.promises.readFile(path.join(big.dir, name), 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if ((JSON.parse(line) as { event?: string }).event === 'run') floorRuns++;
    }
  }
  const floorMs = performance.now() - floorT0;
  if (floorRuns !== big.runs) throw new Error(`precondition: the floor read ${floorRuns} runs of ${big.runs}`);
  collectGarbage();
  sample({ kind: 'firstPaint', partialMs: partial.ms, partialRuns: partial.runs, wholeMs, floorMs });

  // The extension host's garbage collections (start and duration, ms), to count those between telling the tree and
  // VS Code asking for the roots: a pause there is the extension's, and grows with what it holds.
  const collections: { start: number; duration: number }[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) collections.push({ start: e.startTime, duration: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const collectedBetween = (from: number, to: number): number => collections
    .filter((c) => c.start + c.duration > from && c.start < to)
    .reduce((ms, c) => ms + Math.min(c.start + c.duration, to) - Math.max(c.start, from), 0);

  /**
   * Resolves with the first refresh event `accept` takes (and when it arrived: when the tree was told), and the first
   * roots the view next handed VS Code (listened for from the refresh event on, so that roots returned while `accept`
   * looks are not missed): when, and how long the view took from VS Code's request.
   */
  const refreshed = (accept: (e: RefreshEvent) => Promise<boolean>): Promise<{ event: RefreshEvent; toldAt: number; rootsAt: number; rootsMs: number }> => new Promise((resolve, reject) => {
    const timeout = setTimeout(() => { sub.dispose(); reject(new Error(`no refresh within 120 s (the Runs view is ${view.treeView.visible ? 'visible' : 'hidden'})`)); }, 120_000);
    const sub = view.onDidRefresh((event) => {
      const toldAt = performance.now();
      let rootsAt: number | undefined;
      let rootsMs = NaN;
      let accepted = false;
      const roots = view.onDidReturnRoots((r: RootsReturnedEvent) => {
        if (r.runs !== event.runs || rootsAt !== undefined) return;
        rootsAt = performance.now();
        rootsMs = r.ms;
        if (accepted) finish();
      });
      const finish = (): void => {
        roots.dispose();
        clearTimeout(timeout);
        resolve({ event, toldAt, rootsAt: rootsAt as number, rootsMs });
      };
      void accept(event).then((ok) => {
        if (!ok) {
          roots.dispose();
          return;
        }
        sub.dispose();
        accepted = true;
        if (rootsAt !== undefined) finish();
      }, reject);
    });
  });

  let current = big.dir;
  const use = async (log: { dir: string; runs: number }): Promise<void> => {
    if (current === log.dir) return;
    current = log.dir;
    const done = refreshed(async (e) => e.runs === log.runs);
    await vscode.workspace.getConfiguration('promptLab').update('log.directory', log.dir, vscode.ConfigurationTarget.Workspace);
    await done;
    collectGarbage();
  };
  type Timed = { refreshMs: number; readMs: number; rootsMs: number; gcMs: number; roundTripMs: number; endToEndMs: number; appendMs: number };
  /** Refresh `i` (0-based) of round `round` on `log`, the log in use (see `use`). */
  const refresh = async (log: { dir: string; runs: number }, round: number, i: number): Promise<Timed> => {
    const file = fs.readdirSync(log.dir).filter((f) => f.endsWith('.jsonl')).sort().at(-1) as string;
    // The newest run, taken without building anything per run (view.entries would wrap all 100,000 of them), from the
    // newest run of each prompt (the list of every run would be built by the reader when asked for).
    const groups = [...((await view.history())[0]?.byPrompt.values() ?? [])];
    const newest = groups.map((g) => g[0]).reduce((a, b) => (!a || (b && b.run.timing.startedAt > a.run.timing.startedAt) ? b : a), undefined);
    if (!newest) throw new Error('precondition: the log has no runs');
    // Newer than every rating of the run so far, those of earlier windows included (the logs are shared): an older
    // `at` would not supersede the rating that window appended, and the refresh would never show it.
    // One second apart, ordered by window, round and refresh (fewer than 100 refreshes a switch, 1,000 rounds).
    const at = new Date(Date.UTC(2030, 0, 1) + ((host * 1000 + round) * 100 + i) * 1000).toISOString();
    // The rated run is the newest: the first entry of the refreshed history (a check that costs nothing).
    const done = refreshed(async (e) => {
      if (e.runs !== log.runs) return false;
      // Through its prompt's group, not the list of every run, which the view does not need and the reader builds
      // only when asked (asking would put that work, and its garbage, in the figure).
      const entry = (await view.history())[0]?.byPrompt.get(newest.run.prompt)?.[0];
      return entry?.run.id === newest.run.id && entry.rating?.at === at;
    });
    // A hidden view only notes that the log changed, and reads it when shown again: the view must be visible.
    if (!view.treeView.visible) {
      console.log(`bench: the Runs view was hidden before round ${round}; showing it again`);
      await vscode.commands.executeCommand('workbench.view.extension.promptLab');
      await (await view.history(), undefined);
    }
    if (!view.treeView.visible) throw new Error('precondition: the Runs view is not visible');
    await profile.start();
    const t = performance.now();
    fs.appendFileSync(path.join(log.dir, file), `${JSON.stringify({ event: 'rating', runId: newest.run.id, thumb: 'down', at })}\n`);
    const { event, toldAt, rootsAt, rootsMs } = await done;
    await profile.stop(`refresh-${log.runs}-${round}-${i}`);
    if (event.startedAt < t) throw new Error('precondition: the refresh timed started before the line was appended');
    if (!(rootsMs >= 0)) throw new Error('precondition: the roots timed carry no duration');
    const askedAt = rootsAt - rootsMs;
    const readMs = toldAt - event.startedAt;
    const endToEndMs = rootsAt - event.startedAt;
    // VS Code asked for the roots while the read ran (a request of its own, answered from this read): nothing of
    // VS Code's own lies between, and the whole span is the extension host's.
    // Node hands garbage-collection entries to observers a little later (not within the tick of the collection).
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (askedAt <= toldAt) return { refreshMs: endToEndMs, readMs, rootsMs: rootsAt - toldAt, gcMs: 0, roundTripMs: 0, endToEndMs, appendMs: rootsAt - t };
    const gcMs = collectedBetween(toldAt, askedAt);
    return { refreshMs: readMs + rootsMs + gcMs, readMs, rootsMs, gcMs, roundTripMs: askedAt - toldAt - gcMs, endToEndMs, appendMs: rootsAt - t };
  };
  const rounds = Number(process.env.PROMPT_LAB_BENCH_ROUNDS) || 5;
  const perSwitch = Number(process.env.PROMPT_LAB_BENCH_REFRESHES) || 5;
  if (perSwitch >= 100) throw new Error('precondition: fewer than 100 refreshes a switch (the ratings\' times)');
  /** `perSwitch` refreshes on `log` in a row, after switching to it: each timed, and their medians field by field. */
  const refreshes = async (log: { dir: string; runs: number }, round: number): Promise<{ median: Timed; all: number[] }> => {
    await use(log);
    const timed: Timed[] = [];
    for (let i = 0; i < perSwitch; i++) timed.push(await refresh(log, round, i));
    const med = (key: keyof Timed): number => median(timed.map((t) => t[key]));
    return {
      median: { refreshMs: med('refreshMs'), readMs: med('readMs'), rootsMs: med('rootsMs'), gcMs: med('gcMs'), roundTripMs: med('roundTripMs'), endToEndMs: med('endToEndMs'), appendMs: med('appendMs') },
      all: timed.map((t) => t.refreshMs),
    };
  };
  for (let r = 0; r < rounds; r++) {
    let b: { median: Timed; all: number[] };
    let s: { median: Timed; all: number[] };
    if (r % 2) { s = await refreshes(small, r); b = await refreshes(big, r); } else { b = await refreshes(big, r); s = await refreshes(small, r); }
    sample({ kind: 'refresh', big: b.median, small: s.median, bigAll: b.all, smallAll: s.all });
  }
  gcObserver.disconnect();
}
