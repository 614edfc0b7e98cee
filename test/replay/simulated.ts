/**
 * The simulated inference server behind the replay server's `simulated/*` models: answers computed on the spot (not
 * recordings), timed by the batching engine of ./simulatedEngine.ts, behind optional rate limits. It is for testing
 * and measuring batch work offline; its answers are clearly not a model's (the `x-prompt-lab-replay` header says
 * `simulated/...`).
 *
 * Models:
 * - `simulated/chat`: answers the last user message. A line `Reply with: TEXT` in it makes the answer exactly TEXT;
 *   otherwise the answer restates the message's first words and goes on with filler words, to a length of
 *   `completionTokens.min`…`max` tokens drawn from a hash of the messages (so different rows get different answers,
 *   and the same row the same answer). `max_tokens` / `max_completion_tokens` cut it (`finish_reason: "length"`).
 * - `simulated/judge`: answers like a judge, with one choice: the text of a `Reply with:` line; else one of the
 *   options a line `… one of: a, b, c` lists; else a rating from 1 to 5; chosen by a hash of the messages.
 *
 * Usage is counted as OpenAI counts chat tokens (3 per message plus 3 to prime the reply, "How to count tokens with
 * tiktoken" in the OpenAI Cookbook) with a token ≈ 4 characters of English (OpenAI's rule of thumb); each answer
 * word is one completion token.
 *
 * Rate limits: token buckets of `requestsPerMinute` and `tokensPerMinute` (a request costs its prompt tokens plus its
 * `max_tokens`, else its answer's length, as Azure OpenAI estimates), each holding `burstSeconds` of its rate; a
 * request that finds a bucket short is answered 429 in OpenAI's error shape with `retry-after-ms` and/or `retry-after`
 * (whole seconds, rounded up): the time until the bucket holds enough.
 */
import type * as http from 'node:http';
import { BatchEngine, DEFAULT_ENGINE_PARAMS, type EngineParams, type Sequence } from './simulatedEngine';

/** Rate limits of the simulated server. */
export interface SimulatedRateLimit {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Seconds of the rate each bucket holds (the burst allowed); default 1. */
  burstSeconds?: number;
  /** Which header says how long to wait: `ms` (retry-after-ms), `seconds` (retry-after), `both` (default). */
  retryAfter?: 'ms' | 'seconds' | 'both';
}

/** Everything the simulated server can be told. */
export interface SimulatedParams extends EngineParams {
  /** Range of answer lengths in tokens (words) of `simulated/chat`. */
  completionTokens: { min: number; max: number };
  /** How often (ms) the tokens decoded so far are sent to streaming clients. */
  streamIntervalMs: number;
  rateLimit?: SimulatedRateLimit;
}

/** Defaults: the engine's, answers of 32 to 96 tokens, a flush every 20 ms, no rate limit. */
export const DEFAULT_SIMULATED_PARAMS: Readonly<SimulatedParams> = Object.freeze({
  ...DEFAULT_ENGINE_PARAMS, completionTokens: { min: 32, max: 96 }, streamIntervalMs: 20,
});

/** One request the simulated server saw. Times are `performance.now()` ms of the server's process. */
export interface SimulatedArrival {
  at: number;
  /** The model as requested (query included). */
  model: string;
  status: 200 | 429;
  /** For a 429: the wait announced, ms. */
  retryAfterMs?: number;
  /** Requests of this model in flight after this one arrived (200s only count). */
  inFlight: number;
  /** The last user message, first 200 characters (to check which rows were sent). */
  question: string;
  /** Whether the client asked for a stream. */
  stream: boolean;
}

/** What the server saw, for tests and benchmarks. */
export interface SimulatedStats {
  arrivals: SimulatedArrival[];
  /** Most requests in flight at once, per model. */
  maxInFlight: Record<string, number>;
  /** Requests in flight now, per model. */
  inFlight: Record<string, number>;
  /** Requests answered completely (the whole stream or JSON sent), per model. */
  completed: Record<string, number>;
  /** Requests whose client went away before the end, per model. */
  abandoned: Record<string, number>;
  /** Most sequences the engine admitted at once (never more than its capacity), and most waiting for admission. */
  maxAdmitted: number;
  maxQueued: number;
  /** Every HTTP request the replay server received since the reset (`/_simulated/*` aside), by `METHOD path`. */
  requests: Record<string, number>;
}

