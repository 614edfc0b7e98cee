/**
 * Tests of the replay server (test/replay/server.ts) with the real `openai` SDK over real sockets
 * on 127.0.0.1. Fixtures: test/fixtures/wire (provenance in test/fixtures/wire/SOURCES.md).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI, { APIError, AzureOpenAI } from 'openai';
import {
  azureDeployment,
  defaultFixturesDir,
  findRepoRoot,
  splitSseEvents,
  startReplayServer,
  syntheticText,
  type ReplayServer,
} from '../replay/server';

const FIXTURES = path.join(findRepoRoot(__dirname), 'test', 'fixtures', 'wire');

/** Parses the `data:` lines of a recorded SSE file on its own (not via the server): JSON values, `[DONE]` skipped. */
function recordedChunks(rel: string): unknown[] {
  const text = fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
  const out: unknown[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice('data:'.length).replace(/^ /, '');
    if (data === '[DONE]') continue;
    out.push(JSON.parse(data));
  }
  return out;
}

function listFixtureFiles(): string[] {
  const out: string[] = [];
  for (const folder of fs.readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(FIXTURES, folder.name))) {
      if (f.endsWith('.sse') || f.endsWith('.json')) out.push(`${folder.name}/${f}`);
    }
  }
  return out.sort();
}

