/**
 * What a Prompt Lab template may contain, checked on the Nunjucks parse tree before anything is compiled.
 *
 * Nunjucks compiles a template to JavaScript source and runs it with `new Function`. Its compiler
 * (node_modules/nunjucks/src/compiler.js, 3.2.4) escapes string literals, but pastes several names into the
 * generated source as they were parsed: the target of `{% set %}` (`frame.set("<name>", …)`), a macro's name and
 * parameters (`function (l_<name>, kwargs)`), a test name after `is` (`env.getTest("<name>")`), a filter name
 * (`env.getFilter("<name>")`), a loop variable, every variable read (`contextOrFrameLookup(…, "<name>")`), and a
 * called name (`_getNodeName`, which escapes quotes but not backslashes). The parser accepts some of these as
 * string literals (`{% set "x" = 1 %}`, `{% macro "m"() %}`, `x is "t"`) and its tokenizer lets a symbol hold
 * quotes and backslashes (`foo\`), so a template could close the string and run code in the extension host; and
 * Nunjucks' `Frame.set` splits a `{% set %}` target on dots, so `{% set "a.__proto__.x" = 1 %}` wrote to
 * `Object.prototype`.
 *
 * So the check is an allowlist, not a list of known payloads: every node must be of a type Prompt Lab renders
 * (synchronous output, expressions, `if`, `for`, `set`, `macro`, `call`, `filter` blocks, `switch`, `raw`), and
 * every name in every position is a plain identifier that is not a reserved JavaScript property name. Includes,
 * imports, `extends`, blocks, async tags, extensions and regular expression literals are refused. The renderer compiles exactly the tree that passed (see template.ts).
 */

/** A node of Nunjucks' parse tree (node_modules/nunjucks/src/nodes.js); `lineno` and `colno` count from 0. */
export interface NunjucksNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: readonly string[];
  value?: unknown;
  children?: unknown[];
  [field: string]: unknown;
}

/** Why a template is refused, at the offending node (`lineno`, `colno` from 0, as Nunjucks' nodes count). */
export interface PolicyViolation {
  message: string;
  lineno: number;
  colno: number;
}

/** The node types Prompt Lab renders. Everything else (Include, Import, FromImport, Extends, Block, Super, the
 * async variants, CallExtension, TemplateRef) is refused. */
const ALLOWED_NODES: ReadonlySet<string> = new Set([
  'Root', 'NodeList', 'Output', 'TemplateData', 'Literal', 'Symbol', 'Group', 'Array', 'Dict', 'Pair', 'LookupVal',
  'FunCall', 'Filter', 'KeywordArgs', 'If', 'InlineIf', 'For', 'Set', 'Capture', 'Macro', 'Caller', 'Switch', 'Case',
  'In', 'Is', 'Or', 'And', 'Not', 'Add', 'Concat', 'Sub', 'Mul', 'Div', 'FloorDiv', 'Mod', 'Pow', 'Neg', 'Pos',
  'Compare', 'CompareOperand',
]);

/** What a tag that Prompt Lab refuses is called in the message. */
const REFUSED_TAGS: Readonly<Record<string, string>> = {
  Include: '{% include %}', Import: '{% import %}', FromImport: '{% from … import %}', Extends: '{% extends %}',
  Block: '{% block %}', Super: 'super()', CallExtension: 'an extension tag', CallExtensionAsync: 'an extension tag',
  IfAsync: '{% ifAsync %}', AsyncEach: '{% asyncEach %}', AsyncAll: '{% asyncAll %}', FilterAsync: 'an async filter',
};

/**
 * A plain identifier: a letter or `_`, then letters, digits or `_` (Unicode ID_Start / ID_Continue, so no quote,
 * backslash, `$`, dot or line break can be part of one).
 */
const IDENTIFIER = /^[_\p{ID_Start}]\p{ID_Continue}*$/u;

/** Names that lead from data to prototypes and constructors: never a variable, target, key or parameter. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** True when `name` may be used as a name in a template. */
export function isPlainName(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER.test(name) && !RESERVED_NAMES.has(name);
}