/** A message as it arrives in a chat completion request. */
interface WireMessage {
  role?: unknown;
  content?: unknown;
  name?: unknown;
}

/** FNV-1a, 32 bits: a stable hash for choosing lengths and words. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof (p as { text?: unknown })?.text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

/** Prompt tokens of `messages`: 3 per message + ⌈characters / 4⌉ of its content (+1 for a name) + 3 for the reply. */
export function countPromptTokens(messages: readonly WireMessage[]): number {
  let n = 3;
  for (const m of messages) n += 3 + Math.ceil(contentText(m.content).length / 4) + (typeof m.name === 'string' ? 1 : 0);
  return n;
}

const FILLER = ('the answer depends on what you asked and here is more detail about it with a clear example that shows ' +
  'how each part works together so you can check every step against your own case before you decide').split(' ');

/** The last user message's text ('' without one). */
export function lastUserMessage(messages: readonly WireMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return contentText(messages[i]?.content);
  return '';
}

function replyWith(text: string): string | undefined {
  const m = /^[ \t]*Reply with:[ \t]?(.*)$/im.exec(text);
  return m ? (m[1] ?? '') : undefined;
}

/** Splits an answer into tokens: each word with the whitespace after it. */
export function answerTokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** The answer of `simulated/chat` to `messages` (see the module comment). */
export function chatAnswer(messages: readonly WireMessage[], params: Pick<SimulatedParams, 'completionTokens'>): string {
  const question = lastUserMessage(messages);
  const direct = replyWith(question);
  if (direct !== undefined) return direct;
  const seed = hash32(JSON.stringify(messages.map((m) => [m.role, contentText(m.content)])));
  const { min, max } = params.completionTokens;
  const length = min + (seed % (Math.max(0, max - min) + 1));
  const lead = question.split(/\s+/).filter(Boolean).slice(0, 12);
  const words = ['You', 'asked:', ...lead];
  for (let i = 0; words.length < length; i++) words.push(FILLER[(seed + i * 7) % FILLER.length] as string);
  return `${words.slice(0, Math.max(1, length)).join(' ')}.`;
}

