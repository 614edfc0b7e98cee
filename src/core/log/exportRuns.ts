/**
 * Export of runs with their newest rating, as JSON Lines or CSV. The CSV is written by `csv-stringify` (the csv
 * project: no dependencies, RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled).
 * For many runs, `writeRunsExport` streams the rows to a file (with `loadRuns` from ./history giving the full records
 * one at a time) instead of building one string.
 */
import { stringify } from 'csv-stringify/sync';
import type { RatingRecord, RunRecord } from './runLog';

export type ExportFormat = 'csv' | 'jsonl';

/** A run to export, with its newest rating. `HistoryEntry<RunRecord>` fits. */
export interface ExportEntry {
  run: RunRecord;
  rating?: RatingRecord;
  /** Notes and properties (key → newest value), as history folds them. */
  annotations?: Record<string, string>;
}

/** CSV columns, in order. */
export const CSV_COLUMNS = [
  'id', 'startedAt', 'prompt', 'deployment', 'provider', 'model', 'status', 'finishReason', 'promptTokens', 'completionTokens',
  'totalTokens', 'ttftMs', 'latencyMs', 'costUsd', 'thumb', 'score', 'comment', 'betterResponse', 'output',
  'requestModel', 'variant', 'context', 'requestRules',
] as const;

/** The annotation keys of `entries`, sorted: the extra CSV columns of an export. */
export function annotationKeys(entries: Iterable<Pick<ExportEntry, 'annotations'>>): string[] {
  const keys = new Set<string>();
  for (const e of entries) for (const key of Object.keys(e.annotations ?? {})) keys.add(key);
  return [...keys].sort();
}

/** A note or property's CSV column: its key, or `annotation:<key>` when the key is one of CSV_COLUMNS. */
function annotationColumn(key: string): string {
  return (CSV_COLUMNS as readonly string[]).includes(key) ? `annotation:${key}` : key;
}

/**
 * The whole export as one string: JSONL (one run per line, its rating in `rating`, its notes and properties in
 * `annotations`) or CSV with a header row (one column per note or property key after the fixed ones).
 */
export function exportRuns(entries: Iterable<ExportEntry>, format: ExportFormat): string {
  const list = [...entries];
  const keys = annotationKeys(list);
  const parts: string[] = format === 'csv' ? [csvHeader(keys)] : [];
  for (const entry of list) parts.push(format === 'csv' ? csvRow(entry, keys) : jsonlLine(entry));
  return parts.join('');
}

/**
 * Where a streamed export goes: the part of Node's `stream.Writable` it uses (a Node `fs.WriteStream` fits), so the
 * core names no Node type. `write` returns false when the sink's buffer is full; `drain` is emitted when it emptied,
 * `error` when writing failed.
 */
export interface ExportSink {
  write(chunk: string): boolean;
  once(event: 'drain' | 'error', listener: (err?: Error) => void): unknown;
  off(event: 'drain' | 'error', listener: (err?: Error) => void): unknown;
}

/** Resolves on the sink's next `drain`, rejects on its next `error` (as `events.once(out, 'drain')` does). */
function drained(out: ExportSink): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err?: Error): void => {
      out.off('drain', onDrain);
      reject(err ?? new Error('The export could not be written.'));
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

/**
 * Stream the export to `out` (respecting back-pressure); does not end `out`. `keys` are the annotation columns of a
 * CSV (see {@link annotationKeys}; the entries stream, so they are given ahead).
 * @throws the sink's error when it emits one while the export waits for it to drain.
 */
export async function writeRunsExport(entries: Iterable<ExportEntry> | AsyncIterable<ExportEntry>, format: ExportFormat, out: ExportSink, keys: readonly string[] = []): Promise<void> {
  if (format === 'csv' && !out.write(csvHeader(keys))) await drained(out);
  for await (const entry of entries) {
    if (!out.write(format === 'csv' ? csvRow(entry, keys) : jsonlLine(entry))) await drained(out);
  }
}

/** One JSONL line: the run's fields, then `rating` (the newest rating, without its `event`) and `annotations` when there are any. */
function jsonlLine({ run, rating, annotations }: ExportEntry): string {
  const extra: Record<string, unknown> = {};
  if (rating) {
    const { event: _event, ...fields } = rating;
    extra.rating = fields;
  }
  if (annotations && Object.keys(annotations).length > 0) extra.annotations = annotations;
  return `${JSON.stringify({ ...run, ...extra })}\n`;
}

function csvHeader(keys: readonly string[]): string {
  return stringify([[...CSV_COLUMNS, ...keys.map(annotationColumn)]], { eof: true, record_delimiter: 'windows' });
}

/** One CSV row. Numbers as JavaScript prints them, absent values as empty fields; `context` as JSON, `requestRules` joined by spaces. */
function csvRow({ run, rating, annotations }: ExportEntry, keys: readonly string[]): string {
  const row: (string | number | undefined | null)[] = [
    run.id, run.timing.startedAt, run.prompt, run.deployment, run.provider, run.model, run.status, run.finishReason,
    run.usage?.promptTokens, run.usage?.completionTokens, run.usage?.totalTokens, run.timing.ttftMs, run.timing.latencyMs,
    run.costUsd, rating?.thumb, rating?.score, rating?.comment, rating?.betterResponse, run.output,
    run.requestModel, run.variant, run.context ? JSON.stringify(run.context) : undefined, run.requestRules?.join(' '),
    ...keys.map((k) => annotations?.[k]),
  ];
  return stringify([row.map((v) => (v === undefined || v === null ? '' : String(v)))], { eof: true, record_delimiter: 'windows' });
}
