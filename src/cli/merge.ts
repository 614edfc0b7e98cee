/**
 * `prompt-lab merge <result files…> [--json out.json] [--junit out.xml] [--fail-under rate]`: joins the JSON files of
 * `eval --shard i/n` runs (a CI matrix) into one summary per prompt and deployment, rows in order, and one JUnit file;
 * exits as `eval` would have over all the rows. A missing shard is reported (exit 1); overlapping shards are an error (2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRate } from './args';
import { CliError, EXIT_FAILED } from './errors';
import { exitCodeOf, summaryTable, writeOutput } from './eval';
import { expandFiles, relativePath } from './files';
import type { CliIo } from './io';
import { junitXml, mergeSummaries, readSummaries, resultsJson, type GhEvaluationSummary } from './results';

export interface MergeOptions {
  json?: string;
  junit?: string;
  failUnder?: string;
}

/** Run `merge`; resolves to the exit code. */
export async function mergeCommand(args: readonly string[], options: MergeOptions, io: CliIo): Promise<number> {
  const failUnder = options.failUnder !== undefined ? parseRate(options.failUnder) : undefined;
  const files = await expandFiles(args, io.cwd);
  const all: GhEvaluationSummary[] = [];
  for (const file of files) {
    const name = relativePath(io.cwd, file);
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(io.cwd, file), 'utf8');
    } catch (err) {
      throw new CliError(`${name} cannot be read (${(err as Error).message}).`);
    }
    all.push(...readSummaries(text, name));
  }
  const { merged, missingShards } = mergeSummaries(all);
  const table = summaryTable(merged);
  if (options.json === '-') io.stderr.write(table);
  else io.stdout.write(table);
  if (options.json !== undefined) writeOutput(options.json, resultsJson(merged), io);
  if (options.junit !== undefined) writeOutput(options.junit, junitXml(merged), io);
  for (const missing of missingShards) io.stderr.write(`prompt-lab: ${missing} is missing: merge every shard's results, or its rows are not counted.\n`);
  return missingShards.length > 0 ? EXIT_FAILED : exitCodeOf(merged, failUnder);
}