describe('replay server with the openai SDK', () => {
  let server: ReplayServer;
  let client: OpenAI;

  before(async () => {
    server = await startReplayServer();
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    await server.close();
  });

  test('answers a CORS preflight, unrecorded, and allows any origin on the answer itself (the web build calls it from a worker)', async () => {
    const before = server.requests.length;
    const preflight = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://vscode.dev', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, x-stainless-os' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, content-type, x-stainless-os');
    assert.equal(server.requests.length, before, 'a preflight is not a request of the test');
    const models = await fetch(`${server.baseURL}/models`, { headers: { Origin: 'https://vscode.dev' } });
    assert.equal(models.status, 200);
    assert.equal(models.headers.get('access-control-allow-origin'), '*');
    assert.equal(models.headers.get('access-control-expose-headers'), '*');
  });

  test('listens on 127.0.0.1 and the default fixtures dir is the repo copy', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.baseURL, `${server.url}/v1`);
    assert.ok(server.port > 0);
    assert.equal(defaultFixturesDir(), FIXTURES);
    assert.ok(fs.existsSync(path.join(FIXTURES, 'openai', 'pysdk-stream-text-usage.sse')));
  });

  for (const rel of [
    'openai/pysdk-stream-text-usage.sse',
    'azure/vercel-model-router-stream-usage.sse',
    'mistral/otel-stream-p-padding-usage.sse',
    'openai/pysdk-stream-parallel-tool-calls.sse',
    'vllm/crusoe-vllm-0.24-stream-usage.sse',
    'other/vercel-anthropic-via-compat-tool-index-1.sse',
  ]) {
    test(`stream fixture ${rel}: SDK chunks deep-equal the recorded data lines`, async () => {
      const expected = recordedChunks(rel);
      assert.ok(expected.length > 2, 'fixture has chunks');
      const model = `replay/${rel.replace(/\.sse$/, '')}`;
      const { data: stream, response } = await client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
        .withResponse();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-prompt-lab-replay'), rel);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      const got: unknown[] = [];
      for await (const chunk of stream) got.push(chunk);
      assert.deepStrictEqual(got, expected);
      const last = server.requests.at(-1);
      assert.equal(last?.path, '/v1/chat/completions');
      assert.deepStrictEqual((last?.body as { stream_options?: unknown } | null)?.stream_options, { include_usage: true });
      assert.equal((last?.body as { model?: unknown } | null)?.model, model);
    });
  }

  test('error fixture openai/error-401-invalid-api-key.json: SDK throws APIError 401 with the recorded message', async () => {
    const recorded = JSON.parse(
      fs.readFileSync(path.join(FIXTURES, 'openai', 'error-401-invalid-api-key.json'), 'utf8'),
    ) as { error: { message: string; code: string } };
    let caught: unknown;
    try {
      await client.chat.completions.create({
        model: 'replay/openai/error-401-invalid-api-key',
        messages: [{ role: 'user', content: 'hi' }],
      });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof APIError, `expected APIError, got ${String(caught)}`);
    assert.equal(caught.status, 401);
    assert.equal(caught.code, 'invalid_api_key');
    assert.ok(recorded.error.message.length > 10);
    assert.equal(caught.message, `401 ${recorded.error.message}`);
    assert.deepStrictEqual(caught.error, recorded.error);
    assert.equal(caught.headers?.get('x-prompt-lab-replay'), 'openai/error-401-invalid-api-key.json');
  });

  test('error-NNN status is taken from the file name (azure 404 with string code)', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'replay/azure/error-404-resource-not-found', messages: [] }),
      (e: unknown) => e instanceof APIError && e.status === 404 && /Resource not found/.test(e.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'replay/groq/error-400-tool-use-failed', messages: [] }),
      (e: unknown) => e instanceof APIError && e.status === 400,
    );
  });

  test('non-stream JSON fixture is returned as the recorded object', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'openai', 'pysdk-nonstream-text.json'), 'utf8')) as unknown;
    const { data, response } = await client.chat.completions
      .create({ model: 'replay/openai/pysdk-nonstream-text', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(response.headers.get('x-prompt-lab-replay'), 'openai/pysdk-nonstream-text.json');
    assert.deepStrictEqual(data, expected);
  });

  test('Azure route: AzureOpenAI with a deployment containing slashes streams the quarkus fixture', async () => {
    const azure = new AzureOpenAI({
      endpoint: server.url,
      apiKey: 'azure-key',
      apiVersion: '2024-10-21',
      deployment: 'replay/azure/quarkus-stream-gpt4o-no-usage',
      maxRetries: 0,
      timeout: 20_000,
    });
    const before = server.requests.length;
    const { data: stream, response } = await azure.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    assert.equal(response.headers.get('x-prompt-lab-replay'), 'azure/quarkus-stream-gpt4o-no-usage.sse');
    const got: unknown[] = [];
    for await (const chunk of stream) got.push(chunk);
    assert.deepStrictEqual(got, recordedChunks('azure/quarkus-stream-gpt4o-no-usage.sse'));
    assert.equal(server.requests.length, before + 1);
    const req = server.requests.at(-1);
    // The SDK (v6) puts the deployment into the path without encoding its slashes.
    assert.equal(
      req?.url,
      '/openai/deployments/replay/azure/quarkus-stream-gpt4o-no-usage/chat/completions?api-version=2024-10-21',
    );
    assert.equal(req?.headers['api-key'], 'azure-key');
    assert.equal(req?.headers['authorization'], undefined);
  });

  test('Azure route also accepts a URL-encoded deployment and a synthetic model as deployment', async () => {
    const enc = encodeURIComponent('replay/azure/otel-stream-gpt35-api-2024-02-01');
    const res = await fetch(`${server.url}/openai/deployments/${enc}/chat/completions?api-version=2024-02-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [], stream: true }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-prompt-lab-replay'), 'azure/otel-stream-gpt35-api-2024-02-01.sse');
    assert.equal(await res.text(), fs.readFileSync(path.join(FIXTURES, 'azure', 'otel-stream-gpt35-api-2024-02-01.sse'), 'utf8'));

    const azure = new AzureOpenAI({ endpoint: server.url, apiKey: 'k', apiVersion: '2024-10-21', maxRetries: 0 });
    const stream = await azure.chat.completions.create({ model: 'synthetic/fast?chunks=7', messages: [], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, syntheticText(7));
  });

  test('synthetic/fast?chunks=20000 yields exactly syntheticText(20000), then finish and usage chunks', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'synthetic/fast?chunks=20000', messages: [], stream: true })
      .withResponse();
    assert.equal(response.headers.get('x-prompt-lab-replay'), 'synthetic');
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    let usageTokens: number | undefined;
    let lastChoicesLen = -1;
    for await (const c of stream) {
      chunks++;
      const choice = c.choices[0];
      text += choice?.delta.content ?? '';
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (c.usage) usageTokens = c.usage.completion_tokens;
      lastChoicesLen = c.choices.length;
    }
    assert.equal(text.length, syntheticText(20000).length);
    assert.equal(text, syntheticText(20000));
    assert.equal(chunks, 20000 + 3); // role chunk + content chunks + finish chunk + usage chunk
    assert.equal(finish, 'stop');
    assert.equal(usageTokens, 20000);
    assert.equal(lastChoicesLen, 0);
  });

  test('syntheticText is deterministic and exact', () => {
    assert.equal(syntheticText(0), '');
    assert.equal(syntheticText(3), 'tok0 tok1 tok2 ');
    assert.equal(syntheticText(-5), '');
  });

  test('synthetic/slow waits delayMs between chunks', async () => {
    const t0 = Date.now();
    const stream = await client.chat.completions.create({
      model: 'synthetic/slow?chunks=5&delayMs=40',
      messages: [],
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    const elapsed = Date.now() - t0;
    assert.equal(text, syntheticText(5));
    // 5 content + finish + usage + [DONE] events after the role chunk, 40 ms apart
    assert.ok(elapsed >= 7 * 40 - 10, `elapsed ${elapsed} ms`);
  });

  test('x-replay-delay-ms header slows a fixture replay', async () => {
    const t0 = Date.now();
    const stream = await client.chat.completions.create(
      { model: 'replay/openai/pysdk-stream-finish-length', messages: [], stream: true },
      { headers: { 'x-replay-delay-ms': '50' } },
    );
    let n = 0;
    for await (const _c of stream) n++;
    const elapsed = Date.now() - t0;
    const events = splitSseEvents(fs.readFileSync(path.join(FIXTURES, 'openai', 'pysdk-stream-finish-length.sse'), 'utf8'));
    assert.equal(n, recordedChunks('openai/pysdk-stream-finish-length.sse').length);
    assert.ok(elapsed >= (events.length - 1) * 50 - 10, `elapsed ${elapsed} ms for ${events.length} events`);
    assert.equal(server.requests.at(-1)?.headers['x-replay-delay-ms'], '50');
  });

  test('a stalled stream can be aborted by the client', { timeout: 15_000 }, async () => {
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'synthetic/stall?chunks=3', messages: [], stream: true },
      { signal: ac.signal },
    );
    let text = '';
    let aborted = false;
    const t0 = Date.now();
    try {
      for await (const c of stream) {
        text += c.choices[0]?.delta.content ?? '';
        if (text === syntheticText(3)) setTimeout(() => ac.abort(), 50);
      }
    } catch (e) {
      aborted = e instanceof Error && /abort/i.test(`${e.name} ${e.message}`);
      if (!aborted) throw e;
    }
    assert.equal(text, syntheticText(3));
    assert.ok(ac.signal.aborted, 'the loop ended only because of the abort');
    assert.ok(Date.now() - t0 < 5000);
  });

  test('x-prompt-lab-replay header and byte-exact bodies for every fixture (raw fetch)', async () => {
    const files = listFixtureFiles();
    assert.ok(files.length >= 58, `found ${files.length} fixtures`);
    for (const rel of files) {
      const res = await fetch(`${server.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: `replay/${rel.replace(/\.(sse|json)$/, '')}`, messages: [] }),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.ok(bytes.equals(fs.readFileSync(path.join(FIXTURES, rel))), `bytes of ${rel}`);
      assert.equal(res.headers.get('x-prompt-lab-replay'), rel);
      const m = /^[^/]+\/error-(\d{3})-/.exec(rel);
      assert.equal(res.status, m?.[1] !== undefined ? Number(m[1]) : 200, `status of ${rel}`);
      assert.match(res.headers.get('content-type') ?? '', rel.endsWith('.sse') ? /^text\/event-stream/ : /^application\/json/);
    }
    const unauth = server.requests.at(-1);
    assert.equal(unauth?.headers['authorization'], undefined, 'raw fetch sent no Authorization header');
  });

  test('an SSE fixture reaches the client in several network chunks', async () => {
    const rel = 'openai/pysdk-stream-text-usage.sse';
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-replay-delay-ms': '5' },
      body: JSON.stringify({ model: 'replay/openai/pysdk-stream-text-usage', stream: true }),
    });
    assert.ok(res.body);
    const reader = res.body.getReader();
    let reads = 0;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 10_000; i++) {
      const r = await reader.read();
      if (r.done) break;
      reads++;
      parts.push(r.value);
    }
    assert.ok(Buffer.concat(parts).equals(fs.readFileSync(path.join(FIXTURES, rel))));
    assert.ok(reads >= 10, `got ${reads} reads`);
  });

  test('GET /v1/models lists synthetic and replay models (SDK models.list)', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('synthetic/fast'));
    assert.ok(ids.includes('synthetic/stall'));
    assert.ok(ids.includes('replay/openai/pysdk-stream-text-usage'));
    assert.ok(ids.includes('replay/azure/error-404-deployment-not-found'));
    assert.equal(ids.filter((i) => i.startsWith('replay/')).length, listFixtureFiles().length);
  });

  test('unknown model and unknown route answer 404 in the OpenAI error shape', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'replay/openai/does-not-exist', messages: [] }),
      (e: unknown) => e instanceof APIError && e.status === 404 && e.code === 'model_not_found',
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'replay/../../package', messages: [] }),
      (e: unknown) => e instanceof APIError && e.status === 404,
    );
    const res = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error?: { message?: unknown; type?: unknown; param?: unknown; code?: unknown } };
    assert.equal(typeof body.error?.message, 'string');
    assert.equal(body.error?.type, 'invalid_request_error');
    assert.ok(body.error && 'param' in body.error && 'code' in body.error);
  });
});

