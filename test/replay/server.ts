/**
 * Local replay server for recorded chat-completion wire responses.
 *
 * Serves the files under `test/fixtures/wire/<folder>/<stem>.(sse|json)` (provenance in
 * `test/fixtures/wire/SOURCES.md`) over real HTTP sockets on 127.0.0.1, in the shape the
 * `openai` npm SDK expects, so the SDK (OpenAI or Azure flavour) can be pointed at it in tests,
 * benchmarks and manual runs. It never contacts the network; it only listens on 127.0.0.1.
 *
 * Routes:
 * - `POST /v1/chat/completions`: OpenAI style, model taken from the JSON body field `model`.
 * - `POST /openai/deployments/{deployment}/chat/completions?api-version=…`: Azure style, the
 *   deployment (raw or URL-encoded, may contain `/` and `?`) plays the role of the model.
 * - `GET /v1/models`: `{ object: "list", data: [{ id, object: "model", created: 0, owned_by }] }`.
 * - anything else: 404 JSON in OpenAI's error shape `{ error: { message, type, param, code } }`.
 *
 * Model names:
 * - `replay/<folder>/<stem>` replays `<fixturesDir>/<folder>/<stem>.sse` (200 text/event-stream,
 *   one `res.write` per event, bytes unchanged) or `.json` (`error-NNN-*.json` → HTTP NNN, other
 *   `.json` → 200 application/json; body bytes unchanged). Header `x-prompt-lab-replay: <folder>/<file>`.
 * - `synthetic/fast?chunks=N`, `synthetic/slow?chunks=N&delayMs=M`, `synthetic/stall?chunks=N`,
 *   `synthetic/cut?chunks=N` (ends the response after N content chunks, as a dropped connection does): generated streams
 *   (and `synthetic/status?code=NNN`: an OpenAI-shaped error body with that HTTP status, for statuses no recording has)
 * - `synthetic/echoKey?form=openai|plain`: a 401 that echoes the request's key, as OpenAI's does
 *   (`openai`: shaped like `openai/error-401-invalid-api-key.json`, the key whole when it is short, else its first
 *   8 characters, a row of `*` and its last 4, as OpenAI shows long keys) or as a proxy that echoes any header
 *   (`plain`: the whole `Authorization` value in a plain-text body).
 * - `synthetic/errorBody?shape=toplevel|detail|text&code=NNN`: an error body that is not OpenAI's shape:
 *   `toplevel` `{"object":"error","message",…}` (Mistral's API and vLLM's OpenAI server put the message at the top
 *   level), `detail` `{"detail":"…"}` (FastAPI's HTTPException, used by servers built on it), `text` plain text (a
 *   proxy's or a load balancer's page).
 * - Faults, for resilience tests (`key=K` keeps separate counters for separate tests):
 *   `fault/429?times=N&retryAfterMs=M&key=K` and `fault/retryAfter?times=N&seconds=S&key=K` answer 429 with that header
 *   N times, then stream; `fault/500?times=N&key=K` answers 500 N times, then streams; `fault/drop?times=N&key=K`
 *   destroys the connection before any byte N times, then streams; `fault/reset?after=N` resets the connection after
 *   N content chunks; `fault/malformed?after=N` sends a line that is not JSON after N chunks. shaped like `openai/pysdk-stream-text-usage.sse`; header `x-prompt-lab-replay: synthetic`.
 * - `synthetic/echo`: streams back the content of the request's last message, one word per chunk, then
 *   `finish_reason: "stop"` (for tests of what a run sends and logs, e.g. masking); with `n` > 1 in the request,
 *   choice i > 0 says the same after `[i] `.
 * - `simulated/chat` and `simulated/judge`: the simulated inference server of ./simulated.ts (continuous batching,
 *   rate limits, answers derived from the prompt); `GET /_simulated/stats[?arrivals=1]` says what it saw and
 *   `POST /_simulated/reset` (body: its parameters) starts it afresh.
 * - Any replay model may carry `?delayMs=M`; the request header `x-replay-delay-ms: M` does the same
 *   (milliseconds between SSE events, bounded by {@link MAX_DELAY_MS}).
 * - `replay/<folder>/<stem>?unmarked=1` plays the recording without the `x-prompt-lab-replay` header, as the
 *   recorded service answered: Prompt Lab then treats it as a real answer (e.g. prices it).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SimulatedServer, type SimulatedParams } from './simulated';

/** Upper bound for `chunks=N` of the synthetic models (count of content chunks). */
export const MAX_SYNTHETIC_CHUNKS = 1_000_000;
/** Upper bound for any delay between events, in milliseconds (`delayMs`, `x-replay-delay-ms`). */
export const MAX_DELAY_MS = 60_000;
/** Upper bound for a request body, in bytes; larger bodies get HTTP 413. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Default port of the CLI (`test/replay/cli.ts`); the library defaults to port 0 (random). */
export const DEFAULT_CLI_PORT = 18931;

