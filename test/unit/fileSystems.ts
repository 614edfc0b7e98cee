/**
 * The FileSystem a core test runs against. By default the Node one (src/node/fileSystem.ts); with
 * PROMPT_LAB_TEST_FILE_SYSTEM=whole-file, the web's (src/web/wholeFileSystem.ts: whole-file reads and writes only, as
 * `vscode.workspace.fs`), here on a store over Node's fs so that the tests' own files (written with node:fs) are
 * what it reads. test/unit/webFileSystem.test.ts runs the core's file tests again with the second one.
 */
import { promises as fs } from 'node:fs';
import { FileSystemError, type FileSystem } from '../../src/core/platform/fileSystem';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { wholeFileSystem, type WholeFileStore } from '../../src/web/wholeFileSystem';

/** The implementations by name. */
export const FILE_SYSTEMS = ['node', 'whole-file'] as const;

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
  return process.env.PROMPT_LAB_TEST_FILE_SYSTEM === 'whole-file' ? 'whole-file' : 'node';
}

/**
 * The FileSystem this test process uses (see the module's comment). `root` confines the Node one (symbolic links
 * followed); the whole-file one has no links to follow.
 */
export function testFileSystem(options: { root?: string } = {}): FileSystem {
  return testFileSystemName() === 'whole-file' ? wholeFileSystem(nodeWholeFileStore()) : nodeFileSystem(options);
}
