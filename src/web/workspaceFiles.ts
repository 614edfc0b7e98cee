/**
 * Files on a virtual file system, through `vscode.workspace.fs`: the layer's paths as the `path` of the workspace's
 * URIs, the core's FileSystem on whole-file reads and writes (./wholeFileSystem.ts), the log folder watched with
 * `createFileSystemWatcher`, exports written whole. The web platform (./platform.ts) is made of these, and so is the
 * desktop's when its workspace is virtual (src/extension.ts: a GitHub repository opened without a clone).
 *
 * Paths: a path maps back to a URI in the scheme and authority of the workspace folder it is in (the longest folder
 * path it starts with), else of the first folder.
 */
import posix from 'path-browserify';
import * as vscode from 'vscode';
import type { ExportFile, VscodePlatform } from '../vscode/platform';
import { wholeFileSystem } from './wholeFileSystem';
import { confinedFileSystem, containingFolder, workspaceFileStore } from './workspaceFileStore';

/**
 * The URI of `path` in the workspace: the scheme and authority of the workspace folder it is in (else of the first
 * folder; with none, a `file:` URI, which `workspace.fs` of the web refuses with a clear error).
 */
export function uriOfPath(path: string, folders: readonly { uri: vscode.Uri }[] = vscode.workspace.workspaceFolders ?? []): vscode.Uri {
  const base = containingFolder(path, folders.map((folder) => folder.uri)) ?? folders[0]?.uri;
  return base ? base.with({ path, query: '', fragment: '' }) : vscode.Uri.file(path);
}

/** An export written in one `workspace.fs.writeFile` when it is closed (the web has no streams): the chunks are kept until then. */
function exportFile(target: vscode.Uri): ExportFile {
  const chunks: string[] = [];
  return {
    write: (chunk) => {
      chunks.push(chunk);
      return true;
    },
    once: () => undefined,
    off: () => undefined,
    close: async () => {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(chunks.join('')));
    },
    abort: () => {
      chunks.length = 0;
    },
  };
}

/**
 * Watches `folder` with `createFileSystemWatcher` on `<folder>/*`. A virtual file system reports what this window
 * writes; what another window or a push writes shows at the next refresh (the view's Refresh button).
 */
function watchFolder(folder: string, onChange: () => void, accept: (name: string) => boolean): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(uriOfPath(folder), '*'));
  const changed = (uri: vscode.Uri): void => {
    if (accept(posix.basename(uri.path))) onChange();
  };
  return vscode.Disposable.from(watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed));
}


/** The file side of a platform on `workspace.fs` (see the module's comment). */
export function workspaceFiles(): Pick<VscodePlatform, 'path' | 'documentSchemes' | 'pathOf' | 'uriOf' | 'fileSystem' | 'watchFolder' | 'filesBeside' | 'openExportFile'> {
  // One FileSystem for the window: its appends to a file are queued one after another (see ./wholeFileSystem.ts).
  const files = wholeFileSystem(workspaceFileStore(vscode.workspace.fs, (path) => uriOfPath(path)));
  return {
    path: posix,
    documentSchemes: ['file', 'untitled', 'vscode-vfs', 'vscode-remote', 'vscode-test-web'],
    pathOf: (uri) => uri.path,
    uriOf: (path) => uriOfPath(path),
    fileSystem: (options) => (options?.root === undefined ? files : confinedFileSystem(files, options.root, posix.normalize)),
    watchFolder,
    // A .prompty's `${file:…}` references are read synchronously by the converter; workspace.fs is asynchronous.
    filesBeside: () => () => undefined,
    openExportFile: exportFile,
  };
}
