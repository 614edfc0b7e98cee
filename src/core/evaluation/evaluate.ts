/**
 * Evaluating a prompt: every test row on every chosen deployment (a cell), each cell's output judged by the prompt's
 * evaluators, everything logged, and a summary at the end. vscode-free: a front end supplies the deployments with their
 * keys, the renderer, the file system and an AbortSignal, and shows the events.
 *
 * Scheduling: one {@link RequestPool} per deployment (the evaluated ones and the judges'), each with its own AIMD
 * concurrency window up to the deployment's `maxConcurrency`; a cell holds a slot only while its run streams, and its
 * judges queue ahead of new cells on the judge's deployment. A 429 pauses the deployment for the server's wait and
 * shrinks its window; 5xx and connection failures are retried inside the run as for a single run. While this thread's
 * event loop runs late (answers arriving faster than it takes them in), a {@link LoopGuard} caps the requests in
 * flight across the pools so the host stays responsive, and a pool starts at most 16 requests per turn of the loop.
 *
 * The log (see src/core/log/runLog.ts): every cell is an `event: "run"` line with `source: "evaluation"`,
 * `evaluationId`, `testIndex` and `evaluations`; every judge call is a run line with `source: "judge"`, the same
 * `evaluationId` and `testIndex`, `runId` (the judged run) and `evaluator`; at the end one `event: "evaluation"` line
 * with the figures of summary.ts. A cancelled cell keeps its partial output. A resume (same `evaluationId`) runs only
 * the cells that have no `ok` run with every evaluator's result in the log.
 */
import type { PromptFile } from '../format/promptFile';
import type { EvaluationRecord, EvaluatorResult, RunRecord } from '../log/runLog';
import { redact } from '../log/redact';
import type { FileSystem } from '../platform/fileSystem';
import type { ResolvedDeployment } from '../providers/deployments';
import { checkBudget, type BudgetCheck, type BudgetSettings, type Spending } from '../run/budget';
import { executeRun, redactRecord, requestParameters, type RunOutcome, type RunRequest } from '../run/run';
import type { TemplateRenderer } from '../template/renderer';
import { addJudgeRun, LineLog, noJudgeRuns, readLoggedEvaluation } from './evaluationLog';
import { runEvaluator, type EvaluatorEnvironment, type Judge, type JudgeAnswer, type RegexMatcher } from './evaluators';
import { CellStore } from './cellStore';
import { LoopGuard } from './loopGuard';
import { RequestPool, type PoolRequest } from './pool';
import { CANCELLED_EVALUATOR, cellResultOf, isDone, summarize, type CellResult } from './summary';
import { rowInputs, type TestRow } from './testData';

/** A deployment to send requests to, with what authenticates them (never logged). */
export interface EvaluationTarget {
  deployment: ResolvedDeployment;
  apiKey: string | undefined;
  azureADTokenProvider?: () => Promise<string>;
}

/** `promptLab.budget` for an evaluation: it asks once, when a limit is reached, before the start or midway. */
export interface EvaluationBudget {
  settings: BudgetSettings;
  /** Spent before the evaluation (today and this month, USD), e.g. from `spending(logDir)`. */
  spent: Spending;
  /** Asked once at most: true goes on past the limit, false cancels the evaluation. */
  confirm(check: BudgetCheck): Promise<boolean>;
}

