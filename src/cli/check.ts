/**
 * `prompt-lab check <files|folders|globs…>`: the editor's diagnostics (the core's analysis with the same settings,
 * test data files and media checks) printed one per line as `file:line:col: severity code: message`, the shape
 * GitHub's problem matchers and most editors parse (`$prompt-lab` in package.json matches it). Exit 1 when there is
 * an error, 0 with warnings only.
 */
import * as fs from 'node:fs';
import { analyzePromptDocument, type AnalysisContext, type PromptDiagnostic } from '../core/template/analyze';
import { loadTestData } from '../core/evaluation/testData';
import { checkMediaInputs } from '../core/run/mediaCheck';
import { mediaLimitsOf } from '../core/providers/mediaLimits';
import { deploymentTargets } from '../core/providers/deployments';
import { positionFinder } from '../core/format/text';
import { nodeFileSystem } from '../node/fileSystem';
import { CliError, EXIT_FAILED, EXIT_OK } from './errors';
import { expandFiles, formatFileName, promptFormatOfArgument, relativePath } from './files';
import type { CliIo, CommonOptions } from './io';
import { keyValues } from './args';
import { loadSettings, type CliSettings } from './settings';

/** One diagnostic with its 1-based line and column (UTF-16 code units, as VS Code counts). */
export interface CheckedDiagnostic extends PromptDiagnostic {
  line: number;
  column: number;
}

/** A checked file's diagnostics. */
export interface CheckedFile {
  file: string;
  diagnostics: CheckedDiagnostic[];
}

/** Files `check` reads: `.prompt.json`, `.prompt.yml`, `.prompt.yaml` (and a `.yml` named on the command line). */
export function isCheckable(file: string): boolean {
  const format = promptFormatOfArgument(file);
  return format === 'prompt.json' || format === 'prompt.yml';
}

/**
 * The diagnostics of one prompt file, as the editor shows them: the analysis with the deployments, `promptLab.models`
 * and deployment targets of `settings`, the rows of its test data file, then the media inputs' files.
 */
export async function checkFile(file: string, text: string, settings: CliSettings, workspaceFolder: string): Promise<CheckedDiagnostic[]> {
  const context: AnalysisContext = {
    deployments: Object.keys(settings.deployments),
    models: settings.models,
    deploymentTargets: deploymentTargets(settings.deployments, settings.context),
  };
  let analysis = analyzePromptDocument(file, text, context);
  const prompt = analysis.prompt;
  const fileSystem = nodeFileSystem({ root: workspaceFolder });
  if (prompt?.testData?.kind === 'file') {
    const testData = await loadTestData(prompt, { fs: fileSystem, workspaceFolder });
    analysis = analyzePromptDocument(file, text, { ...context, testData });
  }
  const diagnostics = [...analysis.diagnostics];
  if (analysis.prompt?.messages.some((m) => m.kind === 'parts')) {
    const p = analysis.prompt;
    const provider = (p.deployment !== undefined ? context.deploymentTargets?.[p.deployment]?.provider : undefined) ?? 'openai';
    diagnostics.push(...await checkMediaInputs(p, { fileSystem, root: workspaceFolder }, mediaLimitsOf(provider)));
  }
  const at = positionFinder(text);
  return diagnostics
    .map((d) => {
      const pos = at(d.start);
      return { ...d, line: pos.line + 1, column: pos.character + 1 };
    })
    .sort((a, b) => a.start - b.start);
}

/** One diagnostic as a line: `file:line:col: severity code: message` (the message on one line). */
export function formatDiagnostic(file: string, d: CheckedDiagnostic): string {
  return `${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}

/** Run `check`; resolves to the exit code. */
export async function checkCommand(args: readonly string[], options: CommonOptions, io: CliIo): Promise<number> {
  const { settings, workspaceFolder } = loadSettings({ cwd: io.cwd, ...(options.workspace !== undefined ? { workspace: options.workspace } : {}), ...(options.settings !== undefined ? { settingsFile: options.settings } : {}), context: keyValues(options.context, '--context') });
  const files = await expandFiles(args, io.cwd);
  const unchecked = files.filter((f) => !isCheckable(f));
  if (unchecked.length > 0) {
    const first = relativePath(io.cwd, unchecked[0] as string);
    throw new CliError(`${first}: check reads .prompt.json and .prompt.yml files${first.endsWith('.prompty') ? '; convert a .prompty first with prompt-lab convert' : ''}.`);
  }
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const name = relativePath(io.cwd, file);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`${name} cannot be read (${(err as Error).message}).`);
    }
    for (const d of await checkFile(formatFileName(file), text, settings, workspaceFolder)) {
      io.stdout.write(`${formatDiagnostic(name, d)}\n`);
      if (d.severity === 'error') errors++;
      else warnings++;
    }
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.stderr.write(`${plural(files.length, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.\n`);
  return errors > 0 ? EXIT_FAILED : EXIT_OK;
}
