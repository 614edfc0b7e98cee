/**
 * The run log: every run appended as one JSON line to `<log dir>/<UTC date>.jsonl` inside the workspace
 * (by default `.promptlab/runs/2026-11-21.jsonl`), so history travels with the repository and git can diff it.
 *
 * Lines are only ever appended, through the front end's {@link FileSystem} (on Node a single `write(2)` on a file
 * opened with `O_APPEND`, so two processes, two VS Code windows, appending at once interleave whole lines and lose
 * none). A line is a `LogEvent`:
 * a run (`event: "run"`) or a later rating of one (`event: "rating"`, see ./ratings); ./history reads them back.
 */
import { joinPath, type FileSystem } from '../platform/fileSystem';
import type { RunStatus, TokenUsage } from '../../protocol/runPanel';
import type { ChatMessage } from '../template/template';

/** One run, as one line of the log (`event: "run"`). Field names are part of the log format: change them only additively. */
export interface RunRecord {
  event: 'run';
  /** UUID v4. */
  id: string;
  /** Workspace-relative path of the prompt file, with forward slashes. */
  prompt: string;
  deployment: string;
  provider: string;
  /** Model the server reported, else the one requested. */
  model: string;
  inputs: Record<string, unknown>;
  /** The messages as rendered and sent. */
  messages: ChatMessage[];
  /** Request parameters as sent (deployment defaults merged with the prompt's). */
  parameters: Record<string, unknown>;
  /** The output text (choice 0); partial when the run failed or was cancelled. */
  output: string;
  finishReason: string | null;
  usage: TokenUsage | null;
  timing: {
    /** ISO 8601, UTC. */
    startedAt: string;
    /** Time to first token in ms, null when none arrived. */
    ttftMs: number | null;
    /** From the request to the end of the stream, in ms. */
    latencyMs: number;
  };
  status: RunStatus;
  /** Set when status is "error". */
  error?: { message: string; httpStatus?: number };
  /** Reasoning text the model sent apart from its answer, when any. */
  reasoning?: string;
  /** Tool calls of choice 0, when any (arguments as the raw JSON text). */
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** Set when the endpoint was Prompt Lab's replay server: the recorded response it played. */
  replayOf?: string;
  /** Cost in USD from the usage and the deployment's `prices`, when both are known. */
  costUsd?: number;
  /** Groups the runs of one multi-step workflow (one run's output feeding the next): the same id on every step. */
  chainId?: string;
  /** Groups the turns of one conversation, in order: the same id on every run of the chat. */
  chatId?: string;
  /** Free labels a person gave the run (e.g. "baseline", "regression"). */
  tags?: string[];
  /**
   * Where the run was started: the Run Prompt command, the playground, an evaluation (one cell: a test row on a
   * deployment) or an evaluation's LLM judge. Absent in lines written before it existed.
   */
  source?: RunSource;
  /** Requests sent again after a 429, a 5xx or a failed connection (absent when the first attempt answered). */
  retries?: number;
  /** The model's refusal text (choice 0), when it refused. */
  refusal?: string;
  /** Other choices when `n` > 1: their text and finish_reason. */
  otherChoices?: { index: number; output: string; finishReason: string | null }[];
  /** Azure content filter categories that filtered the prompt or the output, e.g. "hate (high)". */
  contentFilter?: { prompt: string[]; output: string[] };
  /**
   * Inputs whose logged values `promptLab.log.redactPII` masked (names only): what was sent is not in the log, so a
   * re-run cannot send it again. Absent when nothing was masked and in lines written before it existed.
   */
  maskedInputs?: string[];
  /** For a structured output asked again after it failed its schema: this attempt's number (1 = first). */
  attempt?: number;
  /** Whether the output matched the prompt's JSON schema (response_format json_schema), when it has one. */
  schemaValid?: boolean;
  /** The model as sent in the request, after routing and the request rules (`model` is the one the server reported). */
  requestModel?: string;
  /** The deployment variant the routing context chose ("default" when none matched). */
  variant?: string;
  /** The `promptLab.context` values that chose the variant (the keys its `when` reads); absent for "default". */
  context?: Record<string, string>;
  /** Names of the request rules that changed the request (src/core/providers/requestRules.ts). */
  requestRules?: string[];
  /** Runs of an evaluation (its cells and their judges): the evaluation's id, as in its `event: "evaluation"` line. */
  evaluationId?: string;
  /** Runs of an evaluation: the 0-based index of the test data row. */
  testIndex?: number;
  /** A cell's run: each evaluator's result, in the order of the prompt's `evaluators`. */
  evaluations?: EvaluatorResult[];
  /** A judge's run (`source: "judge"`): the `id` of the cell's run it judged. */
  runId?: string;
  /** A judge's run: the `name` of the evaluator it ran for. */
  evaluator?: string;
}

/** Where a run was started (`RunRecord.source`). */
export type RunSource = 'command' | 'playground' | 'evaluation' | 'judge';

/**
 * One evaluator's result on one cell. `score` is 0..1 (null when the evaluator errored); `passed` follows the
 * evaluator's rule; `details` says what was checked or what the judge answered; `error`, when set, says why the
 * evaluator could not give a result (the cell then counts as an error, not a failure).
 */
export interface EvaluatorResult {
  name: string;
  score: number | null;
  passed: boolean;
  details?: string;
  error?: string;
}

