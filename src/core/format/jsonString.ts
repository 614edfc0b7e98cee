/**
 * Maps between a decoded JSON string value and the characters of its literal in the document, so a position
 * inside a template (a message's `content`) points at the exact document characters even when the literal
 * holds escapes (`\n`, `\"`, `\\`, `\u00e9`, surrogate pairs as two `\uXXXX`).
 * Escapes per RFC 8259 §7.
 */
import { indexAtOffset, type StringPositionMap } from './text';

/** A decoded string's positions in the document. */
export class JsonStringMap implements StringPositionMap {
  /** offsets[i] = document offset of the escape or character that decodes to code unit i; offsets[length] = the closing quote. */
  private readonly offsets: Int32Array;

  /**
   * @param document the whole document text
   * @param literalOffset offset of the opening quote of the string literal
   * @param literalLength length of the literal, quotes included
   */
  constructor(document: string, literalOffset: number, literalLength: number) {
    const end = literalOffset + literalLength - 1; // the closing quote (or the end of an unterminated literal)
    // At most one code unit per document character, plus the closing quote.
    const offsets = new Int32Array(Math.max(1, literalLength));
    let n = 0;
    let i = literalOffset + 1;
    while (i < end) {
      offsets[n++] = i;
      if (document.charCodeAt(i) !== 92 /* \ */) i++;
      else if (document.charCodeAt(i + 1) === 117 /* u */) i += 6; // one code unit per \uXXXX, so a surrogate pair gives two entries
      else i += 2;
    }
    offsets[n++] = Math.min(i, end);
    this.offsets = offsets.slice(0, n);
  }

  /** Number of UTF-16 code units of the decoded value. */
  get length(): number {
    return this.offsets.length - 1;
  }

  /** Document offset of decoded index `index` (clamped to the value; `length` gives the closing quote). */
  toDocument(index: number): number {
    const i = Math.max(0, Math.min(Math.trunc(index), this.offsets.length - 1));
    return this.offsets[i] as number;
  }

  /**
   * Decoded index at document offset `offset`: the code unit whose escape or character covers it.
   * Offsets before the value give 0; after it, `length`.
   */
  fromDocument(offset: number): number {
    return indexAtOffset(this.offsets, offset);
  }

}

/** Offsets where each line of `text` starts, lines ending at `\n` only (as Nunjucks' lexer counts them). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
