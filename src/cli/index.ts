/**
 * The `prompt-lab` executable (package.json `bin`; bundled by esbuild.mjs as dist/cli.js with a `#!/usr/bin/env node`
 * banner). Templates render in dist/renderWorker.js beside it.
 */
import * as path from 'node:path';
import { runCli } from './main';

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  renderWorkerPath: path.join(__dirname, 'renderWorker.js'),
}).then((code) => {
  process.exitCode = code;
});
