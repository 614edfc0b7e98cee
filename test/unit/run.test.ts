import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { resolveDeployment, type DeploymentConfig, type ResolvedDeployment } from '../../src/core/providers/deployments';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { executeRun, redactRecord, type RunObserver, type RunRequest } from '../../src/core/run/run';
import type { RunRecord } from '../../src/core/log/runLog';
import { startReplayServer, syntheticText, type ReplayServer } from '../replay/server';
import { expectedOf, recordedStreams } from './wireOracle';
import { tempDir } from './tempDir';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { builtInPrices } from '../../src/core/providers/prices';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

let server: ReplayServer;
let logDir: string;
before(async () => {
  server = await startReplayServer();
  logDir = tempDir('prompt-lab-run-');
});
after(async () => {
  await server.close();
});

const PROMPT = parsePromptFile(`{
  "name": "t", "deployment": "d", "parameters": { "temperature": 0.5, "seed": 7 },
  "inputs": { "topic": { "default": "cats" } },
  "messages": [ { "role": "system", "content": "Be brief." }, { "role": "user", "content": "Tell me about {{ topic }}." } ]
}`).prompt as PromptFile;

function deployment(config: DeploymentConfig): ResolvedDeployment {
  return resolveDeployment('d', { d: config });
}

function local(model: string, extra: Partial<DeploymentConfig> = {}): ResolvedDeployment {
  return deployment({ provider: 'openai-compatible', baseURL: server.baseURL, model, ...extra });
}

function request(d: ResolvedDeployment, extra: Partial<RunRequest> = {}): RunRequest {
  return { runId: randomUUID(), promptPath: 'prompts/t.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: { topic: 'cats' }, deployment: d, apiKey: undefined, logDir, fs: files, ...extra };
}

function logged(id: string): RunRecord[] {
  return fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord)).filter((r) => r.id === id);
}

/**
 * The recorded streams that end in an error although the server answered 200, each with what the run must say and
 * keep: the error message, and everything that came before the chunk that broke the stream (`expectedOf(file, true)`).
 */
const FAILING_STREAMS: Record<string, { message: string; why: string }> = {
  // Groq: an `event: error` SSE event after 94 chunks of reasoning.
  'groq/pai-stream-error-event.sse': {
    message: 'The server reported an error during the stream (deployment "d"): Tool call validation failed: tool call validation failed: parameters for tool get_something_by_name did not match schema: errors: [missing properties: \'name\', additionalProperties \'invalid_param\' not allowed].',
    why: 'an error event mid-stream',
  },
  // OpenRouter: finish_reason "length", then a chunk with a top-level `error` (and usage, which the SDK drops with it).
  'openrouter/pai-stream-comments-inline-error.sse': {
    message: 'The server reported an error during the stream (deployment "d"): Token limit reached.',
    why: 'a chunk with an error object after the finish_reason',
  },
  // openai-php's hand-written stream: one `data: {"error":…}` line that no blank line ends. The SSE standard drops an
  // event the stream ends in the middle of, so the SDK sees no event at all: the run fails as a stream with nothing in it.
  'openai/HANDWRITTEN-openai-php-stream-error-data.sse': {
    message: 'The server closed the stream without sending a completion (deployment "d").',
    why: 'an unterminated event, dropped by the SSE rules',
  },
};

test('every recorded stream runs through the real SDK into the same output as the recording', async () => {
  const failed: string[] = [];
  for (const file of recordedStreams()) {
    const model = `replay/${file.replace(/\.sse$/, '')}`;
    let streamed = '';
    const outcome = await executeRun(request(local(model)), { onText: (t) => { streamed += t; } });
    const { record } = outcome;
    assert.equal(streamed, record.output, `${file}: the deltas concatenate to the output`);
    assert.equal(record.replayOf, file);
    const failing = FAILING_STREAMS[file];
    if (!failing) {
      const expected = expectedOf(file);
      assert.equal(record.status, 'ok', `${file}: ${outcome.error?.message}`);
      assert.equal(record.output, expected.text, file);
      assert.equal(record.finishReason, expected.finishReason, file);
      assert.equal(record.usage?.completionTokens ?? null, expected.usage?.completion_tokens ?? null, `${file}: completion tokens`);
      assert.equal(record.usage?.promptTokens ?? null, expected.usage?.prompt_tokens ?? null, `${file}: prompt tokens`);
      assert.equal(expected.errorAt, -1, `${file} has an error chunk: list it in FAILING_STREAMS`);
    } else {
      failed.push(file);
      // What came before the chunk that broke the stream is kept, in the record and the log line, and nothing after.
      const before = expectedOf(file, true);
      assert.equal(record.status, 'error', file);
      assert.equal(outcome.error?.message, failing.message, `${file} (${failing.why})`);
      assert.equal(record.error?.message, failing.message, file);
      assert.equal(outcome.error?.action, 'retry', file);
      assert.equal(record.output, before.text, `${file}: the output up to the error`);
      assert.equal(record.reasoning ?? '', before.reasoning, `${file}: the reasoning up to the error`);
      assert.equal(record.finishReason, before.finishReason, file);
      assert.equal(logged(record.id)[0]?.reasoning ?? '', before.reasoning, `${file}: logged with its reasoning`);
    }
    assert.equal(logged(record.id).length, 1, `${file} is logged once`);
  }
  assert.deepEqual(failed, Object.keys(FAILING_STREAMS).sort(), 'every stream that must fail was played');
});

