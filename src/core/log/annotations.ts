/**
 * Notes and properties added to a run after it ran (Wonkalytics' "add a property to a logged interaction later"): each
 * is its own `event: "annotation"` line appended to the log file of the day it was written, never a rewrite of the run's
 * line. The newest value of a key wins (./history folds them); an empty value clears the key.
 */
import { redact } from './redact';
import { joinPath, type FileSystem } from '../platform/fileSystem';
import { appendLine, logFileName, type AnnotationRecord } from './runLog';

/** The key **Add Note to Run** writes. */
export const NOTE_KEY = 'note';

/** What a caller gives `appendAnnotation`: `at` defaults to now. */
export type AnnotationInput = Omit<AnnotationRecord, 'event' | 'at'> & { at?: string };

const KEY = /^[A-Za-z_][\w.-]{0,63}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z$/;
/** Longest value kept, in characters (a note, not a document). */
export const MAX_ANNOTATION_CHARS = 10_000;

/**
 * Check an annotation and return it as the log line it becomes.
 * @throws Error naming the first problem: no run id, a key that is not a name, a value that is not a string or is longer
 * than {@link MAX_ANNOTATION_CHARS}, an `at` that is not ISO 8601 UTC.
 */
export function toAnnotationRecord(input: AnnotationInput, now: Date = new Date()): AnnotationRecord {
  const value = input as Partial<Record<keyof AnnotationInput, unknown>>;
  if (typeof value.runId !== 'string' || value.runId.trim() === '') throw new Error('An annotation needs the id of the run it annotates (runId).');
  if (typeof value.key !== 'string' || !KEY.test(value.key)) {
    throw new Error(`A run property's name must start with a letter or "_" and hold only letters, digits, "_", "-" and "." (at most 64); got ${JSON.stringify(value.key)}.`);
  }
  if (typeof value.value !== 'string') throw new Error('A note or property value must be text.');
  if (value.value.length > MAX_ANNOTATION_CHARS) throw new Error(`A note or property value may have at most ${MAX_ANNOTATION_CHARS} characters; it has ${value.value.length}.`);
  const at = value.at ?? now.toISOString();
  if (typeof at !== 'string' || !ISO_UTC.test(at) || !Number.isFinite(Date.parse(at))) throw new Error(`An annotation's time (at) must be ISO 8601 in UTC; got ${JSON.stringify(at)}.`);
  return { event: 'annotation', runId: value.runId, key: value.key, value: value.value, at };
}

/** Options of `appendAnnotation`. */
export interface AppendAnnotationOptions {
  /** Mask personal data and secrets in the value (`promptLab.log.redactPII`). */
  redactPII?: boolean;
  /** Masks the keys this session knows (the extension's SecretScrubber): a key pasted into a note never reaches the file. */
  scrub?: (text: string) => string;
}

/**
 * Validate `annotation` and append it as one line to `<logDir>/<UTC date of at>.jsonl` through `fs`.
 * @returns the file written and the record as written.
 * @throws Error when the annotation is invalid, or FileSystemError.
 */
export async function appendAnnotation(fs: FileSystem, logDir: string, annotation: AnnotationInput, options: AppendAnnotationOptions = {}): Promise<{ file: string; record: AnnotationRecord }> {
  const record = toAnnotationRecord(annotation);
  if (options.scrub) record.value = options.scrub(record.value);
  if (options.redactPII) record.value = redact(record.value);
  const file = joinPath(logDir, logFileName(new Date(record.at)));
  await appendLine(fs, file, record);
  return { file, record };
}

/**
 * The newest value of each key among `annotations` (in file order, oldest file first): a later `at` wins, a tie goes to
 * the later line, an empty value removes the key. Keys in the order they were first set.
 */
export function foldAnnotations(annotations: Iterable<AnnotationRecord>): Record<string, string> {
  const newest = new Map<string, AnnotationRecord>();
  for (const a of annotations) {
    const previous = newest.get(a.key);
    if (!previous || Date.parse(a.at) >= Date.parse(previous.at)) newest.set(a.key, a);
  }
  const out: Record<string, string> = {};
  for (const [key, a] of newest) if (a.value !== '') out[key] = a.value;
  return out;
}
