/**
 * Test data: the rows a prompt is evaluated over. A prompt file's `testData` holds them inline (an array of objects:
 * input name → value, plus fields such as `expected`), or names a workspace-relative JSONL file (one JSON object per
 * line) or CSV file (a header row naming the columns; parsed by csv-parse, https://csv.js.org/parse/). Files are read
 * through the front end's {@link FileSystem}. Every problem says the file and the 1-based line.
 */
import { parse as parseCsvText } from 'csv-parse/sync';
import type { PromptFile, TextSpan } from '../format/promptFile';
import { checkWorkspaceRelativePath, isFileSystemError, joinPath, type FileSystem } from '../platform/fileSystem';

/** One row of test data. */
export interface TestRow {
  /** 0-based position among the rows (the run log's `testIndex`). */
  index: number;
  /** Input name → value, plus any other fields (`expected`…), as the row gives them (no defaults applied). */
  values: Record<string, unknown>;
  /** Data files: the 1-based line where the row starts. */
  line?: number;
  /** Inline rows: the span of the row's object in the prompt file. */
  span?: TextSpan;
  /** Inline rows: the span of each key. */
  keys?: Map<string, TextSpan>;
}

/** Codes of test data problems; analyze.ts reports them as diagnostics of the same names. */
export type TestDataProblemCode = 'test-data-file' | 'test-data-unknown-key' | 'test-data-missing-input';

/** A problem with the test data: the file, a line of it, or a row. */
export interface TestDataProblem {
  code: TestDataProblemCode;
  severity: 'error' | 'warning';
  message: string;
  /** The row (0-based index), when the problem is in one. */
  row?: number;
  /** The 1-based line of the data file, when the problem is in one. */
  line?: number;
  /** The key concerned (an unknown key, a missing input). */
  key?: string;
}

/** Test data as loaded: the usable rows and what is wrong. `file` is the workspace-relative path, for a data file. */
export interface LoadedTestData {
  rows: TestRow[];
  problems: TestDataProblem[];
  file?: string;
}

/** Largest test data file read, in bytes (about a million short rows). */
export const MAX_TEST_DATA_BYTES = 256 * 1024 * 1024;

/** Where files are: the front end's file system and the workspace folder that relative paths start from. */
export interface TestDataLocation {
  fs: FileSystem;
  /** The workspace folder, in `fs`'s path form. */
  workspaceFolder: string;
}

/**
 * The prompt's test data: inline rows, or the rows of the JSONL or CSV file it names (by extension: `.jsonl`/`.ndjson`,
 * `.csv`). Never throws: a file that is missing, outside the workspace, too large or malformed comes back as problems
 * (malformed lines are left out, the other rows kept). Row problems (unknown keys, missing inputs) are added too.
 */
