/**
 * Static analysis of one Nunjucks template, from its parse tree (never by regex, never by rendering):
 * which variables it reads (with their positions), which names it defines itself (loop variables,
 * `{% set %}` targets, macros and their parameters), which filters it calls, and its syntax error if any, or what
 * of it Prompt Lab refuses to render (./policy.ts), reported the same way.
 * Positions are indices into the template string (UTF-16 code units).
 */
import * as nunjucks from 'nunjucks';
import { lineStarts } from '../format/jsonString';
import { lex } from './templateLexer';
import { checkTemplateTree } from './policy';

/** A variable read by the template; `path` is the attribute path after it (`user.name` → ["name"]). */
export interface VariableUse {
  name: string;
  /** Index of the variable's first character in the template. */
  start: number;
  path: string[];
}

/** A filter call, at its name. */
export interface FilterUse {
  name: string;
  start: number;
}

/** The syntax error of a template, at the failing token (or the unclosed tag for errors at the end). */
export interface TemplateSyntaxError {
  message: string;
  start: number;
  end: number;
}

/** What a template uses. `uses` holds only names the template does not define itself. */
export interface TemplateAnalysis {
  uses: VariableUse[];
  filters: FilterUse[];
  error?: TemplateSyntaxError;
}

/** Names every template can use: Nunjucks' globals. */
export const TEMPLATE_GLOBALS: ReadonlySet<string> = new Set(['range', 'cycler', 'joiner']);

/** A node of Nunjucks' parse tree: `typename`, 0-based `lineno` and `colno`, and its fields. */
export interface NjNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  value?: unknown;
  [field: string]: unknown;
}

const { nodes } = nunjucks as unknown as { nodes: { Node: new () => NjNode; NodeList: new () => unknown } };
const { Parser } = (nunjucks as unknown as { parser: { Parser: new (tokens: unknown) => { extensions: unknown[]; parseAsRoot(): NjNode } } }).parser;

/**
 * Nunjucks' parser over the bulk tokenizer: the same tree as `nunjucks.parser.parse(source, [], {})`.
 * @throws Nunjucks' template error for a template that does not parse.
 */
export function parseTemplateTree(source: string): NjNode {
  return parse(source);
}

function parse(source: string): NjNode {
  const parser = new Parser(lex(source));
  parser.extensions = [];
  return parser.parseAsRoot();
}

function isNode(value: unknown): value is NjNode {
  return value instanceof nodes.Node;
}

function isNodeList(node: NjNode): boolean {
  return node instanceof nodes.NodeList;
}

/**
 * Lexical scopes: names a block defines are visible in it and in its children. Loop variables, macro parameters
 * and imports are visible from where they are defined; `{% set %}` targets and macro names are visible in their
 * whole scope (the template, a loop body or a macro body), before the tag too, as in other branches.
 */
class Scope {
  private readonly names = new Set<string>();
  private readonly sets = new Set<string>();
  constructor(private readonly parent?: Scope) {}
  define(name: string): void {
    this.names.add(name);
  }
  /** A `{% set %}` target or macro name: visible in the whole scope. */
  hoist(name: string): void {
    this.sets.add(name);
  }
  has(name: string): boolean {
    return this.names.has(name) || this.sets.has(name) || (this.parent?.has(name) ?? false);
  }
  hoisted(name: string): boolean {
    return this.sets.has(name) || (this.parent?.hoisted(name) ?? false);
  }
  child(): Scope {
    return new Scope(this);
  }
}

/**
 * One walk over the tree. A name not defined where it is read may still be set later in its scope, so it is
 * kept with its scope and judged when the walk is over.
 */
class Analyzer {
  readonly filters: FilterUse[] = [];
  private readonly reads: { use: VariableUse; scope: Scope }[] = [];
  private readonly starts: number[];

  constructor(source: string) {
    this.starts = lineStarts(source);
  }

  private index(node: NjNode): number {
    return (this.starts[node.lineno] ?? 0) + node.colno;
  }

  /** Names a target expression defines (`x`, `x, y`, `[a, b]`); `hoisted` for set targets and macro names. */
  private defineTargets(target: unknown, scope: Scope | undefined, hoisted = false): void {
    if (!scope || !isNode(target)) return;
    if (target.typename === 'Symbol') {
      if (hoisted) scope.hoist(String(target.value));
      else scope.define(String(target.value));
    } else if (target.typename === 'Array' || target.typename === 'NodeList') {
      for (const child of (target.children as unknown[]) ?? []) this.defineTargets(child, scope, hoisted);
    }
  }

