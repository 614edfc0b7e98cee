/**
 * What the panel keeps in webview state (`setState`/`getState`) so that hiding and showing it
 * restores the runs. Bounded: the last MAX_RUNS runs, at most MAX_STORED_OUTPUT characters of
 * output each (the full output is in the run log).
 */
import { isHostMessage, type RatingView, type RunFinishedParams, type RunStartedParams } from '../../src/protocol/runPanel';

export const MAX_RUNS = 20;
export const MAX_STORED_OUTPUT = 200_000;

export interface StoredRun {
  started: RunStartedParams;
  replayOf: string | null;
  /** The first MAX_STORED_OUTPUT characters of the output. */
  output: string;
  /** True when `output` holds less than the run produced. */
  truncated: boolean;
  finished: RunFinishedParams | null;
  expanded: boolean;
  /** Retries seen through run/retrying (older states have none). */
  retried?: number;
  /** The run's rating: saved and being edited (older states have none). */
  rating?: StoredRating;
  /** The run's notes and properties (older states have none). */
  annotations?: Record<string, string>;
}

/** A run's rating as kept in state. */
export interface StoredRating {
  /** The newest rating the host logged (rating/saved or rating/show), with its `at`. */
  saved: RatingView | null;
  /** What the controls show, saved or not; `betterResponse` is the editor's text while it is open. */
  draft: RatingView;
  /** Whether the "Better response" editor is open. */
  editing: boolean;
}

export interface PanelState {
  version: 1;
  /** Newest first. */
  runs: StoredRun[];
}

/** Caps an output for storage; says whether anything was cut. */
export function capOutput(output: string): { output: string; truncated: boolean } {
  if (output.length <= MAX_STORED_OUTPUT) return { output, truncated: false };
  let end = MAX_STORED_OUTPUT;
  // Do not cut a surrogate pair in half.
  const last = output.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { output: output.slice(0, end), truncated: true };
}

/**
 * A finished run's texts capped for storage like the output: reasoning, refusal, tool call arguments
 * and other choices keep their first MAX_STORED_OUTPUT characters; a longer formatted JSON is dropped
 * (the panel then shows the raw output).
 */
export function capFinished(finished: RunFinishedParams | null): RunFinishedParams | null {
  if (!finished) return finished;
  const cap = (value: string) => capOutput(value).output;
  const capped: RunFinishedParams = { ...finished };
  if (typeof capped.reasoning === 'string') capped.reasoning = cap(capped.reasoning);
  if (typeof capped.refusal === 'string') capped.refusal = cap(capped.refusal);
  if (Array.isArray(capped.toolCalls)) {
    capped.toolCalls = capped.toolCalls.map((c) => (typeof c.arguments === 'string' ? { ...c, arguments: cap(c.arguments) } : c));
  }
  if (Array.isArray(capped.otherChoices)) {
    capped.otherChoices = capped.otherChoices.map((c) => (typeof c.output === 'string' ? { ...c, output: cap(c.output) } : c));
  }
  const structured = capped.structured;
  if (structured && typeof structured.formatted === 'string' && structured.formatted.length > MAX_STORED_OUTPUT) {
    const { formatted: _dropped, ...rest } = structured;
    capped.structured = rest;
  }
  return capped;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A rating read defensively (messages and state are checked only loosely): unknown or wrong fields are dropped. */
export function readRating(value: unknown): RatingView | null {
  if (!isRecord(value)) return null;
  const rating: RatingView = {};
  if (value.thumb === 'up' || value.thumb === 'down') rating.thumb = value.thumb;
  if (typeof value.score === 'number' && Number.isFinite(value.score)) rating.score = Math.min(1, Math.max(0, value.score));
  if (typeof value.betterResponse === 'string') rating.betterResponse = value.betterResponse;
  if (typeof value.comment === 'string') rating.comment = value.comment;
  if (typeof value.at === 'string') rating.at = value.at;
  return rating;
}

/** A rating capped for storage like the output. */
function capRating(rating: RatingView): RatingView {
  const capped = { ...rating };
  if (capped.betterResponse !== undefined) capped.betterResponse = capOutput(capped.betterResponse).output;
  if (capped.comment !== undefined) capped.comment = capOutput(capped.comment).output;
  return capped;
}

export function capStoredRating(rating: StoredRating | undefined): StoredRating | undefined {
  if (!rating) return undefined;
  return { saved: rating.saved && capRating(rating.saved), draft: capRating(rating.draft), editing: rating.editing };
}

/** A stored rating from an earlier page, or undefined when there is none or it is not one. */
export function readStoredRating(value: unknown): StoredRating | undefined {
  if (!isRecord(value)) return undefined;
  const draft = readRating(value.draft);
  if (!draft) return undefined;
  return { saved: readRating(value.saved), draft, editing: value.editing === true };
}

function isStoredRun(value: unknown): value is StoredRun {
  if (typeof value !== 'object' || value === null) return false;
  const run = value as Partial<StoredRun>;
  return (
    isHostMessage({ method: 'run/started', params: run.started }) &&
    (run.replayOf === null || typeof run.replayOf === 'string') &&
    typeof run.output === 'string' &&
    typeof run.truncated === 'boolean' &&
    typeof run.expanded === 'boolean' &&
    (run.finished === null || isHostMessage({ method: 'run/finished', params: run.finished }))
  );
}

/** The state saved by an earlier page of this panel, or an empty one if there is none or it is not ours. */
export function readState(saved: unknown): PanelState {
  if (typeof saved !== 'object' || saved === null) return { version: 1, runs: [] };
  const state = saved as Partial<PanelState>;
  if (state.version !== 1 || !Array.isArray(state.runs)) return { version: 1, runs: [] };
  const runs = state.runs.filter(isStoredRun).slice(0, MAX_RUNS);
  return {
    version: 1,
    runs: runs.map((stored) => {
      const { rating: raw, ...run } = stored;
      const rating = readStoredRating(raw);
      return rating ? { ...run, rating } : run;
    }),
  };
}
