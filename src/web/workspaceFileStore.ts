/**
 * A {@link WholeFileStore} over `vscode.workspace.fs`, for the web entry: the layer's path strings (the `path` of the
 * workspace's URIs) mapped to URIs by `uriOf`, `vscode.FileSystemError`s mapped to the core's
 * {@link FileSystemError}. It takes the few methods of `workspace.fs` it uses and the mapping as arguments and does
 * not import `vscode`, so the unit tests run it on Node (URIs there are plain paths, the methods Node's fs) through
 * the same contract tests as the other FileSystems (test/unit/fileSystems.ts).
 */
import { FileSystemError, type FileSystem } from '../core/platform/fileSystem';
import type { WholeFileStore } from './wholeFileSystem';

/** What {@link workspaceFileStore} uses of `vscode.workspace.fs`, over URIs of type `U`. */
export interface WorkspaceFsSurface<U> {
  readFile(uri: U): PromiseLike<Uint8Array>;
  writeFile(uri: U, content: Uint8Array): PromiseLike<void>;
  readDirectory(uri: U): PromiseLike<[string, number][]>;
  stat(uri: U): PromiseLike<{ size: number; mtime: number }>;
  createDirectory(uri: U): PromiseLike<void>;
}

/**
 * The core's code of an error of `workspace.fs`: `not-found` for `FileNotFound` and `FileNotADirectory` (the codes of
 * `vscode.FileSystemError`, also in its name, "EntryNotFound (FileSystemError)"), and for Node's ENOENT/ENOTDIR when
 * the surface is Node's fs in a test.
 */
export function errorCodeOf(err: unknown): 'not-found' | 'other' {
  const e = err as { code?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const name = typeof e?.name === 'string' ? e.name : '';
  return ['FileNotFound', 'FileNotADirectory', 'ENOENT', 'ENOTDIR'].includes(code) || /EntryNotFound|EntryNotADirectory/.test(name) ? 'not-found' : 'other';
}

/** The store (see the module's comment). */
export function workspaceFileStore<U>(fs: WorkspaceFsSurface<U>, uriOf: (path: string) => U): WholeFileStore {
  const call = async <T>(path: string, f: (uri: U) => PromiseLike<T>): Promise<T> => {
    try {
      return await f(uriOf(path));
    } catch (err) {
      throw new FileSystemError(errorCodeOf(err), err instanceof Error ? err.message : String(err), path);
    }
  };
  return {
    readFile: (path) => call(path, (uri) => fs.readFile(uri)),
    writeFile: (path, content) => call(path, (uri) => fs.writeFile(uri, content)),
    readDirectory: (path) => call(path, async (uri) => (await fs.readDirectory(uri)).map(([name]) => name)),
    stat: (path) => call(path, async (uri) => {
      const { size, mtime } = await fs.stat(uri);
      return { size, mtime };
    }),
    createDirectory: (path) => call(path, (uri) => fs.createDirectory(uri)),
  };
}

/**
 * Joins `path` to its POSIX normal form and checks it is `root` or inside it.
 * @throws FileSystemError `outside` when it is not.
 */
export function checkInside(root: string, path: string, normalize: (p: string) => string): string {
  const base = normalize(root).replace(/\/+$/, '');
  const full = normalize(path);
  if (full === base || full.startsWith(`${base}/`)) return full;
  throw new FileSystemError('outside', `${path} is outside the workspace folder ${root}.`, path);
}

/**
 * `files` confined to `root`: every path must be `root` or inside it once normalised (`normalize`: POSIX
 * `path.normalize`), else the operation rejects with `outside`. A virtual workspace has no symbolic links to follow.
 */
export function confinedFileSystem(files: FileSystem, root: string, normalize: (p: string) => string): FileSystem {
  const inside = (path: string): Promise<string> => {
    try {
      return Promise.resolve(checkInside(root, path, normalize));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  };
  return {
    readFile: async (path) => files.readFile(await inside(path)),
    readDirectory: async (path) => files.readDirectory(await inside(path)),
    appendFile: async (path, text) => files.appendFile(await inside(path), text),
    stat: async (path) => files.stat(await inside(path)),
    read: async (path, position, into) => files.read(await inside(path), position, into),
  };
}

/** The folder of `folders` that `path` is in (the longest such folder path), or undefined. */
export function containingFolder<F extends { path: string }>(path: string, folders: readonly F[]): F | undefined {
  let best: F | undefined;
  for (const folder of folders) {
    const base = folder.path.replace(/\/+$/, '');
    if ((path === base || path.startsWith(`${base}/`)) && (!best || base.length > best.path.replace(/\/+$/, '').length)) best = folder;
  }
  return best;
}