function describe(name: unknown): string {
  const text = String(name);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

class Refusal extends Error {
  constructor(readonly violation: PolicyViolation) {
    super(violation.message);
  }
}

function isNode(value: unknown): value is NunjucksNode {
  return typeof value === 'object' && value !== null && typeof (value as { typename?: unknown }).typename === 'string'
    && Array.isArray((value as { fields?: unknown }).fields);
}

/**
 * Checks a parse tree against what Prompt Lab renders. Returns the first violation in document order, or undefined
 * when the whole tree may be compiled. Never throws (a tree too deep to walk is a violation). Whether a filter or a
 * test exists is not its concern: an unknown one fails when it is reached, as in Nunjucks, and the analysis reports
 * unknown filters with a suggestion.
 */
export function checkTemplateTree(root: unknown): PolicyViolation | undefined {
  const refuse = (node: NunjucksNode, message: string): never => {
    throw new Refusal({ message, lineno: node.lineno, colno: node.colno });
  };
  /** `node` must be a Symbol holding a plain name; `role` says where, for the message. */
  const name = (node: unknown, role: string, at: NunjucksNode): string => {
    if (!isNode(node)) return refuse(at, `${role} must be a plain name.`);
    if (node.typename !== 'Symbol') return refuse(node, `${role} must be a plain name such as total, not ${node.typename === 'Literal' ? `the string ${describe(node.value)}` : 'an expression'}.`);
    if (!isPlainName(node.value)) return refuse(node, badName(node.value, role));
    return node.value;
  };
  const badName = (value: unknown, role: string): string => RESERVED_NAMES.has(String(value))
    ? `${describe(value)} is a reserved name and cannot be used as ${role.toLowerCase()}.`
    : `${describe(value)} is not a plain name (letters, digits and _): ${role.toLowerCase()} cannot be used here.`;

  /**
   * A called name: Nunjucks pastes it into the generated code for its error messages (`_getNodeName`: symbols,
   * string literals and member names, through lookups and calls), escaping quotes but not backslashes or line
   * breaks, so every string along the way must be a plain name.
   */
  const calledName = (node: unknown): void => {
    if (!isNode(node)) return;
    if (node.typename === 'LookupVal') {
      calledName(node.target);
      calledName(node.val);
    } else if (node.typename === 'FunCall') calledName(node.name);
    else if (node.typename === 'Literal' && typeof node.value === 'string' && !isPlainName(node.value)) {
      refuse(node, `A called name may only use plain names: ${describe(node.value)} cannot be called.`);
    }
  };

  /** Macro and caller parameters: plain names, and keyword parameters' names too. */
  const parameters = (args: unknown, at: NunjucksNode): void => {
    if (!isNode(args)) return;
    for (const arg of args.children ?? []) {
      if (isNode(arg) && (arg.typename === 'KeywordArgs' || arg.typename === 'Dict')) {
        for (const pair of arg.children ?? []) if (isNode(pair)) name(pair.key, 'A macro parameter', pair);
      } else name(arg, 'A macro parameter', at);
    }
  };

  const visit = (value: unknown, parent: NunjucksNode): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, parent);
      return;
    }
    if (value === null || value === undefined || typeof value !== 'object') return;
    if (!isNode(value)) refuse(parent, 'The template holds something Prompt Lab cannot check.');
    const node = value as NunjucksNode;
    if (!ALLOWED_NODES.has(node.typename)) {
      const tag = REFUSED_TAGS[node.typename];
      refuse(node, tag
        ? `${tag} is not supported: a prompt template cannot read other files or run asynchronous code.`
        : `"${node.typename}" is not supported in a prompt template.`);
    }
    switch (node.typename) {
      case 'Symbol':
        if (!isPlainName(node.value)) refuse(node, badName(node.value, 'A variable'));
        return;
      case 'Literal':
      case 'TemplateData': {
        const v = node.value;
        if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
          refuse(node, v instanceof RegExp ? 'Regular expression literals (r/…/) are not supported in a prompt template.' : 'This literal is not supported in a prompt template.');
        }
        return;
      }
      case 'Pair': {
        const key = node.key;
        if (isNode(key) && key.typename === 'Literal' && typeof key.value === 'string') {
          if (RESERVED_NAMES.has(key.value)) refuse(key, `${describe(key.value)} is a reserved name and cannot be a key.`);
        } else if (isNode(key) && key.typename === 'Symbol') name(key, 'A key', node);
        else refuse(isNode(key) ? key : node, 'A key must be a name or a string.');
        visit(node.value, node);
        return;
      }
      case 'Set':
        for (const target of (node.targets as unknown[]) ?? []) name(target, 'The target of {% set %}', node);
        visit(node.value, node);
        visit(node.body, node);
        return;
      case 'For': {
        const loopName = node.name;
        if (isNode(loopName) && loopName.typename === 'Array') {
          for (const child of loopName.children ?? []) name(child, 'A loop variable', loopName);
        } else name(loopName, 'A loop variable', node);
        visit(node.arr, node);
        visit(node.body, node);
        visit(node.else_, node);
        return;
      }
      case 'Macro':
      case 'Caller':
        if (node.typename === 'Macro') name(node.name, 'The name of a macro', node);
        parameters(node.args, node);
        // Keyword parameters' default values are expressions.
        for (const arg of (isNode(node.args) ? node.args.children : undefined) ?? []) {
          if (isNode(arg) && (arg.typename === 'KeywordArgs' || arg.typename === 'Dict')) {
            for (const pair of arg.children ?? []) if (isNode(pair)) visit(pair.value, pair);
          }
        }
        visit(node.body, node);
        return;
      case 'Filter': {
        name(node.name, 'A filter name', node);
        visit(node.args, node);
        return;
      }
      case 'Is': {
        visit(node.left, node);
        const right = node.right;
        const test = isNode(right) && right.typename === 'FunCall' ? right.name : right;
        // `x is none` reaches Nunjucks' test "null" (the literal's value): keep that one literal.
        if (!(isNode(test) && test.typename === 'Literal' && test.value === null)) name(test, 'A test name after "is"', node);
        if (isNode(right) && right.typename === 'FunCall') visit(right.args, right);
        return;
      }
      case 'FunCall':
        calledName(node.name);
        visit(node.name, node);
        visit(node.args, node);
        return;
      case 'CompareOperand':
        visit(node.expr, node);
        return;
      default:
        for (const field of node.fields) visit(node[field], node);
    }
  };

  try {
    if (!isNode(root)) return { message: 'The template could not be parsed.', lineno: 0, colno: 0 };
    visit(root, root);
    return undefined;
  } catch (err) {
    if (err instanceof Refusal) return err.violation;
    if (err instanceof RangeError) return { message: 'The template is nested too deeply to check.', lineno: 0, colno: 0 };
    throw err;
  }
}