/** Everything an evaluation needs. */
export interface EvaluationRequest {
  /** UUID; a resume passes the evaluation's own. */
  evaluationId: string;
  /** Workspace-relative path of the prompt file, forward slashes. */
  promptPath: string;
  prompt: PromptFile;
  rows: readonly TestRow[];
  /** The deployments to evaluate on (distinct keys). */
  targets: readonly EvaluationTarget[];
  /**
   * Judge deployments by key (see {@link judgeDeploymentKeys}); a judge on one of `targets` may be left out. A judge
   * whose deployment is in neither gives evaluator errors.
   */
  judges?: ReadonlyMap<string, EvaluationTarget>;
  renderer: TemplateRenderer;
  /** Where `regex` evaluators match (bounded in time, off this thread); in this thread when absent. */
  regex?: RegexMatcher;
  fs: FileSystem;
  /** Folder of the run log; undefined to not log (benchmarks). */
  logDir?: string;
  signal?: AbortSignal;
  /** Request timeout in ms for deployments that set none. */
  timeoutMs?: number;
  /** Mask personal data in what is logged (`promptLab.log.redactPII`), evaluator details included. */
  redactPII?: boolean;
  /** Read the log first and run only the cells without a done run (`since`: the first UTC day file to read). */
  resume?: { since?: string };
  budget?: EvaluationBudget;
  /** Interval of `throughput` events in ms (default 1000; 0: none). */
  sampleIntervalMs?: number;
  /** 429s one request may get before its cell is an error (default 100). */
  maxRateLimitRetries?: number;
  /**
   * CPU time (ms) this process has used (Node: src/node/cpuTime.ts), so the loop guard (./loopGuard.ts) tells a thread
   * busy with the evaluation from a machine busy with other processes; without it, late timers alone cut.
   */
  cpuTimeMs?: () => number;
}

/** Counts so far, for a progress bar: cells finished of `total`, and how they came out. */
export interface EvaluationProgress {
  total: number;
  done: number;
  passed: number;
  failed: number;
  errors: number;
}

/** What an evaluation reports as it goes. Synchronous callbacks: keep them cheap. */
export type EvaluationEvent =
  | { type: 'started'; evaluationId: string; total: number; alreadyDone: number; deployments: string[] }
  | { type: 'cellStarted'; deployment: string; testIndex: number; runId: string }
  | { type: 'cellDelta'; deployment: string; testIndex: number; runId: string; text: string }
  | { type: 'cellFinished'; cell: CellResult; record: RunRecord; progress: EvaluationProgress }
  | { type: 'rateLimited'; deployment: string; pauseMs: number; concurrency: number }
  | { type: 'throughput'; elapsedMs: number; deployments: Record<string, { completionTokensPerSecond: number; inFlight: number; concurrency: number }> }
  | { type: 'budget'; check: BudgetCheck }
  | { type: 'finished'; record: EvaluationRecord };

/** How an evaluation ended. */
export interface EvaluationOutcome {
  record: EvaluationRecord;
  /** Each cell's result (logged earlier and now). */
  cells: CellResult[];
  /** The first log write that failed, if one did (the evaluation went on). */
  logError?: Error;
}

/** The deployment keys the prompt's judges use: each judge's `deployment`, else the prompt's own. */
export function judgeDeploymentKeys(prompt: PromptFile): string[] {
  const keys = new Set<string>();
  for (const e of prompt.evaluators) {
    if (e.kind !== 'llm' && e.kind !== 'uses') continue;
    const key = e.deployment ?? prompt.deployment;
    if (key !== undefined) keys.add(key);
  }
  return [...keys];
}

/** The model gh-models' built-in judges call (github/gh-models cmd/eval/builtins.go: `ModelID: "openai/gpt-4o"`). */
export const GITHUB_BUILTIN_JUDGE_MODEL = 'openai/gpt-4o';

/**
 * The prompt as a front end evaluates it: judges that name no deployment get the prompt's own (`ownKey`: its
 * `deployment`, else its `model` id, which the front end resolves like `--deployment`), and in a `.prompt.yml`
 * gh-models' built-in judges (`uses: github/…`) get {@link GITHUB_BUILTIN_JUDGE_MODEL}, the model gh-models runs them on.
 */
export function withJudgeDeployments(prompt: PromptFile, format: 'prompt.json' | 'prompt.yml', ownKey: string | undefined): PromptFile {
  const evaluators = prompt.evaluators.map((e) => (format === 'prompt.yml' && e.kind === 'uses' && e.deployment === undefined && e.uses.startsWith('github/') ? { ...e, deployment: GITHUB_BUILTIN_JUDGE_MODEL } : e));
  const out: PromptFile = { ...prompt, evaluators };
  const deployment = prompt.deployment ?? ownKey;
  if (deployment !== undefined) out.deployment = deployment;
  return out;
}

