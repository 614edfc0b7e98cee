/**
 * A reader of the files a `.prompty` names with `${file:…}` (its sample data, its tools), for the Node front ends'
 * converters (the Convert command and `prompt-lab convert`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Reads a file relative to `folder` as UTF-8; undefined when it is not there or leads out of the folder's tree: a
 * prompt from someone else's repository must not read the disk at large.
 */
export function filesBeside(folder: string): (relativePath: string) => string | undefined {
  const base = path.resolve(folder);
  return (relativePath) => {
    const file = path.resolve(base, relativePath);
    if (!file.startsWith(base + path.sep)) return undefined;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
}
