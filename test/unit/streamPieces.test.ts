// The event-stream bodies handed to the openai SDK in pieces (src/core/providers/streamPieces.ts): the same bytes, in
// pieces no larger than asked, errors and cancellation passed through, and only successful event streams touched.
// Runs through executeRun and the real SDK are in run.test.ts (every recorded stream, Stop, a 20,000-chunk stream).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STREAM_PIECE_BYTES, inPieces, piecewiseFetch } from '../../src/core/providers/streamPieces';

/** A stream of `chunks`, then an end (or `error`). */
function source(chunks: Uint8Array[], error?: Error): { stream: ReadableStream<Uint8Array>; cancelled: () => unknown } {
  let reason: unknown = 'not cancelled';
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[i++];
      if (next) controller.enqueue(next);
      else if (error) controller.error(error);
      else controller.close();
    },
    cancel(why) {
      reason = why;
    },
  });
  return { stream, cancelled: () => reason };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251);
const joined = (parts: Uint8Array[]): number[] => parts.flatMap((p) => [...p]);

test('inPieces gives the same bytes in order, in pieces no larger than asked, an empty chunk skipped', async () => {
  const chunks = [bytes(10, 1), bytes(0, 2), bytes(25, 3), bytes(8, 4), bytes(1, 5)];
  const pieces = await readAll(inPieces(source(chunks).stream, 8));
  assert.deepEqual(joined(pieces), joined(chunks));
  assert.ok(pieces.every((p) => p.byteLength > 0 && p.byteLength <= 8), pieces.map((p) => p.byteLength).join());
  // 10 → 8 + 2, 25 → 8 + 8 + 8 + 1, 8, 1.
  assert.deepEqual(pieces.map((p) => p.byteLength), [8, 2, 8, 8, 8, 1, 8, 1]);
});

test('inPieces: an error of the body is the pieces\' error, after the pieces before it', async () => {
  const broken = new Error('connection reset');
  const reader = inPieces(source([bytes(5, 1)], broken).stream, 4).getReader();
  assert.equal((await reader.read()).value?.byteLength, 4);
  assert.equal((await reader.read()).value?.byteLength, 1);
  await assert.rejects(reader.read(), (err) => err === broken);
});

test('inPieces: cancelling the pieces cancels the body, with the reason', async () => {
  const { stream, cancelled } = source([bytes(5, 1), bytes(5, 2)]);
  const reader = inPieces(stream, 4).getReader();
  await reader.read();
  await reader.cancel('stopped');
  assert.equal(cancelled(), 'stopped');
});

let server: http.Server;
let base: string;
const EVENTS = Array.from({ length: 2000 }, (_, i) => `data: {"choices":[{"index":0,"delta":{"content":"tok${i} "}}]}\n\n`).join('') + 'data: [DONE]\n\n';
before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-marker': 'kept' });
      // One large write: the client gets chunks far larger than a piece.
      res.end(EVENTS);
    } else if (req.url === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    } else {
      res.writeHead(429, { 'content-type': 'text/event-stream' });
      res.end('data: {"error":"slow down"}\n\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('piecewiseFetch: an event stream is the same response, its body the same bytes in pieces of STREAM_PIECE_BYTES at most', async () => {
  const response = await piecewiseFetch()(`${base}/events`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-marker'), 'kept');
  assert.ok(Object.prototype.hasOwnProperty.call(response, 'body'), 'the body is replaced');
  const pieces = await readAll(response.body as ReadableStream<Uint8Array>);
  assert.ok(pieces.every((p) => p.byteLength <= STREAM_PIECE_BYTES));
  assert.ok(pieces.length >= Math.ceil(EVENTS.length / STREAM_PIECE_BYTES), `${pieces.length} pieces`);
  assert.equal(new TextDecoder().decode(Uint8Array.from(joined(pieces))), EVENTS);
});

test('piecewiseFetch: other responses (JSON, an error status) are fetch\'s own, untouched', async () => {
  const fetch = piecewiseFetch();
  const json = await fetch(`${base}/json`);
  assert.ok(!Object.prototype.hasOwnProperty.call(json, 'body'));
  assert.deepEqual(await json.json(), { ok: true });
  const limited = await fetch(`${base}/limited`);
  assert.equal(limited.status, 429);
  assert.ok(!Object.prototype.hasOwnProperty.call(limited, 'body'));
  assert.equal(await limited.text(), 'data: {"error":"slow down"}\n\n');
});
