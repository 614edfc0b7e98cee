/**
 * `prompt-lab convert <file> [--to prompt.json|prompt.yml] [--out f] [--force]`: the core's converters (.prompt.yml ↔
 * .prompt.json, .prompty → .prompt.json), as the Convert commands run them. The file is written beside the source
 * (or to `--out`; `-` for stdout) and every note on what did not convert is printed as `file:line: severity: message`.
 * Exit 0 when everything converted, 1 when a part could not (the file is still written, with the notes), 2 when the
 * source cannot be converted at all or the target exists (without `--force`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConversionError, type ConversionResult } from '../core/format/conversion';
import { promptJsonToYaml, promptYamlToJson } from '../core/format/convertPromptYaml';
import { promptyToJson } from '../core/format/convertPrompty';
import { filesBeside } from '../node/filesBeside';
import { keyValues } from './args';
import { CliError, EXIT_FAILED, EXIT_OK } from './errors';
import { promptFormatOfArgument, relativePath } from './files';
import type { CliIo, CommonOptions } from './io';
import { loadSettings } from './settings';

export interface ConvertOptions extends CommonOptions {
  to?: string;
  out?: string;
  force?: boolean;
}

/** The target format of a conversion: `--to`, else the other format of the source's. @throws CliError. */
export function targetFormat(file: string, to: string | undefined): 'prompt.json' | 'prompt.yml' {
  const source = promptFormatOfArgument(file);
  if (source === undefined) throw new CliError(`${path.basename(file)}: convert reads .prompt.json, .prompt.yml and .prompty files.`);
  const target = to === undefined ? (source === 'prompt.json' ? 'prompt.yml' : 'prompt.json') : to.replace(/^\./, '');
  if (target !== 'prompt.json' && target !== 'prompt.yml') throw new CliError(`--to "${to}": write prompt.json or prompt.yml.`);
  if (target === source) throw new CliError(`${path.basename(file)} is already a .${source} file: use --to ${source === 'prompt.json' ? 'prompt.yml' : 'prompt.json'}.`);
  if (source === 'prompty' && target === 'prompt.yml') throw new CliError(`${path.basename(file)}: a .prompty converts to .prompt.json (then, if you need it, that to .prompt.yml).`);
  return target;
}

/** Run `convert`; resolves to the exit code. */
export async function convertCommand(file: string, options: ConvertOptions, io: CliIo): Promise<number> {
  const source = path.resolve(io.cwd, file);
  const name = relativePath(io.cwd, source);
  const to = targetFormat(source, options.to);
  let text: string;
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch (err) {
    throw new CliError(`${name} cannot be read (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}).`);
  }
  const { settings } = loadSettings({ cwd: io.cwd, ...(options.workspace !== undefined ? { workspace: options.workspace } : {}), ...(options.settings !== undefined ? { settingsFile: options.settings } : {}), context: keyValues(options.context, '--context') });
  let result: ConversionResult & { suggestedDeployment?: { key: string; config: unknown } };
  try {
    if (to === 'prompt.yml') result = promptJsonToYaml(text, { deployments: settings.deployments, models: settings.models });
    else if (promptFormatOfArgument(source) === 'prompty') {
      result = promptyToJson(text, { deployments: settings.deployments, readFile: filesBeside(path.dirname(source)) });
    } else result = promptYamlToJson(text);
  } catch (err) {
    if (err instanceof ConversionError) throw new CliError(`${name}${err.line ? `:${err.line}` : ''}: ${err.message}`);
    throw err;
  }
  const out = options.out ?? source.replace(/\.(prompt\.json|prompt\.ya?ml|ya?ml|prompty)$/i, `.${to}`);
  if (out !== '-') {
    const full = path.resolve(io.cwd, out);
    if (fs.existsSync(full) && !options.force) throw new CliError(`${relativePath(io.cwd, full)} exists: pass --force to replace it, or --out another file.`);
    fs.writeFileSync(full, result.text);
  } else {
    io.stdout.write(result.text);
  }
  for (const note of result.notes) io.stderr.write(`${name}${note.line ? `:${note.line}` : ''}: ${note.severity}: ${note.message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
  if (result.suggestedDeployment) {
    io.stderr.write(`${name}: no deployment fits its model; add this to "promptLab.deployments": ${JSON.stringify({ [result.suggestedDeployment.key]: result.suggestedDeployment.config })}\n`);
  }
  const lost = result.notes.filter((n) => n.severity === 'error').length;
  if (out !== '-') io.stderr.write(`wrote ${relativePath(io.cwd, path.resolve(io.cwd, out))}${lost ? `: ${lost} part${lost > 1 ? 's' : ''} could not convert (see above)` : ''}\n`);
  return lost > 0 ? EXIT_FAILED : EXIT_OK;
}
