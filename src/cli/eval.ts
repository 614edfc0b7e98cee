/**
 * `prompt-lab eval <files|globs…> [--deployment key]… [--concurrency n] [--json out.json] [--junit out.xml]
 * [--shard i/n] [--fail-under rate]`: the core's evaluation engine (evaluatePrompt: every test row on every
 * deployment, judged by the prompt's evaluators, logged like the editor's evaluations) over each prompt file in turn.
 *
 * Output: a progress line on a terminal (stderr), one plain line per finished row otherwise; a summary table at the
 * end (stdout); `--json` the results in gh-models' shape, `--junit` JUnit XML (see ./results.ts). Exit 0 when every row
 * passed or the pass rate over all rows reaches `--fail-under`, 1 when not, 2 for a usage or configuration error.
 *
 * Judges: an evaluator naming no deployment uses the prompt's own, and for a `.prompt.yml` that names only a `model`
 * that is the deployment the model resolves to; gh-models' built-in judges (`uses: github/…`) run on `openai/gpt-4o`
 * as in gh-models (cmd/eval/builtins.go, `ModelID`), resolved through `promptLab.models` like any model id.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluatePrompt, judgeDeploymentKeys, withJudgeDeployments, type EvaluationBudget, type EvaluationEvent, type EvaluationTarget } from '../core/evaluation/evaluate';
import { loadTestData } from '../core/evaluation/testData';
import type { PromptFile } from '../core/format/promptFile';
import type { RunRecord } from '../core/log/runLog';
import { MAX_CONCURRENCY_LIMIT } from '../core/providers/deployments';
import { spending } from '../core/run/budget';
import { promptStem } from '../core/format/formats';
import { processCpuMs } from '../node/cpuTime';
import { nodeFileSystem } from '../node/fileSystem';
import { WorkerRenderer } from '../node/renderWorker';
import { inShard, keyValues, parseRate, parseShard, parseWholeNumber, type Shard } from './args';
import { CliError, EXIT_FAILED, EXIT_OK } from './errors';
import { expandFiles, promptFormatOfArgument } from './files';
import type { CliIo, CommonOptions, OutStream } from './io';
import { loadPrompt, resolveTarget, type LoadedPrompt } from './prompts';
import { isPassed, junitXml, resultsJson, summaryOf, type GhEvaluationSummary, type GhTestResult } from './results';
import { loadSettings, type CliSettings } from './settings';

export interface EvalOptions extends CommonOptions {
  deployment?: string[];
  concurrency?: string;
  json?: string;
  junit?: string;
  shard?: string;
  failUnder?: string;
  ignoreBudget?: boolean;
}

/** The exit code for results: 0 when all passed, or when the pass rate over all rows reaches `failUnder` (0–1). */
export function exitCodeOf(summaries: readonly GhEvaluationSummary[], failUnder: number | undefined): number {
  const results = summaries.flatMap((s) => s.testResults);
  const { passRate, failedTests } = summaryOf(results);
  if (failUnder !== undefined) return passRate / 100 >= failUnder - 1e-12 ? EXIT_OK : EXIT_FAILED;
  return failedTests === 0 ? EXIT_OK : EXIT_FAILED;
}

/** A target with `--concurrency` applied. */
function limited(target: EvaluationTarget, concurrency: number | undefined): EvaluationTarget {
  return concurrency === undefined ? target : { ...target, deployment: { ...target.deployment, maxConcurrency: concurrency } };
}

/** One row's result in gh-models' shape, from its run record. */
export function testResultOf(record: RunRecord, values: Record<string, unknown>, outcome: string): GhTestResult {
  const evaluations = record.evaluations ?? [];
  const firstError = record.error?.message ?? evaluations.find((e) => e.error !== undefined)?.error;
  return {
    testCase: values,
    modelResponse: record.output.trim(),
    evaluationResults: evaluations.map((e) => ({
      evaluatorName: e.name, score: e.score ?? 0, passed: e.passed,
      ...(e.details !== undefined || e.error !== undefined ? { details: e.details ?? e.error } : {}),
    })),
    promptLab: {
      testIndex: record.testIndex ?? -1, outcome,
      ...(firstError !== undefined ? { error: firstError } : {}),
      latencyMs: record.timing.latencyMs, runId: record.id,
    },
  };
}

/** Draws progress: one line redrawn on a terminal, a line per finished row otherwise. */
class Progress {
  private drawn = false;
  constructor(private readonly out: OutStream) {}

