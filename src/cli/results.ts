/**
 * An evaluation's results as files: the JSON `gh models eval --json` prints, and JUnit XML.
 *
 * JSON: github/gh-models `cmd/eval/eval.go` (`EvaluationSummary`: `name`, `description`, `model`, `testResults` of
 * `TestResult` {`testCase`, `modelResponse`, `evaluationResults` of {`evaluatorName`, `score`, `passed`, `details`}},
 * `summary` {`totalTests`, `passedTests`, `failedTests`, `passRate` in percent}), so a tool that reads gh-models' output
 * reads ours. Prompt Lab adds a `promptLab` object to the summary (prompt path, deployment, evaluation id, shard) and
 * to each test result (row index, status, error, latency): Go's encoding/json ignores fields a struct does not name.
 * One prompt on one deployment is one summary; several are an array of them. `merge` joins shards of the same
 * prompt and deployment back into one summary, in row order.
 *
 * JUnit: one `<testsuite>` per prompt and deployment, one `<testcase>` per row, `<failure>` for a row an evaluator
 * failed, `<error>` for a row that could not be run or judged, written by junit-report-builder.
 */
import junitBuilder from 'junit-report-builder';
import { CliError } from './errors';

/** gh-models `EvaluationResult`. */
export interface GhEvaluationResult {
  evaluatorName: string;
  score: number;
  passed: boolean;
  details?: string;
}

/** gh-models `TestResult`, with Prompt Lab's additions. */
export interface GhTestResult {
  testCase: Record<string, unknown>;
  modelResponse: string;
  evaluationResults: GhEvaluationResult[];
  promptLab?: {
    /** 0-based row index in the prompt's test data (the run log's `testIndex`). */
    testIndex: number;
    /** passed · failed · error · cancelled. */
    outcome: string;
    /** The run's or an evaluator's error. */
    error?: string;
    latencyMs?: number;
    runId?: string;
  };
}

/** gh-models `Summary`: `passRate` is a percentage (0–100; 100 for no tests). */
export interface GhSummary {
  totalTests: number;
  passedTests: number;
  failedTests: number;
  passRate: number;
}

/** gh-models `EvaluationSummary`, with Prompt Lab's additions. */
export interface GhEvaluationSummary {
  name: string;
  description: string;
  model: string;
  testResults: GhTestResult[];
  summary: GhSummary;
  promptLab?: {
    /** Workspace-relative path of the prompt file. */
    prompt: string;
    deployment: string;
    evaluationId?: string;
    /** `i/n` when the rows were sharded; `merge` removes it. */
    shard?: string;
    /** Rows in the test data before sharding. */
    rows?: number;
  };
}

/** gh-models' figures for a list of test results: passed when every evaluator passed and the row ran. */
export function summaryOf(results: readonly GhTestResult[]): GhSummary {
  const passed = results.filter(isPassed).length;
  return { totalTests: results.length, passedTests: passed, failedTests: results.length - passed, passRate: results.length ? (passed / results.length) * 100 : 100 };
}

/** Whether a row passed (gh-models: all evaluators passed; Prompt Lab: and the row ran and was judged). */
export function isPassed(result: GhTestResult): boolean {
  return (result.promptLab?.outcome ?? 'passed') === 'passed' && result.evaluationResults.every((e) => e.passed);
}

