/**
 * Nunjucks' own tokenizer with its hot paths done in bulk, for the analysis of large prompt files.
 *
 * Nunjucks 3.2.4's Tokenizer (node_modules/nunjucks/src/lexer.js) reads text one character at a time: every
 * character of a template goes through `forward()`, `current()`, `previous()` and a `String.indexOf` over the
 * stop characters, and the run of characters is built by string concatenation. For a 1 MB prompt file that is
 * most of the analysis time. This subclass of Nunjucks' Tokenizer yields the same tokens (types, values, lines
 * and columns, the same errors, even its steps past the end of the template), but works on runs: `nextToken`
 * finds the end of a text run or a word with `indexOf` and lookup tables and slices once, and moves line and
 * column in bulk by `forward()`'s rule (a character after a '\n' starts a new line at column 0). One difference:
 * whitespace inside tags is skipped instead of returned as a token, because the parser drops such tokens unread.
 * The rare regex literal `r/…/` runs Nunjucks' own `nextToken`; `_extractMatching`, `forwardN` and `_matches`,
 * which it calls, are done in bulk as well. Only Nunjucks' default tags are supported, without `trimBlocks` or
 * `lstripBlocks`: what Prompt Lab renders with.
 *
 * The Nunjucks parser is unchanged; it is handed this tokenizer instead of `lexer.lex(src)`. The unit test
 * `test/unit/templateLexer.test.ts` compares both token streams and both parse trees over the real templates,
 * the fixtures and thousands of generated and mutated templates, so an upgrade of Nunjucks that changes the
 * tokenizer is caught there. package.json pins nunjucks for that reason.
 */
import * as nunjucks from 'nunjucks';

/** A token as Nunjucks' lexer makes it: `lineno` and `colno` count from 0. */
export interface NunjucksToken {
  type: string;
  value: unknown;
  lineno: number;
  colno: number;
}

/** The tokenizer interface the Nunjucks parser reads. */
export interface NunjucksTokenizer {
  nextToken(): NunjucksToken | null;
  index: number;
  lineno: number;
  colno: number;
  in_code: boolean;
}

interface TokenizerState extends NunjucksTokenizer {
  str: string;
  len: number;
  /** Where the next '\n', '{' and '#' are: [searched from, found at] (see nextIndexOf). */
  newlines: Int32Array;
  braces: Int32Array;
  hashes: Int32Array;
}

type TokenizerClass = new (str: string, opts?: unknown) => NunjucksTokenizer;

const lexer = (nunjucks as unknown as { lexer: { lex(src: string, opts?: unknown): NunjucksTokenizer } }).lexer;
const Tokenizer = Object.getPrototypeOf(lexer.lex('')).constructor as TokenizerClass;

/** Membership tables for the stop-character sets the tokenizer passes (a handful of constant strings). */
const tables = new Map<string, Uint8Array>();

function tableFor(chars: string): Uint8Array {
  let table = tables.get(chars);
  if (!table) {
    table = new Uint8Array(256);
    for (let i = 0; i < chars.length; i++) {
      const code = chars.charCodeAt(i);
      if (code < 256) table[code] = 1;
    }
    // Sets with characters beyond Latin-1 fall back to indexOf for those (none of Nunjucks' own sets has any).
    tables.set(chars, table);
  }
  return table;
}

/**
 * The first index of `char` at or after `from` (-1: none), remembered in `cache` (from, at): the tokenizer moves
 * forward, so each occurrence is searched for once, and a search from before the remembered one starts again.
 */
function nextIndexOf(str: string, char: string, from: number, cache: Int32Array): number {
  if (from >= cache[0]! && (cache[1] === -1 || from <= cache[1]!)) return cache[1]!;
  cache[0] = from;
  cache[1] = str.indexOf(char, from);
  return cache[1]!;
}

/** Moves a tokenizer to `end` as that many `forward()` calls would: lines by '\n', columns from 0 after one. */
function advanceTo(t: TokenizerState, end: number): void {
  const start = t.index;
  let at = nextIndexOf(t.str, '\n', start, t.newlines);
  if (at === -1 || at >= end) {
    t.colno += end - start;
  } else {
    let last = at;
    let lines = 0;
    while (at !== -1 && at < end) {
      lines++;
      last = at;
      at = nextIndexOf(t.str, '\n', at + 1, t.newlines);
    }
    t.lineno += lines;
    t.colno = end - last - 1;
  }
  t.index = end;
}

function inSet(table: Uint8Array, chars: string, code: number): boolean {
  return code < 256 ? table[code] === 1 : chars.indexOf(String.fromCharCode(code)) !== -1;
}

