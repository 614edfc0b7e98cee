/**
 * GitHub Models' template rules for `.prompt.yml` files, which are not Nunjucks': `{{name}}` is replaced by the
 * value of `name` and anything else stays as written, an unknown name included.
 *
 * The rules, read from github/gh-models (ideas only, no code): `pkg/prompt/prompt.go` (`TemplateString`) replaces,
 * for each key of the data, every `{{` + key + `}}` with the value, a string as it is and any other value through
 * Go's `fmt` `%v`; `cmd/eval/eval.go` templates each message with a test data row, string evaluators' expected
 * texts with the row, and LLM evaluator prompts with the row plus `completion`. So `{{ name }}` (with spaces),
 * filters, `{% tags %}` and `{# comments #}` are plain text there, sent to the model as written.
 *
 * One difference, on purpose: gh-models replaces key after key in Go's random map order, so a value that itself
 * holds `{{other}}` may or may not be replaced again; here every placeholder is replaced in one pass over the
 * template and a value is never scanned, which is the deterministic reading of the same rule.
 */
import type { TemplateAnalysis, VariableUse } from './templateAnalysis';

/** Something in a GitHub template that looks like a template construct but is sent as written. */
export interface LiteralConstruct {
  /** The construct's text, e.g. `{{ name }}` or `{% if x %}`. */
  text: string;
  start: number;
  end: number;
  /** `spaced`: `{{ name }}` with spaces or an expression inside; `tag`: a `{% %}` tag; `comment`: `{# #}`. */
  kind: 'spaced' | 'tag' | 'comment';
}

/** What a GitHub template uses: its `{{name}}` placeholders and the constructs GitHub leaves as written. */
export interface GithubTemplateAnalysis extends TemplateAnalysis {
  literal: LiteralConstruct[];
}

/** Whether `inner` (the text between `{{` and `}}`) is a name GitHub would look up: no braces, no surrounding space. */
function isName(inner: string): boolean {
  return inner.length > 0 && !/[{}]/.test(inner) && inner.trim() === inner && !/[\r\n]/.test(inner);
}

/**
 * The placeholders of `template` (`uses`, at the first character of the name, `path` always empty: `{{a.b}}` is a
 * use of the name `a.b`) and the constructs left as written. Never throws; a GitHub template has no syntax errors.
 */
export function analyzeGithubTemplate(template: string): GithubTemplateAnalysis {
  const uses: VariableUse[] = [];
  const literal: LiteralConstruct[] = [];
  let p = template.indexOf('{');
  while (p !== -1 && p < template.length - 1) {
    const next = template[p + 1];
    if (next === '{') {
      const q = template.indexOf('}}', p + 2);
      if (q === -1) break;
      const inner = template.slice(p + 2, q);
      if (isName(inner)) {
        uses.push({ name: inner, start: p + 2, path: [] });
        p = template.indexOf('{', q + 2);
        continue;
      }
      if (!inner.includes('{') && inner.trim() !== '') {
        literal.push({ text: template.slice(p, q + 2), start: p, end: q + 2, kind: 'spaced' });
        p = template.indexOf('{', q + 2);
        continue;
      }
    } else if (next === '%' || next === '#') {
      const close = template.indexOf(`${next}}`, p + 2);
      if (close !== -1) {
        literal.push({ text: template.slice(p, close + 2), start: p, end: close + 2, kind: next === '%' ? 'tag' : 'comment' });
        p = template.indexOf('{', close + 2);
        continue;
      }
    }
    p = template.indexOf('{', p + 1);
  }
  return { uses, filters: [], literal };
}

/**
 * A value as Go's `fmt` prints it with `%v`, which is how gh-models puts a value that is not a string into a
 * template: numbers, `true`/`false`, `<nil>` for null, `[a b]` for a list, `map[k:v]` for a mapping (keys sorted, as
 * `fmt` sorts map keys). A number prints as JavaScript prints it, which is Go's output for whole numbers and for
 * ordinary decimals (Go writes 1e+06 where JavaScript writes 1000000 for a float that large).
 */
export function formatGoValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${k}:${formatGoValue((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/**
 * Render `template` by GitHub's rules: each `{{key}}` whose key is in `values` is replaced by the value (see
 * {@link formatGoValue}); everything else stays as written. Never throws.
 */
export function renderGithubTemplate(template: string, values: Readonly<Record<string, unknown>>): string {
  let out = '';
  let last = 0;
  let p = template.indexOf('{{');
  while (p !== -1) {
    const q = template.indexOf('}}', p + 2);
    if (q === -1) break;
    const key = template.slice(p + 2, q);
    if (Object.prototype.hasOwnProperty.call(values, key)) {
      out += template.slice(last, p) + formatGoValue(values[key]);
      last = q + 2;
      p = template.indexOf('{{', last);
    } else {
      p = template.indexOf('{{', p + 1);
    }
  }
  return out + template.slice(last);
}
