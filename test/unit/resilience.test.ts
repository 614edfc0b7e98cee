import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APIError } from 'openai';
import { resolveDeployment, type DeploymentConfig } from '../../src/core/providers/deployments';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { retryDelayMs, serverRetryDelayMs, DEFAULT_RETRY_POLICY } from '../../src/core/providers/retry';
import { executeRun, type RunOutcome, type RunRequest } from '../../src/core/run/run';
import type { RunRecord } from '../../src/core/log/runLog';
import { startReplayServer, syntheticText, type ReplayServer } from '../replay/server';
import { tempDir } from './tempDir';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

let server: ReplayServer;
let logDir: string;
before(async () => {
  server = await startReplayServer();
  logDir = tempDir('prompt-lab-faults-');
});
after(async () => {
  await server.close();
});

const PROMPT = parsePromptFile('{ "messages": [ { "role": "user", "content": "go" } ] }').prompt as PromptFile;

interface Observed { outcome: RunOutcome; retries: { attempt: number; delayMs: number }[]; text: string }

async function run(model: string, extra: Partial<DeploymentConfig> = {}, signal?: AbortSignal): Promise<Observed> {
  const deployment = resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL: server.baseURL, model, ...extra } });
  const request: RunRequest = { runId: randomUUID(), promptPath: 'p.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: {}, deployment, apiKey: undefined, logDir, fs: files };
  if (signal) request.signal = signal;
  const retries: Observed['retries'] = [];
  let text = '';
  const outcome = await executeRun(request, { onRetry: (r) => retries.push(r), onText: (t) => { text += t; } });
  return { outcome, retries, text };
}

/** The requests the server received for `model`, in arrival order. */
function received(model: string) {
  return server.requests.filter((r) => (r.body as { model?: string } | null)?.model === model);
}

/** The gaps between consecutive requests for `model`, as the server saw them, in ms. */
function gaps(model: string): number[] {
  const times = received(model).map((r) => r.receivedAt);
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

function logged(id: string): RunRecord | undefined {
  return fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord)).find((r) => r.id === id);
}

test('429s with retry-after-ms are waited out exactly, then the run succeeds', async () => {
  const model = `fault/429?times=2&retryAfterMs=300&key=${randomUUID()}`;
  const { outcome, retries } = await run(model);
  assert.equal(outcome.record.status, 'ok', outcome.error?.message);
  assert.equal(outcome.record.output, syntheticText(5));
  assert.deepEqual(retries.map((r) => [r.attempt, r.delayMs]), [[1, 300], [2, 300]]);
  assert.equal(outcome.record.retries, 2);
  assert.equal(logged(outcome.record.id)?.retries, 2);
  // The waits happened: the server saw three requests, each at least 300 ms after the one before.
  const seen = gaps(model);
  assert.equal(seen.length, 2);
  for (const gap of seen) assert.ok(gap >= 299, `a retry came ${gap.toFixed(1)} ms after the 429 that asked for 300 ms`);
});

test('retry-after in seconds is honoured', async () => {
  const model = `fault/retryAfter?times=1&seconds=1&key=${randomUUID()}`;
  const { outcome, retries } = await run(model);
  assert.equal(outcome.record.status, 'ok');
  assert.deepEqual(retries.map((r) => r.delayMs), [1000]);
  const [gap] = gaps(model);
  assert.ok(gap !== undefined && gap >= 999, `the retry came ${gap?.toFixed(1)} ms after the 429 that asked for 1 s`);
});

test('500s past the retry budget end as an error with the status', async () => {
  const model = `fault/500?times=5&key=${randomUUID()}`;
  const { outcome, retries } = await run(model, { maxRetries: 2 });
  assert.equal(outcome.record.status, 'error');
  assert.equal(outcome.record.error?.httpStatus, 500);
  assert.equal(retries.length, 2);
  assert.equal(received(model).length, 3, 'the first request and two retries, no more');
  assert.equal(logged(outcome.record.id)?.status, 'error');
});

test('maxRetries 0 turns retrying off', async () => {
  const model = `fault/500?times=1&key=${randomUUID()}`;
  const { outcome, retries } = await run(model, { maxRetries: 0 });
  assert.equal(outcome.record.status, 'error');
  assert.equal(retries.length, 0);
  assert.equal(received(model).length, 1);
});

test('a connection dropped before any byte is retried', async () => {
  const model = `fault/drop?times=2&key=${randomUUID()}`;
  const { outcome, retries } = await run(model);
  assert.equal(outcome.record.status, 'ok', outcome.error?.message);
  assert.equal(retries.length, 2);
  assert.equal(received(model).length, 3);
});

