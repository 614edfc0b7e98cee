/** The simulated inference server, through the real openai SDK over real sockets, and its engine's arithmetic. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { APIError } from 'openai';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { aggregateRate, BatchEngine, DEFAULT_ENGINE_PARAMS, idealRun, VLLM_MIXTRAL_2XA100, type Sequence } from '../replay/simulatedEngine';
import { answerTokens, chatAnswer, countPromptTokens, type SimulatedParams } from '../replay/simulated';

let server: ReplayServer;
let client: OpenAI;
before(async () => {
  server = await startReplayServer();
  client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
});
after(async () => {
  await server.close();
});

async function fresh(params: Partial<SimulatedParams>): Promise<void> {
  await server.simulated.idle();
  server.simulated.reset(params);
}

interface Streamed { text: string; chunks: number; usage: OpenAI.CompletionUsage | undefined; finish: string | null | undefined; ttftMs: number; latencyMs: number; startedAt: number; endedAt: number }

async function stream(content: string, extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}, model = 'simulated/chat'): Promise<Streamed> {
  const t0 = performance.now();
  const s = await client.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }], ...extra });
  const out: Streamed = { text: '', chunks: 0, usage: undefined, finish: undefined, ttftMs: -1, latencyMs: 0, startedAt: t0, endedAt: 0 };
  for await (const chunk of s) {
    const delta = chunk.choices[0]?.delta?.content;
    if (delta) {
      if (out.ttftMs < 0) out.ttftMs = performance.now() - t0;
      out.text += delta;
      out.chunks++;
    }
    if (chunk.choices[0]?.finish_reason) out.finish = chunk.choices[0].finish_reason;
    if (chunk.usage) out.usage = chunk.usage;
  }
  out.endedAt = performance.now();
  out.latencyMs = out.endedAt - t0;
  return out;
}

test('answers derive from the last user message: different rows differ, the same row repeats, usage is counted', async () => {
  await fresh({ speedup: 50 });
  const a = await stream('What is the boiling point of water?');
  const b = await stream('Who wrote Hamlet?');
  const a2 = await stream('What is the boiling point of water?');
  assert.match(a.text, /^You asked: What is the boiling point of water\? /);
  assert.notEqual(a.text, b.text);
  assert.equal(a.text, a2.text);
  assert.equal(a.finish, 'stop');
  const words = answerTokens(a.text).length;
  assert.ok(words >= 32 && words <= 96, `${words} words`);
  assert.deepEqual(a.usage, { prompt_tokens: countPromptTokens([{ role: 'user', content: 'What is the boiling point of water?' }]), completion_tokens: words, total_tokens: a.usage?.prompt_tokens as number + words });
  assert.equal(a.usage?.prompt_tokens, 3 + 3 + Math.ceil(35 / 4));
  const direct = await stream('Please answer.\nReply with: {"ok": true}');
  assert.equal(direct.text, '{"ok": true}');
});

test('max_tokens cuts the answer with finish_reason "length"; a non-streaming request gets one JSON body', async () => {
  await fresh({ speedup: 50 });
  const cut = await stream('Tell me everything', { max_tokens: 5 });
  assert.equal(answerTokens(cut.text).length, 5);
  assert.equal(cut.finish, 'length');
  assert.equal(cut.usage?.completion_tokens, 5);
  const whole = await client.chat.completions.create({ model: 'simulated/chat', messages: [{ role: 'user', content: 'Tell me everything' }] });
  assert.equal(whole.choices[0]?.message.content, chatAnswer([{ role: 'user', content: 'Tell me everything' }], server.simulated.params));
  assert.equal(whole.usage?.completion_tokens, answerTokens(whole.choices[0]?.message.content ?? '').length);
});

test('the judge answers one of the listed options, the same one for the same prompt; a rating otherwise', async () => {
  await fresh({ speedup: 50 });
  const answers = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const r = await stream(`Case ${i}. Is it right? Answer with one of: "correct", "incorrect", "partly"`, {}, 'simulated/judge');
    assert.ok(['correct', 'incorrect', 'partly'].includes(r.text), r.text);
    answers.add(r.text);
    assert.equal((await stream(`Case ${i}. Is it right? Answer with one of: "correct", "incorrect", "partly"`, {}, 'simulated/judge')).text, r.text);
  }
  assert.ok(answers.size > 1, 'different prompts get different verdicts');
  assert.match((await stream('Rate the answer from 1 to 5.', {}, 'simulated/judge')).text, /^[1-5]$/);
});

test('a rate limit answers 429 in OpenAI error shape with retry-after-ms and retry-after', async () => {
  await fresh({ speedup: 50, rateLimit: { requestsPerMinute: 60, burstSeconds: 1 } });
  const t0 = performance.now();
  await stream('one');
  const err = await stream('two').then(() => undefined, (e: unknown) => e);
  const elapsed = performance.now() - t0;
  assert.ok(err instanceof APIError, String(err));
  assert.equal(err.status, 429);
  assert.equal(err.code, 'rate_limit_exceeded');
  const ms = Number(err.headers?.get('retry-after-ms'));
  // The bucket refills one request per second: the wait is a second less the time since the first request.
  assert.ok(ms <= 1000 && ms >= 1000 - elapsed - 1, `retry-after-ms ${ms} after ${elapsed.toFixed(0)} ms`);
  assert.equal(err.headers?.get('retry-after'), '1');
  await fresh({ speedup: 50, rateLimit: { tokensPerMinute: 600, retryAfter: 'seconds' } });
  // A token bucket of 10 tokens: the first request (more than 10 tokens) empties it, the next must wait.
  await stream('A question that is long enough to cost more than ten tokens');
  const tokens = await stream('And another one').then(() => undefined, (e: unknown) => e);
  assert.ok(tokens instanceof APIError && tokens.status === 429);
  assert.equal(tokens.headers?.get('retry-after-ms'), null);
  assert.ok(Number(tokens.headers?.get('retry-after')) >= 1);
});

/** Runs `shapes` submitted at time 0 through an engine in virtual time; returns each one's first-token and done times. */
function virtual(params: typeof DEFAULT_ENGINE_PARAMS, shapes: { promptTokens: number; completionTokens: number }[]): { first: number; done: number }[] {
  const engine = new BatchEngine(params);
  const times = shapes.map(() => ({ first: -1, done: -1 }));
  shapes.forEach((shape, i) => engine.submit({ ...shape, state: 'queued', prefillEnd: 0, s0: 0, onFirstToken: (t) => ((times[i] as { first: number }).first = t), onDone: (t) => ((times[i] as { done: number }).done = t) }, 0));
  for (let t = engine.nextEventTime(); t !== undefined; t = engine.nextEventTime()) engine.advanceTo(t);
  return times;
}

