#!/usr/bin/env node
// VS Code benchmarks in the real extension host (code-server, see test/rig/): bench/vscodeHost.ts in each of --hosts
// fresh windows, each opened on a workspace with a prompt file open in an editor from the start:
// - vscode.activation: Prompt Lab's own activation work (dist/extension.js evaluated + activate()), and
//   vscode.firstDiagnostics: from the first statement of dist/extension.js to the open prompt file's first
//   diagnostics (activation, loading dist/core.js, the first analysis). One round per window; absolute targets
//   (core.load in bench/coreLoad.ts puts the core's load against a floor).
// - vscode.panelCatchUp: the run panel after a 20,000-chunk stream, from the last delta reaching the extension host
//   to the panel confirming it shows the whole output, against a minimal reference webview fed the same run the same
//   way (bench/referenceWebview.ts); --rounds per window, ours and the floor alternating.
// Exits non-zero when a host fails or a precondition does not hold.
//   node bench/vscode.mjs [--hosts 5] [--rounds 4]   (after npm run build, npm run build:tests and test/rig/setup.sh)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { reportFigure } = createRequire(import.meta.url)(path.join(ROOT, 'out/bench/report.js'));
const arg = (name, fallback) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const hosts = arg('hosts', 5);
const rounds = arg('rounds', 4);

const samples = [];
for (let i = 0; i < hosts; i++) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-bench-ws-'));
  // A prompt file with mistakes (an unknown role, an unknown deployment), open when the window starts.
  fs.writeFileSync(path.join(workspace, 'flawed.prompt.json'), JSON.stringify({ name: 'Flawed', deployment: 'nowhere', messages: [{ role: 'wizard', content: 'Hello {{ name }}' }] }, null, 2));
  const result = spawnSync(process.execPath, [path.join(ROOT, 'test/rig/runExtensionTests.mjs'), '--extension', ROOT,
    '--tests', path.join(ROOT, 'out/bench/vscodeHost.js'), '--workspace', workspace, '--artifacts', path.join(ROOT, '.test-artifacts', 'bench'),
    '--open', 'flawed.prompt.json', '--env', `PROMPT_LAB_BENCH_ROUNDS=${rounds}`],
  { encoding: 'utf8', timeout: 600000 });
  fs.rmSync(workspace, { recursive: true, force: true });
  const out = `${result.stdout}\n${result.stderr}`;
  for (const line of out.split('\n')) {
    if (!line.startsWith('BENCH-SAMPLE ')) continue;
    const s = JSON.parse(line.slice('BENCH-SAMPLE '.length));
    samples.push(s);
    console.log(`host ${i + 1}: ${JSON.stringify(s)}`);
  }
  if (result.status !== 0) {
    console.error(out);
    console.error(`vscode: host ${i + 1} failed (exit ${result.status})`);
    process.exit(1);
  }
}
const activation = samples.filter((s) => s.kind === 'activation');
const catchUp = samples.filter((s) => s.kind === 'catchUp');
if (activation.length !== hosts || catchUp.length !== hosts * rounds) {
  console.error(`vscode: expected ${hosts} activation and ${hosts * rounds} catch-up samples, got ${activation.length} and ${catchUp.length}`);
  process.exit(1);
}
reportFigure({
  id: 'vscode.activation', title: 'activation: dist/extension.js evaluated + activate()', unit: 'ms',
  ours: { label: 'Prompt Lab', values: activation.map((s) => s.activationMs) },
  target: 50, note: 'absolute; one round per fresh window; measured by the extension from its bundle\'s first statement',
});
reportFigure({
  id: 'vscode.firstDiagnostics', title: 'window opens with a prompt file open → its first diagnostics (activation, dist/core.js, analysis)', unit: 'ms',
  ours: { label: 'Prompt Lab', values: activation.map((s) => s.firstDiagnosticsMs) },
  target: 250, note: 'absolute; one round per fresh window; from the first statement of dist/extension.js to the diagnostics published',
});
reportFigure({
  id: 'vscode.panelCatchUp', title: 'run panel: last delta of a 20,000-chunk stream → panel shows it all', unit: 'ms',
  ours: { label: 'Prompt Lab panel', values: catchUp.map((s) => s.ours) },
  floor: { label: 'reference webview', values: catchUp.map((s) => s.floor) },
  target: 1.2, note: `${hosts} windows × ${rounds} rounds, alternating; the reference gets the same run batched per 16 ms over webview.postMessage and appends to one text node`,
});
