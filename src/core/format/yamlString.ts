/**
 * Maps between a YAML scalar's value and the characters of its source in the document, so a position inside a
 * template held in a `.prompt.yml` scalar points at the exact document characters, whatever the scalar's style:
 * plain and single- or double-quoted (line folding, `''`, escapes such as `\t`, `\u00e9`, `\x41`, an escaped line
 * break), literal `|` and folded `>` block scalars (indentation, folding, chomping `-`/`+`, an explicit
 * indentation indicator). The rules are YAML 1.2.2's (https://yaml.org/spec/1.2.2/, §6.5 line folding, §7.3 flow
 * scalar styles, §8.1 block scalar styles).
 *
 * The decoding here only places characters: the value itself always comes from the YAML library. When the
 * decoded text is not that value (a construct this decoder does not know), the map falls back to aligning the
 * value with the source character by character, which is exact for every character that appears literally.
 */
import { indexAtOffset, type StringPositionMap } from './text';

/** Scalar styles, as the `yaml` library names them. */
export type YamlScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

/** Where a scalar's source is in the document: plain data, so it can be kept in a syntax tree node. */
export interface YamlScalarSource {
  style: YamlScalarStyle;
  /** Offset of the scalar's first character: the opening quote, or the block header (`|`, `>`). */
  start: number;
  /** Offset after the scalar's last character (the closing quote; for a block scalar, the end of its body). */
  end: number;
  /** Block scalars: where the body starts (after the header's line break). */
  bodyStart?: number;
  /** Block scalars: the indentation of the parent node, to which an explicit indentation indicator adds. */
  parentIndent?: number;
}

interface Decoded {
  value: string;
  /** offsets[i]: document offset of the source of code unit i; offsets[value.length]: the end of the content. */
  offsets: number[];
}

/** The characters of a line: decoded code units, their offsets, and which are whitespace written as is. */
interface Line {
  chars: string[];
  offsets: number[];
  literalWhite: boolean[];
  /** Offset of the line break that ends the line (the end of the content for the last line). */
  breakAt: number;
  /** Double-quoted: the line ends with `\` before its break, which joins it to the next without a space. */
  escapedBreak: boolean;
}

function isBreak(c: string | undefined): boolean {
  return c === '\n' || c === '\r';
}

/** Lines of text[from, to) as [start, end, breakLength] (the last line has breakLength 0). */
function splitLines(text: string, from: number, to: number): [number, number, number][] {
  const lines: [number, number, number][] = [];
  let start = from;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') {
      const length = c === '\r' && text[i + 1] === '\n' && i + 1 < to ? 2 : 1;
      lines.push([start, i, length]);
      i += length - 1;
      start = i + 1;
    }
  }
  lines.push([start, to, 0]);
  return lines;
}

/** Double-quoted escapes of one character (YAML 1.2.2 §5.7). */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/',
  '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

function readLine(text: string, start: number, end: number, breakAt: number, style: YamlScalarStyle): Line {
  const line: Line = { chars: [], offsets: [], literalWhite: [], breakAt, escapedBreak: false };
  const push = (s: string, at: number, white: boolean) => {
    for (const unit of s.split('')) {
      line.chars.push(unit);
      line.offsets.push(at);
      line.literalWhite.push(white);
    }
  };
  for (let i = start; i < end; i++) {
    const c = text[i] as string;
    if (style === 'QUOTE_SINGLE' && c === "'" && text[i + 1] === "'") {
      push("'", i, false);
      i++;
    } else if (style === 'QUOTE_DOUBLE' && c === '\\') {
      const e = text[i + 1];
      if (i + 1 >= end) {
        line.escapedBreak = true;
        break;
      }
      const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
      const hex = e === undefined ? undefined : HEX_ESCAPES[e];
      if (simple !== undefined) {
        push(simple, i, false);
        i++;
      } else if (hex !== undefined) {
        const code = Number.parseInt(text.slice(i + 2, i + 2 + hex), 16);
        push(Number.isFinite(code) ? String.fromCodePoint(code) : '', i, false);
        i += 1 + hex;
      } else {
        push(c, i, false);
      }
    } else {
      push(c, i, c === ' ' || c === '\t');
    }
  }
  return line;
}

/** Plain and quoted scalars: lines trimmed and folded (§6.5, §7.3). */
function decodeFlow(text: string, source: YamlScalarSource): Decoded {
  const quoted = source.style !== 'PLAIN';
  const from = quoted ? source.start + 1 : source.start;
  const to = quoted ? Math.max(from, source.end - 1) : source.end;
  const lines = splitLines(text, from, to).map(([s, e, b]) => readLine(text, s, e, b ? e : to, source.style));
  lines.forEach((line, i) => {
    if (i > 0) {
      let n = 0;
      while (n < line.chars.length && line.literalWhite[n]) n++;
      line.chars.splice(0, n);
      line.offsets.splice(0, n);
      line.literalWhite.splice(0, n);
    }
    if (i < lines.length - 1 && !line.escapedBreak) {
      let n = line.chars.length;
      while (n > 0 && line.literalWhite[n - 1]) n--;
      line.chars.length = n;
      line.offsets.length = n;
      line.literalWhite.length = n;
    }
  });
  const out: Decoded = { value: '', offsets: [] };
  const emit = (s: string, at: number) => {
    out.value += s;
    out.offsets.push(at);
  };
  let i = 0;
  for (;;) {
    const line = lines[i] as Line;
    line.chars.forEach((ch, k) => emit(ch, line.offsets[k] as number));
    if (i === lines.length - 1) break;
    // The next line with content; the last line always counts as one (it ends at the closing quote).
    let j = i + 1;
    while (j < lines.length - 1 && (lines[j] as Line).chars.length === 0 && !(lines[j] as Line).escapedBreak) j++;
    const empty = lines.slice(i + 1, j);
    if (!line.escapedBreak && empty.length === 0) emit(' ', line.breakAt);
    for (const e of empty) emit('\n', e.breakAt);
    i = j;
  }
  out.offsets.push(to);
  return out;
}

