/**
 * The files the core reads and appends to, behind an interface each front end supplies, so the core also runs in a
 * web worker: the desktop extension host and the CLI pass the Node implementation (src/node/fileSystem.ts), a web
 * build passes one over `vscode.workspace.fs`. Paths are the front end's own strings (absolute paths on Node, URI
 * paths on the web) joined with {@link joinPath}; the core never parses them further.
 */

/** Why a file operation failed: `not-found` (no such file or folder), `outside` (a path that leaves its root), `other`. */
export type FileSystemErrorCode = 'not-found' | 'outside' | 'other';

/** A file operation that failed, with a code the core can branch on and the front end's own message. */
export class FileSystemError extends Error {
  override readonly name = 'FileSystemError';
  constructor(readonly code: FileSystemErrorCode, message: string, readonly path: string) {
    super(message);
  }
}

/**
 * Whether `err` is a {@link FileSystemError} (of `code`, when given), by its name and code rather than `instanceof`:
 * the front end's FileSystem may come from another bundle's copy of this module (the extension's own bundle and
 * dist/core.js each have one), whose class is not this one.
 */
export function isFileSystemError(err: unknown, code?: FileSystemErrorCode): err is FileSystemError {
  if (err instanceof FileSystemError) return code === undefined || err.code === code;
  const e = err as { name?: unknown; code?: unknown } | null;
  return typeof e === 'object' && e !== null && e.name === 'FileSystemError' && (code === undefined || e.code === code);
}

/** What the core needs of a file system. Every method rejects with {@link FileSystemError}. */
export interface FileSystem {
  /** The whole file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Names (not paths) of the entries of a folder, in no particular order; `not-found` when it does not exist. */
  readDirectory(path: string): Promise<string[]>;
  /**
   * Append `text` (UTF-8) to the file, creating it and its folders when missing, in a single write on a file opened
   * for appending, so two processes appending whole lines at once interleave lines and lose none.
   */
  appendFile(path: string, text: string): Promise<void>;
  /** The file's size in bytes; `not-found` when it does not exist. */
  stat(path: string): Promise<{ size: number }>;
  /**
   * Read up to `into.length` bytes of the file from byte `position` into `into` (the caller's buffer, reused between
   * calls, so a reader of a large log makes no garbage per chunk). Resolves with the bytes read: fewer at the end of
   * the file, 0 at or past it. The run log's reader (src/core/log/history.ts) reads its files this way, 1 MB at a time.
   */
  read(path: string, position: number, into: Uint8Array): Promise<number>;
  /**
   * Optional: the file opened once for several {@link read}s (the same contract, without `path`), closed with `close`.
   * A reader of many chunks then waits for one operation a chunk instead of three (open, read, close), each of which
   * a busy thread only starts when it is next free; without it, `read` is used.
   */
  openForReading?(path: string): Promise<FileReader>;
}

/** A file open for reading (see {@link FileSystem.openForReading}). */
export interface FileReader {
  /** As {@link FileSystem.read}. */
  read(position: number, into: Uint8Array): Promise<number>;
  /** Close the file; reads after it reject. */
  close(): Promise<void>;
}

/** `base` and `relative` joined with one `/` (a `relative` made of `/`-separated names, no `..`). */
export function joinPath(base: string, relative: string): string {
  return `${base.replace(/[\\/]+$/, '')}/${relative.replace(/^[\\/]+/, '')}`;
}

/**
 * A workspace-relative path as a prompt file may name it (`data/cases.jsonl`), checked: forward slashes, no
 * absolute path, no drive letter, no `..` segment. A prompt file comes from someone else's repository, so the test
 * data it names must stay inside the workspace (a path such as `../../.ssh/id_rsa` would otherwise be read and sent to
 * a model). `what` names what the path is for in the error ("test data", "an image"). Returns the normalised path (no `.` segments, no doubled slashes), or an error sentence.
 */
export function checkWorkspaceRelativePath(path: string, what = 'test data'): { path: string } | { error: string } {
  const trimmed = path.trim();
  if (trimmed === '') return { error: 'The path is empty.' };
  if (/^([a-zA-Z]:|[\\/]|~)/.test(trimmed) || /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    return { error: `"${path}" is not relative to the workspace folder: write it like "data/cases.jsonl".` };
  }
  const segments = trimmed.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { error: `"${path}" leaves the workspace folder (".."): ${what} must be inside the workspace.` };
  return { path: segments.join('/') };
}
