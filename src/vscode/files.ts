/** Small file helpers of the vscode layer, over `vscode.workspace.fs` (so they work on any file system provider). */
import * as vscode from 'vscode';

/** Whether something (a file or a folder) is at `uri`. */
export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