test('where the stream broke: the reasoning stops at the chunk before the error', () => {
  // The oracle's own check, so that the test above compares against the right cut: Groq's error is chunk 94 of 95, the
  // first 94 chunks are reasoning; OpenRouter's is chunk 3, after two chunks of reasoning and the finish_reason.
  const groq = expectedOf('groq/pai-stream-error-event.sse', true);
  assert.equal(groq.errorAt, 94);
  assert.match(groq.reasoning, /^We need to call the tool with invalid parameters first.* Let's do that\.$/s);
  const openrouter = expectedOf('openrouter/pai-stream-comments-inline-error.sse', true);
  assert.equal(openrouter.errorAt, 3);
  assert.equal(openrouter.reasoning, 'We need to respond to a greeting. The user');
  assert.equal(openrouter.finishReason, 'length');
  assert.equal(openrouter.usage, null, 'the usage rides on the error chunk');
  assert.equal(expectedOf('openai/HANDWRITTEN-openai-php-stream-error-data.sse').errorAt, 0);
});

test('the log line holds the run: rendered messages, parameters, usage, timing, status', async () => {
  const d = local('replay/openai/pysdk-stream-text-usage');
  const events: string[] = [];
  const observer: RunObserver = {
    onStarted: () => events.push('started'),
    onResponded: (r) => events.push(`responded ${r}`),
    onText: () => { if (events.at(-1) !== 'text') events.push('text'); },
  };
  const { record, logFile } = await executeRun(request(d), observer);
  assert.deepEqual(events, ['started', 'responded openai/pysdk-stream-text-usage.sse', 'text']);
  assert.ok(logFile && path.basename(logFile) === `${record.timing.startedAt.slice(0, 10)}.jsonl`);
  const [line] = logged(record.id);
  assert.deepEqual(line, record);
  assert.equal(line?.event, 'run');
  assert.equal(line?.prompt, 'prompts/t.prompt.json');
  assert.equal(line?.deployment, 'd');
  assert.equal(line?.provider, 'openai-compatible');
  assert.equal(line?.model, 'gpt-4o-2024-08-06');
  assert.deepEqual(line?.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me about cats.' }]);
  assert.deepEqual(line?.parameters, { temperature: 0.5, seed: 7 });
  assert.deepEqual(line?.usage, { promptTokens: 14, completionTokens: 30, totalTokens: 44 });
  assert.equal(line?.status, 'ok');
  assert.ok(typeof line?.timing.ttftMs === 'number' && line.timing.ttftMs <= line.timing.latencyMs);
  // What went over the wire: usage requested, parameters passed through, no credential for a keyless server.
  const sent = server.requests.at(-1);
  const body = sent?.body as Record<string, unknown>;
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
  assert.equal(body.temperature, 0.5);
  assert.equal(body.seed, 7);
  assert.equal(sent?.headers.authorization, undefined);
});

test('a key is sent as a bearer token, and never written to the log', async () => {
  const secret = 'sk-test-DO-NOT-LOG-1234567890';
  const { record } = await executeRun(request(local('replay/mistral/vercel-stream-text'), { apiKey: secret }));
  assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${secret}`);
  const text = fs.readdirSync(logDir).map((f) => fs.readFileSync(path.join(logDir, f), 'utf8')).join('');
  assert.ok(!text.includes(secret));
  assert.equal(record.status, 'ok');
});

test('Azure deployments go through AzureOpenAI to /openai/deployments/…', async () => {
  const d = deployment({ provider: 'azure', endpoint: server.url, deployment: 'replay/azure/vercel-model-router-stream-usage', apiVersion: '2024-10-21' });
  const { record } = await executeRun(request(d, { apiKey: 'azure-key' }));
  assert.equal(record.status, 'ok', record.error?.message);
  assert.equal(record.output, 'Capital of Denmark.');
  const sent = server.requests.at(-1);
  assert.match(sent?.url ?? '', /^\/openai\/deployments\/.+\/chat\/completions\?api-version=2024-10-21$/);
  assert.equal(sent?.headers['api-key'], 'azure-key');
});

test('a 20,000-chunk stream arrives whole', async () => {
  let deltas = 0;
  const { record } = await executeRun(request(local('synthetic/fast?chunks=20000')), { onText: () => { deltas++; } });
  assert.equal(record.output, syntheticText(20000));
  assert.equal(deltas, 20000);
});

test('Stop cancels the request: status cancelled, partial output kept and logged', async () => {
  const controller = new AbortController();
  let received = '';
  const run = executeRun(request(local('synthetic/stall?chunks=5'), { signal: controller.signal }), {
    onText: (t) => {
      received += t;
      if (received === syntheticText(5)) controller.abort();
    },
  });
  const { record, error } = await run;
  assert.equal(record.status, 'cancelled');
  assert.equal(error, undefined);
  assert.equal(record.output, syntheticText(5));
  assert.equal(logged(record.id)[0]?.output, syntheticText(5));
});

test('HTTP errors end as error runs with the status, logged', async () => {
  const cases: [string, number, string][] = [
    ['replay/openai/error-401-invalid-api-key', 401, 'setApiKey'],
    ['replay/openai/error-404-model-not-found', 404, 'openSettings'],
    ['replay/azure/error-429-rate-limit-from-issue', 429, 'retry'],
    ['replay/openai/error-400-unsupported-parameter', 400, 'showLog'],
  ];
  for (const [model, status, action] of cases) {
    const outcome = await executeRun(request(local(model)));
    assert.equal(outcome.record.status, 'error', model);
    assert.equal(outcome.record.error?.httpStatus, status, model);
    assert.equal(outcome.error?.action, action, model);
    assert.equal(logged(outcome.record.id)[0]?.status, 'error');
  }
});

test('connection refused ends as an error that names the URL', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(p));
    });
  });
  const d = deployment({ provider: 'openai-compatible', baseURL: `http://127.0.0.1:${port}/v1`, model: 'm' });
  const { record, error } = await executeRun(request(d));
  assert.equal(record.status, 'error');
  assert.match(error?.message ?? '', new RegExp(`Could not reach http://127.0.0.1:${port}/v1 \\(deployment "d"\\): connection refused`));
  assert.equal(error?.action, 'openSettings');
});

test('a template error is logged as an error run with no request sent', async () => {
  const broken = parsePromptFile('{ "messages": [ { "role": "user", "content": "{{ topic | nope }}" } ] }').prompt as PromptFile;
  const before = server.requests.length;
  const { record, error } = await executeRun(request(local('replay/mistral/vercel-stream-text'), { prompt: broken }));
  assert.equal(server.requests.length, before);
  assert.equal(record.status, 'error');
  assert.match(error?.message ?? '', /^Template error in message 1, line 1/);
  assert.equal(error?.action, 'openPrompt');
});

test('a deployment with prices gets the run\'s cost in USD', async () => {
  const d = local('replay/openai/pysdk-stream-text-usage', { prices: { inputPerMillion: 2.5, outputPerMillion: 10 } });
  const { record } = await executeRun(request(d));
  // 14 prompt tokens at $2.50/M + 30 completion tokens at $10/M
  assert.equal(record.costUsd, (14 * 2.5 + 30 * 10) / 1e6);
  assert.equal(logged(record.id)[0]?.costUsd, record.costUsd);
});

test('the built-in price table prices a run the server answered, by the model it reported', async () => {
  // The recording played as the service sent it (no replay header): the server reports gpt-4o-2024-08-06, a dated
  // snapshot of gpt-4o in the built-in table ($2.50 / $10 per million tokens, src/core/providers/prices.ts).
  const { record } = await executeRun(request(local('replay/openai/pysdk-stream-text-usage?unmarked=1')));
  assert.equal(record.status, 'ok', record.error?.message);
  assert.equal(record.replayOf, undefined);
  assert.equal(record.model, 'gpt-4o-2024-08-06');
  assert.deepEqual(builtInPrices(record.model), { inputPerMillion: 2.5, outputPerMillion: 10 });
  assert.equal(record.costUsd, (14 * 2.5 + 30 * 10) / 1e6);
  assert.equal(logged(record.id)[0]?.costUsd, record.costUsd);
});

test('a replay costs nothing, although the model it reports is in the price table', async () => {
  const { record } = await executeRun(request(local('replay/openai/pysdk-stream-text-usage')));
  assert.equal(record.replayOf, 'openai/pysdk-stream-text-usage.sse');
  assert.equal(record.model, 'gpt-4o-2024-08-06');
  assert.ok(builtInPrices(record.model), 'the reported model has built-in prices');
  assert.equal(record.costUsd, undefined);
  assert.equal('costUsd' in (logged(record.id)[0] ?? {}), false);
});

test('with redactPII, every output in the logged line is masked: the answer, the other choices, the reasoning; the run itself is not', async () => {
  const email = 'ana.silva@example.com';
  const prompt = parsePromptFile(JSON.stringify({ parameters: { n: 2 }, messages: [{ role: 'user', content: `Write to ${email} today.` }] })).prompt as PromptFile;
  const { record } = await executeRun(request(local('synthetic/echo'), { prompt, redactPII: true }));
  assert.equal(record.status, 'ok', record.error?.message);
  assert.equal(record.output, `Write to ${email} today.`);
  assert.deepEqual(record.otherChoices?.map((c) => c.output), [`[1] Write to ${email} today.`]);
  const [line] = logged(record.id);
  assert.equal(line?.output, 'Write to [EMAIL] today.');
  assert.equal(line?.messages[0]?.content, 'Write to [EMAIL] today.');
  assert.deepEqual(line?.otherChoices?.map((c) => c.output), ['[1] Write to [EMAIL] today.']);
  assert.ok(!JSON.stringify(line).includes(email), 'the address is nowhere in the line');
});

test('redactRecord masks the refusal and the reasoning too', () => {
  const record: RunRecord = {
    event: 'run', id: 'r', prompt: 'p', deployment: 'd', provider: 'openai', model: 'm', inputs: {}, messages: [], parameters: {},
    output: '', finishReason: 'stop', usage: null, timing: { startedAt: '2026-01-01T00:00:00.000Z', ttftMs: null, latencyMs: 1 }, status: 'ok',
    refusal: 'I will not write to ana.silva@example.com.', reasoning: 'The user wants ana.silva@example.com.',
  };
  const masked = redactRecord(record);
  assert.equal(masked.refusal, 'I will not write to [EMAIL].');
  assert.equal(masked.reasoning, 'The user wants [EMAIL].');
  assert.equal(record.refusal, 'I will not write to ana.silva@example.com.', 'the record itself is not changed');
});

test('a stream that ends without a finish_reason is an error that keeps its partial output', async () => {
  const empty = await executeRun(request(local('replay/openai/HANDWRITTEN-openai-php-stream-error-data')));
  assert.equal(empty.record.status, 'error');
  assert.match(empty.error?.message ?? '', /closed the stream without sending a completion/);
  let received = '';
  const cut = await executeRun(request(local('synthetic/cut?chunks=10')), { onText: (t) => { received += t; } });
  assert.equal(cut.record.status, 'error', cut.error?.message);
  assert.match(cut.error?.message ?? '', /ended after \d+ chunks without a finish_reason/);
  assert.equal(cut.record.output, syntheticText(10));
  assert.equal(received, syntheticText(10));
  assert.equal(logged(cut.record.id)[0]?.output, syntheticText(10));
});

test('Azure with Entra ID: the token provider\'s token is sent as a bearer token, and no api-key', async () => {
  const d = deployment({ provider: 'azure', endpoint: server.url, deployment: 'replay/azure/vercel-model-router-stream-usage', apiVersion: '2024-10-21', auth: 'entra' });
  assert.equal(d.needsKey, false);
  let asked = 0;
  const { record } = await executeRun(request(d, { azureADTokenProvider: async () => { asked++; return 'entra-token-123'; } }));
  assert.equal(record.status, 'ok', record.error?.message);
  const sent = server.requests.at(-1);
  assert.equal(sent?.headers.authorization, 'Bearer entra-token-123');
  assert.equal(sent?.headers['api-key'], undefined);
  assert.equal(asked, 1);
});