/** One request as received by the replay server, recorded in arrival order. */
export interface RecordedRequest {
  /** HTTP method, upper case, e.g. `"POST"`. */
  method: string;
  /** Path part of the request target, still URL-encoded, without the query, e.g. `/v1/chat/completions`. */
  path: string;
  /** The raw request target as sent, e.g. `/openai/deployments/x/chat/completions?api-version=2024-10-21`. */
  url: string;
  /** Request headers as Node parsed them (names lower case). */
  headers: http.IncomingHttpHeaders;
  /** The body parsed as JSON, or `null` when empty or not JSON. */
  body: unknown;
  /** When the request's headers arrived, in ms on this process's `performance.now()` clock. */
  receivedAt: number;
}

/** A running replay server (see {@link startReplayServer}). */
export interface ReplayServer {
  /** `http://127.0.0.1:PORT` (no trailing slash); use as the `endpoint` of `AzureOpenAI`. */
  url: string;
  /** `url + '/v1'`; use as the `baseURL` of `OpenAI`. */
  baseURL: string;
  /** The TCP port actually bound. */
  port: number;
  /** Every request received so far, oldest first (the array is appended to in place). */
  requests: RecordedRequest[];
  /** The `simulated/*` models: their parameters, `reset(params)` and what they saw (`stats`). */
  simulated: SimulatedServer;
  /** Destroys open sockets (stalled streams included) and resolves once the server is closed. */
  close(): Promise<void>;
}

/** Options of {@link startReplayServer}. */
export interface ReplayServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Only `'127.0.0.1'` is allowed (default). */
  host?: '127.0.0.1';
  /** Folder holding `<folder>/<stem>.(sse|json)`; default `<repo root>/test/fixtures/wire`. */
  fixturesDir?: string;
  /** Delay in ms between SSE events of every replay unless the request asks otherwise; default 0. */
  eventDelayMs?: number;
  /** Parameters of the simulated inference server (`simulated/*` models; see ./simulated.ts). */
  simulated?: Partial<SimulatedParams>;
  /** Keep no `requests` record (a benchmark of 100,000 requests); default false. */
  noRecord?: boolean;
}

/** The synthetic model names (without query), as listed by `GET /v1/models`. */
export const SYNTHETIC_MODELS = ['synthetic/fast', 'synthetic/slow', 'synthetic/stall', 'synthetic/cut', 'synthetic/status', 'synthetic/echo', 'synthetic/echoKey', 'synthetic/errorBody', 'simulated/chat', 'simulated/judge'] as const;

/**
 * Content of the i-th synthetic chunk (0-based): `"tok<i> "`, e.g. `"tok0 "`, `"tok123 "`.
 */
export function syntheticToken(i: number): string {
  return `tok${i} `;
}

/**
 * The exact text a client accumulates from `synthetic/*?chunks=n`: the concatenation of
 * {@link syntheticToken}(0 … n-1). `n` is clamped to 0 … {@link MAX_SYNTHETIC_CHUNKS}.
 */
export function syntheticText(n: number): string {
  const count = clampInt(n, 0, MAX_SYNTHETIC_CHUNKS, 0);
  const parts: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) parts[i] = syntheticToken(i);
  return parts.join('');
}

/**
 * Splits an SSE file into events without changing a byte: each piece ends right after a blank
 * line (`\n\n`, `\r\n\r\n` or `\r\r`), the rest of the file (if any) is the last piece. If the
 * file has no blank line at all but several lines (single-`\n` separated), it is split per line.
 * `pieces.join('') === text` always holds.
 */
export function splitSseEvents(text: string): string[] {
  const pieces: string[] = [];
  const re = /\r\n\r\n|\n\n|\r\r/g;
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    pieces.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) pieces.push(text.slice(start));
  if (pieces.length === 1) {
    const only = pieces[0] ?? '';
    const lines = only.match(/[^\r\n]*(?:\r\n|\n|\r|$)/g)?.filter((l) => l.length > 0) ?? [];
    if (lines.length > 1) return lines;
  }
  return pieces;
}

