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
  const request: RunRequest = { runId: randomUUID(), promptPath: 'p.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: {}, deployment, apiKey: undefined, logDir };
  if (signal) request.signal = signal;
  const retries: Observed['retries'] = [];
  let text = '';
  const outcome = await executeRun(request, { onRetry: (r) => retries.push(r), onText: (t) => { text += t; } });
  return { outcome, retries, text };
}

function logged(id: string): RunRecord | undefined {
  return fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord)).find((r) => r.id === id);
}

test('429s with retry-after-ms are waited out exactly, then the run succeeds', async () => {
  const { outcome, retries } = await run(`fault/429?times=2&retryAfterMs=40&key=${randomUUID()}`);
  assert.equal(outcome.record.status, 'ok', outcome.error?.message);
  assert.equal(outcome.record.output, syntheticText(5));
  assert.deepEqual(retries.map((r) => [r.attempt, r.delayMs]), [[1, 40], [2, 40]]);
  assert.equal(outcome.record.retries, 2);
  assert.equal(logged(outcome.record.id)?.retries, 2);
});

test('retry-after in seconds is honoured', async () => {
  const { outcome, retries } = await run(`fault/retryAfter?times=1&seconds=1&key=${randomUUID()}`);
  assert.equal(outcome.record.status, 'ok');
  assert.deepEqual(retries.map((r) => r.delayMs), [1000]);
  assert.ok(outcome.record.timing.latencyMs >= 1000);
});

test('500s past the retry budget end as an error with the status', async () => {
  const { outcome, retries } = await run(`fault/500?times=5&key=${randomUUID()}`, { maxRetries: 2 });
  assert.equal(outcome.record.status, 'error');
  assert.equal(outcome.record.error?.httpStatus, 500);
  assert.equal(retries.length, 2);
  assert.equal(logged(outcome.record.id)?.status, 'error');
});

test('maxRetries 0 turns retrying off', async () => {
  const { outcome, retries } = await run(`fault/500?times=1&key=${randomUUID()}`, { maxRetries: 0 });
  assert.equal(outcome.record.status, 'error');
  assert.equal(retries.length, 0);
});

test('a connection dropped before any byte is retried', async () => {
  const { outcome, retries } = await run(`fault/drop?times=2&key=${randomUUID()}`);
  assert.equal(outcome.record.status, 'ok', outcome.error?.message);
  assert.equal(retries.length, 2);
});

test('a connection reset midway keeps the partial output and is not retried', async () => {
  const { outcome, retries, text } = await run('fault/reset?after=3&chunks=10');
  assert.equal(outcome.record.status, 'error');
  assert.equal(retries.length, 0);
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

test('Stop during a backoff wait cancels at once', async () => {
  const controller = new AbortController();
  const started = Date.now();
  const pending = run(`fault/429?times=5&retryAfterMs=30000&key=${randomUUID()}`, {}, controller.signal);
  setTimeout(() => controller.abort(), 200);
  const { outcome } = await pending;
  assert.equal(outcome.record.status, 'cancelled');
  assert.ok(Date.now() - started < 5000);
});

test('a 429 storm: 30 concurrent runs all end, each logged as ok or error', async () => {
  const key = randomUUID();
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => run(`fault/429?times=40&retryAfterMs=5&key=${key}&n=${i % 3}`, { maxRetries: 2 })));
  for (const { outcome } of results) {
    assert.ok(['ok', 'error'].includes(outcome.record.status));
    assert.equal(logged(outcome.record.id)?.status, outcome.record.status);
  }
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