describe('replay server lifecycle', () => {
  test('close() destroys a stalled stream and resolves', { timeout: 15_000 }, async () => {
    const server = await startReplayServer();
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0, timeout: 20_000 });
    const stream = await client.chat.completions.create({ model: 'synthetic/stall?chunks=2', messages: [], stream: true });
    let text = '';
    let closeResult: 'closed' | 'timeout' | null = null;
    const t0 = Date.now();
    try {
      for await (const c of stream) {
        text += c.choices[0]?.delta.content ?? '';
        if (text === syntheticText(2) && closeResult === null) {
          // the stream now stalls; closing the server must cut it
          const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
          closeResult = await Promise.race([server.close().then(() => 'closed' as const), timeout]);
        }
      }
    } catch {
      // the SDK may report the cut connection as an error; either way the loop must end
    }
    assert.equal(text, syntheticText(2));
    assert.equal(closeResult, 'closed');
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    await server.close(); // idempotent
  });

  test('close() resolves after a client aborted a stalled stream', { timeout: 15_000 }, async () => {
    const server = await startReplayServer();
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'synthetic/stall?chunks=1', messages: [], stream: true },
      { signal: ac.signal },
    );
    try {
      for await (const c of stream) {
        if ((c.choices[0]?.delta.content ?? '') !== '') ac.abort();
      }
    } catch (e) {
      assert.ok(e instanceof Error && /abort/i.test(`${e.name} ${e.message}`), String(e));
    }
    assert.ok(ac.signal.aborted);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
    assert.equal(await Promise.race([server.close().then(() => 'closed' as const), timeout]), 'closed');
  });

  test('only 127.0.0.1 is accepted as host', async () => {
    await assert.rejects(startReplayServer({ host: '0.0.0.0' as '127.0.0.1' }), /127\.0\.0\.1/);
  });
});