/**
 * Finds the repository root: walks up from `startDir` (at most 32 levels) to the first folder whose
 * `package.json` has `"name": "prompt-lab"`. Throws if none is found.
 */
export function findRepoRoot(startDir: string = __dirname): string {
  let dir = path.resolve(startDir);
  for (let i = 0; i < 32; i++) {
    const pkg = path.join(dir, 'package.json');
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(pkg, 'utf8'));
      if (isRecord(parsed) && parsed['name'] === 'prompt-lab') return dir;
    } catch {
      // no or unreadable package.json here: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`replay server: no package.json named "prompt-lab" above ${startDir}`);
}

/** Default fixtures folder: `<repo root>/test/fixtures/wire`. */
export function defaultFixturesDir(): string {
  return path.join(findRepoRoot(__dirname), 'test', 'fixtures', 'wire');
}

/** One fixture file known to the server. */
interface FixtureEntry {
  /** `<folder>/<file>`, e.g. `openai/pysdk-stream-text-usage.sse` (the header value). */
  rel: string;
  /** Absolute path. */
  file: string;
  kind: 'sse' | 'json';
  /** HTTP status to answer with (NNN of `error-NNN-*.json`, else 200). */
  status: number;
}

/**
 * Lists the fixtures: map from model name `replay/<folder>/<stem>` to its file. `.sse` wins
 * over `.json` for the same stem. Only one folder level is read.
 */
