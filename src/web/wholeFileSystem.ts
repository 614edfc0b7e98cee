/**
 * The core's {@link FileSystem} over a store that reads and writes only whole files, as `vscode.workspace.fs` does
 * in VS Code for the Web (no append, no ranged read, no file handles): the web entry passes
 * `vscode.workspace.fs` (./workspaceFs.ts), and the unit tests pass a store on Node's fs, so the core's tests run
 * against these semantics as well as against src/node/fileSystem.ts.
 *
 * What the web's semantics cost, and how this copes:
 * - An append reads the whole file and writes it back with the line added. Appends of one extension host are queued
 *   per file, so two at once lose no line; two windows appending to the same file at the same moment can (a web
 *   workspace has no `O_APPEND`): the log's lines carry their run ids, so a lost line is a lost run, not a corrupt one.
 * - A ranged read reads the whole file once and serves the chunks of it that the log's reader asks for, as long as
 *   the file's size and modification time are unchanged.
 */
import { isFileSystemError, type FileSystem } from '../core/platform/fileSystem';

/** What {@link wholeFileSystem} needs of a store; paths are the front end's strings. Errors: {@link FileSystemError}. */
export interface WholeFileStore {
  readFile(path: string): Promise<Uint8Array>;
  /** Replace the file's content (creating it). */
  writeFile(path: string, content: Uint8Array): Promise<void>;
  /** Names of a folder's entries. */
  readDirectory(path: string): Promise<string[]>;
  /** Size in bytes and modification time (ms since the epoch). */
  stat(path: string): Promise<{ size: number; mtime: number }>;
  /** Create the folder and its parents (nothing when it exists). */
  createDirectory(path: string): Promise<void>;
}

const encoder = new TextEncoder();

/** The folder part of `path` (everything before its last `/`), or undefined when it has none. */
function parentOf(path: string): string | undefined {
  const at = path.replace(/[\\/]+$/, '').search(/[\\/][^\\/]*$/);
  return at > 0 ? path.slice(0, at) : undefined;
}

/** A {@link FileSystem} on a whole-file store (see the module's comment for what it costs). */
export function wholeFileSystem(store: WholeFileStore): FileSystem {
  /** The last file read whole for ranged reads, with the size and time it had. */
  let cached: { path: string; size: number; mtime: number; bytes: Uint8Array } | undefined;
  /** Appends in progress, per file: the next one waits for the one before. */
  const appending = new Map<string, Promise<void>>();

  async function append(path: string, text: string): Promise<void> {
    let before: Uint8Array;
    try {
      before = await store.readFile(path);
    } catch (err) {
      if (!isFileSystemError(err, 'not-found')) throw err;
      const parent = parentOf(path);
      if (parent !== undefined) await store.createDirectory(parent);
      before = new Uint8Array(0);
    }
    const added = encoder.encode(text);
    const after = new Uint8Array(before.length + added.length);
    after.set(before, 0);
    after.set(added, before.length);
    if (cached?.path === path) cached = undefined;
    await store.writeFile(path, after);
  }

  return {
    readFile: (path) => store.readFile(path),
    readDirectory: (path) => store.readDirectory(path),
    async stat(path) {
      return { size: (await store.stat(path)).size };
    },
    appendFile(path, text) {
      const previous = appending.get(path) ?? Promise.resolve();
      const next = previous.catch(() => undefined).then(() => append(path, text));
      const settled = next.catch(() => undefined);
      appending.set(path, settled);
      void settled.then(() => {
        if (appending.get(path) === settled) appending.delete(path);
      });
      return next;
    },
    async read(path, position, into) {
      const { size, mtime } = await store.stat(path);
      if (!cached || cached.path !== path || cached.size !== size || cached.mtime !== mtime) {
        cached = { path, size, mtime, bytes: await store.readFile(path) };
      }
      const bytes = cached.bytes;
      if (position >= bytes.length) return 0;
      const part = bytes.subarray(position, Math.min(bytes.length, position + into.length));
      into.set(part, 0);
      return part.length;
    },
  };
}
