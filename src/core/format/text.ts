/** Text positions, as VS Code counts them: 0-based line and character (UTF-16 code units). */
export interface Position {
  line: number;
  character: number;
}

/**
 * The line and character of `offset` in `text`. Lines end at `\n`, `\r\n` or `\r`.
 * An offset past the end is clamped to the end of the text.
 */
export function positionAt(text: string, offset: number): Position {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      line++;
      lineStart = i + 1;
    } else if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10 && i + 1 < end) i++;
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: end - lineStart };
}

/**
 * {@link positionAt} for many offsets of one text: the line breaks are found once, then each position is a binary
 * search (positionAt walks the text from the start each time, which is quadratic over many offsets).
 */
export function positionFinder(text: string): (offset: number) => Position {
  // breaks[i]: offset just after the \r or \n that ends line i (for \r\n, the \n itself); starts[i]: where line i + 1 starts.
  const breaks: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      breaks.push(i + 1);
      starts.push(i + 1);
    } else if (c === 13 /* \r */) {
      const crlf = text.charCodeAt(i + 1) === 10;
      breaks.push(i + 1);
      starts.push(crlf ? i + 2 : i + 1);
      if (crlf) i++;
    }
  }
  return (offset) => {
    const end = Math.max(0, Math.min(offset, text.length));
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((breaks[mid] as number) <= end) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? { line: 0, character: end } : { line: lo, character: Math.max(0, end - (starts[lo - 1] as number)) };
  };
}

/**
 * Maps a string value read out of a document (a JSON string, a YAML scalar) to the document characters it came from:
 * indices are UTF-16 code units of the value, offsets are document offsets.
 */
export interface StringPositionMap {
  /** Number of UTF-16 code units of the value. */
  readonly length: number;
  /** Document offset of value index `index` (clamped; `length` gives the end of the value's source). */
  toDocument(index: number): number;
  /** Value index at document offset `offset`: the code unit whose source covers it (0 before the value, `length` after). */
  fromDocument(offset: number): number;
}

/**
 * The index `i` of the last entry of the non-decreasing `offsets` with `offsets[i] <= offset` (0 before the first,
 * the last index after the end): the value index whose source covers a document offset, for position maps that
 * keep the document offset of each value index.
 */
export function indexAtOffset(offsets: ArrayLike<number>, offset: number): number {
  const last = offsets.length - 1;
  if (offset <= (offsets[0] as number)) return 0;
  if (offset >= (offsets[last] as number)) return last;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offsets[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
