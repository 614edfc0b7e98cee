/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/diagnostics.mjs. Prints one
 * figure through bench/report.ts; a failed precondition throws (the run fails).
 * - diagnostics.edit: the ~1 MB prompt file of bench/analyze.ts (2,000 messages) open in an editor; a WorkspaceEdit
 *   changes the role of message 1001 from "system" to "systxm" (break) or back (fix). Both Prompt Lab and VS Code's own
 *   JSON language features mark that role: Prompt Lab as `unknown-role`, the JSON language server as a value its
 *   schema's enum does not accept (schemas/prompt.schema.json, contributed with jsonValidation). From the same edit,
 *   the time to the first `onDidChangeDiagnostics` that shows Prompt Lab's squiggle in its new state, and the time to
 *   the one that shows VS Code's: ours against the floor, per edit. Target ≤ 1.0: Prompt Lab's squiggle no later than
 *   VS Code's own. Both include their debounces (Prompt Lab's 50 ms; the JSON server's validation delay) and the
 *   extension host's 50 ms debouncing of diagnostics events; the edit is applied in the renderer and reaches both.
 * Also printed: where Prompt Lab's time goes (its refreshes after the edit), for reading the figure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import { bigPromptFile } from './analyze';
import { reportFigure } from './report';

const EDITS = Number(process.env.PROMPT_LAB_BENCH_EDITS) || 16;

function hasOurs(uri: vscode.Uri): boolean {
  return vscode.languages.getDiagnostics(uri).some((d) => d.source === 'Prompt Lab' && d.code === 'unknown-role');
}

function hasJson(uri: vscode.Uri): boolean {
  return vscode.languages.getDiagnostics(uri).some((d) => d.source !== 'Prompt Lab' && /not accepted/i.test(d.message));
}

/** Resolves with the ms from `start()` to the first diagnostics change for `uri` after which `ready()` holds. */
function when(uri: vscode.Uri, ready: () => boolean, start: () => number, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no diagnostics change for ${path.basename(uri.fsPath)} reached the expected state within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString()) || !ready()) return;
      const ms = performance.now() - start();
      clearTimeout(timer);
      sub.dispose();
      resolve(ms);
    });
  });
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  const api = await ext.activate();
  await vscode.workspace.getConfiguration('promptLab').update('deployments', {
    bench: { provider: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1', model: 'bench' },
  }, vscode.ConfigurationTarget.Workspace);

  const text = bigPromptFile('editor');
  const uri = vscode.Uri.file(path.join(folder.uri.fsPath, 'big.prompt.json'));
  fs.writeFileSync(uri.fsPath, text);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  // Message 1001 is a system message: `"role": "system"` just before its content.
  const message = text.indexOf('[editor#1000]');
  const roleAt = text.lastIndexOf('"role": "system"', message);
  if (roleAt < 0 || text.indexOf('[editor#999]') > roleAt) throw new Error('precondition: message 1001 is a system message');
  const at = roleAt + '"role": "syst'.length;
  const range = new vscode.Range(document.positionAt(at), document.positionAt(at + 1));

  const ours: number[] = [];
  const floor: number[] = [];
  let start = 0;
  // Two edits first (a break and its fix), not counted: both language servers have seen the document then.
  for (let i = -2; i < EDITS; i++) {
    const breaking = i % 2 === 0;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, range, breaking ? 'x' : 'e');
    const oursReady = when(uri, () => hasOurs(uri) === breaking, () => start);
    const jsonReady = when(uri, () => hasJson(uri) === breaking, () => start);
    const refreshes: number[] = [];
    const sub = api.onDidRefreshDiagnostics((u) => {
      if (u.toString() === uri.toString()) refreshes.push(performance.now() - start);
    });
    start = performance.now();
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`edit ${i} was not applied`);
    const [o, j] = await Promise.all([oursReady, jsonReady]);
    sub.dispose();
    if (i < 0) continue;
    ours.push(o);
    floor.push(j);
    console.log(`bench: edit ${i + 1} (${breaking ? 'break' : 'fix'}): Prompt Lab ${o.toFixed(0)} ms, VS Code's JSON ${j.toFixed(0)} ms; Prompt Lab's refreshes at ${refreshes.map((r) => r.toFixed(0)).join(', ')} ms`);
  }
  reportFigure({
    id: 'diagnostics.edit', title: 'edit to squiggle on the 1 MB prompt file (the same edit, both squiggles)', unit: 'ms',
    ours: { label: "Prompt Lab's unknown-role", values: ours }, floor: { label: "VS Code's JSON schema error", values: floor }, target: 1.0,
    note: 'wall time from applyEdit to onDidChangeDiagnostics showing the squiggle; debounces included',
  });
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}
