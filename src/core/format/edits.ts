/**
 * Text edits for the quick fixes on a `.prompt.json` document: declare an input, remove one, replace a value.
 * Edits are `{offset, length, content}` against the text they were computed from (jsonc-parser's `Edit`), so
 * the vscode layer turns them into a WorkspaceEdit as they are.
 *
 * Comments and formatting survive: the common layouts (one property per line, or an object on one line) get
 * edits placed by hand that touch only the property concerned, because jsonc-parser's `modify` with formatting
 * reformats the whole neighbouring line and, when removing, drops the comment after the previous property.
 * Layouts this file does not recognise fall back to `modify`.
 */
import { type Edit, type Node, modify, parseTree, findNodeAtLocation } from 'jsonc-parser';

/** A replacement of `length` characters at `offset` by `content`. */
export type TextEdit = Edit;

/** How new lines are indented; by default two spaces, and the line ending the text already uses. */
export interface EditOptions {
  tabSize?: number;
  insertSpaces?: boolean;
  eol?: string;
}

interface Layout {
  eol: string;
  unit: string;
}

function layout(text: string, options: EditOptions): Layout {
  const eol = options.eol ?? (text.includes('\r\n') ? '\r\n' : '\n');
  const unit = options.insertSpaces === false ? '\t' : ' '.repeat(options.tabSize ?? 2);
  return { eol, unit };
}

function parse(text: string): Node | undefined {
  return parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
}

