#!/usr/bin/env node
// Edit to squiggle on a 1 MB prompt file, Prompt Lab's against VS Code's own JSON language features, in the real
// extension host (code-server, see test/rig/): bench/vscodeDiagnosticsHost.ts, on a fresh empty workspace. Its figure
// goes through bench/report.ts (the BENCH-FIGURE line is passed on for bench/run.mjs).
//   node bench/diagnostics.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-ws-'));
const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
  '--tests', path.join(ROOT, 'out/bench/vscodeDiagnosticsHost.js'), '--workspace', workspace, '--timeout', '900',
  '--artifacts', path.join(ROOT, '.test-artifacts', 'bench')], { encoding: 'utf8', timeout: 1_000_000 });
fs.rmSync(workspace, { recursive: true, force: true });
const out = `${result.stdout}\n${result.stderr}`;
for (const line of out.split('\n')) {
  // The extension host's output arrives through the workbench's log, sometimes with a prefix.
  const figure = line.indexOf('BENCH-FIGURE ');
  if (figure >= 0) console.log(line.slice(figure));
  else if (/^bench: |^edit to squiggle/.test(line)) console.log(line);
}
if (result.status !== 0) {
  console.error(out);
  process.exit(1);
}
