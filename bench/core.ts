/**
 * Core benchmarks, in plain Node against the local replay server (loopback only). Prints figures; asserts nothing.
 *   node out/bench/core.js [--runs 200]
 * - Run overhead: time to first token (ms) of `executeRun` (render in the bounded worker, client, assembly, log write) against a bare
 *   `openai` SDK streaming loop on the same server and stream, alternating, median of each; target ratio < 1.10.
 * - Stream assembly: µs per chunk of StreamAssembler over the largest recorded stream, and over 20,000 synthetic chunks.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { resolveDeployment } from '../src/core/providers/deployments';
import { parsePromptFile, type PromptFile } from '../src/core/format/promptFile';
import { executeRun } from '../src/core/run/run';
import { StreamAssembler } from '../src/core/run/streamAssembly';
import { WorkerRenderer } from '../src/node/renderWorker';
import { startReplayServer } from '../test/replay/server';
import { WIRE_DIR, recordedChunks, recordedStreams } from '../test/unit/wireOracle';
import { median } from './stats';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function runOverhead(runs: number): Promise<void> {
  const server = await startReplayServer();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-'));
  const model = 'replay/openai/pysdk-stream-text-usage';
  const prompt = parsePromptFile(JSON.stringify({
    deployment: 'bench', inputs: { city: { default: 'San Francisco' } },
    messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'Weather in {{ city }}?' }],
  })).prompt as PromptFile;
  const deployment = resolveDeployment('bench', { bench: { provider: 'openai-compatible', baseURL: server.baseURL, model } });
  const messages = [{ role: 'system' as const, content: 'You are helpful.' }, { role: 'user' as const, content: 'Weather in San Francisco?' }];
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'no-key', maxRetries: 0 });

  const bare = async (): Promise<number> => {
    const t0 = performance.now();
    let ttft = -1;
    const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) {
      if (ttft < 0 && chunk.choices[0]?.delta?.content) ttft = performance.now() - t0;
    }
    return ttft;
  };
  // The renderer the extension uses: the bounded worker (bench/render.ts measures it on its own).
  const renderer = new WorkerRenderer(path.resolve(__dirname, '..', 'src', 'node', 'renderWorkerMain.js'));
  const ours = async (): Promise<number> => {
    const { record } = await executeRun({ runId: randomUUID(), promptPath: 'bench.prompt.json', prompt, renderer, inputs: { city: 'San Francisco' }, deployment, apiKey: undefined, logDir });
    if (record.status !== 'ok' || record.timing.ttftMs === null) throw new Error(`bench run failed: ${record.error?.message}`);
    return record.timing.ttftMs;
  };
  // Warm both paths (JIT, sockets), then alternate so drift hits both alike.
  for (let i = 0; i < 20; i++) { await bare(); await ours(); }
  const bareTtft: number[] = [];
  const oursTtft: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) { bareTtft.push(await bare()); oursTtft.push(await ours()); } else { oursTtft.push(await ours()); bareTtft.push(await bare()); }
  }
  renderer.dispose();
  await server.close();
  fs.rmSync(logDir, { recursive: true, force: true });
  const b = median(bareTtft);
  const o = median(oursTtft);
  console.log(`run overhead: time to first token, median of ${runs} runs each: bare openai SDK ${b.toFixed(2)} ms, Prompt Lab executeRun ${o.toFixed(2)} ms, ratio ${(o / b).toFixed(3)} (target < 1.10)`);
}

function assembly(): void {
  const largest = recordedStreams().map((f) => ({ f, size: fs.statSync(path.join(WIRE_DIR, f)).size })).sort((a, b) => b.size - a.size)[0];
  if (!largest) throw new Error('no recorded streams');
  const chunks = recordedChunks(largest.f);
  const repeats = 2000;
  for (let i = 0; i < 50; i++) { const a = new StreamAssembler(); for (const c of chunks) a.push(c); }
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) { const a = new StreamAssembler(); for (const c of chunks) a.push(c); }
  const perChunkUs = ((performance.now() - t0) * 1000) / (repeats * chunks.length);
  console.log(`stream assembly: ${perChunkUs.toFixed(3)} µs per chunk over ${largest.f} (${chunks.length} chunks × ${repeats}) (target < 5 µs)`);
}

async function main(): Promise<void> {
  assembly();
  await runOverhead(arg('runs', 200));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
