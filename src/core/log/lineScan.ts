/**
 * Reading one log line without its bulky fields. A run's line is ~2 KB, most of it `output` and `messages`; the
 * history tree needs none of that, so instead of decoding and `JSON.parse`-ing the whole line, this walks the top-level
 * object on the bytes, jumping over string values with `Uint8Array.prototype.indexOf`, and parses only the fields it keeps. It is
 * about 3× faster than `JSON.parse` on the whole line and makes far less garbage.
 *
 * The walk checks the structure it passes through (keys, colons, commas, bracket depth); anything it does not expect
 * returns undefined, and the caller falls back to `JSON.parse`, so a corrupt line is reported the same way. The values
 * it skips are not validated.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A line's top-level fields except the skipped ones, and the raw start of one string field, when asked. */
export interface ScannedLine {
  value: Record<string, unknown>;
  /** The first characters of the `preview` field's string value (undefined when absent or not a string). */
  preview?: string;
}

let scratch = new Uint8Array(64 * 1024);
// ignoreBOM: a leading U+FEFF is kept as a character, as Buffer's toString kept it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Parse the JSON object in `line` without the top-level keys in `skip`. `previewKey` names a skipped string field
 * whose first `previewChars` characters are returned as `preview`.
 * @returns undefined when the line is not a well-formed top-level object as far as the walk can tell.
 */
export function scanLine(line: Uint8Array, skip: ReadonlySet<string>, previewKey?: string, previewChars = 0): ScannedLine | undefined {
  const end = line.length;
  let i = skipSpace(line, 0, end);
  if (line[i] !== OPEN_BRACE) return undefined;
  if (scratch.length < end + 2) scratch = new Uint8Array(Math.max(end + 2, scratch.length * 2));
  scratch[0] = OPEN_BRACE;
  let size = 1;
  let preview: string | undefined;
  // Kept fields next to one another are copied as one span (the separators between them included): one copy per run
  // of kept fields rather than one per field.
  let spanStart = -1;
  let spanEnd = -1;
  const flush = (): void => {
    if (spanStart < 0) return;
    if (size > 1) scratch[size++] = COMMA;
    scratch.set(line.subarray(spanStart, spanEnd), size);
    size += spanEnd - spanStart;
    spanStart = -1;
  };
  i = skipSpace(line, i + 1, end);
  if (line[i] === CLOSE_BRACE) return skipSpace(line, i + 1, end) === end ? { value: {} } : undefined;
  for (;;) {
    const keyStart = i;
    if (line[i] !== QUOTE) return undefined;
    const keyEnd = skipString(line, i, end);
    if (keyEnd < 0) return undefined;
    i = skipSpace(line, keyEnd, end);
    if (line[i] !== COLON) return undefined;
    const valueStart = skipSpace(line, i + 1, end);
    const valueEnd = skipValue(line, valueStart, end);
    if (valueEnd < 0) return undefined;
    // Decode the key only when its first byte and length match a skipped key: most keys are kept untouched.
    const key = mayBeSkipped(skip, line[keyStart + 1] as number, keyEnd - keyStart - 2) ? latin1(line, keyStart + 1, keyEnd - 1) : '';
    if (key !== '' && skip.has(key)) {
      flush();
      if (key === previewKey && line[valueStart] === QUOTE) preview = stringStart(line, valueStart, valueEnd, previewChars);
    } else {
      if (spanStart < 0) spanStart = keyStart;
      spanEnd = valueEnd;
    }
    i = skipSpace(line, valueEnd, end);
    if (line[i] === COMMA) {
      i = skipSpace(line, i + 1, end);
      continue;
    }
    if (line[i] !== CLOSE_BRACE || skipSpace(line, i + 1, end) !== end) return undefined;
    break;
  }
  flush();
  scratch[size++] = CLOSE_BRACE;
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(scratch.subarray(0, size)));
  } catch {
    return undefined;
  }
  const scanned: ScannedLine = { value: value as Record<string, unknown> };
  if (preview !== undefined) scanned.preview = preview;
  return scanned;
}

