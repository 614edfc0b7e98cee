/**
 * Hashing behind an interface each front end supplies, so the core also runs in a web worker: the Node front ends
 * pass {@link nodeHasher} (src/node/hash.ts, `node:crypto`), a web build one over Web Crypto (`crypto.subtle.digest`).
 */

/** What the core needs of a hash function. */
export interface Hasher {
  /** SHA-256 of `bytes`, as 64 lowercase hex digits. */
  sha256(bytes: Uint8Array): Promise<string>;
}
