/** The core's Hasher: the Node one (node:crypto) and the web one (Web Crypto) give the same SHA-256. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeHasher } from '../../src/node/hash';
import { webHasher } from '../../src/web/hash';

test('Web Crypto and node:crypto give the same SHA-256, the known one of "abc", on views into larger buffers too', async () => {
  const abc = new TextEncoder().encode('abc');
  const known = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  assert.equal(await webHasher().sha256(abc), known);
  assert.equal(await nodeHasher().sha256(abc), known);
  const big = new Uint8Array(100_003).map((_, i) => (i * 31 + 7) & 0xff);
  for (const bytes of [new Uint8Array(0), big, big.subarray(17, 5_000)]) {
    assert.equal(await webHasher().sha256(bytes), await nodeHasher().sha256(bytes));
  }
});
