#!/usr/bin/env node
// VS Code benchmarks in the real extension host (code-server, see test/rig/): activation time, panel
// catch-up after a 20,000-chunk stream, and edit to diagnostics on a 1 MB prompt file (one more host,
// bench/vscodeDiagnosticsHost.ts). Each host is started on a fresh empty workspace so activation is
// measured from "not loaded". Prints the figures and their medians; asserts nothing.
//   node bench/vscode.mjs [--hosts 3]   (after npm run build, npm run build:tests and test/rig/setup.sh)
//   (--hosts 0 runs only the edit-to-diagnostics host)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hostsArg = process.argv.indexOf('--hosts');
const hosts = hostsArg > 0 ? Number(process.argv[hostsArg + 1]) : 3;
const activation = [];
const catchUp = [];
for (let i = 0; i < hosts; i++) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-ws-'));
  const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
    '--tests', path.join(ROOT, 'out/bench/vscodeHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench')],
  { encoding: 'utf8', timeout: 300000 });
  fs.rmSync(workspace, { recursive: true, force: true });
  const out = `${result.stdout}\n${result.stderr}`;
  for (const line of out.split('\n')) {
    const a = /bench: activation ([\d.]+) ms/.exec(line);
    if (a) activation.push(Number(a[1]));
    const c = /bench: catch-up ([\d.]+) ms/.exec(line);
    if (c) catchUp.push(Number(c[1]));
    if (/^bench: /.test(line)) console.log(`host ${i + 1}: ${line.slice(7)}`);
  }
  if (result.status !== 0) {
    console.error(out);
    process.exit(1);
  }
}
// A second host: edit to diagnostics on a ~1 MB prompt file (bench/vscodeDiagnosticsHost.ts).
const editToDiagnostics = [];
{
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-ws-'));
  const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
    '--tests', path.join(ROOT, 'out/bench/vscodeDiagnosticsHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench')],
  { encoding: 'utf8', timeout: 300000 });
  fs.rmSync(workspace, { recursive: true, force: true });
  const out = `${result.stdout}\n${result.stderr}`;
  for (const line of out.split('\n')) {
    const e = /bench: edit-to-diagnostics ([\d.]+) ms/.exec(line);
    if (e) editToDiagnostics.push(Number(e[1]));
    if (/^bench: /.test(line)) console.log(`diagnostics host: ${line.slice(7)}`);
  }
  if (result.status !== 0) {
    console.error(out);
    process.exit(1);
  }
}
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
if (hosts > 0) {
  console.log(`activation: median ${median(activation).toFixed(1)} ms over ${activation.length} hosts (target < 50 ms)`);
  console.log(`panel catch-up after the last delta, 20,000-chunk stream: median ${median(catchUp).toFixed(1)} ms, max ${Math.max(...catchUp).toFixed(1)} ms over ${catchUp.length} runs (target < 100 ms)`);
}
console.log(`edit to diagnostics, 1 MB prompt file (50 ms debounce included): median ${median(editToDiagnostics).toFixed(1)} ms, max ${Math.max(...editToDiagnostics).toFixed(1)} ms over ${editToDiagnostics.length} edits (target < 250 ms)`);