function newId(): string {
  return globalThis.crypto.randomUUID();
}

function errorRecord(request: EvaluationRequest, target: EvaluationTarget, runId: string, inputs: Record<string, unknown>, message: string): RunRecord {
  return {
    event: 'run', id: runId, prompt: request.promptPath, deployment: target.deployment.key, provider: target.deployment.provider,
    model: target.deployment.model, inputs, messages: [], parameters: requestParameters(request.prompt, target.deployment), output: '',
    finishReason: null, usage: null, timing: { startedAt: new Date().toISOString(), ttftMs: null, latencyMs: 0 }, status: 'error', error: { message }, source: 'evaluation',
  };
}

/**
 * Evaluate `request.prompt` over its rows on every target. Never throws for a failing request, row or evaluator:
 * they are error cells. Resolves when every cell is finished or cancelled and the evaluation line is written.
 * @throws FileSystemError only when a resume cannot read the log.
 */
export async function evaluatePrompt(request: EvaluationRequest, onEvent: (event: EvaluationEvent) => void = () => undefined): Promise<EvaluationOutcome> {
  const startedAt = new Date().toISOString();
  const t0 = globalThis.performance.now();
  const controller = new AbortController();
  const external = request.signal;
  const onAbort = (): void => controller.abort();
  if (external?.aborted) controller.abort();
  else external?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  const log = request.logDir !== undefined ? new LineLog(request.fs, request.logDir) : undefined;
  let logError: Error | undefined;
  const write = (value: RunRecord | EvaluationRecord, at: Date): Promise<void> => {
    if (!log) return Promise.resolve();
    return log.append(value, at).catch((err: unknown) => {
      logError ??= err instanceof Error ? err : new Error(String(err));
    });
  };
  const deploymentKeys = request.targets.map((t) => t.deployment.key);
  const rows = request.rows;

  // What is done already (a resume).
  // Each cell's result, in columns (./cellStore.ts): 100,000 cell result objects were a large part of the live heap.
  const results = new CellStore(deploymentKeys, rows.reduce((n, row) => Math.max(n, row.index + 1), rows.length));
  const judgeTotals = noJudgeRuns();
  if (request.resume && request.logDir !== undefined) {
    const logged = await readLoggedEvaluation(request.fs, request.logDir, request.evaluationId, request.resume.since);
    for (const cell of logged.cells.values()) if (cell.testIndex < rows.length) results.set(cell);
    Object.assign(judgeTotals, logged.judges);
  }
  const total = rows.length * request.targets.length;
  const progress: EvaluationProgress = { total, done: 0, passed: 0, failed: 0, errors: 0 };
  const count = (cell: CellResult): void => {
    if (cell.outcome === 'cancelled') return;
    progress.done++;
    if (cell.outcome === 'passed') progress.passed++;
    else if (cell.outcome === 'failed') progress.failed++;
    else progress.errors++;
  };
  let alreadyDone = 0;
  // Cells without a done run are run again and counted when they finish.
  for (const cell of results.all()) {
    if (!isDone(cell)) continue;
    alreadyDone++;
    count(cell);
  }
  onEvent({ type: 'started', evaluationId: request.evaluationId, total, alreadyDone, deployments: deploymentKeys });

  // Budget: asked once, when a limit is reached.
  const budget = request.budget;
  const spent: Spending = budget ? { ...budget.spent } : { todayUsd: 0, monthUsd: 0 };
  let budgetSettled = budget === undefined;
  let warned = false;
  let asking: Promise<void> | undefined;
  const gate = (): Promise<void> | undefined => {
    if (budgetSettled || !budget) return undefined;
    if (asking) return asking;
    const check = checkBudget(budget.settings, spent);
    if (check.level === 'warn' && !warned) {
      warned = true;
      onEvent({ type: 'budget', check });
    }
    if (check.level !== 'over') return undefined;
    onEvent({ type: 'budget', check });
    asking = budget.confirm(check).then(
      (goOn) => {
        budgetSettled = true;
        if (!goOn) controller.abort();
      },
      () => {
        budgetSettled = true;
        controller.abort();
      },
    );
    return asking;
  };
  const addCost = (record: RunRecord): void => {
    if (typeof record.costUsd !== 'number') return;
    spent.todayUsd += record.costUsd;
    spent.monthUsd += record.costUsd;
  };

  // Pools, one per deployment key. A request the cancel kept from being sent settles with the marker outcome.
  const unsentOutcome = { record: undefined } as unknown as RunOutcome;
  const pools = new Map<string, RequestPool>();
  // The requests in flight across the pools, capped while this thread's event loop is late (./loopGuard.ts).
  const guard = new LoopGuard(request.cpuTimeMs ? { cpuTimeMs: request.cpuTimeMs } : {});
  guard.start();
  const chunks = new Map<string, number>();
  const poolFor = (target: EvaluationTarget): RequestPool => {
    const key = target.deployment.key;
    let pool = pools.get(key);
    if (!pool) {
      pool = new RequestPool({
        maxConcurrency: target.deployment.maxConcurrency,
        baseDelayMs: target.deployment.retry.baseDelayMs,
        maxDelayMs: target.deployment.retry.maxDelayMs,
        maxRateLimitRetries: request.maxRateLimitRetries ?? 100,
        gate,
        guard,
        signal,
        settleUnsent: (r) => r.settle(unsentOutcome, 0),
      }, {
        rateLimited: (info) => onEvent({ type: 'rateLimited', deployment: key, pauseMs: info.pauseMs, concurrency: Math.max(1, Math.floor(info.window)) }),
      });
      pools.set(key, pool);
      chunks.set(key, 0);
    }
    return pool;
  };

  // Each request has its own signal, aborted with the evaluation's: one listener on the evaluation's signal instead of
  // one per request in flight (hundreds, which Node reports as a listener leak). A request's controller goes back to
  // `spare` when the run is over (executeRun removes its listener then), so there are about as many controllers as
  // requests in flight, not one more per cell: in Node an AbortSignal is a transferable object, costly to make.
  const inFlight = new Set<AbortController>();
  const spare: AbortController[] = [];
  signal.addEventListener('abort', () => {
    for (const c of inFlight) c.abort(signal.reason);
  }, { once: true });
  const runRequest = async (target: EvaluationTarget, base: Omit<RunRequest, 'deployment' | 'apiKey' | 'renderer' | 'signal'>, onText?: (text: string) => void): Promise<RunOutcome> => {
    const own = spare.pop() ?? new AbortController();
    if (signal.aborted) own.abort(signal.reason);
    else inFlight.add(own);
    const run: RunRequest = { ...base, deployment: target.deployment, apiKey: target.apiKey, renderer: request.renderer, signal: own.signal, rateLimits: 'return' };
    if (target.azureADTokenProvider) run.azureADTokenProvider = target.azureADTokenProvider;
    if (request.timeoutMs !== undefined) run.timeoutMs = request.timeoutMs;
    const key = target.deployment.key;
    try {
      return await executeRun(run, {
        onText: (text) => {
          chunks.set(key, (chunks.get(key) ?? 0) + 1);
          onText?.(text);
        },
      });
    } finally {
      inFlight.delete(own);
      if (!own.signal.aborted) spare.push(own);
    }
  };
  const logged = (record: RunRecord): RunRecord => {
    if (!request.redactPII) return record;
    const masked = redactRecord(record);
    if (record.evaluations) masked.evaluations = record.evaluations.map((e) => (e.details === undefined ? e : { ...e, details: redact(e.details) }));
    return masked;
  };

  // Judges: queued on their deployment's pool ahead of cells.
  const judgeFor = (cellRun: RunRecord, testIndex: number): Judge => async (judgeRequest) => {
    const runId = newId();
    const key = judgeRequest.deployment;
    const target = key === undefined ? undefined : request.judges?.get(key) ?? request.targets.find((t) => t.deployment.key === key);
    if (!target) {
      return { status: 'error', text: '', runId, error: key === undefined ? 'the judge names no deployment and neither does the prompt: add "deployment".' : `no deployment "${key}" is available for the judge (check "promptLab.deployments" and its API key).` };
    }
    if (signal.aborted) return { status: 'cancelled', text: '', runId };
    return new Promise<JudgeAnswer>((resolve) => {
      poolFor(target).push({
        priority: 'judge',
        send: () => runRequest(target, { runId, promptPath: request.promptPath, prompt: judgeRequest.prompt, inputs: judgeRequest.values, source: 'judge' }),
        settle: (outcome, rateLimitRetries) => {
          if (outcome === unsentOutcome) return resolve({ status: 'cancelled', text: '', runId });
          const record: RunRecord = { ...outcome.record, evaluationId: request.evaluationId, testIndex, runId: cellRun.id, evaluator: judgeRequest.evaluator };
          if (rateLimitRetries > 0) record.retries = (record.retries ?? 0) + rateLimitRetries;
          addCost(record);
          addJudgeRun(judgeTotals, record);
          void write(logged(record), new Date(record.timing.startedAt));
          const answer: JudgeAnswer = { status: record.status, text: record.output, runId };
          if (outcome.error) answer.error = outcome.error.message;
          resolve(answer);
        },
        abandon: (err) => resolve({ status: 'error', text: '', runId, error: err instanceof Error ? err.message : String(err) }),
      });
    });
  };

  // Cells.
  let open = 0;
  let sourcesLeft = request.targets.length;
  let resolveAll: () => void = () => undefined;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const checkAllDone = (): void => {
    if (open === 0 && sourcesLeft === 0) resolveAll();
  };

  const finishCell = async (target: EvaluationTarget, row: TestRow, inputs: Record<string, unknown>, outcome: RunOutcome, rateLimitRetries: number): Promise<void> => {
    const record: RunRecord = { ...outcome.record, evaluationId: request.evaluationId, testIndex: row.index, evaluations: [] };
    if (rateLimitRetries > 0) record.retries = (record.retries ?? 0) + rateLimitRetries;
    addCost(record);
    if (record.status === 'ok') {
      const env: EvaluatorEnvironment = { renderer: request.renderer, judge: judgeFor(record, row.index), promptDeployment: request.prompt.deployment, ...(request.prompt.templateSyntax ? { syntax: request.prompt.templateSyntax } : {}) };
      if (request.regex) env.regex = request.regex;
      const cell = { output: record.output, row, inputs, messages: record.messages };
      record.evaluations = await Promise.all(request.prompt.evaluators.map((spec) => runEvaluator(spec, cell, env).catch((err: unknown): EvaluatorResult => ({ name: spec.name, score: null, passed: false, error: err instanceof Error ? err.message : String(err) }))));
    }
    await write(logged(record), new Date(record.timing.startedAt));
    const cell = cellResultOf(record);
    results.set(cell);
    count(cell);
    onEvent({ type: 'cellFinished', cell, record, progress: { ...progress } });
  };

  for (const target of request.targets) {
    const key = target.deployment.key;
    const pool = poolFor(target);
    let next = 0;
    pool.addSource(() => {
      while (next < rows.length) {
        const row = rows[next++] as TestRow;
        const done = results.get(key, row.index);
        if (done && isDone(done)) continue;
        const runId = newId();
        const { inputs, missing } = rowInputs(request.prompt, row);
        open++;
        let started = false;
        const settleCell = (outcome: RunOutcome, rateLimitRetries: number): void => {
          if (outcome === unsentOutcome) {
            open--;
            checkAllDone();
            return;
          }
          void finishCell(target, row, inputs, outcome, rateLimitRetries).finally(() => {
            open--;
            checkAllDone();
          });
        };
        return {
          priority: 'cell',
          send: () => {
            if (missing.length > 0) {
              return Promise.resolve({ record: errorRecord(request, target, runId, inputs, `Row ${row.index + 1}${row.line !== undefined ? ` (line ${row.line})` : ''} has no value for the required input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}, which ${missing.length > 1 ? 'have' : 'has'} no default.`) });
            }
            if (!started) {
              started = true;
              onEvent({ type: 'cellStarted', deployment: key, testIndex: row.index, runId });
            }
            return runRequest(target, { runId, promptPath: request.promptPath, prompt: request.prompt, inputs, source: 'evaluation', ...promptLogFields(request.prompt) }, (text) => onEvent({ type: 'cellDelta', deployment: key, testIndex: row.index, runId, text }));
          },
          settle: settleCell,
          abandon: (err) => settleCell({ record: errorRecord(request, target, runId, inputs, `The run failed: ${err instanceof Error ? err.message : String(err)}`) }, 0),
        } satisfies PoolRequest;
      }
      sourcesLeft--;
      checkAllDone();
      return undefined;
    });
  }

  checkAllDone();

  // Throughput samples.
  const interval = request.sampleIntervalMs ?? 1000;
  let lastSample = t0;
  const sampler = interval > 0 ? setInterval(() => {
    const now = globalThis.performance.now();
    const seconds = (now - lastSample) / 1000;
    lastSample = now;
    const deployments: Record<string, { completionTokensPerSecond: number; inFlight: number; concurrency: number }> = {};
    for (const [key, pool] of pools) {
      deployments[key] = { completionTokensPerSecond: (chunks.get(key) ?? 0) / seconds, inFlight: pool.inFlight, concurrency: pool.window.slots };
      chunks.set(key, 0);
    }
    onEvent({ type: 'throughput', elapsedMs: now - t0, deployments });
  }, interval) : undefined;
  (sampler as { unref?: () => void } | undefined)?.unref?.();

  await allDone;
  guard.stop();
  if (sampler) clearInterval(sampler);
  for (const pool of pools.values()) pool.dispose();
  external?.removeEventListener('abort', onAbort);

  const cells = results.all();
  const record: EvaluationRecord = {
    event: 'evaluation',
    id: request.evaluationId,
    prompt: request.promptPath,
    status: signal.aborted || cells.length < total || cells.some((c) => c.outcome === 'cancelled') ? 'cancelled' : 'complete',
    startedAt,
    endedAt: new Date().toISOString(),
    deployments: summarize(cells, rows.length, deploymentKeys),
    rows: rows.length,
    evaluators: request.prompt.evaluators.map((e) => e.name),
  };
  if (judgeTotals.runs > 0) {
    record.judges = {
      runs: judgeTotals.runs,
      usage: { promptTokens: judgeTotals.promptTokens, completionTokens: judgeTotals.completionTokens, totalTokens: judgeTotals.totalTokens },
      costUsd: judgeTotals.priced ? Math.round(judgeTotals.costUsd * 1e10) / 1e10 : null,
    };
  }
  await write(record, new Date(record.endedAt));
  onEvent({ type: 'finished', record });
  const outcome: EvaluationOutcome = { record, cells };
  if (logError) outcome.logError = logError;
  return outcome;
}

/** The prompt's grouping fields, copied to each cell's run like a single run's. */
function promptLogFields(prompt: PromptFile): Pick<RunRequest, 'chainId' | 'chatId' | 'tags'> {
  const out: Pick<RunRequest, 'chainId' | 'chatId' | 'tags'> = {};
  if (prompt.chainId !== undefined) out.chainId = prompt.chainId;
  if (prompt.chatId !== undefined) out.chatId = prompt.chatId;
  if (prompt.tags.length) out.tags = prompt.tags;
  return out;
}

export { CANCELLED_EVALUATOR };
