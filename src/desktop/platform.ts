/**
 * The desktop extension host's {@link VscodePlatform}: Node's fs (src/node/fileSystem.ts), `node:crypto`, the worker
 * thread renderer and regex matcher, `fs.watch` for the log folder, the process's environment. What the vscode layer
 * did before it went through a platform, unchanged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nodeFileSystem } from '../node/fileSystem';
import { nodeHasher } from '../node/hash';
import { filesBeside } from '../node/filesBeside';
import { FolderWatcher } from '../node/folderWatcher';
import { WorkerRenderer } from '../node/renderWorker';
import { WorkerRegexMatcher } from '../node/regexWorker';
import type { ExportFile, VscodePlatform } from '../vscode/platform';

/** A write stream on `file` as an {@link ExportFile}. */
function exportFile(file: string): ExportFile {
  const out = fs.createWriteStream(file);
  return {
    write: (chunk) => out.write(chunk),
    once: (event, listener) => out.once(event, listener),
    off: (event, listener) => out.off(event, listener),
    close: () => new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    }),
    abort: () => out.destroy(),
  };
}

/** The desktop platform. */
export function desktopPlatform(): VscodePlatform {
  const hasher = nodeHasher();
  return {
    kind: 'desktop',
    path,
    documentSchemes: ['file', 'untitled'],
    pathOf: (uri) => uri.fsPath,
    uriOf: (file) => vscode.Uri.file(file),
    fileSystem: (options) => nodeFileSystem(options),
    hasher,
    createRenderer: (extensionUri, limits, inline) =>
      new WorkerRenderer(vscode.Uri.joinPath(extensionUri, 'dist', 'renderWorker.js').fsPath, limits, inline),
    createRegexMatcher: () => new WorkerRegexMatcher(),
    env: process.env,
    watchFolder: (folder, onChange, accept) => new FolderWatcher(folder, onChange, accept),
    filesBeside,
    openExportFile: (target) => exportFile(target.fsPath),
    useLog: () => undefined,
    cpuUsage: () => process.cpuUsage(),
    nodeExecutable: process.execPath,
  };
}
