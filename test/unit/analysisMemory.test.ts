/**
 * Reused template analyses must not keep old versions of the document alive. Each message of a 2 MB document is
 * edited in turn, each version analysed with the previous analysis, as the editor does; afterwards only the last
 * version should be in memory. Measured in a child process with --expose-gc, on the heap after a full collection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ANALYZE = path.resolve(__dirname, '..', '..', 'src', 'core', 'template', 'analyze.js');

const CHILD = `
const { analyzePromptFile } = require(${JSON.stringify(ANALYZE)});
const MESSAGES = 24;
const doc = (version) => JSON.stringify({
  description: 'x'.repeat(2_000_000) + version,
  inputs: Object.fromEntries(Array.from({ length: MESSAGES }, (_, i) => ['a_rather_long_variable_name_' + i, { default: '' }])),
  // No escapes in the contents: jsonc-parser returns them as views into the document.
  messages: Array.from({ length: MESSAGES }, (_, i) => ({ role: 'user', content: 'Hello {{ a_rather_long_variable_name_' + i + ' }}' + (i < version ? ' edited in version ' + (i + 1) : '') })),
});
global.gc();
const before = process.memoryUsage().heapUsed;
let previous;
for (let version = 0; version <= MESSAGES; version++) {
  previous = analyzePromptFile(doc(version), { previous });
  if (previous.diagnostics.length !== 0) throw new Error('unexpected diagnostics: ' + JSON.stringify(previous.diagnostics[0]));
}
global.gc();
console.log(JSON.stringify({ growthMB: (process.memoryUsage().heapUsed - before) / 1e6, messages: previous.messages.length }));
`;

test('analyses reused across 25 versions of a 2 MB document keep only the last version alive', () => {
  const child = spawnSync(process.execPath, ['--expose-gc', '-e', CHILD], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  const { growthMB, messages } = JSON.parse(child.stdout) as { growthMB: number; messages: number };
  assert.equal(messages, 24);
  // One version is ~2 MB; keeping every version would be ~50 MB.
  assert.ok(growthMB < 12, `the heap grew by ${growthMB.toFixed(1)} MB`);
});