  /**
   * Walks `node` in `scope`. `sets` is the scope `{% set %}` and macro names go to: the template's, a loop
   * body's or a macro body's (none in a loop's `{% else %}`, whose sets Nunjucks keeps to that branch).
   */
  walk(node: unknown, scope: Scope, sets: Scope | undefined): void {
    if (!isNode(node)) return;
    switch (node.typename) {
      case 'Symbol': {
        const name = String(node.value);
        if (!scope.has(name) && !TEMPLATE_GLOBALS.has(name)) this.reads.push({ use: { name, start: this.index(node), path: [] }, scope });
        return;
      }
      case 'LookupVal': {
        // user.name.first → a use of `user` with path ["name", "first"]
        const path: string[] = [];
        let target: unknown = node;
        while (isNode(target) && target.typename === 'LookupVal') {
          const val = target.val;
          if (isNode(val) && val.typename === 'Literal' && typeof val.value === 'string') path.unshift(val.value);
          else {
            path.length = 0;
            this.walk(val, scope, sets);
          }
          target = target.target;
        }
        const before = this.reads.length;
        this.walk(target, scope, sets);
        const root = this.reads[before];
        if (root && this.reads.length === before + 1 && isNode(target) && target.typename === 'Symbol') root.use.path = path;
        return;
      }
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll': {
        this.walk(node.arr, scope, sets);
        const inner = scope.child();
        this.defineTargets(node.name, inner);
        inner.define('loop');
        this.walk(node.body, inner, inner);
        this.walk(node.else_, scope, undefined);
        return;
      }
      case 'Set': {
        for (const target of (node.targets as unknown[]) ?? []) this.defineTargets(target, sets, true);
        this.walk(node.value, scope, sets);
        this.walk(node.body, scope, sets);
        return;
      }
      case 'Macro':
      case 'Caller': {
        if (node.typename === 'Macro') this.defineTargets(node.name, sets, true);
        const inner = scope.child();
        const args = node.args as NjNode | undefined;
        for (const arg of (args?.children as unknown[]) ?? []) {
          if (isNode(arg) && arg.typename === 'KeywordArgs') {
            for (const pair of (arg.children as NjNode[]) ?? []) {
              this.defineTargets(pair.key, inner);
              this.walk(pair.value, scope, sets);
            }
          } else this.defineTargets(arg, inner);
        }
        inner.define('caller');
        // A macro's body is a scope of its own; a caller's body sets names in the enclosing scope.
        this.walk(node.body, inner, node.typename === 'Macro' ? inner : sets);
        return;
      }
      case 'KeywordArgs': {
        // name=value in a call: the name is not a variable
        for (const pair of (node.children as NjNode[]) ?? []) this.walk(pair.value, scope, sets);
        return;
      }
      case 'Filter':
      case 'FilterAsync': {
        const name = node.name as NjNode | undefined;
        if (name) this.filters.push({ name: String(name.value), start: this.index(name) });
        this.walk(node.args, scope, sets);
        return;
      }
      case 'Is': {
        // `x is defined`: the right side names a test, not a variable
        this.walk(node.left, scope, sets);
        const right = node.right as NjNode | undefined;
        if (right && right.typename !== 'Symbol') this.walk(right, scope, sets);
        return;
      }
      case 'FunCall': {
        this.walk(node.name, scope, sets);
        this.walk(node.args, scope, sets);
        return;
      }
      default:
        // NodeList and its kin (Root, Output, Array, Dict…) have one field, `children`; their `fields` getter
        // makes a new array on every read.
        if (isNodeList(node)) {
          for (const c of node.children as unknown[]) this.walk(c, scope, sets);
          return;
        }
        for (const field of node.fields) {
          const v = node[field];
          if (Array.isArray(v)) for (const c of v) this.walk(c, scope, sets);
          else this.walk(v, scope, sets);
        }
    }
  }

  /** The variables `root` reads that it does not define. */
  run(root: NjNode): VariableUse[] {
    const scope = new Scope();
    this.walk(root, scope, scope);
    return this.reads.filter((r) => !r.scope.hoisted(r.use.name)).map((r) => r.use);
  }
}

const BLOCK_TAGS: Readonly<Record<string, string>> = {
  if: 'endif', for: 'endfor', macro: 'endmacro', call: 'endcall', filter: 'endfilter', raw: 'endraw', verbatim: 'endverbatim', block: 'endblock',
};

/**
 * For an error at the end of the template: the opening tag left open ({{, {%, or a block tag without its end tag).
 * Exported for tests.
 */