export async function loadTestData(prompt: PromptFile, where: TestDataLocation): Promise<LoadedTestData> {
  const source = prompt.testData;
  if (!source) return { rows: [], problems: [] };
  if (source.kind === 'inline') {
    const rows: TestRow[] = source.rows.map((r) => ({ index: r.index, values: r.values, span: r.span, keys: r.keys }));
    return { rows, problems: checkRows(prompt, rows) };
  }
  const checked = checkWorkspaceRelativePath(source.path);
  if ('error' in checked) return { rows: [], problems: [fileProblem(`testData: ${checked.error}`)] };
  const file = checked.path;
  const format = dataFormat(file);
  if (!format) return { rows: [], problems: [fileProblem(`testData "${file}": use a .jsonl or .csv file (one row per line, or a header row naming the columns).`)], file };
  let bytes: Uint8Array;
  try {
    bytes = await where.fs.readFile(joinPath(where.workspaceFolder, file));
  } catch (err) {
    const code = isFileSystemError(err) ? err.code : 'other';
    const why = code === 'not-found' ? 'does not exist in the workspace folder' : code === 'outside' ? 'leads outside the workspace folder' : `cannot be read: ${(err as Error).message}`;
    return { rows: [], problems: [fileProblem(`testData "${file}" ${why}.`)], file };
  }
  if (bytes.byteLength > MAX_TEST_DATA_BYTES) {
    return { rows: [], problems: [fileProblem(`testData "${file}" is larger than ${MAX_TEST_DATA_BYTES / 1024 / 1024} MB: split it into several prompts' files.`)], file };
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const parsed = format === 'jsonl' ? parseJsonLines(text, file) : parseCsv(text, file, prompt);
  return { rows: parsed.rows, problems: [...parsed.problems, ...checkRows(prompt, parsed.rows, file)], file };
}

function fileProblem(message: string, line?: number): TestDataProblem {
  return line === undefined ? { code: 'test-data-file', severity: 'error', message } : { code: 'test-data-file', severity: 'error', message, line };
}

/** `jsonl` for .jsonl/.ndjson, `csv` for .csv (case-insensitive), else undefined. */
export function dataFormat(file: string): 'jsonl' | 'csv' | undefined {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  if (/\.csv$/i.test(file)) return 'csv';
  return undefined;
}

/**
 * JSONL: one JSON object per line (https://jsonlines.org); blank lines are skipped. A line that is not JSON, or not
 * an object, is a problem naming `file` and the line, and is left out.
 */
export function parseJsonLines(text: string, file: string): { rows: TestRow[]; problems: TestDataProblem[] } {
  const rows: TestRow[] = [];
  const problems: TestDataProblem[] = [];
  const lines = text.split('\n');
  let index = 0;
  lines.forEach((raw, i) => {
    const line = (i === 0 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '');
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(fileProblem(`${file} line ${i + 1} is not valid JSON: ${(err as Error).message}.`, i + 1));
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(fileProblem(`${file} line ${i + 1} must be a JSON object (input name → value), not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`, i + 1));
      return;
    }
    rows.push({ index: index++, values: value as Record<string, unknown>, line: i + 1 });
  });
  return { rows, problems };
}

/**
 * CSV with a header row naming the columns (RFC 4180 quoting; parsed by csv-parse). Cells are strings, except for
 * inputs that declare a `type`: `number` and `boolean` cells are converted, `object`, `array` and `chat_history`
 * cells are parsed as JSON. An empty cell counts as left out, so the input takes its default. A record with the wrong
 * number of cells, or a cell that does not convert, is a problem at its line and is left out; a quoting error stops
 * the reading at its line (the rows before it are kept).
 */
export function parseCsv(text: string, file: string, prompt: Pick<PromptFile, 'inputs'>): { rows: TestRow[]; problems: TestDataProblem[] } {
  const rows: TestRow[] = [];
  const problems: TestDataProblem[] = [];
  let header: string[] | undefined;
  let headerLine = 1;
  const onRecord = ({ record, info, raw }: { record: string[]; info: { lines: number }; raw: string }): null => {
    const interior = (raw.replace(/\r?\n$/, '').match(/\n/g) ?? []).length;
    const line = info.lines - interior;
    if (!header) {
      header = record.map((h) => h.trim());
      headerLine = line;
      const seen = new Set<string>();
      header.forEach((name, i) => {
        if (name === '') problems.push(fileProblem(`${file} line ${line}: column ${i + 1} of the header has no name.`, line));
        else if (seen.has(name)) problems.push(fileProblem(`${file} line ${line}: the header names column "${name}" twice.`, line));
        seen.add(name);
      });
      return null;
    }
    if (record.length !== header.length) {
      problems.push(fileProblem(`${file} line ${line} has ${record.length} cells; the header (line ${headerLine}) names ${header.length} columns.`, line));
      return null;
    }
    const values: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) {
      const name = header[i] as string;
      const cell = record[i] as string;
      if (name === '' || cell === '') continue;
      const converted = convertCell(cell, prompt.inputs.get(name)?.type);
      if ('error' in converted) {
        problems.push(fileProblem(`${file} line ${line}, column "${name}": ${converted.error}`, line));
        return null;
      }
      values[name] = converted.value;
    }
    rows.push({ index: rows.length, values, line });
    return null;
  };
  try {
    parseCsvText(text, { bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true, on_record: onRecord as never });
  } catch (err) {
    const line = (err as { lines?: unknown }).lines;
    const message = (err as Error).message.replace(/\s+at line \d+.*$/, '').replace(/ on line \d+$/, '');
    problems.push(fileProblem(`${file}${typeof line === 'number' ? ` line ${line}` : ''} is not valid CSV: ${message}. Rows from there on were not read.`, typeof line === 'number' ? line : undefined));
  }
  if (!header && problems.length === 0) problems.push(fileProblem(`${file} is empty: its first line must name the columns (the inputs, and "expected" if you compare with it).`, 1));
  return { rows, problems };
}

