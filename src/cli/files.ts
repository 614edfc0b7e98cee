/**
 * The prompt files a command names: each argument is a file, a folder (its prompt files, recursively) or a glob
 * (expanded by tinyglobby, for the quoted globs a shell leaves alone and for shells that do not expand `**`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { promptFormatOf, type PromptFormat } from '../core/format/formats';
import { CliError } from './errors';

/** The prompt files a folder holds: `.prompt.json`, `.prompt.yml`, `.prompt.yaml`. */
const PROMPT_GLOB = '**/*.{prompt.json,prompt.yml,prompt.yaml}';
/** Folders never searched for prompt files. */
const IGNORED = ['**/node_modules/**', '**/.git/**'];

/**
 * The absolute paths of the files `args` name, in the order given, each once.
 * @throws CliError when an argument names nothing (a missing file, a glob or folder without prompt files).
 */
export async function expandFiles(args: readonly string[], cwd: string): Promise<string[]> {
  if (args.length === 0) throw new CliError('Name at least one prompt file, folder or glob, e.g. prompt-lab check "prompts/**/*.prompt.json".');
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    out.push(file);
  };
  for (const arg of args) {
    const full = path.resolve(cwd, arg);
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (stat?.isFile()) {
      add(full);
      continue;
    }
    const dynamic = !stat && isDynamicPattern(arg);
    if (!stat && !dynamic) throw new CliError(`${arg} does not exist: name a prompt file, a folder or a glob.`);
    const found = stat?.isDirectory()
      ? await glob(PROMPT_GLOB, { cwd: full, absolute: true, ignore: IGNORED })
      : await glob(arg, { cwd, absolute: true, ignore: IGNORED });
    if (found.length === 0) throw new CliError(`${arg} matches no ${stat ? 'prompt files (.prompt.json, .prompt.yml)' : 'files'}.`);
    for (const file of found.sort()) add(path.resolve(file));
  }
  return out;
}

/** `file` relative to `base` with forward slashes (how the CLI names files, and the run log's `prompt`). */
export function relativePath(base: string, file: string): string {
  const rel = path.relative(base, file);
  return (rel === '' ? path.basename(file) : rel).split(path.sep).join('/');
}

/**
 * The format of a file a person named on the command line: by its name (src/core/format/formats.ts), and a plain
 * `.yml` / `.yaml` as GitHub Models' format, since `gh models eval` takes any file name (its own examples are
 * `examples/*.yml`). Undefined for other files.
 */
export function promptFormatOfArgument(file: string): PromptFormat | undefined {
  return promptFormatOf(file) ?? (/\.ya?ml$/i.test(file) ? 'prompt.yml' : undefined);
}

/** The file name the core's readers choose their format by: `x.yml` read as `x.prompt.yml`. */
export function formatFileName(file: string): string {
  const base = path.basename(file);
  return promptFormatOf(base) === undefined && /\.ya?ml$/i.test(base) ? base.replace(/\.ya?ml$/i, '.prompt.yml') : base;
}