function indexFixtures(dir: string): Map<string, FixtureEntry> {
  const out = new Map<string, FixtureEntry>();
  let folders: fs.Dirent[];
  try {
    folders = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const folder of folders) {
    if (!folder.isDirectory()) continue;
    const files = fs.readdirSync(path.join(dir, folder.name), { withFileTypes: true });
    for (const f of files) {
      if (!f.isFile()) continue;
      const m = /^(.+)\.(sse|json)$/.exec(f.name);
      if (!m || m[1] === undefined) continue;
      const kind = m[2] === 'sse' ? 'sse' : 'json';
      const model = `replay/${folder.name}/${m[1]}`;
      const existing = out.get(model);
      if (existing && existing.kind === 'sse') continue;
      const statusMatch = kind === 'json' ? /^error-(\d{3})-/.exec(f.name) : null;
      out.set(model, {
        rel: `${folder.name}/${f.name}`,
        file: path.join(dir, folder.name, f.name),
        kind,
        status: statusMatch?.[1] !== undefined ? Number(statusMatch[1]) : 200,
      });
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Model names the server answers to, as `GET /v1/models` lists them: the synthetic ones first,
 * then `replay/<folder>/<stem>` for every fixture in `fixturesDir`, sorted.
 */
export function listReplayModels(fixturesDir: string = defaultFixturesDir()): string[] {
  return [...SYNTHETIC_MODELS, ...indexFixtures(fixturesDir).keys()];
}

/**
 * Starts the replay server on 127.0.0.1.
 *
 * @param options port (default 0 = random), host (only `'127.0.0.1'`), fixturesDir (default
 *   `<repo root>/test/fixtures/wire`), eventDelayMs (default 0).
 * @returns the running server; call `close()` when done.
 */
export async function startReplayServer(options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error('replay server: only 127.0.0.1 is allowed');
  const fixturesDir = options.fixturesDir ?? defaultFixturesDir();
  const fixtures = indexFixtures(fixturesDir);
  const defaultDelay = clampInt(options.eventDelayMs ?? 0, 0, MAX_DELAY_MS, 0);
  const requests: RecordedRequest[] = [];
  const simulated = new SimulatedServer(options.simulated);
  const sockets = new Set<Socket>();
  let closing = false;

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendError(res, 500, `replay server error: ${String(err)}`, 'server_error', null, null);
      } else {
        res.destroy();
      }
    });
  });
  // Keep idle connections longer than a client's own keep-alive (Node's 5 s default races a client reusing a socket
  // the server is closing, which shows as ECONNRESET under load); 65 s, as load balancers commonly do.
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex === -1 ? rawUrl : rawUrl.slice(0, qIndex);
    const method = (req.method ?? 'GET').toUpperCase();
    // CORS, so that the web build (a web worker on another origin) can call the server: every answer allows any
    // origin and exposes its headers (retry-after, x-request-id); a preflight is answered here and not recorded.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', '*');
    if (method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      req.resume();
      return;
    }
    const bodyResult = await readBody(req);
    const record: RecordedRequest = {
      method,
      path: rawPath,
      url: rawUrl,
      headers: req.headers,
      body: bodyResult.json,
      receivedAt,
    };
    if (!options.noRecord) requests.push(record);
    if (!rawPath.startsWith('/_simulated/')) simulated.noteRequest(method, rawPath);
    if (bodyResult.tooLarge) {
      sendError(res, 413, `request body larger than ${MAX_BODY_BYTES} bytes`, 'invalid_request_error', null, null);
      return;
    }

    if (rawPath === '/_simulated/stats' && method === 'GET') {
      const withArrivals = rawUrl.includes('arrivals=1');
      sendJson(res, 200, withArrivals ? simulated.stats : { ...simulated.stats, arrivals: simulated.stats.arrivals.length });
      return;
    }
    if (rawPath === '/_simulated/reset' && method === 'POST') {
      try {
        simulated.reset(isRecord(bodyResult.json) ? (bodyResult.json as Partial<SimulatedParams>) : {});
        sendJson(res, 200, { params: simulated.params });
      } catch (err) {
        sendError(res, 409, String(err instanceof Error ? err.message : err), 'invalid_request_error', null, null);
      }
      return;
    }
    if (rawPath === '/v1/models' || rawPath === '/v1/models/') {
      if (method !== 'GET') return sendNotFound(res, method, rawPath);
      const data = [...SYNTHETIC_MODELS, ...fixtures.keys()].map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'prompt-lab-replay',
      }));
      sendJson(res, 200, { object: 'list', data });
      return;
    }

    let model: string | null = null;
    if (rawPath === '/v1/chat/completions') {
      if (method !== 'POST') return sendNotFound(res, method, rawPath);
      const body = bodyResult.json;
      const m = isRecord(body) ? body['model'] : undefined;
      if (typeof m !== 'string' || m.length === 0) {
        sendError(res, 400, 'you must provide a model parameter', 'invalid_request_error', 'model', null);
        return;
      }
      model = m;
    } else {
      // Azure: the deployment may contain '/' and even '?' when the SDK does not encode it,
      // so match on the raw target: /openai/deployments/<dep>/chat/completions[?api-version=…]
      model = azureDeployment(rawUrl);
      if (model !== null && method !== 'POST') return sendNotFound(res, method, rawPath);
    }
    if (model === null) return sendNotFound(res, method, rawPath);

    const delayHeader = req.headers['x-replay-delay-ms'];
    const headerDelay = typeof delayHeader === 'string' ? clampInt(Number(delayHeader), 0, MAX_DELAY_MS, -1) : -1;
    if (model.startsWith('simulated/')) {
      simulated.handle(req, res, model, bodyResult.json);
      return;
    }
    await serveModel(req, res, model, headerDelay >= 0 ? headerDelay : defaultDelay, bodyResult.json);
  }

  async function serveModel(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    model: string,
    delayMs: number,
    body: unknown,
  ): Promise<void> {
    const q = model.indexOf('?');
    const name = q === -1 ? model : model.slice(0, q);
    const params = new URLSearchParams(q === -1 ? '' : model.slice(q + 1));
    const paramDelay = params.has('delayMs') ? clampInt(Number(params.get('delayMs')), 0, MAX_DELAY_MS, 0) : -1;

    if (name.startsWith('fault/')) {
      await serveFault(req, res, name.slice('fault/'.length), params);
      return;
    }
    if (name === 'synthetic/status') {
      const status = clampInt(Number(params.get('code') ?? '500'), 400, 599, 500);
      res.setHeader('x-prompt-lab-replay', 'synthetic');
      sendError(res, status, `Synthetic ${status} from the Prompt Lab replay server.`, status >= 500 ? 'server_error' : 'invalid_request_error', null, null);
      return;
    }
    if (name === 'synthetic/echoKey') {
      const auth = String(req.headers.authorization ?? req.headers['api-key'] ?? '');
      const key = auth.replace(/^Bearer\s+/i, '');
      res.setHeader('x-prompt-lab-replay', 'synthetic');
      if (params.get('form') === 'plain') {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end(`Unauthorized: the upstream rejected the header "Authorization: ${auth}"`);
        return;
      }
      const shown = key.length <= 12 ? key : `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
      sendError(res, 401, `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', null, 'invalid_api_key');
      return;
    }
    if (name === 'synthetic/errorBody') {
      const status = clampInt(Number(params.get('code') ?? '400'), 400, 599, 400);
      const message = `Synthetic ${status} in the ${params.get('shape') ?? 'toplevel'} shape from the Prompt Lab replay server.`;
      res.setHeader('x-prompt-lab-replay', 'synthetic');
      const shape = params.get('shape');
      if (shape === 'text') {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(message);
      } else if (shape === 'detail') sendJson(res, status, { detail: message });
      else sendJson(res, status, { object: 'error', message, type: 'invalid_request_error', param: null, code: status });
      return;
    }
    if (name === 'synthetic/echo') {
      const messages = isRecord(body) && Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
      const last = messages.at(-1);
      const content = isRecord(last) && typeof last['content'] === 'string' ? last['content'] : '';
      const words = content.match(/\S+\s*|\s+/g) ?? [];
      const n = isRecord(body) && typeof body['n'] === 'number' ? clampInt(body['n'], 1, 8, 1) : 1;
      await streamSynthetic(req, res, { chunks: words.length, delayMs: paramDelay >= 0 ? paramDelay : delayMs, stall: false, cut: false, model: name, tokens: words, choices: n });
      return;
    }
    if (name.startsWith('synthetic/')) {
      const kind = name.slice('synthetic/'.length);
      if (kind !== 'fast' && kind !== 'slow' && kind !== 'stall' && kind !== 'cut') return sendModelNotFound(res, model);
      const chunks = clampInt(Number(params.get('chunks') ?? '10'), 0, MAX_SYNTHETIC_CHUNKS, 10);
      const between =
        kind === 'slow' ? (paramDelay >= 0 ? paramDelay : Math.max(delayMs, 50)) : paramDelay >= 0 ? paramDelay : delayMs;
      await streamSynthetic(req, res, { chunks, delayMs: between, stall: kind === 'stall', cut: kind === 'cut', model: name });
      return;
    }

    const entry = fixtures.get(name);
    if (!entry) return sendModelNotFound(res, model);
    const bytes = await fs.promises.readFile(entry.file);
    if (entry.kind === 'json') {
      res.writeHead(entry.status, {
        'content-type': 'application/json',
        'content-length': String(bytes.length),
        ...(params.get('unmarked') !== '1' ? { 'x-prompt-lab-replay': entry.rel } : {}),
      });
      res.end(bytes);
      return;
    }
    const marked = params.get('unmarked') !== '1';
    const events = splitSseEvents(bytes.toString('utf8'));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...(marked ? { 'x-prompt-lab-replay': entry.rel } : {}),
    });
    res.flushHeaders();
    const between = paramDelay >= 0 ? paramDelay : delayMs;
    const live = liveness(req, res);
    for (let i = 0; i < events.length; i++) {
      if (!live.alive()) return;
      if (i > 0 && between > 0) await sleep(between, live);
      if (!live.alive()) return;
      if (!res.write(events[i] ?? '')) await waitDrain(res, live);
    }
    if (live.alive()) res.end();
  }

  /** Requests seen per fault model and key, so "N times, then answer" works across retries. */
  const faultCounts = new Map<string, number>();

  async function serveFault(req: http.IncomingMessage, res: http.ServerResponse, kind: string, params: URLSearchParams): Promise<void> {
    const times = clampInt(Number(params.get('times') ?? '1'), 0, 100, 1);
    const counter = `${kind}\u0000${params.get('key') ?? ''}`;
    const seen = (faultCounts.get(counter) ?? 0) + 1;
    faultCounts.set(counter, seen);
    const chunks = clampInt(Number(params.get('chunks') ?? '5'), 0, 10_000, 5);
    const stream = (opts: Partial<{ cutAfter: number; resetAfter: number; malformedAfter: number }> = {}) =>
      streamSynthetic(req, res, { chunks, delayMs: 0, stall: false, cut: false, model: `fault/${kind}`, ...opts });
    if (seen <= times) {
      if (kind === '429') {
        res.setHeader('retry-after-ms', String(clampInt(Number(params.get('retryAfterMs') ?? '10'), 0, MAX_DELAY_MS, 10)));
        return sendError(res, 429, 'Rate limit reached (fault injection).', 'requests', null, 'rate_limit_exceeded');
      }
      if (kind === 'retryAfter') {
        res.setHeader('retry-after', String(clampInt(Number(params.get('seconds') ?? '1'), 0, 60, 1)));
        return sendError(res, 429, 'Rate limit reached (fault injection).', 'requests', null, 'rate_limit_exceeded');
      }
      if (kind === '500') return sendError(res, 500, 'The server had an error (fault injection).', 'server_error', null, null);
      if (kind === 'drop') {
        req.socket.destroy();
        return;
      }
    }
    if (kind === 'reset') return stream({ resetAfter: clampInt(Number(params.get('after') ?? '3'), 0, 10_000, 3) });
    if (kind === 'malformed') return stream({ malformedAfter: clampInt(Number(params.get('after') ?? '3'), 0, 10_000, 3) });
    return stream();
  }

  async function streamSynthetic(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    opts: { chunks: number; delayMs: number; stall: boolean; cut: boolean; model: string; resetAfter?: number; malformedAfter?: number; tokens?: string[]; choices?: number },
  ): Promise<void> {
    const id = 'chatcmpl-promptlabsynthetic';
    const created = 1727346168;
    const base = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${opts.model}","system_fingerprint":"fp_synthetic","choices":`;
    const ev = (choices: string, extra = ''): string => `data: ${base}${choices}${extra}}\n\n`;
    const live = liveness(req, res);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-prompt-lab-replay': 'synthetic',
    });
    res.flushHeaders();
    const write = async (s: string, first: boolean): Promise<boolean> => {
      if (!live.alive()) return false;
      if (!first && opts.delayMs > 0) {
        await sleep(opts.delayMs, live);
        if (!live.alive()) return false;
      }
      if (!res.write(s)) await waitDrain(res, live);
      return live.alive();
    };
    if (
      !(await write(
        ev('[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]'),
        true,
      ))
    ) {
      return;
    }
    for (let i = 0; i < opts.chunks; i++) {
      if (i === opts.resetAfter) {
        // Let the client read what was sent (a reset discards unread data), then reset the connection.
        await sleep(100, live);
        res.socket?.resetAndDestroy();
        return;
      }
      if (i === opts.malformedAfter && !(await write('data: {"id": this is not json\n\n', false))) return;
      const token = opts.tokens?.[i] ?? syntheticToken(i);
      const deltas = Array.from({ length: opts.choices ?? 1 }, (_, c) => {
        const content = JSON.stringify(c > 0 && i === 0 ? `[${c}] ${token}` : token);
        return `{"index":${c},"delta":{"content":${content}},"logprobs":null,"finish_reason":null}`;
      });
      const ok = await write(ev(`[${deltas.join(',')}]`), false);
      if (!ok) return;
    }
    if (opts.stall) {
      // Keep the socket open without writing until the client goes away or the server closes.
      await live.closed;
      return;
    }
    if (opts.cut) {
      // End the response mid-stream: no finish chunk, no usage, no [DONE].
      res.end();
      return;
    }
    const usage = `,"usage":{"prompt_tokens":1,"completion_tokens":${opts.chunks},"total_tokens":${opts.chunks + 1}}`;
    const stops = Array.from({ length: opts.choices ?? 1 }, (_, c) => `{"index":${c},"delta":{},"logprobs":null,"finish_reason":"stop"}`);
    if (!(await write(ev(`[${stops.join(',')}]`), false))) return;
    if (!(await write(ev('[]', usage), false))) return;
    if (!(await write('data: [DONE]\n\n', false))) return;
    res.end();
  }

  function sendModelNotFound(res: http.ServerResponse, model: string): void {
    sendError(
      res,
      404,
      `The model \`${model}\` does not exist in the Prompt Lab replay server. GET /v1/models lists the replay models.`,
      'invalid_request_error',
      'model',
      'model_not_found',
    );
  }

  function sendNotFound(res: http.ServerResponse, method: string, p: string): void {
    sendError(res, 404, `Unknown request URL: ${method} ${p}.`, 'invalid_request_error', null, 'unknown_url');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let closePromise: Promise<void> | null = null;

  return {
    url,
    baseURL: `${url}/v1`,
    port,
    requests,
    simulated,
    close(): Promise<void> {
      if (closePromise) return closePromise;
      closing = true;
      simulated.close();
      closePromise = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return closePromise;
    },
  };

  /** Tracks whether the response can still be written; see {@link Liveness}. */
  function liveness(req: http.IncomingMessage, res: http.ServerResponse): Liveness {
    let isClosed = false;
    const listeners = new Set<() => void>();
    let resolveClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const mark = (): void => {
      if (isClosed) return;
      isClosed = true;
      resolveClosed();
      for (const l of listeners) l();
      listeners.clear();
    };
    // The response's 'close' also fires when the socket goes; a listener on a keep-alive socket would pile
    // up one per request.
    res.once('close', mark);
    if (res.destroyed || req.socket.destroyed) mark();
    return {
      alive: () => !isClosed && !closing && !res.destroyed,
      closed,
      onClose(cb: () => void): () => void {
        if (isClosed) {
          cb();
          return () => undefined;
        }
        listeners.add(cb);
        return () => listeners.delete(cb);
      },
    };
  }
}

