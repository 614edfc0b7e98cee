/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/runsView.mjs on a workspace whose
 * `promptLab.log.directory` points at a generated log (100,000 runs by default). Prints `bench: …` lines; asserts only
 * that the view showed every run.
 * - first paint: from opening the Prompt Lab view container (`workbench.view.extension.promptLab`) to the Runs view's
 *   provider returning its root elements (the whole log read, ratings joined, grouped by prompt), ms; and the provider's
 *   own figure, from VS Code's first getChildren call to its result.
 * - memory: the extension host's rss and heapUsed after a forced gc, before and after.
 * - refresh: from appending a rating line to the log to the view having read it again (200 ms debounce included), ms.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { RootsReturnedEvent } from '../src/vscode/runsView';

/** A forced gc in a process started without --expose-gc. */
function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function memory(): { rss: number; heapUsed: number } {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const expected = Number(process.env.PROMPT_LAB_BENCH_RUNS_VIEW_RUNS);
  const logDir = process.env.PROMPT_LAB_BENCH_RUNS_VIEW_LOG;
  if (!logDir) throw new Error('PROMPT_LAB_BENCH_RUNS_VIEW_LOG is not set (run bench/runsView.mjs)');
  const api = await ext.activate();
  const before = memory();

  // The view paints the newest days first (HistoryReader's partial history) and repaints when the whole log is read.
  const t0 = performance.now();
  let firstMs = 0;
  let firstEvent: RootsReturnedEvent | undefined;
  const complete = new Promise<RootsReturnedEvent>((resolve) => {
    const sub = api.runsView.onDidReturnRoots((e) => {
      if (!firstEvent) {
        firstEvent = e;
        firstMs = performance.now() - t0;
      }
      if (!expected || e.runs === expected) {
        sub.dispose();
        resolve(e);
      }
    });
  });
  await vscode.commands.executeCommand('workbench.view.extension.promptLab');
  const whole = await complete;
  const ms = performance.now() - t0;
  const first = firstEvent as RootsReturnedEvent;
  console.log(`bench: runs-view first paint ${firstMs.toFixed(0)} ms from opening the container (${first.runs} runs of the newest days, ${first.roots} prompts; getChildren to roots ${first.ms.toFixed(0)} ms) — target < 1000 ms`);
  console.log(`bench: runs-view whole log painted ${ms.toFixed(0)} ms from opening the container (${whole.runs} runs, ${whole.roots} prompts)`);
  const after = memory();
  console.log(`bench: runs-view memory rss ${mb(after.rss)} (+${mb(after.rss - before.rss)}), heapUsed ${mb(after.heapUsed)} (+${mb(after.heapUsed - before.heapUsed)}) after a forced gc — target < 200 MB`);

  // Expand the newest prompt, as a person would next: its children are already in memory.
  const top = await api.runsView.getChildren();
  const t1 = performance.now();
  const children = top?.[0] ? await api.runsView.getChildren(top[0]) : [];
  console.log(`bench: runs-view expand first prompt ${(performance.now() - t1).toFixed(1)} ms (${children?.length ?? 0} runs)`);

  const file = fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl')).sort().at(-1);
  const runId = top?.[0]?.kind === 'prompt' ? top[0].runs[0]?.entry.run.id : undefined;
  if (file && runId) {
    const refreshed = new Promise<void>((resolve) => {
      const sub = api.runsView.onDidRefresh(() => { sub.dispose(); resolve(); });
    });
    const t2 = performance.now();
    fs.appendFileSync(path.join(logDir, file), `${JSON.stringify({ event: 'rating', runId, thumb: 'down', at: new Date().toISOString() })}\n`);
    await refreshed;
    const total = memory();
    console.log(`bench: runs-view refresh after an appended line ${(performance.now() - t2).toFixed(0)} ms (debounce 200 ms and file watcher included); rss ${mb(total.rss)}, heapUsed ${mb(total.heapUsed)}`);
  }
}
