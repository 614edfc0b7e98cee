/**
 * Formatted JSON (as `JSON.stringify(value, null, 2)` prints it) shown line by line, with the lines
 * of the values a schema problem points at marked. Every line is a text node: nothing is parsed as HTML.
 */
import { h } from './dom';

interface Frame {
  path: string;
  array: boolean;
  next: number;
}

/** Escapes a key for a JSON Pointer (RFC 6901). */
function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The key at the start of `line` (a JSON string followed by `: `), and the rest after it, or null. */
function splitKey(line: string): { key: string; rest: string } | null {
  if (!line.startsWith('"')) return null;
  let i = 1;
  while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
  if (line.slice(i + 1, i + 3) !== ': ') return null;
  try {
    return { key: JSON.parse(line.slice(0, i + 1)) as string, rest: line.slice(i + 3) };
  } catch {
    return null;
  }
}

/**
 * The JSON Pointer of the value each line belongs to: a member's line has the member's pointer; the
 * closing line of an object or array has the container's. Lines that do not fit the 2-space layout get ''.
 */
export function linePaths(lines: readonly string[]): string[] {
  const stack: Frame[] = [];
  return lines.map((raw) => {
    const line = raw.trim().replace(/,$/, '');
    if (line === '}' || line === ']') return stack.pop()?.path ?? '';
    const top = stack[stack.length - 1];
    let path = '';
    let value = line;
    if (top && !top.array) {
      const split = splitKey(line);
      if (!split) return top.path;
      path = `${top.path}/${pointerToken(split.key)}`;
      value = split.rest;
    } else if (top) {
      path = `${top.path}/${top.next++}`;
    }
    if (value === '{' || value === '[') stack.push({ path, array: value === '[', next: 0 });
    return path;
  });
}

/** A `<pre>` of the formatted JSON; lines whose pointer is one of `problems`' paths get `json-problem` and a title. */
export function formattedJson(
  formatted: string,
  problems: readonly { path: string; message: string }[],
  attrs: Record<string, string>,
): HTMLPreElement {
  const lines = formatted.split('\n');
  const paths = linePaths(lines);
  const pre = h('pre', attrs);
  lines.forEach((line, i) => {
    const text = i < lines.length - 1 ? `${line}\n` : line;
    const messages = problems.filter((p) => p.path === paths[i]).map((p) => p.message);
    if (messages.length === 0) {
      pre.append(h('span', { class: 'json-line' }, text));
      return;
    }
    pre.append(
      h('span', { class: 'json-line json-problem', 'data-path': paths[i] ?? '', title: messages.join('\n') }, text),
    );
  });
  return pre;
}
