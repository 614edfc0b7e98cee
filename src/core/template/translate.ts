/**
 * Translating templates between GitHub Models' rules (`.prompt.yml`: `{{name}}` replaced, anything else as written;
 * see ./githubTemplate.ts) and Nunjucks (`.prompt.json`), keeping what they render.
 *
 * GitHub → Nunjucks: `{{name}}` becomes `{{ name }}` when `name` is a Nunjucks variable name; every other piece of
 * text that Nunjucks would read as syntax (`{{`, `{%`, `{#`, a `{` right before a placeholder) is wrapped in
 * `{% raw %}…{% endraw %}`, so it still renders as written. A placeholder whose name is not a Nunjucks variable name
 * (`{{user-name}}`) cannot be a Nunjucks variable: it is kept as text and reported.
 *
 * Nunjucks → GitHub: possible when the template only outputs text, variables (`{{ name }}`, whitespace control
 * included) and literals, and its raw blocks hold nothing GitHub would replace. Anything else (filters, tags,
 * attribute access, expressions) has no GitHub equivalent and is reported at its position.
 */
import { lineStarts } from '../format/jsonString';
import { analyzeGithubTemplate } from './githubTemplate';
import { parseTemplateTree, type NjNode } from './templateAnalysis';

/** A part of a template that cannot be translated, at its index in the template. */
export interface TranslationProblem {
  message: string;
  index: number;
}

/** A Nunjucks variable name (and so a JavaScript identifier Nunjucks' lexer reads as a symbol). */
const NUNJUCKS_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Words Nunjucks reads as literals or operators, never as variables. */
const NUNJUCKS_WORDS = new Set(['true', 'false', 'none', 'null', 'True', 'False', 'None', 'and', 'or', 'not', 'in', 'is', 'if', 'else']);

/** Whether `name` can be a Nunjucks variable. */
export function isNunjucksName(name: string): boolean {
  return NUNJUCKS_NAME.test(name) && !NUNJUCKS_WORDS.has(name);
}

function raw(text: string): string {
  if (text === '') return '';
  const needsRaw = /\{[{%#]/.test(text) || text.endsWith('{');
  return needsRaw ? `{% raw %}${text}{% endraw %}` : text;
}

/**
 * A GitHub template as a Nunjucks template that renders the same text for values that give every placeholder a
 * value. `names` lists the placeholders that became Nunjucks variables, in order of first use.
 */
export function githubToNunjucks(template: string): { template: string; names: string[]; problems: TranslationProblem[] } {
  const { uses } = analyzeGithubTemplate(template);
  const names: string[] = [];
  const problems: TranslationProblem[] = [];
  let out = '';
  let text = '';
  let last = 0;
  for (const use of uses) {
    const start = use.start - 2;
    text += template.slice(last, start);
    last = use.start + use.name.length + 2;
    if (!isNunjucksName(use.name)) {
      problems.push({ index: use.start, message: `"{{${use.name}}}" cannot become a Nunjucks variable ("${use.name}" is not a variable name); it is kept as text and no longer replaced.` });
      text += template.slice(start, last);
      continue;
    }
    if (raw(text).startsWith('{% raw %}') && text.includes('{% endraw %}')) problems.push({ index: start, message: 'The text holds "{% endraw %}", which a Nunjucks raw block cannot hold; it will not render as written.' });
    out += `${raw(text)}{{ ${use.name} }}`;
    text = '';
    if (!names.includes(use.name)) names.push(use.name);
  }
  text += template.slice(last);
  out += raw(text);
  return { template: out, names, problems };
}

function isNode(value: unknown): value is NjNode {
  return typeof value === 'object' && value !== null && typeof (value as NjNode).typename === 'string';
}

/**
 * A Nunjucks template as a GitHub template that renders the same, or undefined with the reasons when it cannot be.
 * `known` are the names that have values (inputs, test data keys): literal text such as a raw block's `{{name}}`
 * for one of them would be replaced by GitHub, so it is reported.
 */
export function nunjucksToGithub(template: string, known: ReadonlySet<string> = new Set()): { template: string | undefined; names: string[]; problems: TranslationProblem[] } {
  const problems: TranslationProblem[] = [];
  const names: string[] = [];
  let root: NjNode;
  try {
    root = parseTemplateTree(template);
  } catch (err) {
    const e = err as { lineno?: number; colno?: number; message?: string };
    const starts = lineStarts(template);
    const index = typeof e.lineno === 'number' ? (starts[e.lineno - 1] ?? 0) + Math.max(0, (e.colno ?? 1) - 1) : 0;
    return { template: undefined, names, problems: [{ index, message: `The template does not parse as Nunjucks: ${String(e.message ?? err).split('\n').pop()?.trim()}` }] };
  }
  const starts = lineStarts(template);
  const at = (node: NjNode) => Math.min(template.length, (starts[node.lineno] ?? 0) + node.colno);
  let out = '';
  for (const child of (root.children as unknown[]) ?? []) {
    if (!isNode(child)) continue;
    if (child.typename !== 'Output') {
      problems.push({ index: at(child), message: `A Nunjucks ${describe(child)} has no equivalent in a .prompt.yml, whose templates only replace {{name}}.` });
      continue;
    }
    for (const part of (child.children as unknown[]) ?? []) {
      if (!isNode(part)) continue;
      if (part.typename === 'TemplateData') {
        const data = String(part.value ?? '');
        for (const use of analyzeGithubTemplate(data).uses) {
          if (known.has(use.name)) problems.push({ index: at(part) + use.start, message: `The text "{{${use.name}}}" (written as text in Nunjucks) would be replaced by GitHub, which uses {{name}} for values.` });
        }
        out += data;
      } else if (part.typename === 'Symbol') {
        const name = String(part.value);
        out += `{{${name}}}`;
        if (!names.includes(name)) names.push(name);
      } else if (part.typename === 'Literal' && part.value !== null && part.value !== undefined && typeof part.value !== 'object') {
        out += String(part.value);
      } else {
        problems.push({ index: at(part), message: `A Nunjucks ${describe(part)} has no equivalent in a .prompt.yml, whose templates only replace {{name}}.` });
      }
    }
  }
  return { template: problems.length ? undefined : out, names, problems };
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  If: 'if tag', InlineIf: 'inline if', For: 'for loop', Set: 'set tag', Macro: 'macro', Filter: 'filter', FilterAsync: 'filter', LookupVal: 'attribute or index access',
  FunCall: 'function call', Compare: 'comparison', Is: 'test', Add: 'arithmetic expression', Sub: 'arithmetic expression', Mul: 'arithmetic expression',
  Div: 'arithmetic expression', Concat: 'concatenation (~)', Or: 'boolean expression', And: 'boolean expression', Not: 'boolean expression', Call: 'call block',
  Import: 'import', FromImport: 'import', Include: 'include', Extends: 'extends', Block: 'block', Group: 'expression', Array: 'list', Dict: 'dictionary',
};

function describe(node: NjNode): string {
  return DESCRIPTIONS[node.typename] ?? `${node.typename} construct`;
}
