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