/** The answer of `simulated/judge` to `messages` (see the module comment). */
export function judgeAnswer(messages: readonly WireMessage[]): string {
  const all = messages.map((m) => contentText(m.content)).join('\n');
  const direct = replyWith(lastUserMessage(messages));
  if (direct !== undefined) return direct;
  const seed = hash32(all);
  const listed = /\bone of:?[ \t]*([^\n]+)$/im.exec(all)?.[1];
  const options = listed?.split(/,|\bor\b|\|/).map((o) => o.trim().replace(/^["'`]|["'`.]$/g, '').trim()).filter(Boolean) ?? [];
  if (options.length > 0) return options[seed % options.length] as string;
  return String(1 + (seed % 5));
}

/** A token bucket: `capacity` tokens, refilled at `perMs`. */
class Bucket {
  private level: number;
  private at: number;
  constructor(private readonly capacity: number, private readonly perMs: number, now: number) {
    this.level = capacity;
    this.at = now;
  }
  /** Takes `n` and returns 0, or takes nothing and returns the ms until `n` are there. */
  take(n: number, now: number): number {
    this.level = Math.min(this.capacity, this.level + (now - this.at) * this.perMs);
    this.at = now;
    const need = Math.min(n, this.capacity);
    if (this.level >= need) {
      this.level -= need;
      return 0;
    }
    return (need - this.level) / this.perMs;
  }
}

/** The simulated models of one replay server: one engine for all `simulated/*` requests. */
export class SimulatedServer {
  params: SimulatedParams;
  stats: SimulatedStats = SimulatedServer.emptyStats();
  private engine: BatchEngine;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private readonly streaming = new Set<{ seq: Sequence; flush(): void }>();
  private lastFlush = 0;
  private requestBucket: Bucket | undefined;
  private tokenBucket: Bucket | undefined;
  private sequenceCounter = 0;
  private open = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(params: Partial<SimulatedParams> = {}) {
    this.params = { ...DEFAULT_SIMULATED_PARAMS, ...params };
    this.engine = new BatchEngine(this.params);
    this.engine.now = performance.now();
    this.makeBuckets();
  }

  private static emptyStats(): SimulatedStats {
    return { arrivals: [], maxInFlight: {}, inFlight: {}, completed: {}, abandoned: {}, maxAdmitted: 0, maxQueued: 0, requests: {} };
  }

  /**
   * New parameters (merged over the defaults), empty statistics and full rate-limit buckets.
   * @throws Error while a request is in flight (its timing belongs to the current engine).
   */
  reset(params: Partial<SimulatedParams> = {}): void {
    if (this.engine.busy) throw new Error('simulated server: cannot reset while requests are in flight');
    this.params = { ...DEFAULT_SIMULATED_PARAMS, ...params };
    this.engine = new BatchEngine(this.params);
    this.engine.now = performance.now();
    this.stats = SimulatedServer.emptyStats();
    this.makeBuckets();
  }

  private makeBuckets(): void {
    const limit = this.params.rateLimit;
    const burst = limit?.burstSeconds ?? 1;
    const now = performance.now();
    this.requestBucket = limit?.requestsPerMinute ? new Bucket(Math.max(1, (limit.requestsPerMinute * burst) / 60), limit.requestsPerMinute / 60_000, now) : undefined;
    this.tokenBucket = limit?.tokensPerMinute ? new Bucket(Math.max(1, (limit.tokensPerMinute * burst) / 60), limit.tokensPerMinute / 60_000, now) : undefined;
  }

  /** Resolves once no request is in flight (a client's cancel reaches the server a moment after the client moved on). */
  idle(): Promise<void> {
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private closed(): void {
    if (this.open === 0) throw new Error('simulated server: a request was counted as closed twice');
    if (--this.open > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Stops the timer (the server is closing). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Counts a request the replay server received (any route), so a benchmark can check nothing else was asked. */
  noteRequest(method: string, path: string): void {
    const key = `${method} ${path}`;
    this.stats.requests[key] = (this.stats.requests[key] ?? 0) + 1;
  }

  /** Answers one chat completion request for `model` (`simulated/chat…` or `simulated/judge…`). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, model: string, body: unknown): void {
    const name = model.split('?')[0] ?? model;
    if (name !== 'simulated/chat' && name !== 'simulated/judge') {
      sendJson(res, 404, { error: { message: `The model \`${model}\` does not exist: the simulated models are simulated/chat and simulated/judge.`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
      return;
    }
    const b = (body ?? {}) as { messages?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown }; max_tokens?: unknown; max_completion_tokens?: unknown };
    const messages = Array.isArray(b.messages) ? (b.messages as WireMessage[]) : [];
    const stream = b.stream === true;
    const includeUsage = b.stream_options?.include_usage === true;
    const limit = typeof b.max_completion_tokens === 'number' ? b.max_completion_tokens : typeof b.max_tokens === 'number' ? b.max_tokens : undefined;
    const text = name === 'simulated/judge' ? judgeAnswer(messages) : chatAnswer(messages, this.params);
    const all = answerTokens(text);
    const tokens = limit !== undefined && limit >= 0 && limit < all.length ? all.slice(0, limit) : all;
    const finishReason = tokens.length < all.length ? 'length' : 'stop';
    const promptTokens = countPromptTokens(messages);
    const now = performance.now();
    const question = lastUserMessage(messages).slice(0, 200);

    const waitMs = Math.max(this.requestBucket?.take(1, now) ?? 0, this.tokenBucket?.take(promptTokens + (limit ?? tokens.length), now) ?? 0);
    if (waitMs > 0) {
      const retryAfterMs = Math.ceil(waitMs);
      const how = this.params.rateLimit?.retryAfter ?? 'both';
      if (how !== 'seconds') res.setHeader('retry-after-ms', String(retryAfterMs));
      if (how !== 'ms') res.setHeader('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      this.stats.arrivals.push({ at: now, model, status: 429, retryAfterMs: how === 'seconds' ? Math.ceil(retryAfterMs / 1000) * 1000 : retryAfterMs, inFlight: this.stats.inFlight[model] ?? 0, question, stream });
      sendJson(res, 429, { error: { message: `Rate limit reached for ${model} (simulated): try again in ${retryAfterMs} ms.`, type: 'requests', param: null, code: 'rate_limit_exceeded' } });
      return;
    }
    this.open++;
    const inFlight = (this.stats.inFlight[model] ?? 0) + 1;
    this.stats.inFlight[model] = inFlight;
    this.stats.maxInFlight[model] = Math.max(this.stats.maxInFlight[model] ?? 0, inFlight);
    this.stats.arrivals.push({ at: now, model, status: 200, inFlight, question, stream });

    const id = `chatcmpl-simulated-${++this.sequenceCounter}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: string, extra = ''): string => `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${name}","choices":${delta}${extra}}\n\n`;
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length };
    let sent = 0;
    let ended = false;
    const stats = this.stats;
    const engine = this.engine;
    const writeTokens = (upTo: number): void => {
      if (!stream || upTo <= sent || res.destroyed) return;
      const piece = tokens.slice(sent, upTo).join('');
      const role = sent === 0 ? '"role":"assistant",' : '';
      sent = upTo;
      res.write(chunk(`[{"index":0,"delta":{${role}"content":${JSON.stringify(piece)}},"logprobs":null,"finish_reason":null}]`));
    };
    const entry = { seq: undefined as unknown as Sequence, flush: () => writeTokens(engine.tokens(entry.seq)) };
    const seq: Sequence = {
      promptTokens, completionTokens: Math.max(1, tokens.length), state: 'queued', prefillEnd: 0, s0: 0,
      onFirstToken: () => {
        if (stream) this.streaming.add(entry);
        writeTokens(Math.min(1, tokens.length));
      },
      onDone: () => {
        // A sequence the client abandoned is cancelled in the engine; should the engine still finish it, it is not
        // counted twice (the count of open requests would go below zero and idle() would never resolve).
        if (ended) return;
        this.streaming.delete(entry);
        ended = true;
        stats.inFlight[model] = (stats.inFlight[model] ?? 1) - 1;
        stats.completed[model] = (stats.completed[model] ?? 0) + 1;
        this.closed();
        if (res.destroyed) return;
        if (stream) {
          writeTokens(tokens.length);
          res.write(chunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}]`));
          if (includeUsage) res.write(chunk('[]', `,"usage":${JSON.stringify(usage)}`));
          res.end('data: [DONE]\n\n');
        } else {
          sendJson(res, 200, {
            id, object: 'chat.completion', created, model: name,
            choices: [{ index: 0, message: { role: 'assistant', content: tokens.join(''), refusal: null }, logprobs: null, finish_reason: finishReason }],
            usage,
          }, { 'x-prompt-lab-replay': name });
        }
      },
    };
    entry.seq = seq;
    if (stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-prompt-lab-replay': name });
      res.flushHeaders();
    }
    const abandoned = (): void => {
      if (ended) return;
      ended = true;
      this.streaming.delete(entry);
      stats.inFlight[model] = (stats.inFlight[model] ?? 1) - 1;
      stats.abandoned[model] = (stats.abandoned[model] ?? 0) + 1;
      engine.cancel(seq, performance.now());
      this.closed();
      this.schedule();
    };
    // A client that gave up while its body was still being read has closed already: 'close' will not come again.
    if (res.destroyed || res.closed || req.socket.destroyed) {
      engine.submit(seq, now);
      abandoned();
      return;
    }
    res.once('close', abandoned);
    engine.submit(seq, now);
    stats.maxAdmitted = Math.max(stats.maxAdmitted, engine.active);
    stats.maxQueued = Math.max(stats.maxQueued, engine.queued);
    this.schedule();
  }

  /** Arms the one timer for the engine's next event or the next flush of streamed tokens. */
  private schedule(): void {
    const now = performance.now();
    const next = Math.min(this.engine.nextEventTime() ?? Infinity, this.streaming.size > 0 ? this.lastFlush + this.params.streamIntervalMs : Infinity);
    if (!Number.isFinite(next)) return;
    if (this.timer && this.timerAt <= next) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - now));
  }

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    this.engine.advanceTo(now);
    if (now >= this.lastFlush + this.params.streamIntervalMs) {
      this.lastFlush = now;
      for (const entry of this.streaming) entry.flush();
    }
    this.schedule();
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length), ...headers });
  res.end(body);
}
