/**
 * One contender of the evaluation benchmark, in its own process so its memory is its own (bench/evaluate.ts starts
 * it): `node out/bench/evaluateWorker.js --mode pl|bare|scale|scale-bare --workers N --rows N --base URL`. Prints one line
 * `RESULT {json}`: wall time of the work (ms), rows ok, tokens, and for `scale` and `scale-bare` the heap, CPU and event-loop figures.
 * - `pl`: Prompt Lab's evaluation engine (evaluatePrompt, logging to a temporary folder, as the extension does);
 * - `bare`: a bare `openai` SDK streaming loop with a concurrency limit, the same check on each answer, no log: the floor;
 * - `scale`: Prompt Lab's engine over many cells with the evaluation panel's host-side model fed as in the extension
 *   host (see panelHost), sampling the heap and the event-loop delay while it runs;
 * - `scale-bare`: the bare loop over the same cells, measured the same way (the floor of `scale`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import OpenAI from 'openai';
import { evaluatePrompt, type EvaluationEvent } from '../src/core/evaluation/evaluate';
import { summarize } from '../src/core/evaluation/summary';
import { EvaluationGrid } from '../src/vscode/evaluation/evaluationGrid';
import type { TestRow } from '../src/core/evaluation/testData';
import { parsePromptFile, type PromptFile } from '../src/core/format/promptFile';
import { resolveDeployment } from '../src/core/providers/deployments';
import { inProcessRenderer } from '../src/core/template/inProcessRenderer';
import { processCpuMs } from '../src/node/cpuTime';
import { nodeFileSystem } from '../src/node/fileSystem';
import { messages, promptFileText, question } from './evaluateWorkload';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is needed`);
  return value;
}

interface Result {
  wallMs: number;
  ok: number;
  promptTokens: number;
  completionTokens: number;
  [more: string]: unknown;
}

/**
 * What the extension host does with an evaluation's events besides the engine (src/vscode/evaluation/evaluationPanel.ts):
 * the panel's host-side model (EvaluationGrid) takes every event, and every 100 ms the batch of changed cells,
 * streamed text, throughput points and (when due: every second or less often) the column totals are taken and serialized as postMessage does.
 * Returns the event listener and a stop function.
 */
function panelHost(deployment: string, rows: readonly TestRow[]): { onEvent: (event: EvaluationEvent) => void; stop: () => void } {
  const grid = new EvaluationGrid(globalThis.crypto.randomUUID(), [deployment], ['restates'], ['question'], rows.length, summarize);
  // The test rows, as the panel shows them once it has read the test data.
  grid.setRows(rows);
  const post = (message: unknown): void => void JSON.stringify(message);
  const timer = setInterval(() => {
    const { cells, deltas } = grid.takeBatch();
    if (cells.length || deltas.length) post({ method: 'evaluation/cells', params: { cells, deltas } });
    const points = grid.takePoints();
    if (points.length) post({ method: 'evaluation/throughput', params: { points } });
    const totals = grid.takeTotals(false);
    if (totals) post({ method: 'evaluation/totals', params: { deployments: totals, status: grid.status } });
  }, 100);
  return { onEvent: (event) => void grid.apply(event), stop: () => clearInterval(timer) };
}

async function prompt(rows: number, base: string, workers: number, logDir: string | undefined, observe?: () => void, withPanel = false): Promise<Result> {
  const parsed = parsePromptFile(promptFileText()).prompt as PromptFile;
  const testRows: TestRow[] = Array.from({ length: rows }, (_, i) => ({ index: i, values: { question: question(i) } }));
  const deployment = resolveDeployment('sim', { sim: { provider: 'openai-compatible', baseURL: base, model: 'simulated/chat', maxConcurrency: workers, timeoutMs: 600_000 } });
  const panel = withPanel ? panelHost('sim', testRows) : undefined;
  observe?.();
  const t0 = performance.now();
  const outcome = await evaluatePrompt({
    evaluationId: globalThis.crypto.randomUUID(), promptPath: 'bench.prompt.json', prompt: parsed, rows: testRows,
    targets: [{ deployment, apiKey: undefined }], renderer: inProcessRenderer(), fs: nodeFileSystem(), sampleIntervalMs: 1000, cpuTimeMs: processCpuMs,
    ...(logDir ? { logDir } : {}),
  }, panel?.onEvent);
  const wallMs = performance.now() - t0;
  panel?.stop();
  const s = outcome.record.deployments.sim;
  if (outcome.logError) throw outcome.logError;
  return { wallMs, ok: s?.passed ?? 0, promptTokens: s?.usage.promptTokens ?? 0, completionTokens: s?.usage.completionTokens ?? 0, errors: s?.errors ?? 0 };
}

