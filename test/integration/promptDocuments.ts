// Helpers for the suites that open .prompt.json documents: write one into the workspace, and wait for its
// diagnostics through vscode.languages.onDidChangeDiagnostics (never by sleeping).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'prompt-lab.prompt-lab';

/** How long a wait for an event may take before the test fails with what it saw. */
const EVENT_DEADLINE_MS = 10_000;

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

/** Write `text` as `name` in the workspace folder. */
export async function writePromptText(name: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.file(path.join(workspaceRoot(), name));
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
  return uri;
}

/** Prompt Lab's diagnostics of `uri` (VS Code's JSON support reports its own too). */
export function promptLabDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Prompt Lab');
}

export function codes(diagnostics: readonly vscode.Diagnostic[]): string[] {
  return diagnostics.map((d) => String(d.code));
}

/**
 * Run `action`, then wait for a change of `uri`'s diagnostics after which Prompt Lab's satisfy `done`.
 * Subscribes before the action, so no change is missed.
 */
export async function diagnosticsAfter(uri: vscode.Uri, action: () => Thenable<unknown>, done: (diagnostics: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  let subscription: vscode.Disposable | undefined;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const changed = new Promise<vscode.Diagnostic[]>((resolve, reject) => {
    subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const current = promptLabDiagnostics(uri);
      if (done(current)) resolve(current);
    });
    deadline = setTimeout(() => reject(new Error(`diagnostics of ${path.basename(uri.fsPath)} did not reach the expected state; now: ${JSON.stringify(codes(promptLabDiagnostics(uri)))}`)), EVENT_DEADLINE_MS);
  });
  try {
    await action();
    return await changed;
  } finally {
    subscription?.dispose();
    clearTimeout(deadline);
  }
}

/** Open `uri` in an editor and wait for Prompt Lab's first diagnostics of it that satisfy `done`. */
export function openWithDiagnostics(uri: vscode.Uri, done: (diagnostics: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  return diagnosticsAfter(uri, async () => vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri)), done);
}

/** A diagnostic as [code, start line, start character, end line, end character]. */
export function placed(d: vscode.Diagnostic): [string, number, number, number, number] {
  return [String(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character];
}

/** Set `promptLab.deployments` for the workspace; returns a function that restores the previous value. */
export async function useDeployments(deployments: Record<string, unknown>): Promise<() => Promise<void>> {
  const config = vscode.workspace.getConfiguration('promptLab');
  const previous = config.inspect('deployments')?.workspaceValue;
  await config.update('deployments', deployments, vscode.ConfigurationTarget.Workspace);
  return async () => {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', previous, vscode.ConfigurationTarget.Workspace);
  };
}
