/**
 * Add to Test Data: a run's inputs (and the rating's better response as `expected`) become a new row of the prompt's
 * `testData`: appended to its inline array with jsonc-parser's `modify` (comments and formatting kept, as a list of
 * text edits the front end applies so undo works), or as a line of the JSONL or CSV file it names (CSV quoted by
 * csv-stringify, https://csv.js.org/stringify/). vscode-free: the front end reads and writes the files.
 */
import { applyEdits, type Edit, findNodeAtLocation, format, type FormattingOptions, modify, parseTree } from 'jsonc-parser';
import { parse as parseCsvText } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * The row a run adds: its input values, plus `expected` when a better response was given (an `expected` among the
 * inputs is replaced by it).
 */
export function testRowOf(inputs: Record<string, unknown>, betterResponse?: string): Record<string, unknown> {
  const row: Record<string, unknown> = { ...inputs };
  if (betterResponse !== undefined && betterResponse.trim() !== '') row.expected = betterResponse;
  return row;
}

/**
 * The edit that appends `row` to the inline `testData` array of the prompt file `text` (JSONC), creating the array
 * when the file has no `testData`: jsonc-parser's `modify` inserts it, and only the inserted text is formatted, so the
 * rows already there, comments and the rest of the file stay as they are. One edit (empty when nothing changes).
 * @throws Error when `testData` is there but is not an array (it names a file: append to that file instead).
 */
export function inlineRowEdits(text: string, row: Record<string, unknown>, formatting: Partial<FormattingOptions> = {}): Edit[] {
  const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const node = tree ? findNodeAtLocation(tree, ['testData']) : undefined;
  if (node && node.type !== 'array') throw new Error('"testData" is not an array of rows.');
  const formattingOptions: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: text.includes('\r\n') ? '\r\n' : '\n', ...formatting };
  const inserted = node ? modify(text, ['testData', -1], row, { isArrayInsertion: true }) : modify(text, ['testData'], [row], { formattingOptions });
  const unformatted = applyEdits(text, inserted);
  const first = inserted[0];
  const result = node && first ? applyEdits(unformatted, format(unformatted, { offset: first.offset, length: first.content.length }, formattingOptions)) : unformatted;
  // One edit: what lies between the common start and the common end of the text before and after.
  let start = 0;
  while (start < text.length && start < result.length && text[start] === result[start]) start++;
  let end = 0;
  while (end < text.length - start && end < result.length - start && text[text.length - 1 - end] === result[result.length - 1 - end]) end++;
  if (start === text.length && start === result.length) return [];
  return [{ offset: start, length: text.length - start - end, content: result.slice(start, result.length - end) }];
}

/** The text to append to a JSONL file whose content is `text`: the row as one line (after a newline if the file lacks its last). */
export function jsonlAppendText(text: string, row: Record<string, unknown>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return `${text === '' || text.endsWith('\n') ? '' : eol}${JSON.stringify(row)}${eol}`;
}

/** What appending to a CSV file gives: the text to append, and the row's keys that have no column (left out). */
export interface CsvAppend {
  text: string;
  /** Keys of the row that the header does not name: not written. */
  leftOut: string[];
}

/**
 * The text to append to a CSV file whose content is `text` (a header row naming the columns, see testData.ts):
 * the row's values in the header's order (strings as they are, other values as JSON, missing ones empty), quoted as
 * RFC 4180 asks. An empty file gets a header of the row's keys first.
 * @throws Error when the header cannot be read.
 */
export function csvAppendText(text: string, row: Record<string, unknown>): CsvAppend {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const cell = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value));
  if (text.trim() === '') {
    const keys = Object.keys(row);
    return { text: stringify([keys, keys.map((k) => cell(row[k]))], { record_delimiter: eol }), leftOut: [] };
  }
  let header: string[];
  try {
    header = ((parseCsvText(text, { bom: true, to_line: 1, relax_column_count: true }) as string[][])[0] ?? []).map((h) => h.trim());
  } catch (err) {
    throw new Error(`its header cannot be read: ${(err as Error).message}`);
  }
  const leftOut = Object.keys(row).filter((k) => !header.includes(k));
  const line = stringify([header.map((h) => cell(row[h]))], { record_delimiter: eol });
  return { text: `${text.endsWith('\n') ? '' : eol}${line}`, leftOut };
}
