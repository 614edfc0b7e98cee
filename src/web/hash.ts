/**
 * The core's {@link Hasher} on Web Crypto (`crypto.subtle.digest`), for the web entry: the web worker extension host
 * has no `node:crypto`. Web Crypto exists in Node 20 too, so the unit tests check it against src/node/hash.ts.
 */
import type { Hasher } from '../core/platform/hash';

/** SHA-256 with Web Crypto. */
export function webHasher(): Hasher {
  return {
    async sha256(bytes) {
      // A copy when `bytes` is a view of a larger or shared buffer: digest takes the whole of what it is given.
      const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes.slice()));
      let hex = '';
      for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
      return hex;
    },
  };
}