/** Whether a streaming response may still be written, and hooks for when it no longer can. */
interface Liveness {
  /** False once the client disconnected, the response closed or the server is closing. */
  alive(): boolean;
  /** Resolves once the response or its socket closed. */
  closed: Promise<void>;
  /** Calls `cb` once on close (at once if already closed); returns a function that unregisters it. */
  onClose(cb: () => void): () => void;
}

/** Resolves after `ms` milliseconds or as soon as the response is closed. */
function sleep(ms: number, live: Liveness): Promise<void> {
  return new Promise<void>((resolve) => {
    let off: () => void = () => undefined;
    const t = setTimeout(() => {
      off();
      resolve();
    }, ms);
    off = live.onClose(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Resolves on the next 'drain' of `res`, or when the response is closed. */
function waitDrain(res: http.ServerResponse, live: Liveness): Promise<void> {
  return new Promise<void>((resolve) => {
    let off: () => void = () => undefined;
    const done = (): void => {
      res.off('drain', done);
      off();
      resolve();
    };
    res.once('drain', done);
    off = live.onClose(done);
  });
}

/**
 * Extracts the deployment from an Azure request target
 * `/openai/deployments/<deployment>/chat/completions[?query]` (raw, not decoded). The deployment
 * may be URL-encoded (decoded here) or raw with `/` inside: the `openai` SDK v6 does not encode it,
 * e.g. `/openai/deployments/replay/azure/x/chat/completions?api-version=2024-10-21`. A deployment
 * with a `?` (e.g. `synthetic/fast?chunks=3`) reaches us after the SDK re-serialised the query as
 * `/openai/deployments/synthetic/fast?chunks=3%2Fchat%2Fcompletions&api-version=…`; that form is
 * recognised too. Returns null when the target is none of these.
 */
export function azureDeployment(rawUrl: string): string | null {
  const prefix = '/openai/deployments/';
  const suffix = '/chat/completions';
  if (!rawUrl.startsWith(prefix)) return null;
  const direct = splitAt(rawUrl, false);
  if (direct !== null) return safeDecode(direct);
  return splitAt(safeDecode(rawUrl), true);

  function splitAt(u: string, allowAmp: boolean): string | null {
    const at = u.lastIndexOf(suffix);
    if (at <= prefix.length) return null;
    const rest = u.slice(at + suffix.length);
    const ok =
      rest === '' || rest === '/' || rest.startsWith('?') || rest.startsWith('/?') || (allowAmp && rest.startsWith('&'));
    return ok ? u.slice(prefix.length, at) : null;
  }
}

/** Reads the request body (bounded by {@link MAX_BODY_BYTES}) and parses it as JSON if possible. */
async function readBody(req: http.IncomingMessage): Promise<{ json: unknown; tooLarge: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true;
      continue; // drain the rest without keeping it
    }
    parts.push(buf);
  }
  if (tooLarge || size === 0) return { json: null, tooLarge };
  try {
    return { json: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown, tooLarge };
  } catch {
    return { json: null, tooLarge };
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length) });
  res.end(body);
}

/** Sends `{ error: { message, type, param, code } }` (OpenAI's error shape). */
function sendError(
  res: http.ServerResponse,
  status: number,
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): void {
  sendJson(res, status, { error: { message, type, param, code } });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Integer in [min, max]; `fallback` for non-finite input. */
function clampInt(n: number, min: number, max: number, fallback: number): number {
  if (!Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
