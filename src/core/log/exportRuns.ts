/**
 * Export of runs with their newest rating, as JSON Lines or CSV. The CSV is written by `csv-stringify` (the csv
 * project: no dependencies, RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled).
 * For many runs, `writeRunsExport` streams the rows to a file (with `loadRuns` from ./history giving the full records
 * one at a time) instead of building one string.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { RatingRecord, RunRecord } from './runLog';

export type ExportFormat = 'csv' | 'jsonl';

/** A run to export, with its newest rating. `HistoryEntry<RunRecord>` fits. */
export interface ExportEntry {
  run: RunRecord;
  rating?: RatingRecord;
}

/** CSV columns, in order. */
export const CSV_COLUMNS = [
  'id', 'startedAt', 'prompt', 'deployment', 'provider', 'model', 'status', 'finishReason', 'promptTokens', 'completionTokens',
  'totalTokens', 'ttftMs', 'latencyMs', 'costUsd', 'thumb', 'score', 'comment', 'betterResponse', 'output',
] as const;

/** The whole export as one string: JSONL (one run per line, its rating in `rating`) or CSV with a header row. */
export function exportRuns(entries: Iterable<ExportEntry>, format: ExportFormat): string {
  const parts: string[] = format === 'csv' ? [csvHeader()] : [];
  for (const entry of entries) parts.push(format === 'csv' ? csvRow(entry) : jsonlLine(entry));
  return parts.join('');
}

/** Stream the export to `out` (respecting back-pressure); does not end `out`. */
export async function writeRunsExport(entries: Iterable<ExportEntry> | AsyncIterable<ExportEntry>, format: ExportFormat, out: Writable): Promise<void> {
  if (format === 'csv' && !out.write(csvHeader())) await once(out, 'drain');
  for await (const entry of entries) {
    if (!out.write(format === 'csv' ? csvRow(entry) : jsonlLine(entry))) await once(out, 'drain');
  }
}

/** One JSONL line: the run's fields, then `rating` (the newest rating, without its `event`) when there is one. */
function jsonlLine({ run, rating }: ExportEntry): string {
  if (!rating) return `${JSON.stringify(run)}\n`;
  const { event: _event, ...fields } = rating;
  return `${JSON.stringify({ ...run, rating: fields })}\n`;
}

function csvHeader(): string {
  return stringify([[...CSV_COLUMNS]], { eof: true, record_delimiter: 'windows' });
}

/** One CSV row. Numbers as JavaScript prints them, absent values as empty fields. */
function csvRow({ run, rating }: ExportEntry): string {
  const row: (string | number | undefined | null)[] = [
    run.id, run.timing.startedAt, run.prompt, run.deployment, run.provider, run.model, run.status, run.finishReason,
    run.usage?.promptTokens, run.usage?.completionTokens, run.usage?.totalTokens, run.timing.ttftMs, run.timing.latencyMs,
    run.costUsd, rating?.thumb, rating?.score, rating?.comment, rating?.betterResponse, run.output,
  ];
  return stringify([row.map((v) => (v === undefined || v === null ? '' : String(v)))], { eof: true, record_delimiter: 'windows' });
}