test('engine: the per-sequence rate falls as the batch grows, on the published vLLM curve', () => {
  const params = { ...DEFAULT_ENGINE_PARAMS, prefillTokensPerSecond: 1e12 };
  const alone = virtual(params, [{ promptTokens: 0, completionTokens: 64 }])[0]?.done as number;
  assert.ok(Math.abs(alone - (64 / 63.97) * 1000) < 1e-6);
  for (const b of [16, 64, 256]) {
    const together = virtual(params, Array.from({ length: b }, () => ({ promptTokens: 0, completionTokens: 64 })));
    const expected = (64 / (aggregateRate(VLLM_MIXTRAL_2XA100, b) / b)) * 1000;
    for (const t of together) assert.ok(Math.abs(t.done - expected) < 1e-6, `batch ${b}: ${t.done} ms, expected ${expected} ms`);
  }
  assert.equal(aggregateRate(VLLM_MIXTRAL_2XA100, 24), (419.95 + 681.34) / 2);
  assert.equal(aggregateRate(VLLM_MIXTRAL_2XA100, 1000), 1311.11);
});

test('engine: prefill time grows with prompt tokens and comes before the first token', () => {
  const [short, long] = virtual({ ...DEFAULT_ENGINE_PARAMS }, [{ promptTokens: 10, completionTokens: 4 }, { promptTokens: 10_000, completionTokens: 4 }]);
  assert.ok(Math.abs((long?.first as number) - (short?.first as number) - ((10_000 - 10) / 4000) * 1000) < 1e-6);
});

test('engine: at most C sequences are admitted; the next starts when one ends', () => {
  const times = virtual({ ...DEFAULT_ENGINE_PARAMS, capacity: 4, prefillTokensPerSecond: 1e12 }, Array.from({ length: 10 }, (_, i) => ({ promptTokens: 0, completionTokens: 10 + i })));
  const firstDone = times[0]?.done as number;
  for (const t of times.slice(4)) assert.ok(t.first > firstDone - 1e-9, 'queued behind the first four');
  for (const t of times.slice(0, 4)) assert.ok(t.first < firstDone);
});

test('over sockets, beyond its capacity the server queues: at most C sequences are admitted at once', async () => {
  await fresh({ speedup: 5, capacity: 4, completionTokens: { min: 32, max: 32 } });
  await Promise.all(Array.from({ length: 10 }, (_, i) => stream(`q${i}`)));
  assert.equal(server.simulated.stats.maxAdmitted, 4);
  assert.ok(server.simulated.stats.maxQueued >= 1, 'requests waited in the queue');
  assert.equal(server.simulated.stats.completed['simulated/chat'], 10, 'none was refused');
});

test('the ideal throughput is computed from the parameters, and a real closed loop never beats it', async () => {
  const params = { ...DEFAULT_ENGINE_PARAMS, speedup: 20 };
  const one = idealRun(params, [{ promptTokens: 400, completionTokens: 64 }], 1);
  assert.ok(Math.abs(one.makespanMs - ((400 / 4000 / 20) * 1000 + ((64 / 63.97) / 20) * 1000)) < 1e-6);
  const engine = new BatchEngine(params);
  const seqs: Sequence[] = Array.from({ length: 3 }, () => ({ promptTokens: 0, completionTokens: 10, state: 'queued', prefillEnd: 0, s0: 0 }));
  for (const s of seqs) engine.submit(s, 0);
  engine.advanceTo(1e9);
  assert.ok(seqs.every((s) => s.state === 'done'));

  await fresh({ speedup: 20, completionTokens: { min: 32, max: 64 } });
  const questions = Array.from({ length: 48 }, (_, i) => `closed loop question ${i}`);
  const shapes = questions.map((q) => {
    const messages = [{ role: 'user', content: q }];
    return { promptTokens: countPromptTokens(messages), completionTokens: answerTokens(chatAnswer(messages, server.simulated.params)).length };
  });
  const ideal = idealRun({ ...server.simulated.params }, shapes, 8);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < questions.length; i = next++) await stream(questions[i] as string);
  }));
  const measured = performance.now() - t0;
  assert.ok(measured >= ideal.makespanMs * 0.98, `measured ${measured.toFixed(0)} ms, ideal ${ideal.makespanMs.toFixed(0)} ms`);
  // How close a client comes is a figure of the benchmark (bench/evaluate.ts), not of a test.
});