/** Bytes [start, end) as Latin-1 (one character per byte): a key compared with the skipped ones, a few bytes long. */
function latin1(b: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(b[i] as number);
  return text;
}

const shapes = new WeakMap<ReadonlySet<string>, Set<number>>();

/** Whether a key of this first byte and byte length could be in `skip` (a cheap pre-check before decoding it). */
function mayBeSkipped(skip: ReadonlySet<string>, firstByte: number, length: number): boolean {
  let shape = shapes.get(skip);
  if (!shape) {
    shape = new Set([...skip].map((k) => k.length * 256 + k.charCodeAt(0)));
    shapes.set(skip, shape);
  }
  return shape.has(length * 256 + firstByte);
}

function skipSpace(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0d || b[i] === 0x0a)) i++;
  return i;
}

/** `i` is at an opening quote: the index after the closing one, or -1. */
function skipString(b: Uint8Array, i: number, end: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0 || q >= end) return -1;
    let backslashes = 0;
    for (let p = q - 1; p > i && b[p] === BACKSLASH; p--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** The index after the JSON value starting at `i`, or -1. Nested objects and arrays are walked by bracket depth. */
function skipValue(b: Uint8Array, i: number, end: number): number {
  const first = b[i];
  if (first === QUOTE) return skipString(b, i, end);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    while (i < end) {
      const c = b[i];
      if (c === QUOTE) {
        i = skipString(b, i, end);
        if (i < 0) return -1;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next comma or closing brace of the top level.
  const start = i;
  while (i < end && b[i] !== COMMA && b[i] !== CLOSE_BRACE && b[i] !== 0x20 && b[i] !== 0x09 && b[i] !== 0x0d && b[i] !== 0x0a) i++;
  return i > start ? i : -1;
}

/**
 * The first `chars` characters of the JSON string at [start, end) (quotes included), decoding only its beginning:
 * first 2 bytes a character (enough for most text), then 6 (the most a character takes escaped, \uXXXX).
 */
function stringStart(b: Uint8Array, start: number, end: number, chars: number): string | undefined {
  const short = stringPrefix(b, start, end, chars * 2);
  if (short === undefined || short.complete || short.text.length >= chars) return short && fit(short.text, chars);
  const long = stringPrefix(b, start, end, chars * 6);
  return long && fit(long.text, chars);
}

function fit(text: string, chars: number): string {
  // Copied so that the preview does not keep a larger string alive as the parent of a sliced string.
  return text.length > chars ? utf8.decode(utf8Encoder.encode(text.slice(0, chars))) : text;
}

function stringPrefix(b: Uint8Array, start: number, end: number, bytes: number): { text: string; complete: boolean } | undefined {
  const cut = Math.min(end - 1, start + 1 + bytes);
  const complete = cut === end - 1;
  let raw = utf8.decode(b.subarray(start + 1, cut));
  if (!complete) {
    raw = raw.replace(/\uFFFD+$/, '');
    // Drop an escape sequence cut in half: a trailing odd run of backslashes, or "\u" with fewer than 4 hex digits.
    raw = raw.replace(/\\u[0-9a-fA-F]{0,3}$/, (m, offset: number) => (oddBackslashesBefore(raw, offset) ? m : ''));
    if (raw.endsWith('\\')) {
      const trailing = /\\+$/.exec(raw);
      if (trailing && trailing[0].length % 2 === 1) raw = raw.slice(0, -1);
    }
  }
  try {
    return { text: JSON.parse(`"${raw}"`) as string, complete };
  } catch {
    return undefined;
  }
}

/** True when the backslash at `offset` is escaped by an odd number of backslashes before it (so it is a literal). */
function oddBackslashesBefore(text: string, offset: number): boolean {
  let n = 0;
  for (let p = offset - 1; p >= 0 && text[p] === '\\'; p--) n++;
  return n % 2 === 1;
}
