/**
 * The FileSystem a core test runs against. By default the Node one (src/node/fileSystem.ts); with
 * PROMPT_LAB_TEST_FILE_SYSTEM=whole-file, the web's (src/web/wholeFileSystem.ts: whole-file reads and writes only, as
 * `vscode.workspace.fs`), here on a store over Node's fs so that the tests' own files (written with node:fs) are
 * what it reads; with PROMPT_LAB_TEST_FILE_SYSTEM=workspace-fs, the web entry's whole stack: the whole-file
 * FileSystem on src/web/workspaceFileStore.ts (paths mapped to URIs, `workspace.fs`'s errors mapped to the core's)
 * over a `workspace.fs`-shaped surface on Node's fs whose URIs are `file:` URLs. test/unit/webFileSystem.test.ts runs
 * the core's file tests again with the second and the third.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileSystemError, type FileSystem } from '../../src/core/platform/fileSystem';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { wholeFileSystem, type WholeFileStore } from '../../src/web/wholeFileSystem';
import { workspaceFileStore, type WorkspaceFsSurface } from '../../src/web/workspaceFileStore';

/** The implementations by name. */
export const FILE_SYSTEMS = ['node', 'whole-file', 'workspace-fs'] as const;

/**
 * `vscode.workspace.fs`'s surface (whole files, `[name, type]` listings, `FileNotFound`-coded errors) on Node's fs,
 * over `file:` URL strings, as the web entry passes the real one over `vscode.Uri`s.
 */
export function nodeWorkspaceFs(): WorkspaceFsSurface<string> {
  const call = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // As vscode.FileSystemError: a code of its own, and "EntryNotFound (FileSystemError)" style names.
      const mapped = code === 'ENOENT' ? 'FileNotFound' : code === 'ENOTDIR' ? 'FileNotADirectory' : 'Unknown';
      throw Object.assign(new Error(err instanceof Error ? err.message : String(err)), { code: mapped, name: `${mapped === 'FileNotFound' ? 'EntryNotFound' : mapped} (FileSystemError)` });
    }
  };
  return {
    readFile: (uri) => call(() => fs.readFile(fileURLToPath(uri))),
    writeFile: (uri, content) => call(() => fs.writeFile(fileURLToPath(uri), content)),
    readDirectory: (uri) => call(async () => (await fs.readdir(fileURLToPath(uri), { withFileTypes: true })).map((d): [string, number] => [d.name, d.isDirectory() ? 2 : 1])),
    stat: (uri) => call(async () => {
      const s = await fs.stat(fileURLToPath(uri));
      return { size: s.size, mtime: s.mtimeMs };
    }),
    createDirectory: (uri) => call(async () => {
      await fs.mkdir(fileURLToPath(uri), { recursive: true });
    }),
  };
}

function wrap(err: unknown, path: string): FileSystemError {
  const code = (err as { code?: unknown }).code;
  return new FileSystemError(code === 'ENOENT' || code === 'ENOTDIR' ? 'not-found' : 'other', err instanceof Error ? err.message : String(err), path);
}

/** A whole-file store on Node's fs: readFile, writeFile, readdir, stat and mkdir only, as `vscode.workspace.fs` offers. */
export function nodeWholeFileStore(): WholeFileStore {
  const call = async <T>(path: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw wrap(err, path);
    }
  };
  return {
    readFile: (path) => call(path, () => fs.readFile(path)),
    writeFile: (path, content) => call(path, () => fs.writeFile(path, content)),
    readDirectory: (path) => call(path, () => fs.readdir(path)),
    stat: (path) => call(path, async () => {
      const s = await fs.stat(path);
      return { size: s.size, mtime: s.mtimeMs };
    }),
    createDirectory: (path) => call(path, async () => {
      await fs.mkdir(path, { recursive: true });
    }),
  };
}

/** The name of the implementation this test process uses. */
export function testFileSystemName(): (typeof FILE_SYSTEMS)[number] {
  const name = process.env.PROMPT_LAB_TEST_FILE_SYSTEM;
  return name === 'whole-file' || name === 'workspace-fs' ? name : 'node';
}

/**
 * The FileSystem this test process uses (see the module's comment). `root` confines the Node one (symbolic links
 * followed); the whole-file one has no links to follow.
 */
export function testFileSystem(options: { root?: string } = {}): FileSystem {
  switch (testFileSystemName()) {
    case 'whole-file': return wholeFileSystem(nodeWholeFileStore());
    case 'workspace-fs': return wholeFileSystem(workspaceFileStore(nodeWorkspaceFs(), (path) => pathToFileURL(path).href));
    default: return nodeFileSystem(options);
  }
}