async function bare(rows: number, base: string, workers: number, observe?: () => void): Promise<Result> {
  // The SDK's own default of 2 retries (connection failures, 429, 5xx), as a script written without care would have.
  const client = new OpenAI({ baseURL: base, apiKey: 'no-key', maxRetries: 2, timeout: 600_000 });
  let next = 0;
  const result: Result = { wallMs: 0, ok: 0, promptTokens: 0, completionTokens: 0 };
  observe?.();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    for (let i = next++; i < rows; i = next++) {
      const stream = await client.chat.completions.create({ model: 'simulated/chat', messages: messages(i), stream: true, stream_options: { include_usage: true } });
      let text = '';
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) {
          result.promptTokens += chunk.usage.prompt_tokens;
          result.completionTokens += chunk.usage.completion_tokens;
        }
      }
      if (text.trim().toLowerCase().includes('you asked')) result.ok++;
    }
  }));
  result.wallMs = performance.now() - t0;
  return result;
}

/**
 * Runs `work` (Prompt Lab's engine, logging, or the bare loop) while sampling the heap and the event-loop delay:
 * - heapPeakGrowthMb: the largest `heapUsed` seen (every 100 ms and at the end) minus the baseline after a full GC,
 *   garbage not yet collected included (what the host's heap grows to);
 * - heapLiveGrowthMb: the largest `heapUsed` right after a major (mark-compact) GC minus the baseline: what the run
 *   keeps alive;
 * - heapRetainedGrowthMb: after the run and a full GC;
 * - loopDelayP99Ms / MaxMs / MeanMs: `monitorEventLoopDelay` at 10 ms resolution while the work runs;
 * - cpuMs: this process's user + system CPU time during the work.
 */
async function measured(work: (observe: () => void) => Promise<Result>): Promise<Result> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  let baseline = 0;
  let peak = 0;
  let livePeak = 0;
  let cpu0 = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let sampler: ReturnType<typeof setInterval> | undefined;
  const gcs = new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR)) {
      livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
    }
  });
  const result = await work(() => {
    gc();
    baseline = process.memoryUsage().heapUsed;
    gcs.observe({ entryTypes: ['gc'] });
    delay.enable();
    cpu0 = process.cpuUsage();
    sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 100);
  });
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  gcs.disconnect();
  clearInterval(sampler);
  const endHeap = process.memoryUsage().heapUsed;
  gc();
  const afterGc = process.memoryUsage().heapUsed;
  return {
    ...result,
    cpuMs: (cpu.user + cpu.system) / 1000,
    heapBaselineMb: baseline / 2 ** 20, heapPeakGrowthMb: (Math.max(peak, endHeap) - baseline) / 2 ** 20,
    heapLiveGrowthMb: (Math.max(livePeak, afterGc) - baseline) / 2 ** 20, heapRetainedGrowthMb: (afterGc - baseline) / 2 ** 20,
    loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6, loopDelayMeanMs: delay.mean / 1e6,
  };
}

async function scale(rows: number, base: string, workers: number): Promise<Result> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-scale-'));
  try {
    return await measured((observe) => prompt(rows, base, workers, logDir, observe, true));
  } finally {
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const mode = arg('mode');
  const rows = Number(arg('rows'));
  const workers = Number(arg('workers'));
  const base = arg('base');
  let result: Result;
  if (mode === 'bare') result = await bare(rows, base, workers);
  else if (mode === 'scale') result = await scale(rows, base, workers);
  else if (mode === 'scale-bare') result = await measured((observe) => bare(rows, base, workers, observe));
  else if (mode === 'pl') {
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-eval-'));
    try {
      result = await prompt(rows, base, workers, logDir);
    } finally {
      fs.rmSync(logDir, { recursive: true, force: true });
    }
  } else throw new Error(`unknown --mode ${mode}`);
  process.stdout.write(`RESULT ${JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
