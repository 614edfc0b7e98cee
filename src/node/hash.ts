/** The core's {@link Hasher} on `node:crypto`, for the extension host, the CLI, tests and benchmarks. */
import { createHash } from 'node:crypto';
import type { Hasher } from '../core/platform/hash';

/** SHA-256 with Node's crypto module. */
export function nodeHasher(): Hasher {
  return { sha256: (bytes) => Promise.resolve(createHash('sha256').update(bytes).digest('hex')) };
}
