/**
 * What every converter between prompt formats shares: the notes that report what did not convert (never dropped
 * silently), the error for a source that cannot be read, and a JSONC writer that keeps comments.
 */
import { positionAt } from './text';
import type { TextSpan } from './promptFile';

/** Something the conversion could not carry over as it was, or did on purpose; `line` is 1-based in the source. */
export interface ConversionNote {
  /** `error`: the meaning changes or something is left out; `warning`: the target will warn too; `info`: done on purpose. */
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** 1-based line in the source, when the note is about a place in it. */
  line?: number;
  /** Where in the source, when known. */
  span?: TextSpan;
}

/** A converted file and the notes about it. */
export interface ConversionResult {
  /** The converted file's text, ending with a new line. */
  text: string;
  notes: ConversionNote[];
}

/** The source cannot be converted at all (it does not parse, or has no messages); the message names the line. */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
  constructor(message: string, readonly line?: number) {
    super(message);
  }
}

/** A note at `offset` of `source`. */
export function noteAt(source: string, severity: ConversionNote['severity'], message: string, offset: number, length = 0): ConversionNote {
  return { severity, message, line: positionAt(source, offset).line + 1, span: { offset, length } };
}

/** A JSON value to write, with comments (one line each, without `//`) to put on the lines before it. */
export type JsonOut =
  | { kind: 'value'; value: unknown; comments?: string[] }
  | { kind: 'object'; entries: { key: string; value: JsonOut }[]; comments?: string[] }
  | { kind: 'array'; items: JsonOut[]; comments?: string[] };

/** A plain value, written as JSON.stringify would (objects and arrays expanded by {@link writeJsonc}). */
export function jsonValue(value: unknown, comments?: string[]): JsonOut {
  if (Array.isArray(value)) return { kind: 'array', items: value.map((v) => jsonValue(v)), ...(comments?.length ? { comments } : {}) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'object', entries: Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: jsonValue(v) })), ...(comments?.length ? { comments } : {}) };
  }
  return { kind: 'value', value, ...(comments?.length ? { comments } : {}) };
}

function commentLines(comments: string[] | undefined, indent: string): string {
  return (comments ?? []).map((c) => `${indent}//${c.startsWith(' ') || c === '' ? '' : ' '}${c}\n`).join('');
}

/**
 * JSONC text for `out`: two-space indentation, one property or item per line, each node's comments as `//` lines
 * before it, a final new line. An object or array without entries is written `{}` / `[]`.
 */
export function writeJsonc(out: JsonOut): string {
  const write = (node: JsonOut, indent: string): string => {
    const inner = `${indent}  `;
    if (node.kind === 'value') return JSON.stringify(node.value === undefined ? null : node.value);
    if (node.kind === 'array') {
      if (node.items.length === 0) return '[]';
      return `[\n${node.items.map((item) => `${commentLines(item.comments, inner)}${inner}${write(item, inner)}`).join(',\n')}\n${indent}]`;
    }
    if (node.entries.length === 0) return '{}';
    return `{\n${node.entries.map((e) => `${commentLines(e.value.comments, inner)}${inner}${JSON.stringify(e.key)}: ${write(e.value, inner)}`).join(',\n')}\n${indent}}`;
  };
  return `${commentLines(out.comments, '')}${write(out, '')}\n`;
}