/** Block scalars (§8.1): header indicators, content indentation, folding for `>`, chomping. */
function decodeBlock(text: string, source: YamlScalarSource): Decoded | undefined {
  const header = /^([|>])([1-9]?)([+-]?)([1-9]?)/.exec(text.slice(source.start, source.start + 4));
  if (!header || source.bodyStart === undefined) return undefined;
  const folded = header[1] === '>';
  const digit = Number(header[2] || header[4] || 0);
  const chomp = header[3] === '-' ? 'strip' : header[3] === '+' ? 'keep' : 'clip';
  const lines = splitLines(text, source.bodyStart, source.end);
  if (lines.length > 1 && (lines.at(-1) as [number, number, number])[0] === source.end) lines.pop(); // the body's final break ends the last line
  let indent = digit ? (source.parentIndent ?? 0) + digit : -1;
  if (indent < 0) {
    const first = lines.find(([s, e]) => /[^ ]/.test(text.slice(s, e)));
    indent = first ? /^ */.exec(text.slice(first[0], first[1]))?.[0].length ?? 0 : 0;
  }
  type BlockLine = { start: number; end: number; breakAt: number; breakLength: number; empty: boolean; spaced: boolean };
  const body: BlockLine[] = lines.map(([s, e, b]) => {
    const content = text.slice(s, e);
    const empty = /^ *$/.test(content) && content.length <= indent;
    return { start: s + Math.min(indent, content.length), end: e, breakAt: e, breakLength: b, empty, spaced: !empty && /^[ \t]/.test(text.slice(s + indent, e)) };
  });
  const out: Decoded = { value: '', offsets: [] };
  const emit = (s: string, at: number) => {
    out.value += s;
    out.offsets.push(at);
  };
  const lastContent = body.reduce((last, l, i) => (l.empty ? last : i), -1);
  let previous: BlockLine | undefined;
  let pendingEmpty: BlockLine[] = [];
  for (let i = 0; i <= lastContent; i++) {
    const line = body[i] as BlockLine;
    if (line.empty) {
      pendingEmpty.push(line);
      continue;
    }
    if (previous) {
      if (folded && !previous.spaced && !line.spaced) {
        if (pendingEmpty.length === 0) emit(' ', previous.breakAt);
        for (const e of pendingEmpty) emit('\n', e.breakAt);
      } else {
        emit('\n', previous.breakAt);
        for (const e of pendingEmpty) emit('\n', e.breakAt);
      }
    } else {
      for (const e of pendingEmpty) emit('\n', e.breakAt);
    }
    pendingEmpty = [];
    for (let k = line.start; k < line.end; k++) emit(text[k] as string, k);
    previous = line;
  }
  // Chomping: the final line break and trailing empty lines (§8.1.1.2).
  const trailing = body.slice(lastContent + 1);
  if (previous) {
    if (chomp !== 'strip' && previous.breakLength > 0) emit('\n', previous.breakAt);
    if (chomp === 'keep') for (const e of trailing) if (e.breakLength > 0) emit('\n', e.breakAt);
  } else if (chomp === 'keep') {
    for (const e of body) if (e.breakLength > 0) emit('\n', e.breakAt);
  }
  out.offsets.push(previous ? previous.end : source.bodyStart);
  return out;
}

/** Aligns `value` with the source: each code unit at the next source character equal to it, else where the search is. */
function align(text: string, source: YamlScalarSource, value: string): Decoded {
  const offsets: number[] = [];
  let at = source.style === 'QUOTE_SINGLE' || source.style === 'QUOTE_DOUBLE' ? source.start + 1 : source.bodyStart ?? source.start;
  for (const unit of value) {
    for (let k = 0; k < unit.length; k++) {
      const found = text.indexOf(unit[k] as string, at);
      if (found !== -1 && found < source.end && (found - at < 64 || !isBreak(unit[k]))) {
        offsets.push(found);
        at = found + 1;
      } else {
        offsets.push(Math.min(at, source.end));
      }
    }
  }
  offsets.push(source.end);
  return { value, offsets };
}

/** Decodes the scalar's source; undefined for a style this module does not decode. */
export function decodeYamlScalar(text: string, source: YamlScalarSource): { value: string; offsets: number[] } | undefined {
  return source.style === 'BLOCK_LITERAL' || source.style === 'BLOCK_FOLDED' ? decodeBlock(text, source) : decodeFlow(text, source);
}

/** A YAML string scalar's value mapped to its document characters. */
export class YamlStringMap implements StringPositionMap {
  private readonly offsets: Int32Array;
  /** Whether the scalar was decoded exactly (false: the value was aligned with the source character by character). */
  readonly exact: boolean;

  /**
   * @param document the whole document text
   * @param source where the scalar is and its style
   * @param value the scalar's value as the YAML library read it
   */
  constructor(document: string, source: YamlScalarSource, value: string) {
    const decoded = decodeYamlScalar(document, source);
    this.exact = decoded?.value === value;
    this.offsets = Int32Array.from(this.exact && decoded ? decoded.offsets : align(document, source, value).offsets);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  toDocument(index: number): number {
    const i = Math.max(0, Math.min(Math.trunc(index), this.offsets.length - 1));
    return this.offsets[i] as number;
  }

  fromDocument(offset: number): number {
    return indexAtOffset(this.offsets, offset);
  }
}