  event(label: string, event: EvaluationEvent): void {
    if (event.type === 'started') {
      this.line(`${label}: ${event.total} cell${event.total === 1 ? '' : 's'} (${event.deployments.join(', ')})`);
    } else if (event.type === 'cellFinished') {
      const { cell, progress: p } = event;
      if (this.out.isTTY) {
        const text = `${label}  ${p.done}/${p.total}  ✓ ${p.passed}  ✗ ${p.failed}  ! ${p.errors}`;
        this.out.write(`\r\x1b[2K${text.slice(0, Math.max(20, (this.out.columns ?? 80) - 1))}`);
        this.drawn = true;
      } else {
        this.line(`${label} · ${cell.deployment} · row ${cell.testIndex + 1}: ${cell.outcome} (${Math.round(cell.latencyMs)} ms)${event.record.error ? ` — ${event.record.error.message}` : ''}`);
      }
    } else if (event.type === 'rateLimited') {
      this.line(`${label} · ${event.deployment}: rate limited, pausing ${Math.round(event.pauseMs)} ms (concurrency ${event.concurrency})`);
    } else if (event.type === 'budget' && event.check.message) {
      this.line(`prompt-lab: ${event.check.message}`);
    }
  }

  line(text: string): void {
    this.end();
    this.out.write(`${text}\n`);
  }

  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/** The summary table: one line per prompt and deployment. */
export function summaryTable(summaries: readonly GhEvaluationSummary[]): string {
  const rows = [['PROMPT', 'DEPLOYMENT', 'ROWS', 'PASSED', 'FAILED', 'ERRORS', 'PASS RATE']];
  for (const s of summaries) {
    const errors = s.testResults.filter((r) => r.promptLab?.outcome === 'error' || r.promptLab?.outcome === 'cancelled').length;
    rows.push([s.promptLab?.prompt ?? s.name, s.promptLab?.deployment ?? s.model, String(s.summary.totalTests), String(s.summary.passedTests), String(s.summary.failedTests - errors), String(errors), `${s.summary.passRate.toFixed(1)}%`]);
  }
  const all = summaryOf(summaries.flatMap((s) => s.testResults));
  if (summaries.length > 1) rows.push(['all', '', String(all.totalTests), String(all.passedTests), '', '', `${all.passRate.toFixed(1)}%`]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

/** Write `text` to `file` (relative to `cwd`), or to stdout for `-`. @throws CliError when it cannot be written. */
export function writeOutput(file: string, text: string, io: CliIo): void {
  if (file === '-') {
    io.stdout.write(text);
    return;
  }
  const full = path.resolve(io.cwd, file);
  try {
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  } catch (err) {
    throw new CliError(`${file} cannot be written (${(err as Error).message}).`);
  }
}

/** Everything an evaluation of one file needs, checked before any request is sent. */
interface Planned {
  loaded: LoadedPrompt;
  prompt: PromptFile;
  targets: EvaluationTarget[];
  judges: Map<string, EvaluationTarget>;
  rows: Awaited<ReturnType<typeof loadTestData>>['rows'];
  totalRows: number;
}

async function plan(file: string, options: EvalOptions, settings: CliSettings, workspaceFolder: string, shard: Shard | undefined, concurrency: number | undefined, io: CliIo): Promise<Planned> {
  const loaded = loadPrompt(file, io.cwd, workspaceFolder);
  const format = promptFormatOfArgument(file) === 'prompt.yml' ? 'prompt.yml' : 'prompt.json';
  const keys = options.deployment?.length ? [...new Set(options.deployment)] : [undefined];
  const targets = keys.map((key) => limited(resolveTarget(loaded.prompt, settings, io.env, key), concurrency));
  // The prompt's own deployment, which judges naming none use: resolved without its key (a judge needing it checks that).
  const ownKey = loaded.prompt.deployment ?? loaded.prompt.model ?? targets[0]?.deployment.key;
  const prompt = withJudgeDeployments(loaded.prompt, format, ownKey);
  const judges = new Map<string, EvaluationTarget>();
  for (const key of judgeDeploymentKeys(prompt)) {
    judges.set(key, limited(resolveTarget({}, settings, io.env, key), concurrency));
  }
  const data = await loadTestData(prompt, { fs: nodeFileSystem({ root: workspaceFolder }), workspaceFolder });
  const fatal = data.problems.find((p) => p.code === 'test-data-file');
  if (fatal) throw new CliError(`${loaded.name}: ${fatal.message}`);
  for (const p of data.problems) io.stderr.write(`${loaded.name}${p.line !== undefined ? `: line ${p.line}` : p.row !== undefined ? `: row ${p.row + 1}` : ''}: ${p.severity}: ${p.message}\n`);
  const rows = data.rows.filter((r) => inShard(r.index, shard));
  return { loaded, prompt, targets, judges, rows, totalRows: data.rows.length };
}

/** Run `eval`; resolves to the exit code. */
export async function evalCommand(args: readonly string[], options: EvalOptions, io: CliIo): Promise<number> {
  const shard = options.shard !== undefined ? parseShard(options.shard) : undefined;
  const failUnder = options.failUnder !== undefined ? parseRate(options.failUnder) : undefined;
  const concurrency = options.concurrency !== undefined ? parseWholeNumber(options.concurrency, '--concurrency', 1, MAX_CONCURRENCY_LIMIT) : undefined;
  const { settings, workspaceFolder } = loadSettings({ cwd: io.cwd, ...(options.workspace !== undefined ? { workspace: options.workspace } : {}), ...(options.settings !== undefined ? { settingsFile: options.settings } : {}), context: keyValues(options.context, '--context') });
  const files = await expandFiles(args, io.cwd);
  // Every file, deployment, judge and key is checked before the first request.
  const plans: Planned[] = [];
  for (const file of files) plans.push(await plan(file, options, settings, workspaceFolder, shard, concurrency, io));

  const logDir = path.resolve(workspaceFolder, settings.logDirectory);
  const renderer = new WorkerRenderer(io.renderWorkerPath);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = new Progress(io.stderr);
  const summaries: GhEvaluationSummary[] = [];
  try {
    for (const p of plans) {
      if (controller.signal.aborted) break;
      const label = p.loaded.name;
      const results = new Map<string, GhTestResult>();
      const valuesOf = new Map(p.rows.map((r) => [r.index, r.values]));
      const budget: EvaluationBudget | undefined = settings.budget ? {
        settings: settings.budget, spent: await spending(nodeFileSystem(), logDir),
        confirm: (check) => {
          if (!options.ignoreBudget) progress.line(`prompt-lab: ${check.message ?? 'the budget is spent'}: stopping (raise "promptLab.budget", or pass --ignore-budget).`);
          return Promise.resolve(options.ignoreBudget === true);
        },
      } : undefined;
      const outcome = await evaluatePrompt({
        evaluationId: randomUUID(), promptPath: p.loaded.promptPath, prompt: p.prompt, rows: p.rows, targets: p.targets, judges: p.judges,
        renderer, fs: nodeFileSystem(), logDir, signal: controller.signal, timeoutMs: settings.requestTimeoutMs, redactPII: settings.redactPII, cpuTimeMs: processCpuMs,
        ...(budget ? { budget } : {}),
      }, (event) => {
        progress.event(label, event);
        if (event.type === 'cellFinished') results.set(`${event.cell.deployment}\u0000${event.cell.testIndex}`, testResultOf(event.record, valuesOf.get(event.cell.testIndex) ?? {}, event.cell.outcome));
      });
      progress.end();
      if (outcome.logError) io.stderr.write(`prompt-lab: the run log could not be written: ${outcome.logError.message}\n`);
      for (const target of p.targets) {
        const key = target.deployment.key;
        const testResults = p.rows.map((row) => results.get(`${key}\u0000${row.index}`) ?? {
          testCase: row.values, modelResponse: '', evaluationResults: [], promptLab: { testIndex: row.index, outcome: 'cancelled', error: 'cancelled before it ran' },
        });
        summaries.push({
          name: p.prompt.name ?? promptStem(p.loaded.file), description: p.prompt.description ?? '', model: p.prompt.model ?? target.deployment.model,
          testResults, summary: summaryOf(testResults),
          promptLab: { prompt: p.loaded.promptPath, deployment: key, evaluationId: outcome.record.id, rows: p.totalRows, ...(shard ? { shard: `${shard.index}/${shard.count}` } : {}) },
        });
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    renderer.dispose();
  }
  const table = summaryTable(summaries);
  if (options.json === '-') io.stderr.write(table);
  else io.stdout.write(table);
  if (options.json !== undefined) writeOutput(options.json, resultsJson(summaries), io);
  if (options.junit !== undefined) writeOutput(options.junit, junitXml(summaries), io);
  if (controller.signal.aborted) {
    io.stderr.write('prompt-lab: the evaluation was cancelled; the rows that ran are logged.\n');
    return EXIT_FAILED;
  }
  const failing = summaries.flatMap((s) => s.testResults.filter((r) => !isPassed(r)).map((r) => ({ s, r })));
  for (const { s, r } of failing.slice(0, 5)) {
    const why = r.promptLab?.error ?? r.evaluationResults.filter((e) => !e.passed).map((e) => e.evaluatorName).join(', ');
    io.stderr.write(`${s.promptLab?.prompt ?? s.name} · ${s.promptLab?.deployment ?? s.model} · row ${(r.promptLab?.testIndex ?? 0) + 1}: ${r.promptLab?.outcome ?? 'failed'}: ${why}\n`);
  }
  if (failing.length > 5) io.stderr.write(`… and ${failing.length - 5} more rows that did not pass (see --json or --junit).\n`);
  return exitCodeOf(summaries, failUnder);
}