function lineStartOf(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** The whitespace before `offset` on its line, or undefined when something else precedes it there. */
function indentBefore(text: string, offset: number): string | undefined {
  const before = text.slice(lineStartOf(text, offset), offset);
  return /^[ \t]*$/.test(before) ? before : undefined;
}

/**
 * What follows a value on its line: an optional comma and an optional comment, then the end of the line.
 * `end` is the offset after the line break (or the end of the text); undefined when more JSON follows on the line.
 */
function restOfLine(text: string, from: number): { comma: number | undefined; end: number; eolAt: number } | undefined {
  let i = from;
  const skipBlanks = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  skipBlanks();
  let comma: number | undefined;
  if (text[i] === ',') {
    comma = i;
    i++;
    skipBlanks();
  }
  if (text.startsWith('//', i)) {
    while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  } else if (text.startsWith('/*', i)) {
    const close = text.indexOf('*/', i + 2);
    if (close === -1 || /[\r\n]/.test(text.slice(i, close))) return undefined;
    i = close + 2;
    skipBlanks();
  }
  const eolAt = i;
  if (text.startsWith('\r\n', i)) i += 2;
  else if (text[i] === '\n' || text[i] === '\r') i += 1;
  else if (i < text.length) return undefined;
  return { comma, end: i, eolAt };
}

/** The first comma between `from` and `to` outside comments. */
function commaBetween(text: string, from: number, to: number): number | undefined {
  for (let i = from; i < to; i++) {
    if (text.startsWith('//', i)) {
      while (i < to && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? to : close + 1;
    } else if (text[i] === ',') return i;
  }
  return undefined;
}

function isMultiLine(text: string, node: Node): boolean {
  return /[\r\n]/.test(text.slice(node.offset, node.offset + node.length));
}

/**
 * Edits that add `"key": value` as the last property of `object`. `value(indent)` gives the value's text for a
 * property indented by `indent` (undefined: the object is on one line).
 */
function appendPropertyEdits(text: string, object: Node, key: string, value: (indent: string | undefined) => string, { eol, unit }: Layout): TextEdit[] {
  const children = object.children ?? [];
  const close = object.offset + object.length - 1;
  const last = children.at(-1);
  if (!last) {
    if (!isMultiLine(text, object) && !isMultiLine(text, findRoot(object))) {
      return [{ offset: object.offset, length: object.length, content: `{ ${JSON.stringify(key)}: ${value(undefined)} }` }];
    }
    const outer = indentBefore(text, object.parent?.offset ?? object.offset) ?? '';
    const indent = outer + unit;
    return [{ offset: object.offset, length: object.length, content: `{${eol}${indent}${JSON.stringify(key)}: ${value(indent)}${eol}${outer}}` }];
  }
  const lastEnd = last.offset + last.length;
  const indent = indentBefore(text, last.offset);
  const rest = restOfLine(text, lastEnd);
  if (indent !== undefined && rest && rest.end <= close) {
    // One property per line: a new line after the last one (after its comment), and a comma after it if it has none.
    const property = `${eol}${indent}${JSON.stringify(key)}: ${value(indent)}`;
    if (rest.comma !== undefined) return [{ offset: rest.eolAt, length: 0, content: property }];
    if (rest.eolAt === lastEnd) return [{ offset: lastEnd, length: 0, content: `,${property}` }];
    return [{ offset: lastEnd, length: 0, content: ',' }, { offset: rest.eolAt, length: 0, content: property }];
  }
  if (!isMultiLine(text, object)) {
    return [{ offset: lastEnd, length: 0, content: `, ${JSON.stringify(key)}: ${value(undefined)}` }];
  }
  return modify(text, propertyPath(object, key), JSON.parse(value(undefined)) as unknown, { formattingOptions: { insertSpaces: unit !== '\t', tabSize: unit === '\t' ? 4 : unit.length, eol } });
}

function findRoot(node: Node): Node {
  let n = node;
  while (n.parent) n = n.parent;
  return n;
}

/** The JSON path of property `key` of `object`. */
function propertyPath(object: Node, key: string): (string | number)[] {
  const path: (string | number)[] = [key];
  let node: Node | undefined = object;
  while (node?.parent) {
    const parent: Node = node.parent;
    if (parent.type === 'property') {
      path.unshift(String(parent.children?.[0]?.value));
      node = parent.parent;
    } else if (parent.type === 'array') {
      path.unshift((parent.children ?? []).indexOf(node));
      node = parent;
    } else node = parent;
  }
  return path;
}

/**
 * Edits that declare input `name` as `"name": { "default": "" }` at the end of `inputs`, creating `inputs`
 * when the file has none. Empty when `inputs` is not an object or `name` is already declared.
 */
export function declareInputEdits(text: string, name: string, options: EditOptions = {}): TextEdit[] {
  const root = parse(text);
  if (root?.type !== 'object') return [];
  const lay = layout(text, options);
  const declaration = '{ "default": "" }';
  const inputs = findNodeAtLocation(root, ['inputs']);
  if (inputs) {
    if (inputs.type !== 'object' || findNodeAtLocation(inputs, [name])) return [];
    return appendPropertyEdits(text, inputs, name, () => declaration, lay);
  }
  const inputsValue = (indent: string | undefined) => indent === undefined
    ? `{ ${JSON.stringify(name)}: ${declaration} }`
    : `{${lay.eol}${indent}${lay.unit}${JSON.stringify(name)}: ${declaration}${lay.eol}${indent}}`;
  // Before "messages" when it starts a line, where a reader expects the inputs; else at the end.
  const messages = findNodeAtLocation(root, ['messages'])?.parent;
  const indent = messages ? indentBefore(text, messages.offset) : undefined;
  if (messages && indent !== undefined) {
    return [{ offset: messages.offset, length: 0, content: `"inputs": ${inputsValue(indent)},${lay.eol}${indent}` }];
  }
  return appendPropertyEdits(text, root, 'inputs', inputsValue, lay);
}

/** Edits that remove input `name` from `inputs`, with its line when it has one to itself. */
export function removeInputEdits(text: string, name: string): TextEdit[] {
  const root = parse(text);
  const inputs = root && findNodeAtLocation(root, ['inputs']);
  if (inputs?.type !== 'object') return [];
  const children = inputs.children ?? [];
  const index = children.findIndex((p) => p.children?.[0]?.value === name);
  const property = children[index];
  if (!property) return [];
  const open = inputs.offset + 1;
  const close = inputs.offset + inputs.length - 1;
  const previous = children[index - 1];
  const next = children[index + 1];
  if (!previous && !next) {
    // The only input: what is left is an empty object, unless comments remain in it.
    const leftover = text.slice(open, property.offset) + text.slice(property.offset + property.length, close);
    if (/^[\s,]*$/.test(leftover)) return [{ offset: inputs.offset, length: inputs.length, content: '{}' }];
  }
  const start = lineStartOf(text, property.offset);
  const rest = restOfLine(text, property.offset + property.length);
  if (indentBefore(text, property.offset) !== undefined && rest && rest.end <= close && start > inputs.offset) {
    // On lines of its own: remove them (with the comment after it, which is about it).
    const edits: TextEdit[] = [];
    if (!next && rest.comma === undefined && previous) {
      // The previous property's comma would become a trailing comma.
      const comma = commaBetween(text, previous.offset + previous.length, start);
      if (comma !== undefined) edits.push({ offset: comma, length: 1, content: '' });
    }
    edits.push({ offset: start, length: rest.end - start, content: '' });
    return edits;
  }
  // On one line with others: from it to the next property, or from the previous one to it.
  if (next) return [{ offset: property.offset, length: next.offset - property.offset, content: '' }];
  if (previous) return [{ offset: previous.offset + previous.length, length: property.offset + property.length - previous.offset - previous.length, content: '' }];
  return [{ offset: property.offset, length: property.length, content: '' }];
}

/** An edit that replaces the document characters [start, end) with `content`. */
export function replaceRangeEdit(start: number, end: number, content: string): TextEdit {
  return { offset: start, length: end - start, content };
}

/** An edit that replaces the JSON literal at [start, end) with the string `value`, quoted and escaped. */
export function replaceStringEdit(start: number, end: number, value: string): TextEdit {
  return replaceRangeEdit(start, end, JSON.stringify(value));
}

/** `text` with `edits` applied (they must not overlap; inserts at one offset go in their order). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  const order = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.offset - a.e.offset || b.i - a.i);
  for (const { e } of order) out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  return out;
}

/**
 * Edits that set property `key` of the object at `path` (keys from the root) to `value`, written as pretty JSON at
 * the indentation of its neighbours: a new property is appended as declareInputEdits does (only its own lines are
 * added, comments and the other properties stay as written), objects missing on `path` are created around it, and
 * an existing `key` has its value replaced. Empty when the root, or a value on `path`, is not an object.
 */
export function setPropertyEdits(text: string, path: readonly string[], key: string, value: unknown, options: EditOptions = {}): TextEdit[] {
  const root = parse(text);
  if (root?.type !== 'object') return [];
  const lay = layout(text, options);
  const pretty = (v: unknown, indent: string | undefined) =>
    indent === undefined ? JSON.stringify(v) : JSON.stringify(v, null, lay.unit).split('\n').join(lay.eol + indent);
  let object = root;
  let depth = 0;
  for (; depth < path.length; depth++) {
    const next = findNodeAtLocation(object, [path[depth]!]);
    if (!next) break;
    if (next.type !== 'object') return [];
    object = next;
  }
  if (depth === path.length) {
    const existing = findNodeAtLocation(object, [key]);
    if (existing?.parent) return [{ offset: existing.offset, length: existing.length, content: pretty(value, indentBefore(text, existing.parent.offset)) }];
  }
  // The part of the path that is missing, wrapped around the value.
  const missing = [...path.slice(depth), key];
  let nested: unknown = value;
  for (let i = missing.length - 1; i >= 1; i--) nested = { [missing[i]!]: nested };
  return appendPropertyEdits(text, object, missing[0]!, (indent) => pretty(nested, indent), lay);
}