/** The summaries in a results file: one object or an array of them. @throws CliError when it is neither. */
export function readSummaries(text: string, file: string): GhEvaluationSummary[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON (${(err as Error).message}): give files that prompt-lab eval --json wrote.`);
  }
  const list = Array.isArray(value) ? value : [value];
  for (const s of list) {
    const ok = s && typeof s === 'object' && Array.isArray((s as GhEvaluationSummary).testResults) && typeof (s as GhEvaluationSummary).summary === 'object';
    if (!ok) throw new CliError(`${file} is not an evaluation result (no "testResults" and "summary"): give files that prompt-lab eval --json wrote.`);
  }
  return list as GhEvaluationSummary[];
}

/**
 * Join shards: summaries of the same prompt and deployment become one, their test results in row order.
 * @throws CliError when two files hold the same row of the same prompt and deployment (overlapping shards).
 */
export function mergeSummaries(summaries: readonly GhEvaluationSummary[]): { merged: GhEvaluationSummary[]; missingShards: string[] } {
  const groups = new Map<string, GhEvaluationSummary[]>();
  for (const s of summaries) {
    const key = s.promptLab ? `${s.promptLab.prompt}\u0000${s.promptLab.deployment}` : `${s.name}\u0000${s.model}`;
    const list = groups.get(key) ?? [];
    list.push(s);
    groups.set(key, list);
  }
  const merged: GhEvaluationSummary[] = [];
  const missingShards: string[] = [];
  for (const list of groups.values()) {
    const first = list[0] as GhEvaluationSummary;
    const seen = new Map<number, GhTestResult>();
    const results: GhTestResult[] = [];
    for (const s of list) {
      for (const r of s.testResults) {
        const index = r.promptLab?.testIndex;
        if (index !== undefined) {
          if (seen.has(index)) throw new CliError(`Row ${index + 1} of ${first.promptLab?.prompt ?? first.name} on ${first.promptLab?.deployment ?? first.model} is in more than one file: merge the shards of one evaluation (each --shard i/n once).`);
          seen.set(index, r);
        }
        results.push(r);
      }
    }
    results.sort((a, b) => (a.promptLab?.testIndex ?? 0) - (b.promptLab?.testIndex ?? 0));
    const shards = list.map((s) => s.promptLab?.shard).filter((s): s is string => s !== undefined);
    const count = shards.length ? Number(shards[0]?.split('/')[1]) : 0;
    for (let i = 0; i < count; i++) if (!shards.includes(`${i}/${count}`)) missingShards.push(`${first.promptLab?.prompt ?? first.name} on ${first.promptLab?.deployment ?? first.model}: shard ${i}/${count}`);
    const out: GhEvaluationSummary = { name: first.name, description: first.description, model: first.model, testResults: results, summary: summaryOf(results) };
    if (first.promptLab) {
      const { shard: _shard, evaluationId: _id, ...rest } = first.promptLab;
      const ids = [...new Set(list.map((s) => s.promptLab?.evaluationId).filter((x): x is string => x !== undefined))];
      out.promptLab = { ...rest, ...(ids.length === 1 ? { evaluationId: ids[0] as string } : {}) };
    }
    merged.push(out);
  }
  return { merged, missingShards };
}

/** The JSON text of results: one summary as an object (as gh-models prints it), several as an array. */
export function resultsJson(summaries: readonly GhEvaluationSummary[]): string {
  return `${JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2)}\n`;
}

/** A short label for a row: its index and its first values. */
function rowLabel(result: GhTestResult, position: number): string {
  const index = result.promptLab?.testIndex ?? position;
  const values = Object.entries(result.testCase).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  const short = values.length > 60 ? `${values.slice(0, 59)}…` : values;
  return `row ${index + 1}${short ? `: ${short}` : ''}`;
}

/** JUnit XML of the summaries (see the module comment). */
export function junitXml(summaries: readonly GhEvaluationSummary[]): string {
  const builder = junitBuilder.newBuilder().name('prompt-lab eval');
  for (const s of summaries) {
    const prompt = s.promptLab?.prompt ?? s.name;
    const suite = builder.testSuite().name(`${prompt} · ${s.promptLab?.deployment ?? s.model}`);
    s.testResults.forEach((r, i) => {
      const test = suite.testCase().className(prompt.replace(/(\.prompt)?\.(json|ya?ml)$/i, '').replace(/\//g, '.')).name(rowLabel(r, i));
      if (r.promptLab?.latencyMs !== undefined) test.time(Math.round(r.promptLab.latencyMs) / 1000);
      const outcome = r.promptLab?.outcome ?? (isPassed(r) ? 'passed' : 'failed');
      const details = r.evaluationResults.map((e) => `${e.passed ? '✓' : '✗'} ${e.evaluatorName} (score ${e.score.toFixed(2)})${e.details ? `: ${e.details}` : ''}`).join('\n');
      if (outcome === 'error' || outcome === 'cancelled') {
        test.error(r.promptLab?.error ?? outcome, outcome, details || undefined);
      } else if (!isPassed(r)) {
        const failed = r.evaluationResults.filter((e) => !e.passed).map((e) => e.evaluatorName);
        test.failure(`failed: ${failed.join(', ')}`, 'evaluator');
      }
      if (r.modelResponse || details) test.standardOutput(`${details}${details ? '\n\n' : ''}${r.modelResponse}`);
    });
  }
  return builder.build();
}