describe('replay helpers', () => {
  test('splitSseEvents keeps every byte and splits at blank lines', () => {
    for (const rel of listFixtureFiles().filter((f) => f.endsWith('.sse'))) {
      const text = fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
      const events = splitSseEvents(text);
      assert.equal(events.join(''), text, rel);
      assert.ok(events.length >= 1, rel);
    }
    assert.deepStrictEqual(splitSseEvents('data: a\n\ndata: b\n\n'), ['data: a\n\n', 'data: b\n\n']);
    assert.deepStrictEqual(splitSseEvents('data: a\ndata: b\n'), ['data: a\n', 'data: b\n']);
    assert.deepStrictEqual(splitSseEvents('data: a\r\n\r\ndata: [DONE]\n'), ['data: a\r\n\r\n', 'data: [DONE]\n']);
    const openrouter = splitSseEvents(
      fs.readFileSync(path.join(FIXTURES, 'openrouter', 'pai-stream-comments-inline-error.sse'), 'utf8'),
    );
    assert.equal(openrouter.filter((e) => e === ': OPENROUTER PROCESSING\n\n').length, 17);
    const handwritten = splitSseEvents(
      fs.readFileSync(path.join(FIXTURES, 'openai', 'HANDWRITTEN-openai-php-stream-error-data.sse'), 'utf8'),
    );
    assert.equal(handwritten.length, 1);
  });

  test('azureDeployment handles raw, encoded and SDK-requoted deployments', () => {
    assert.equal(azureDeployment('/openai/deployments/gpt-4o/chat/completions?api-version=1'), 'gpt-4o');
    assert.equal(
      azureDeployment('/openai/deployments/replay/azure/x/chat/completions?api-version=2024-10-21'),
      'replay/azure/x',
    );
    assert.equal(azureDeployment('/openai/deployments/replay%2Fazure%2Fx/chat/completions'), 'replay/azure/x');
    assert.equal(
      azureDeployment('/openai/deployments/synthetic/fast?chunks=3%2Fchat%2Fcompletions&api-version=2024-10-21'),
      'synthetic/fast?chunks=3',
    );
    assert.equal(azureDeployment('/openai/deployments/x/embeddings?api-version=1'), null);
    assert.equal(azureDeployment('/v1/chat/completions'), null);
  });
});
