/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/vscode.mjs. Prints figures as
 * `bench: <name> <value> ms`; asserts nothing beyond the edits having been reported.
 * - edit-to-diagnostics: the ~1 MB prompt file of bench/analyze.ts (2,000 messages) open in an editor; a WorkspaceEdit
 *   renames a variable in message 1000 so it is undeclared (break), or back (fix); time from applying the edit to
 *   `vscode.languages.onDidChangeDiagnostics` reporting the new Prompt Lab diagnostics for the file, ms. The extension
 *   debounces edits by DIAGNOSTICS_DEBOUNCE_MS (50 ms), and the extension host fires onDidChangeDiagnostics through a
 *   50 ms debouncer of its own: both are part of the figure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import { analyzePromptFile } from '../src/core/template/analyze';
import { bigPromptFile } from './analyze';

const EDITS = Number(process.env.PROMPT_LAB_BENCH_EDITS) || 10;

function undeclaredCount(uri: vscode.Uri): number {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Prompt Lab' && d.code === 'undeclared-variable').length;
}

/** Resolves with the ms from `t0` to the first diagnostics change for `uri` where `ready()` holds. */
function diagnosticsWhen(uri: vscode.Uri, ready: () => boolean, t0: () => number, timeoutMs = 10000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no diagnostics change for ${uri.fsPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString()) || !ready()) return;
      const ms = performance.now() - t0();
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
  const opened = performance.now();
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  console.log(`bench: open ${(performance.now() - opened).toFixed(1)} ms (${(text.length / 1e6).toFixed(2)} MB, ${document.lineCount} lines)`);

  // The variable of message 1000: `{{ extra_N }}`; breaking it makes `xxtra_N`, undeclared.
  const at = text.indexOf('{{ extra_', text.indexOf('[editor#1000]')) + 3;

  // The analysis alone in this host (the core as compiled for the tests): cold, then after a one-character edit
  // with the previous analysis, as the extension passes it.
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const salted = bigPromptFile(`cold-${i}`);
    const t0 = performance.now();
    analyzePromptFile(salted);
    cold.push(performance.now() - t0);
  }
  const previous = analyzePromptFile(document.getText());
  const alone: number[] = [];
  for (let i = 0; i < 5; i++) {
    const edited = `${text.slice(0, at)}${'xyzwv'[i]}${text.slice(at + 1)}`;
    const t0 = performance.now();
    analyzePromptFile(edited, { previous });
    alone.push(performance.now() - t0);
  }
  console.log(`bench: analysis in the extension host, cold ${cold.map((v) => v.toFixed(1)).join(', ')} ms; after an edit ${alone.map((v) => v.toFixed(1)).join(', ')} ms`);
  const range = new vscode.Range(document.positionAt(at), document.positionAt(at + 1));
  let start = 0;
  for (let i = 0; i < EDITS; i++) {
    const breaking = i % 2 === 0;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, range, breaking ? 'x' : 'e');
    const reported = diagnosticsWhen(uri, () => (breaking ? undeclaredCount(uri) === 1 : undeclaredCount(uri) === 0), () => start);
    // Where the time goes: the edit applied (renderer round trip), and each refresh of Prompt Lab's diagnostics.
    const refreshes: number[] = [];
    const sub = api.onDidRefreshDiagnostics((u) => {
      if (u.toString() === uri.toString()) refreshes.push(performance.now() - start);
    });
    start = performance.now();
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`edit ${i} was not applied`);
    const applied = performance.now() - start;
    const ms = await reported;
    sub.dispose();
    console.log(`bench: edit-to-diagnostics ${ms.toFixed(1)} ms (${breaking ? 'break: undeclared variable' : 'fix'}; edit applied at ${applied.toFixed(1)} ms, refreshes at ${refreshes.map((r) => r.toFixed(0)).join(', ')} ms)`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}
