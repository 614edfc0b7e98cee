/**
 * The core's {@link FileSystem} on Node's `fs`, for the extension host, the CLI, tests and benchmarks. An append is
 * a single write on a file opened with `O_APPEND` ({@link appendText}), so run lines and evaluation lines written by
 * two processes at once interleave whole.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileSystemError, type FileReader, type FileSystem } from '../core/platform/fileSystem';

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
  /** `file` opened for reading (the root checked), its reads and errors as {@link FileSystem.read}'s. */
  async function opened(file: string): Promise<FileReader> {
    const real = await checked(file);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(real, 'r');
    } catch (err) {
      throw wrap(err, file);
    }
    return {
      async read(position, into) {
        try {
          return (await handle.read(into, 0, into.length, position)).bytesRead;
        } catch (err) {
          throw wrap(err, file);
        }
      },
      close: () => handle.close(),
    };
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
    async stat(file) {
      const real = await checked(file);
      try {
        return { size: (await fs.stat(real)).size };
      } catch (err) {
        throw wrap(err, file);
      }
    },
    async read(file, position, into) {
      const reader = await opened(file);
      try {
        return await reader.read(position, into);
      } finally {
        await reader.close();
      }
    },
    openForReading: opened,
  };
}

/** Append `text` (whole lines) to `file`, creating it and its folder, in a single write on an O_APPEND descriptor. */
export async function appendText(file: string, text: string): Promise<void> {
  const line = Buffer.from(text, 'utf8');
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'a');
  try {
    let written = 0;
    // One write in practice; the loop only guards against a short write, which regular files do not do.
    while (written < line.length) {
      const { bytesWritten } = await handle.write(line, written, line.length - written);
      written += bytesWritten;
    }
  } finally {
    await handle.close();
  }
}