const WHITESPACE = tableFor(' \n\t\r\xA0');
const DELIMITERS = tableFor('()[]{}%*-+~/#,:|.<>=!');
const DIGITS = tableFor('0123456789');
/** The token type of a one-character delimiter, as Nunjucks names it. */
function delimiterType(code: number): string {
  switch (code) {
    case 40: return 'left-paren';
    case 41: return 'right-paren';
    case 91: return 'left-bracket';
    case 93: return 'right-bracket';
    case 123: return 'left-curly';
    case 125: return 'right-curly';
    case 44: return 'comma';
    case 58: return 'colon';
    case 126: return 'tilde';
    case 124: return 'pipe';
    default: return 'operator';
  }
}
const STRING_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r' };

function token(type: string, value: unknown, lineno: number, colno: number): NunjucksToken {
  return { type, value, lineno, colno };
}

interface Superclass {
  nextToken(this: NunjucksTokenizer): NunjucksToken | null;
}

/** Nunjucks' Tokenizer, same tokens, bulk moves; Nunjucks' own `nextToken` only for a regex literal `r/…/`. */
class AnalysisTokenizer extends Tokenizer {
  constructor(str: string) {
    super(str, {});
    const state = this as unknown as TokenizerState;
    state.newlines = Int32Array.of(2 ** 31 - 1, -1);
    state.braces = Int32Array.of(2 ** 31 - 1, -1);
    state.hashes = Int32Array.of(2 ** 31 - 1, -1);
  }

  forwardN(this: TokenizerState, n: number): void {
    if (n > 0) advanceTo(this, this.index + n);
  }

  _matches(this: TokenizerState, text: string): boolean | null {
    if (this.index + text.length > this.len) return null;
    return this.str.startsWith(text, this.index);
  }

  /**
   * The run of characters from the current one that are in `chars` (breakOnMatch false) or not in it (true):
   * null at the end of the template, '' when the current character already stops the run.
   */
  _extractMatching(this: TokenizerState, breakOnMatch: boolean, chars: string): string | null {
    const start = this.index;
    const len = this.len;
    if (start >= len) return null;
    const str = this.str;
    const table = tableFor(chars);
    if (inSet(table, chars, str.charCodeAt(start)) === breakOnMatch) return '';
    let end = start + 1;
    while (end < len && inSet(table, chars, str.charCodeAt(end)) !== breakOnMatch) end++;
    advanceTo(this, end);
    return str.slice(start, end);
  }

  override nextToken(): NunjucksToken | null {
    const t = this as unknown as TokenizerState;
    const { str, len, lineno, colno } = t;
    const index = t.index;
    if (index >= len) return null;
    return t.in_code ? this.codeToken(t, str, len, index, lineno, colno) : this.textToken(t, str, len, index, lineno, colno);
  }

  /**
   * Inside {{ }} or {% %}: Nunjucks' `nextToken` when `in_code`, branch for branch, except that whitespace is
   * skipped instead of returned as a token (the parser drops whitespace tokens unread).
   */
  private codeToken(t: TokenizerState, str: string, len: number, index: number, lineno: number, colno: number): NunjucksToken | null {
    let code = str.charCodeAt(index);
    if (code < 256 && WHITESPACE[code] === 1) {
      let end = index + 1;
      while (end < len && WHITESPACE[str.charCodeAt(end)] === 1) end++;
      advanceTo(t, end);
      if (end >= len) return null;
      index = end;
      lineno = t.lineno;
      colno = t.colno;
      code = str.charCodeAt(index);
    }
    if (code === 34 /* " */ || code === 39 /* ' */) return token('string', this.stringLiteral(t, str, len, index, code), lineno, colno);
    // '%}', '-%}', '}}', '-}}', in Nunjucks' order.
    const dash = code === 45 /* - */ ? 1 : 0;
    const first = dash ? str.charCodeAt(index + 1) : code;
    if ((first === 37 /* % */ || first === 125 /* } */) && str.charCodeAt(index + dash + 1) === 125) {
      // At one index at most one of the four matches, so Nunjucks' order does not matter here.
      const tag = str.slice(index, index + dash + 2);
      t.index += dash + 2;
      t.colno += dash + 2;
      t.in_code = false;
      return token(first === 37 ? 'block-end' : 'variable-end', tag, lineno, colno);
    }
    if (code === 114 /* r */ && str.charCodeAt(index + 1) === 47 /* / */) return (Tokenizer.prototype as unknown as Superclass).nextToken.call(this);
    if (code < 256 && DELIMITERS[code] === 1) {
      let step = 1;
      const second = str.charCodeAt(index + 1);
      // '==', '!=', '<=', '>=', '//', '**', and '===', '!=='.
      if ((second === 61 /* = */ && (code === 61 || code === 33 /* ! */ || code === 60 /* < */ || code === 62 /* > */)) || (second === code && (code === 47 /* / */ || code === 42 /* * */))) {
        step = 2;
        if (second === 61 && (code === 61 || code === 33) && str.charCodeAt(index + 2) === 61) step = 3;
        // Nunjucks looks for a third character with `current()`, '' at the end, finds the two-character
        // operator itself and steps once more, past the end.
        else if (index + 2 >= len) step = 3;
      }
      const op = step === 1 ? (str[index] as string) : str.slice(index, index + Math.min(step, len - index));
      t.index += step;
      t.colno += step;
      return token(step === 1 ? delimiterType(code) : 'operator', op, lineno, colno);
    }
    // A word: up to whitespace or a delimiter (neither holds a newline but whitespace, so the column just grows).
    let end = index + 1;
    for (let c = str.charCodeAt(end); end < len && !(c < 256 && (WHITESPACE[c] === 1 || DELIMITERS[c] === 1)); c = str.charCodeAt(++end));
    const word = str.slice(index, end);
    t.index = end;
    t.colno += end - index;
    let digits = true;
    for (let i = 0; i < word.length && digits; i++) digits = DIGITS[word.charCodeAt(i)] === 1;
    if (digits) {
      if (end < len && str.charCodeAt(end) === 46 /* . */) {
        t.index++;
        t.colno++;
        // Nunjucks appends what `_extract` returns, null at the end of the template included.
        const decimals = (this as unknown as { _extract(chars: string): string | null })._extract('0123456789');
        return token('float', `${word}.${String(decimals)}`, lineno, colno);
      }
      return token('int', word, lineno, colno);
    }
    if (word === 'true' || word === 'false') return token('boolean', word, lineno, colno);
    if (word === 'none' || word === 'null') return token('none', word, lineno, colno);
    return token('symbol', word, lineno, colno);
  }

