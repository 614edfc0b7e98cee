/**
 * The core's {@link FileSystem} on Node's `fs`, for the extension host, the CLI, tests and benchmarks. Appends use
 * the run log's single-write append (src/core/log/runLog.ts), so evaluation lines and run lines are written alike.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileSystemError, type FileSystem } from '../core/platform/fileSystem';
import { appendText } from '../core/log/runLog';

function wrap(err: unknown, file: string): FileSystemError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  return new FileSystemError(code === 'ENOENT' || code === 'ENOTDIR' ? 'not-found' : 'other', message, file);
}

/**
 * The Node file system. With `root`, every path must resolve, symbolic links followed, to `root` or inside it
 * (otherwise `outside`): a prompt file from someone else's repository cannot make Prompt Lab read a file elsewhere
 * through a link it ships.
 */
export function nodeFileSystem(options: { root?: string } = {}): FileSystem {
  const root = options.root === undefined ? undefined : path.resolve(options.root);
  let realRoot: Promise<string> | undefined;
  async function checked(file: string): Promise<string> {
    if (root === undefined) return file;
    realRoot ??= fs.realpath(root).catch(() => root);
    const base = await realRoot;
    let real: string;
    try {
      real = await fs.realpath(file);
    } catch (err) {
      throw wrap(err, file);
    }
    const rel = path.relative(base, real);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) return real;
    throw new FileSystemError('outside', `${file} is outside the workspace folder ${root}.`, file);
  }
  return {
    async readFile(file) {
      const real = await checked(file);
      try {
        return await fs.readFile(real);
      } catch (err) {
        throw wrap(err, file);
      }
    },
    async readDirectory(dir) {
      const real = await checked(dir);
      try {
        return await fs.readdir(real);
      } catch (err) {
        throw wrap(err, dir);
      }
    },
    async appendFile(file, text) {
      try {
        await appendText(file, text);
      } catch (err) {
        throw wrap(err, file);
      }
    },
  };
}
