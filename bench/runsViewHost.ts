/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/runsView.mjs on a workspace whose
 * `promptLab.log.directory` points at a generated 100,000-run log (PROMPT_LAB_BENCH_RUNS_VIEW_LOG); a 1,000-run log
 * of the same kind is at PROMPT_LAB_BENCH_RUNS_VIEW_SMALL. Prints one `BENCH-SAMPLE <json>` line per measurement;
 * throws when a precondition fails.
 * - first paint: from opening the Prompt Lab view container to the Runs view's first roots (a partial paint: the
 *   newest days, see HistoryReader), and to the roots of the whole log.
 * - refresh: per round, on each log in turn (the setting switched between them, the switch's full read not timed):
 *   a rating line is appended to the newest day file; the figure is from the start of the read that this append
 *   caused (checked: the refreshed history holds that rating) to the view handing VS Code its new roots. Also from the
 *   append itself (the file watcher and the 200 ms debounce included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { RefreshEvent, RootsReturnedEvent } from '../src/vscode/runsView';

function sample(value: Record<string, unknown>): void {
  console.log(`BENCH-SAMPLE ${JSON.stringify(value)}`);
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const big = { dir: process.env.PROMPT_LAB_BENCH_RUNS_VIEW_LOG ?? '', runs: Number(process.env.PROMPT_LAB_BENCH_RUNS_VIEW_RUNS) };
  const small = { dir: process.env.PROMPT_LAB_BENCH_RUNS_VIEW_SMALL ?? '', runs: Number(process.env.PROMPT_LAB_BENCH_RUNS_VIEW_SMALL_RUNS) };
  if (!big.dir || !small.dir || !big.runs || !small.runs) throw new Error('the log folders are not set (run bench/runsView.mjs)');
  const api = await ext.activate();
  const view = api.runsView;

  // First paint: the view paints the newest days first and repaints when the whole log is read.
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
  const partial = first as { ms: number; runs: number };
  if (partial.runs >= big.runs) throw new Error(`precondition: the first paint was not partial (${partial.runs} runs)`);
  sample({ kind: 'firstPaint', partialMs: partial.ms, partialRuns: partial.runs, wholeMs });

  /**
   * Resolves with the first refresh event `accept` takes, and when the view next handed VS Code its roots after it
   * (listened for from the refresh event on, so that roots returned while `accept` looks are not missed).
   */
  const refreshed = (accept: (e: RefreshEvent) => Promise<boolean>): Promise<{ event: RefreshEvent; rootsAt: number }> => new Promise((resolve, reject) => {
    const timeout = setTimeout(() => { sub.dispose(); reject(new Error('no refresh within 120 s')); }, 120_000);
    const sub = view.onDidRefresh((event) => {
      let rootsAt: number | undefined;
      let accepted = false;
      const roots = view.onDidReturnRoots((r: RootsReturnedEvent) => {
        if (r.runs !== event.runs || rootsAt !== undefined) return;
        rootsAt = performance.now();
        if (accepted) finish();
      });
      const finish = (): void => {
        roots.dispose();
        clearTimeout(timeout);
        resolve({ event, rootsAt: rootsAt as number });
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
  };
  const refresh = async (log: { dir: string; runs: number }, round: number): Promise<{ refreshMs: number; appendMs: number }> => {
    await use(log);
    const file = fs.readdirSync(log.dir).filter((f) => f.endsWith('.jsonl')).sort().at(-1) as string;
    const newest = (await view.entries(false))[0]?.entry;
    if (!newest) throw new Error('precondition: the log has no runs');
    const at = new Date(Date.UTC(2030, 0, 1, 0, 0, round)).toISOString();
    // The rated run is the newest: the first entry of the refreshed history (a check that costs nothing).
    const done = refreshed(async (e) => {
      if (e.runs !== log.runs) return false;
      const entry = (await view.history())[0]?.runs[0];
      return entry?.run.id === newest.run.id && entry.rating?.at === at;
    });
    const t = performance.now();
    fs.appendFileSync(path.join(log.dir, file), `${JSON.stringify({ event: 'rating', runId: newest.run.id, thumb: 'down', at })}\n`);
    const { event, rootsAt } = await done;
    if (event.startedAt < t) throw new Error('precondition: the refresh timed started before the line was appended');
    return { refreshMs: rootsAt - event.startedAt, appendMs: rootsAt - t };
  };
  const rounds = Number(process.env.PROMPT_LAB_BENCH_ROUNDS) || 5;
  for (let r = 0; r < rounds; r++) {
    let b: { refreshMs: number; appendMs: number };
    let s: { refreshMs: number; appendMs: number };
    if (r % 2) { s = await refresh(small, r); b = await refresh(big, r); } else { b = await refresh(big, r); s = await refresh(small, r); }
    sample({ kind: 'refresh', big: b, small: s });
  }
}