  /** A quoted string from `start` (its quote): Nunjucks' `_parseString`, \n \t \r decoded, any other escaped character kept. */
  private stringLiteral(t: TokenizerState, str: string, len: number, start: number, quote: number): string {
    let value = '';
    let i = start + 1;
    let run = i;
    while (i < len) {
      const c = str.charCodeAt(i);
      if (c === quote) break;
      if (c !== 92 /* backslash */) {
        i++;
        continue;
      }
      value += str.slice(run, i);
      const escaped = i + 1 < len ? (str[i + 1] as string) : '';
      value += STRING_ESCAPES[escaped] ?? escaped;
      i += 2;
      run = i;
    }
    value += str.slice(run, Math.min(i, len));
    // Past the closing quote; like Nunjucks, past the end of an unterminated string too.
    advanceTo(t, i + 1);
    return value;
  }

  /** Outside tags: a block or variable start, a comment, or text up to the next tag. Nunjucks' `nextToken` when not `in_code`. */
  private textToken(t: TokenizerState, str: string, len: number, index: number, lineno: number, colno: number): NunjucksToken {
    // '{%-', '{%', '{{-', '{{', in Nunjucks' order.
    const second = str.charCodeAt(index + 1);
    if (str.charCodeAt(index) === 123 /* { */ && (second === 37 /* % */ || second === 123)) {
      const tag = str.charCodeAt(index + 2) === 45 /* - */ ? str.slice(index, index + 3) : str.slice(index, index + 2);
      t.index += tag.length;
      t.colno += tag.length;
      t.in_code = true;
      return token(second === 37 ? 'block-start' : 'variable-start', tag, lineno, colno);
    }
    const inComment = str.startsWith('{#', index);
    let pos = inComment ? index + 2 : index;
    let ended = false;
    while (pos < len) {
      const brace = nextIndexOf(str, '{', pos, t.braces);
      const hash = nextIndexOf(str, '#', pos, t.hashes);
      const stop = brace === -1 ? (hash === -1 ? len : hash) : hash === -1 ? brace : Math.min(brace, hash);
      if (stop >= len) {
        // Nunjucks steps once past the end here.
        pos = len + 1;
        break;
      }
      const next = str.charCodeAt(stop + 1);
      if (!inComment && str.charCodeAt(stop) === 123 /* { */ && (next === 37 /* % */ || next === 123 || next === 35 /* # */)) {
        pos = stop;
        ended = true;
        break;
      }
      if (str.charCodeAt(stop) === 35 && next === 125 /* } */) {
        if (!inComment) throw new Error('unexpected end of comment');
        pos = stop + 2;
        ended = true;
        break;
      }
      pos = stop + 1;
    }
    if (!ended && inComment) throw new Error('expected end of comment, got end of file');
    const end = Math.min(pos, len);
    advanceTo(t, end);
    if (pos > len) {
      t.index = pos;
      t.colno += pos - len;
    }
    return token(inComment ? 'comment' : 'data', str.slice(index, end), lineno, colno);
  }
}

/**
 * A tokenizer over `source` (Nunjucks' default tags, no `trimBlocks` or `lstripBlocks`, as the analysis and the
 * renderer use) that yields what `nunjucks.lexer.lex(source, {})` yields, whitespace tokens left out.
 */
export function lex(source: string): NunjucksTokenizer {
  return new AnalysisTokenizer(source);
}

/** Nunjucks' tokenizer itself, for comparison in tests. */
export function nunjucksLex(source: string): NunjucksTokenizer {
  return lexer.lex(source, {});
}