export function unclosedOpening(source: string): { start: number; end: number } | undefined {
  type Open = { tag: string; start: number; end: number; depth: number };
  const stack: Open[] = [];
  // The open tags by the end tag that closes them, so an end tag finds its opener without scanning the stack
  // (entries above a closed tag stay in these lists until they are reached, and are skipped then).
  const byCloser = new Map<string, Open[]>();
  const re = /\{\{|\{%-?\s*(\w+)?|\{#/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    const opener = m[0].slice(0, 2);
    const close = opener === '{{' ? '}}' : opener === '{%' ? '%}' : '#}';
    const closeAt = source.indexOf(close, re.lastIndex);
    if (closeAt === -1) return { start: m.index, end: Math.min(source.length, m.index + m[0].length) };
    const tag = m[1];
    if (opener === '{%' && tag) {
      const setBlock = tag === 'set' && !source.slice(re.lastIndex, closeAt).includes('=');
      if (BLOCK_TAGS[tag] || setBlock) {
        const open: Open = { tag, start: m.index, end: closeAt + 2, depth: stack.length };
        stack.push(open);
        const closer = BLOCK_TAGS[tag] ?? 'endset';
        const list = byCloser.get(closer);
        if (list) list.push(open);
        else byCloser.set(closer, [open]);
      } else if (tag.startsWith('end')) {
        const candidates = byCloser.get(tag) ?? [];
        let open = candidates.pop();
        while (open && stack[open.depth] !== open) open = candidates.pop();
        if (open) stack.length = open.depth;
      }
    }
    re.lastIndex = closeAt + 2;
  }
  const open = stack.at(-1);
  return open ? { start: open.start, end: open.end } : undefined;
}

function toSyntaxError(err: unknown, source: string): TemplateSyntaxError {
  const e = err as { message?: string; lineno?: number; colno?: number };
  // A stack overflow in Nunjucks' recursive parser: thousands of nested tags or brackets.
  if (err instanceof RangeError) return { message: 'the template is nested too deeply to check', start: 0, end: Math.min(source.length, 2) };
  const message = String(e?.message ?? err).replace(/^\(.*?\)\s*(\[Line \d+, Column \d+\])?\s*/s, '').trim();
  if (typeof e?.lineno === 'number' && typeof e?.colno === 'number') {
    const starts = lineStarts(source);
    // Parser errors count lines and columns from 1.
    const start = Math.min(source.length, (starts[e.lineno - 1] ?? 0) + e.colno - 1);
    const word = /^[\w.]+|^\S/.exec(source.slice(start));
    return { message, start, end: Math.min(source.length, start + (word ? word[0].length : 1)) };
  }
  const open = unclosedOpening(source);
  if (open) return { message, ...open };
  return { message, start: Math.max(0, source.length - 1), end: source.length };
}

/**
 * A copy of `text` that shares no memory with the string it came from. V8 keeps a substring of 13 or more
 * characters as a view into its parent, so a template read out of a 1 MB document, and every name sliced from
 * it, would keep that whole version of the document alive for as long as the analysis lives (analyses are reused
 * across edits). Concatenating makes a new string that slicing flattens into fresh memory.
 */
function detached(text: string): string {
  return ` ${text}`.slice(1);
}

/** A policy refusal at a node (line and column from 0): the span of the token there (a whole string literal). */
function violationError(message: string, source: string, lineno: number, colno: number): TemplateSyntaxError {
  const start = Math.min(source.length, (lineStarts(source)[lineno] ?? 0) + colno);
  const quote = source[start];
  let end = start + 1;
  if (quote === '"' || quote === "'") {
    while (end < source.length && source[end] !== quote) end += source[end] === '\\' ? 2 : 1;
    end = Math.min(source.length, end + 1);
  } else {
    const word = /^[^\s(){}[\],|%.=~+*/<>!:-]+/.exec(source.slice(start));
    end = Math.min(source.length, start + (word ? word[0].length : 1));
  }
  return { message, start, end };
}

/**
 * Analyse one template. Never throws; a syntax error comes back in `error`. The result holds no reference to
 * `source`'s memory (names and messages come from a private copy).
 */
export function analyzeTemplate(template: string): TemplateAnalysis {
  const source = detached(template);
  let root: NjNode;
  try {
    root = parse(source);
  } catch (err) {
    return { uses: [], filters: [], error: toSyntaxError(err, source) };
  }
  const violation = checkTemplateTree(root);
  if (violation) return { uses: [], filters: [], error: violationError(violation.message, source, violation.lineno, violation.colno) };
  const analyzer = new Analyzer(source);
  try {
    const uses = analyzer.run(root);
    return { uses, filters: analyzer.filters };
  } catch (err) {
    return { uses: [], filters: [], error: { message: `Could not analyse the template: ${String((err as Error)?.message ?? err)}`, start: 0, end: 0 } };
  }
}

/** The tests (`x is defined`) a template may use: Nunjucks' built-in tests as registered in an environment. */
export function knownTests(env: nunjucks.Environment): ReadonlySet<string> {
  return new Set(Object.keys((env as unknown as { tests: Record<string, unknown> }).tests));
}

/** The filters a template may call: Nunjucks' built-in filters as registered in an environment. */
export function knownFilters(env: nunjucks.Environment): ReadonlySet<string> {
  return new Set(Object.keys((env as unknown as { filters: Record<string, unknown> }).filters));
}
