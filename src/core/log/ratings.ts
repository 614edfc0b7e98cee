/**
 * Ratings of runs: a thumb, a score from 0 to 1, a better response, a comment, given after the run ended.
 * Each rating is appended as its own `event: "rating"` line to the log file of the day it was given, never by
 * rewriting the run's line; the newest rating of a run wins (see ./history).
 */
import { redact } from './redact';
import type { FileSystem } from '../platform/fileSystem';
import { appendRatingRecord, type RatingRecord } from './runLog';

/** What a caller gives `appendRating`: a rating without `event`, and `at` defaulting to now. */
export type RatingInput = Omit<RatingRecord, 'event' | 'at'> & { at?: string };

/** ISO 8601 in UTC, as `Date.prototype.toISOString` writes it (seconds and fraction optional). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z$/;

/**
 * Check a rating and return it as the log line it becomes (known fields only, in a fixed order).
 * @throws Error naming the first problem: no run id, a score that is not a finite number in [0, 1], a thumb that is not
 * "up" or "down", a text field that is not a string, an `at` that is not ISO 8601 UTC, or nothing rated at all.
 */
export function toRatingRecord(input: RatingInput, now: Date = new Date()): RatingRecord {
  const value = input as Partial<Record<keyof RatingInput, unknown>>;
  if (typeof value.runId !== 'string' || value.runId.trim() === '') throw new Error('A rating needs the id of the run it rates (runId).');
  const at = value.at ?? now.toISOString();
  if (typeof at !== 'string' || !ISO_UTC.test(at) || !Number.isFinite(Date.parse(at))) {
    throw new Error(`A rating's time (at) must be ISO 8601 in UTC, like 2026-11-21T10:00:00.000Z; got ${JSON.stringify(at)}.`);
  }
  const record: RatingRecord = { event: 'rating', runId: value.runId, at };
  if (value.score !== undefined) {
    if (typeof value.score !== 'number' || !Number.isFinite(value.score) || value.score < 0 || value.score > 1) {
      throw new Error(`A rating's score must be a number from 0 to 1; got ${JSON.stringify(value.score) ?? String(value.score)}.`);
    }
    record.score = value.score;
  }
  if (value.thumb !== undefined) {
    if (value.thumb !== 'up' && value.thumb !== 'down') throw new Error(`A rating's thumb must be "up" or "down"; got ${JSON.stringify(value.thumb)}.`);
    record.thumb = value.thumb;
  }
  for (const key of ['betterResponse', 'comment'] as const) {
    const text = value[key];
    if (text === undefined) continue;
    if (typeof text !== 'string') throw new Error(`A rating's ${key} must be a string.`);
    record[key] = text;
  }
  if (record.score === undefined && record.thumb === undefined && record.betterResponse === undefined && record.comment === undefined) {
    throw new Error('A rating needs at least one of score, thumb, betterResponse or comment.');
  }
  return record;
}

/** Options of `appendRating`. */
export interface AppendRatingOptions {
  /** Mask personal data and secrets in `betterResponse` and `comment` before the line is written (`promptLab.log.redactPII`). */
  redactPII?: boolean;
}

/**
 * Validate `rating` and append it as one line to `<logDir>/<UTC date of at>.jsonl` through `fs`. Rating again appends again.
 * @returns the file written and the record as written (redacted when asked).
 * @throws Error when the rating is invalid (see `toRatingRecord`), or FileSystemError.
 */
export async function appendRating(fs: FileSystem, logDir: string, rating: RatingInput, options: AppendRatingOptions = {}): Promise<{ file: string; record: RatingRecord }> {
  const record = toRatingRecord(rating);
  if (options.redactPII) {
    if (record.betterResponse !== undefined) record.betterResponse = redact(record.betterResponse);
    if (record.comment !== undefined) record.comment = redact(record.comment);
  }
  const file = await appendRatingRecord(fs, logDir, record);
  return { file, record };
}

/** True when `a` is newer than or as new as `b` by `at`; a later line wins a tie because lines are read in file order. */
export function supersedes(a: RatingRecord, b: RatingRecord): boolean {
  return Date.parse(a.at) >= Date.parse(b.at);
}