function convertCell(cell: string, type: string | undefined): { value: unknown } | { error: string } {
  switch (type) {
    case 'number': {
      const n = Number(cell.trim());
      return cell.trim() !== '' && Number.isFinite(n) ? { value: n } : { error: `"${cell}" is not a number.` };
    }
    case 'boolean': {
      const b = cell.trim().toLowerCase();
      return b === 'true' || b === 'false' ? { value: b === 'true' } : { error: `"${cell}" is not true or false.` };
    }
    case 'object':
    case 'array':
    case 'chat_history':
      try {
        return { value: JSON.parse(cell) as unknown };
      } catch (err) {
        return { error: `the input is of type ${type}, so the cell must be JSON: ${(err as Error).message}.` };
      }
    default:
      return { value: cell };
  }
}

/** Fields a row may have besides inputs without a warning: what evaluators compare with, and gh-models' judge fields. */
export const EXTRA_ROW_FIELDS: ReadonlySet<string> = new Set(['expected', 'context']);

/**
 * Row problems: a key that is no input (a warning: it may be meant for an evaluator template, which the analysis
 * checks separately; `expected` and `context` are known), and a required input that the row leaves out and that has no
 * default (an error: the cell cannot run).
 */
export function checkRows(prompt: Pick<PromptFile, 'inputs'>, rows: readonly TestRow[], file?: string): TestDataProblem[] {
  const problems: TestDataProblem[] = [];
  const where = (row: TestRow): string => (file && row.line !== undefined ? `${file} line ${row.line}` : `Test data row ${row.index + 1}`);
  const required = [...prompt.inputs.values()].filter((i) => i.required && !i.hasDefault).map((i) => i.name);
  const reported = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row.values)) {
      if (prompt.inputs.has(key) || EXTRA_ROW_FIELDS.has(key)) continue;
      // A data file repeats its columns on every line: one warning per key is enough.
      if (file && reported.has(key)) continue;
      reported.add(key);
      problems.push({ code: 'test-data-unknown-key', severity: 'warning', row: row.index, key, ...(row.line !== undefined ? { line: row.line } : {}), message: `${where(row)}: "${key}" is not an input of this prompt${file ? ' (reported once for the file)' : ''}; only evaluator templates can use it.` });
    }
    for (const name of required) {
      if (Object.prototype.hasOwnProperty.call(row.values, name)) continue;
      problems.push({ code: 'test-data-missing-input', severity: 'error', row: row.index, key: name, ...(row.line !== undefined ? { line: row.line } : {}), message: `${where(row)} has no value for the required input "${name}", which has no default: add "${name}" to the row, or a "default" to the input.` });
    }
  }
  return problems;
}

/**
 * The input values a row runs with: the row's values for declared inputs, else their defaults; `missing` lists the
 * required inputs with neither. Extra fields (`expected`…) are not inputs and are not sent.
 */
export function rowInputs(prompt: Pick<PromptFile, 'inputs'>, row: TestRow): { inputs: Record<string, unknown>; missing: string[] } {
  const inputs: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const input of prompt.inputs.values()) {
    if (Object.prototype.hasOwnProperty.call(row.values, input.name)) inputs[input.name] = row.values[input.name];
    else if (input.hasDefault) inputs[input.name] = input.default;
    else if (input.required) missing.push(input.name);
  }
  return { inputs, missing };
}
