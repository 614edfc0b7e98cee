/**
 * The `prompt-lab` command line: commander (https://github.com/tj/commander.js) parses the subcommands and their
 * options, with help, `--version`, repeatable options and errors for unknown ones; each subcommand is a thin
 * function over the core in ./check.ts, ./run.ts, ./eval.ts, ./merge.ts and ./convert.ts. node:util's parseArgs has
 * no subcommands or help text, which is most of what a CLI with five commands needs from a parser.
 *
 * Exit codes (./errors.ts): 0 passed, 1 failed (an error diagnostic, a failed run, rows that did not pass), 2 usage or
 * configuration error: one line saying what to do, the stack only with `--verbose`.
 */
import { Command, CommanderError, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkCommand } from './check';
import { convertCommand, type ConvertOptions } from './convert';
import { CliError, EXIT_USAGE } from './errors';
import { evalCommand, type EvalOptions } from './eval';
import type { CliIo, CommonOptions } from './io';
import { mergeCommand, type MergeOptions } from './merge';
import { runCommand, type RunOptions } from './run';

/**
 * The version of the package the CLI runs from: the nearest package.json named prompt-lab above this file (dist/ in
 * the package, out/src/cli/ in tests). Read at run time: importing package.json would make tsc copy it into out/,
 * where it would pass for the repository's root.
 */
function packageVersion(): string {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'prompt-lab' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // none here: look further up
    }
  }
  return 'unknown';
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The options that read settings, on every command that needs them. */
function withSettings(command: Command): Command {
  return command
    .option('--settings <file>', 'settings file to read instead of the workspace\'s .vscode/settings.json (JSONC)')
    .option('--workspace <dir>', 'workspace folder: settings, test data, media and the run log are found from it (default: the nearest folder up with .vscode/settings.json, else with .git)')
    .option('--context <key=value>', 'routing context value over "promptLab.context" (repeatable)', collect);
}

/**
 * Run the CLI with `argv` (the arguments after the program name); resolves to the exit code. Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const verbose = argv.includes('--verbose');
  const program = new Command('prompt-lab')
    .description('Check, run and evaluate .prompt.json and .prompt.yml files outside VS Code, with the settings of the workspace.')
    .version(packageVersion(), '-V, --version')
    .option('--verbose', 'print the stack of an unexpected error')
    .showHelpAfterError('(prompt-lab --help lists the commands and their options)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  withSettings(program.command('check')
    .description('print the diagnostics the editor shows, as file:line:col: severity code: message; exit 1 on an error')
    .argument('<files...>', 'prompt files, folders or globs'))
    .action(async (files: string[], options: CommonOptions) => {
      code = await checkCommand(files, options, io);
    });

  withSettings(program.command('run')
    .description('run one prompt: the answer streams to stdout, status and figures to stderr; logged like Run Prompt')
    .argument('<file>', 'a .prompt.json or .prompt.yml file')
    .option('--input <name=value>', 'an input value (repeatable; JSON for array and object inputs)', collect)
    .option('--inputs-file <file>', 'a JSON object of input values (--input wins)')
    .option('--deployment <key>', 'run on this deployment (a key of "promptLab.deployments", or a model id) instead of the prompt\'s own')
    .option('--json', 'print the run record (as logged) instead of the answer')
    .option('--ignore-budget', 'run even when "promptLab.budget" is spent'))
    .action(async (file: string, options: RunOptions) => {
      code = await runCommand(file, options, io);
    });

  withSettings(program.command('eval')
    .description('evaluate prompts over their test data with their evaluators; exit 0 when all rows pass (or the pass rate reaches --fail-under), 1 when not')
    .argument('<files...>', 'prompt files, folders or globs')
    .option('--deployment <key>', 'evaluate on this deployment (repeatable; default: the prompt\'s own)', collect)
    .option('--concurrency <n>', 'requests in flight per deployment at most (default: each deployment\'s "maxConcurrency")')
    .option('--json <file>', 'write the results as gh models eval --json prints them (- for stdout)')
    .option('--junit <file>', 'write JUnit XML (- for stdout)')
    .option('--shard <i/n>', 'evaluate every n-th row from row i (0-based), for a CI matrix; join with prompt-lab merge')
    .option('--fail-under <rate>', 'exit 0 when the pass rate over all rows is at least this (0–1, or a percentage)')
    .option('--ignore-budget', 'go on when "promptLab.budget" is spent'))
    .action(async (files: string[], options: EvalOptions) => {
      code = await evalCommand(files, options, io);
    });

  program.command('merge')
    .description('join the --json results of eval --shard runs into one summary (and one JUnit file)')
    .argument('<results...>', 'JSON files written by prompt-lab eval --json')
    .option('--json <file>', 'write the merged results (- for stdout)')
    .option('--junit <file>', 'write JUnit XML of the merged results (- for stdout)')
    .option('--fail-under <rate>', 'exit 0 when the pass rate over all rows is at least this (0–1, or a percentage)')
    .action(async (files: string[], options: MergeOptions) => {
      code = await mergeCommand(files, options, io);
    });

  withSettings(program.command('convert')
    .description('convert between .prompt.json and .prompt.yml, or a .prompty to .prompt.json; reports what cannot convert')
    .argument('<file>', 'a .prompt.json, .prompt.yml or .prompty file')
    .addOption(new Option('--to <format>', 'target format').choices(['prompt.json', 'prompt.yml']))
    .option('--out <file>', 'where to write (default: beside the source; - for stdout)')
    .option('--force', 'replace the target file when it exists'))
    .action(async (file: string, options: ConvertOptions) => {
      code = await convertCommand(file, options, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end with code 0; every parse error was already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.stderr.write(`prompt-lab: ${err.message}\n`);
      if (verbose && err.stack) io.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    io.stderr.write(`prompt-lab: ${e.message}${verbose ? '' : ' (run again with --verbose for the stack)'}\n`);
    if (verbose && e.stack) io.stderr.write(`${e.stack}\n`);
    return EXIT_USAGE;
  }
}
