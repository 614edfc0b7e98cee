/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/vscode.mjs in a fresh window
 * whose workspace holds flawed.prompt.json, open in an editor from the start. Prints one `BENCH-SAMPLE <json>` line
 * per measurement for bench/vscode.mjs, which reports the figures; throws (the host exits non-zero) when a
 * precondition fails.
 *
 * - activation: Prompt Lab's own activation work, and from the first statement of dist/extension.js to the first
 *   diagnostics of the open prompt file (activation, loading dist/core.js, the analysis), as the extension measures
 *   them (PromptLabApi.activationMs, firstDiagnosticsMs).
 * - catch-up: a 20,000-chunk stream served as fast as the loopback socket allows, run with Run Prompt into Prompt
 *   Lab's panel, and the same run into the reference webview (bench/referenceWebview.ts), alternating which goes
 *   first; from the last text delta reaching the extension host to the page confirming it shows the whole output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { RunOutcome } from '../src/core/run/run';
import { parsePromptFile, type PromptFile } from '../src/core/format/promptFile';
import { resolveDeployment } from '../src/core/providers/deployments';
import { startReplayServer, syntheticText } from '../test/replay/server';
import { ReferenceWebview } from './referenceWebview';

const CHUNKS = 20000;

function sample(value: Record<string, unknown>): void {
  console.log(`BENCH-SAMPLE ${JSON.stringify(value)}`);
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  // The window opened with flawed.prompt.json in an editor (bench/vscode.mjs): Prompt Lab activated for it and checks it.
  const flawed = vscode.Uri.file(path.join(folder.uri.fsPath, 'flawed.prompt.json'));
  const api = await ext.activate();
  if (api.firstDiagnosticsMs === undefined) {
    await new Promise<void>((resolve) => {
      const sub = api.onDidRefreshDiagnostics(() => { sub.dispose(); resolve(); });
    });
  }
  if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === flawed.toString())) throw new Error('precondition: flawed.prompt.json is not open (run bench/vscode.mjs)');
  const ours = vscode.languages.getDiagnostics(flawed).filter((d) => d.source === 'Prompt Lab');
  if (ours.length === 0) throw new Error('precondition: Prompt Lab published no diagnostic for flawed.prompt.json');
  sample({ kind: 'activation', activationMs: api.activationMs, firstDiagnosticsMs: api.firstDiagnosticsMs });
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');

  const server = await startReplayServer();
  const reference: { panel?: ReferenceWebview } = {};
  try {
    const model = `synthetic/fast?chunks=${CHUNKS}`;
    await vscode.workspace.getConfiguration('promptLab').update('deployments', {
      fast: { provider: 'openai-compatible', baseURL: server.baseURL, model },
    }, vscode.ConfigurationTarget.Workspace);
    const uri = vscode.Uri.file(path.join(folder.uri.fsPath, 'fast.prompt.json'));
    const text = JSON.stringify({ name: 'Fast', deployment: 'fast', messages: [{ role: 'user', content: 'go' }] });
    fs.writeFileSync(uri.fsPath, text);
    const prompt = parsePromptFile(text).prompt as PromptFile;
    const deployment = resolveDeployment('fast', { fast: { provider: 'openai-compatible', baseURL: server.baseURL, model } });
    const logDir = path.join(folder.uri.fsPath, '.promptlab', 'reference');
    const expected = syntheticText(CHUNKS).length;

    const ours = async (): Promise<number> => {
      const rendered = new Promise<{ catchUpMs: number; outputLength: number }>((resolve) => {
        const sub = api.onDidRenderRun((e) => { sub.dispose(); resolve(e); });
      });
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      const panel = await rendered;
      if (outcome?.record.status !== 'ok' || panel.outputLength !== expected) {
        throw new Error(`precondition: Prompt Lab's run ended ${outcome?.record.status} and its panel shows ${panel.outputLength} of ${expected} characters`);
      }
      return panel.catchUpMs;
    };
    const floor = async (): Promise<number> => {
      const r = await (reference.panel as ReferenceWebview).round(prompt, [deployment], logDir);
      if (r.statuses[0] !== 'ok' || r.lengths[0] !== expected) {
        throw new Error(`precondition: the reference run ended ${r.statuses[0]} and its page shows ${r.lengths[0]} of ${expected} characters`);
      }
      return (r.renderedAt[0] as number) - (r.lastTextAt[0] as number);
    };
    // Warm-up: Prompt Lab's panel opens beside; the reference goes in the next column, so both stay visible.
    await ours();
    const column = (vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Run: ')))?.viewColumn ?? vscode.ViewColumn.One) + 1;
    reference.panel = await ReferenceWebview.open(column as vscode.ViewColumn);
    await floor();
    const rounds = Number(process.env.PROMPT_LAB_BENCH_ROUNDS) || 4;
    for (let i = 0; i < rounds; i++) {
      let o: number;
      let f: number;
      if (i % 2) { f = await floor(); o = await ours(); } else { o = await ours(); f = await floor(); }
      sample({ kind: 'catchUp', ours: o, floor: f });
    }
  } finally {
    reference.panel?.dispose();
    await server.close();
  }
}
