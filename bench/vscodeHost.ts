/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/vscode.mjs on an empty
 * workspace so Prompt Lab is not yet active. Prints figures as `bench: <name> <value> ms`; asserts nothing
 * beyond the run having worked.
 * - activation: `Extension.activate()` from not loaded to active (module load + activate()), ms.
 * - catch-up: a 20,000-chunk stream served as fast as the loopback socket allows; time from the last text delta
 *   reaching the extension host to the panel confirming it shows the whole output (run/rendered), ms.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { RunOutcome } from '../src/core/run/run';
import { startReplayServer, syntheticText } from '../test/replay/server';

const CHUNKS = 20000;

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  // The workbench may have activated Prompt Lab already (onLanguage:jsonc); the extension measures itself from the
  // first statement of its bundle to the end of activate(). When it is not active yet, the outside view is printed too.
  const wasActive = ext.isActive;
  const t0 = performance.now();
  const api = await ext.activate();
  if (!wasActive) console.log(`bench: activate() call as seen by the caller ${(performance.now() - t0).toFixed(1)} ms`);
  console.log(`bench: activation ${api.activationMs.toFixed(1)} ms`);

  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  const server = await startReplayServer();
  try {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', {
      fast: { provider: 'openai-compatible', baseURL: server.baseURL, model: `synthetic/fast?chunks=${CHUNKS}` },
    }, vscode.ConfigurationTarget.Workspace);
    const uri = vscode.Uri.file(path.join(folder.uri.fsPath, 'fast.prompt.json'));
    fs.writeFileSync(uri.fsPath, JSON.stringify({ name: 'Fast', deployment: 'fast', messages: [{ role: 'user', content: 'go' }] }));
    const expected = syntheticText(CHUNKS).length;
    const runs = Number(process.env.PROMPT_LAB_BENCH_RUNS) || 5;
    for (let i = 0; i < runs; i++) {
      const rendered = new Promise<{ catchUpMs: number; outputLength: number }>((resolve) => {
        const sub = api.onDidRenderRun((e) => { sub.dispose(); resolve(e); });
      });
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      const panel = await rendered;
      if (outcome?.record.status !== 'ok' || panel.outputLength !== expected) {
        throw new Error(`run ${i}: status ${outcome?.record.status}, panel shows ${panel.outputLength} of ${expected} characters`);
      }
      console.log(`bench: catch-up ${panel.catchUpMs.toFixed(1)} ms (stream ${outcome.record.timing.latencyMs.toFixed(0)} ms, ${CHUNKS} chunks)`);
    }
  } finally {
    await server.close();
  }
}
