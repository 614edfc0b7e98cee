/** path-browserify 1.x: Node's POSIX `path` module (v10's), for the web bundle. */
declare module 'path-browserify' {
  import type { posix } from 'node:path';
  const path: typeof posix;
  export = path;
}
