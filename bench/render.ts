/**
 * What rendering in the bounded worker costs (src/node/renderWorker.ts), against rendering on the calling thread.
 * Plain Node, no network. Figures through bench/report.ts; exits non-zero when a precondition fails.
 *   node out/bench/render.js [--rounds 7] [--renders 2000]
 * - per render: the same prompt (system message, a loop over a 20-item input, a filter) rendered `--renders` times
 *   in process and through one reused worker, alternating rounds; median and spread (min–max) over the rounds, and
 *   the ratio worker / in-process. The difference is the round trip: a structured clone each way and a message.
 * - worker start: the first render after a worker is created (a new thread, Nunjucks loaded, the template compiled),
 *   the cost paid once, and again after a render passes a limit.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parsePromptFile, type PromptFile } from '../src/core/format/promptFile';
import { inProcessRenderer } from '../src/core/template/inProcessRenderer';
import type { TemplateRenderer } from '../src/core/template/renderer';
import { WorkerRenderer } from '../src/node/renderWorker';
import { reportFigure } from './report';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const SCRIPT = path.resolve(__dirname, '..', 'src', 'node', 'renderWorkerMain.js');
const PROMPT = parsePromptFile(JSON.stringify({
  inputs: { items: { default: [] }, customer: { default: { name: '' } } },
  messages: [
    { role: 'system', content: 'You help {{ customer.name | title }} with their order.' },
    { role: 'user', content: '{% for item in items %}- {{ item.name }} × {{ item.qty }}\n{% endfor %}What arrives first?' },
  ],
})).prompt as PromptFile;
const VALUES = { customer: { name: 'ada lovelace' }, items: Array.from({ length: 20 }, (_, i) => ({ name: `item ${i}`, qty: i + 1 })) };

async function time(renderer: TemplateRenderer, renders: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < renders; i++) await renderer.renderMessages(PROMPT, VALUES);
  return ((performance.now() - t0) * 1000) / renders;
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 7);
  const renders = arg('renders', 2000);
  const local = inProcessRenderer();
  const worker = new WorkerRenderer(SCRIPT);
  const expected = JSON.stringify(await local.renderMessages(PROMPT, VALUES));
  if (JSON.stringify(await worker.renderMessages(PROMPT, VALUES)) !== expected) throw new Error('precondition: the worker renders what the in-process renderer renders');
  await time(local, 200);
  await time(worker, 200);
  const ours: number[] = [];
  const floor: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2) { floor.push(await time(local, renders)); ours.push(await time(worker, renders)); } else { ours.push(await time(worker, renders)); floor.push(await time(local, renders)); }
  }
  worker.dispose();
  reportFigure({
    id: 'render.perRender', title: 'a render through the bounded worker (round trip included)', unit: 'µs',
    ours: { label: 'worker', values: ours }, floor: { label: 'in process', values: floor },
    note: `${rounds} rounds of ${renders} renders, alternating; the difference is the round trip (a structured clone each way and a message)`,
  });

  const starts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const fresh = new WorkerRenderer(SCRIPT);
    const t0 = performance.now();
    await fresh.renderMessages(PROMPT, VALUES);
    starts.push(performance.now() - t0);
    fresh.dispose();
  }
  reportFigure({
    id: 'render.workerStart', title: 'worker start: the first render of a new worker', unit: 'ms',
    ours: { label: 'new worker', values: starts },
    note: 'paid once, and again after a render passes a limit; no floor',
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
