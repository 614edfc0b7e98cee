/**
 * The core, loaded on first use. esbuild builds src/core/index.ts as its own bundle, dist/core.js (see
 * esbuild.mjs), so activation does not load the openai SDK, Nunjucks and jsonc-parser.
 */
import type * as Core from '../core';

let core: typeof Core | undefined;

/** The core module (loaded by the first call). */
export function loadCore(): typeof Core {
  // eslint-disable-next-line @typescript-eslint/no-require-imports, no-restricted-globals -- a lazy, synchronous load is the point; the web build bundles the core in, and esbuild turns this into a call of the bundled module
  core ??= require('../core') as typeof Core;
  return core;
}