test('a connection reset midway keeps the partial output and is not retried', async () => {
  const model = `fault/reset?after=3&chunks=10&key=${randomUUID()}`;
  const { outcome, retries, text } = await run(model);
  assert.equal(outcome.record.status, 'error');
  assert.equal(retries.length, 0);
  assert.equal(received(model).length, 1, 'output already shown is never asked for again');
  assert.equal(outcome.record.output, syntheticText(3));
  assert.equal(text, syntheticText(3));
  assert.equal(logged(outcome.record.id)?.output, syntheticText(3));
});

test('a malformed SSE line ends the run as an error with what came before', async () => {
  const { outcome } = await run('fault/malformed?after=3&chunks=10');
  assert.equal(outcome.record.status, 'error');
  assert.equal(outcome.record.output, syntheticText(3));
});

test('a stream that goes silent is abandoned after the deployment\'s timeout, partial output kept', async () => {
  const { outcome } = await run('synthetic/stall?chunks=4', { timeoutMs: 300 });
  assert.equal(outcome.record.status, 'error');
  assert.match(outcome.error?.message ?? '', /No answer for 300 ms/);
  assert.equal(outcome.record.output, syntheticText(4));
});

test('Stop during a backoff wait cancels at once, and the pending retry is never sent', async () => {
  const controller = new AbortController();
  const model = `fault/429?times=5&retryAfterMs=30000&key=${randomUUID()}`;
  const deployment = resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL: server.baseURL, model } });
  const request: RunRequest = { runId: randomUUID(), promptPath: 'p.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: {}, deployment, apiKey: undefined, logDir, fs: files, signal: controller.signal };
  const announced: number[] = [];
  // Stop once the retry is announced, i.e. while its 30 s wait is pending.
  const outcome = await executeRun(request, { onRetry: (r) => { announced.push(r.delayMs); queueMicrotask(() => controller.abort()); } });
  assert.deepEqual(announced, [30000], 'a retry was pending');
  assert.equal(outcome.record.status, 'cancelled');
  assert.ok(outcome.record.timing.latencyMs < 30000, `the run waited ${outcome.record.timing.latencyMs} ms`);
  assert.equal(logged(outcome.record.id)?.status, 'cancelled');
  // Had Stop not ended the wait, the run would have lasted 30 s; had the loop gone on after it, the retry would
  // have reached the server before the run returned.
  assert.equal(received(model).length, 1);
});

test('a 429 storm: 30 concurrent runs, each ends as its 429s and the retry bound say', async () => {
  // Run i is answered 429 `times = i % 4` times (its own counter), with maxRetries 2: 0–2 times end ok after that
  // many retries, 3 times ends as an error with the 429 after 2 retries. Three requests at most for every run.
  const runs = Array.from({ length: 30 }, (_, i) => ({ times: i % 4, model: `fault/429?times=${i % 4}&retryAfterMs=5&key=${randomUUID()}` }));
  const results = await Promise.all(runs.map((r) => run(r.model, { maxRetries: 2 })));
  results.forEach(({ outcome, retries }, i) => {
    const { times, model } = runs[i] as { times: number; model: string };
    const expected = times <= 2 ? 'ok' : 'error';
    assert.equal(outcome.record.status, expected, `run ${i} (${times} × 429)`);
    assert.equal(retries.length, Math.min(times, 2), `run ${i}: retries`);
    assert.equal(received(model).length, Math.min(times, 2) + 1, `run ${i}: requests`);
    if (expected === 'error') assert.equal(outcome.record.error?.httpStatus, 429);
    else assert.equal(outcome.record.output, syntheticText(5));
    assert.equal(logged(outcome.record.id)?.status, expected);
  });
});

test('backoff: full jitter under a doubling ceiling; the server\'s word wins', () => {
  const err500 = new APIError(500, undefined, 'x', new Headers());
  assert.equal(retryDelayMs(err500, 1, DEFAULT_RETRY_POLICY, () => 1), 500);
  assert.equal(retryDelayMs(err500, 3, DEFAULT_RETRY_POLICY, () => 0.5), 1000);
  assert.equal(retryDelayMs(err500, 20, DEFAULT_RETRY_POLICY, () => 1), 60_000);
  const told = new APIError(429, undefined, 'x', new Headers({ 'retry-after': '4' }));
  assert.equal(retryDelayMs(told, 1, DEFAULT_RETRY_POLICY, () => 0), 4000);
  assert.equal(serverRetryDelayMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
  assert.equal(serverRetryDelayMs(new Headers({ 'retry-after': 'Sat, 21 Nov 2026 10:00:05 GMT' }), Date.parse('Sat, 21 Nov 2026 10:00:00 GMT')), 5000);
  assert.equal(serverRetryDelayMs(new Headers()), undefined);
});