/** Figures of one deployment in an evaluation (see src/core/evaluation/summary.ts for how each is computed). */
export interface DeploymentSummary {
  /** Test rows (cells) of the evaluation on this deployment. */
  rows: number;
  passed: number;
  failed: number;
  errors: number;
  /** Cells without a finished result (the evaluation was cancelled before them, or they were cancelled). */
  cancelled: number;
  /** passed / (passed + failed + errors), 0..1; null when no cell finished. */
  passRate: number | null;
  /** Mean over finished cells with scores of each cell's mean evaluator score, 0..1; null when none. */
  meanScore: number | null;
  /** Of the cells' ok runs, ms (nearest-rank percentiles); null when none. */
  latencyMs: { p50: number | null; p95: number | null };
  ttftMs: { p50: number | null; p95: number | null };
  /** Summed over the cells' runs (any status). */
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** Summed over the cells' runs that have a cost; null when none has. */
  costUsd: number | null;
  /** Completion tokens per second of time during which at least one of the cells' requests was in flight. */
  tokensPerSecond: number | null;
}

/**
 * The last line of an evaluation (`event: "evaluation"`): how it ended and each deployment's figures. A resumed
 * evaluation keeps its id and writes another such line; the newest one counts. Field names are part of the log
 * format: change them only additively.
 */
export interface EvaluationRecord {
  event: 'evaluation';
  /** The `evaluationId` of its runs. */
  id: string;
  /** Workspace-relative path of the prompt file, forward slashes. */
  prompt: string;
  status: 'complete' | 'cancelled';
  /** ISO 8601, UTC: when this (possibly resumed) run of the evaluation started and ended. */
  startedAt: string;
  endedAt: string;
  /** Deployment key → its figures. */
  deployments: Record<string, DeploymentSummary>;
  /** Test rows of the evaluation. */
  rows: number;
  /** Names of the evaluators, in order. */
  evaluators: string[];
  /** Judge runs of this evaluation: their tokens and cost (USD, null when unknown). */
  judges?: { runs: number; usage: { promptTokens: number; completionTokens: number; totalTokens: number }; costUsd: number | null };
}

/**
 * A rating of an earlier run, as its own line of the log (`event: "rating"`). A run's line is never rewritten: rating
 * again appends another line, and the newest rating (by `at`, then by file order) is the one that counts, whole: a
 * later rating replaces an earlier one, it is not merged with it. At least one of `score`, `thumb`, `betterResponse`,
 * `comment` is set. Field names are part of the log format: change them only additively.
 */
export interface RatingRecord {
  event: 'rating';
  /** `id` of the rated run. */
  runId: string;
  /** From 0 (completely wrong) to 1 (right). */
  score?: number;
  thumb?: 'up' | 'down';
  /** The answer the person would have wanted instead. */
  betterResponse?: string;
  comment?: string;
  /** When it was rated, ISO 8601 UTC; the line goes to the file of this UTC date. */
  at: string;
}

/**
 * A note or a property added to an earlier run, as its own line (`event: "annotation"`): **Add Note to Run** writes the
 * key `note`, **Set Run Property** any key. The run's line is never rewritten; the newest value of a key (by `at`, then
 * by file order) wins, as for ratings. Field names are part of the log format: change them only additively.
 */
export interface AnnotationRecord {
  event: 'annotation';
  /** `id` of the annotated run. */
  runId: string;
  /** `note`, or a property name (letters, digits, `_`, `-`, `.`; at most 64 characters). */
  key: string;
  /** The text; an empty string clears the key. */
  value: string;
  /** When it was written, ISO 8601 UTC; the line goes to the file of this UTC date. */
  at: string;
}

/** Any line of the log. Readers skip events they do not know, so new kinds can be added later. */
export type LogEvent = RunRecord | RatingRecord | EvaluationRecord | AnnotationRecord;

/** Log file name for a moment: its UTC date, `YYYY-MM-DD.jsonl`. */
export function logFileName(at: Date): string {
  return `${at.toISOString().slice(0, 10)}.jsonl`;
}

/**
 * Append `record` as one line to the day's file under `logDir` (created when missing), through `fs`.
 * The day is the UTC date of `record.timing.startedAt`.
 * @returns the path of the file written.
 * @throws FileSystemError when the folder cannot be created or written.
 */
export async function appendRunRecord(fs: FileSystem, logDir: string, record: RunRecord): Promise<string> {
  const file = joinPath(logDir, logFileName(new Date(record.timing.startedAt)));
  await appendLine(fs, file, record);
  return file;
}

/**
 * Append `rating` as one line to the file of its UTC date (`at`) under `logDir` (created when missing), through `fs`.
 * Call `appendRating` from ./ratings instead: it validates first.
 * @returns the path of the file written.
 */
export async function appendRatingRecord(fs: FileSystem, logDir: string, rating: RatingRecord): Promise<string> {
  const file = joinPath(logDir, logFileName(new Date(rating.at)));
  await appendLine(fs, file, rating);
  return file;
}

/** Append one JSON value as a line, in a single append of `fs` (see {@link FileSystem.appendFile}). */
export async function appendLine(fs: FileSystem, file: string, value: unknown): Promise<void> {
  await fs.appendFile(file, `${JSON.stringify(value)}\n`);
}
