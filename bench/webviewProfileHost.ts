/**
 * Runs inside the real extension host, started by bench/webviewProfile.mjs (a tool, not a benchmark): activates
 * Prompt Lab, makes one warm-up run of a 20,000-chunk stream into the run panel, then waits until the runner has
 * started Chromium's trace (it creates the file `go` in PROMPT_LAB_PROFILE_DIR), makes PROMPT_LAB_PROFILE_RUNS more
 * runs and creates `done`. What is traced is what the workbench and the webview do while the runs stream.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { RunOutcome } from '../src/core/run/run';
import { startReplayServer } from '../test/replay/server';

/** Resolves when `file` exists (watching its folder: no polling). */
function whenExists(file: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = fs.watch(path.dirname(file), () => {
      if (fs.existsSync(file)) {
        watcher.close();
        resolve();
      }
    });
    if (fs.existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
}

export async function run(): Promise<void> {
  const dir = process.env.PROMPT_LAB_PROFILE_DIR;
  if (!dir) throw new Error('PROMPT_LAB_PROFILE_DIR is not set (run bench/webviewProfile.mjs)');
  const chunks = Number(process.env.PROMPT_LAB_PROFILE_CHUNKS) || 20000;
  const runs = Number(process.env.PROMPT_LAB_PROFILE_RUNS) || 3;
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const api = await ext.activate();
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  const server = await startReplayServer();
  try {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', {
      fast: { provider: 'openai-compatible', baseURL: server.baseURL, model: `synthetic/fast?chunks=${chunks}` },
    }, vscode.ConfigurationTarget.Workspace);
    const uri = vscode.Uri.file(path.join(folder.uri.fsPath, 'fast.prompt.json'));
    fs.writeFileSync(uri.fsPath, JSON.stringify({ name: 'Fast', deployment: 'fast', messages: [{ role: 'user', content: 'go' }] }));
    const once = async (): Promise<void> => {
      const rendered = new Promise<{ catchUpMs: number }>((resolve) => {
        const sub = api.onDidRenderRun((e) => { sub.dispose(); resolve(e); });
      });
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      const panel = await rendered;
      console.log(`profile: run ${outcome?.record.status}, stream ${outcome?.record.timing.latencyMs} ms, catch-up ${panel.catchUpMs.toFixed(1)} ms`);
    };
    await once();
    fs.writeFileSync(path.join(dir, 'ready'), '');
    await whenExists(path.join(dir, 'go'));
    for (let i = 0; i < runs; i++) await once();
    fs.writeFileSync(path.join(dir, 'done'), '');
  } finally {
    await server.close();
  }
}
