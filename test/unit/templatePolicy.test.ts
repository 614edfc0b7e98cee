/**
 * The template policy (src/core/template/policy.ts) attacked as a prompt file from someone else's repository would:
 * the compiler paths that pasted names into generated code, prototype pollution through `{% set %}`, and a fuzzer
 * that puts hostile strings into every name position the grammar has. Each payload is first shown to work against
 * Nunjucks without the policy (so the test proves something), then shown to do nothing through Prompt Lab.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import * as nunjucks from 'nunjucks';
import { analyzePromptFile } from '../../src/core/template/analyze';
import { checkTemplateTree, isPlainName } from '../../src/core/template/policy';
import { TemplateError, compileToCode, renderMessages, renderTemplate, resolveInputs } from '../../src/core/template/template';
import ts from 'typescript';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { prng } from './prng';
import { examplePrompts, templateFixtures } from './templateFixtures';

const CANARY = '__promptLabCanary';
const g = globalThis as Record<string, unknown>;

/** Code that, run anywhere in the extension host, leaves a mark. */
const MARK = `globalThis.${CANARY}=1`;

/** Nunjucks as it ships: its own Template compiles the source (the sandbox's lookups are shared, the compiler is not). */
const stock = new nunjucks.Environment([], { autoescape: false });

function prototypeKeys(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}
const PROTOTYPE_KEYS = prototypeKeys();

/** Runs `fn`, swallowing its errors; true when it left the canary or a new Object.prototype key behind (both undone). */
function leaves(fn: () => unknown): boolean {
  delete g[CANARY];
  try {
    fn();
  } catch {
    // A refusal or a render error is fine; only a mark counts.
  }
  const marked = g[CANARY] !== undefined;
  delete g[CANARY];
  const added = prototypeKeys().filter((k) => !PROTOTYPE_KEYS.includes(k));
  for (const k of added) delete (Object.prototype as Record<string, unknown>)[k];
  return marked || added.length > 0;
}

const VALUES = { xs: [1, 2], x: 1, a: { b: 1 } };

/** The attacks the security issue found by reading Nunjucks' compiler, each a template that writes the canary. */
const ATTACKS: { what: string; template: string; at: string }[] = [
  { what: 'a {% set %} target written as a string', template: `{% set "x\\"); ${MARK}; (\\"" = 1 %}`, at: `"x\\"); ${MARK}; (\\""` },
  { what: 'a macro name written as a string', template: `{% macro "m\\"); ${MARK}; (\\""() %}{% endmacro %}`, at: `"m\\"); ${MARK}; (\\""` },
  { what: 'a test name after "is" written as a string', template: `{{ x is "t\\", ${MARK}, \\"defined" }}`, at: `"t\\", ${MARK}, \\"defined"` },
  // The name `\`\\` opens a string that swallows the code between its two copies; a tagged template then runs.
  { what: 'a called name that ends in a backslash', template: '{{ `\\("${' + MARK + '}`))))//") }}', at: '`\\' },
];

test('each compiler path of the security issue runs code in stock Nunjucks, and is refused by Prompt Lab at its characters', () => {
  for (const attack of ATTACKS) {
    assert.ok(leaves(() => stock.renderString(attack.template, { ...VALUES, f: () => '' })), `the attack works against stock Nunjucks: ${attack.what}`);
    assert.ok(!leaves(() => renderTemplate(attack.template, VALUES)), `no mark through Prompt Lab: ${attack.what}`);
    assert.throws(() => renderTemplate(attack.template, VALUES), TemplateError, attack.what);
    const text = JSON.stringify({ messages: [{ role: 'user', content: attack.template }] });
    const diagnostics = analyzePromptFile(text).diagnostics.filter((d) => d.code === 'template-syntax');
    assert.equal(diagnostics.length, 1, attack.what);
    const decoded = JSON.parse(`"${text.slice(diagnostics[0]!.start, diagnostics[0]!.end)}"`) as string;
    assert.equal(decoded, attack.at, attack.what);
  }
});

test('a dotted {% set %} target cannot add a property to Object.prototype', () => {
  const template = '{% set "a.__proto__.polluted" = "yes" %}{{ 1 }}';
  assert.ok(leaves(() => stock.renderString(template, {})), 'stock Nunjucks pollutes Object.prototype');
  assert.ok(!leaves(() => renderTemplate(template, {})));
  assert.throws(() => renderTemplate(template, {}), /plain name/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('includes, imports, extends, blocks and regular expression literals are refused with a sentence that says so', () => {
  for (const [template, message] of [
    ['{% include "x.njk" %}', /\{% include %\} is not supported/],
    ['{% import "x" as y %}', /\{% import %\} is not supported/],
    ['{% from "x" import y %}', /import %\} is not supported/],
    ['{% extends "x" %}', /\{% extends %\} is not supported/],
    ['{% block b %}x{% endblock %}', /\{% block %\} is not supported/],
    ['{{ "a" | replace(r/a/g, "b") }}', /Regular expression literals/],
    ['{% set __proto__ = 1 %}', /"__proto__" is a reserved name/],
    ['{{ {"__proto__": 1} }}', /reserved name and cannot be a key/],
    ['{% macro m(constructor) %}{% endmacro %}', /"constructor" is a reserved name/],
  ] as const) {
    assert.throws(() => renderTemplate(template, {}), (e: unknown) => e instanceof TemplateError && message.test(e.detail), template);
  }
});

test('plain names are identifiers that are not Object.prototype members', () => {
  for (const ok of ['x', '_x', 'user_name', 'café', 'loop', 'caller', 'x1']) assert.ok(isPlainName(ok), ok);
  for (const bad of ['', '1x', 'a.b', 'a"b', 'a\\', 'a b', 'a\nb', '${x}', 'a$', '__proto__', 'constructor', 'toString', 'prototype', 'a\u2028']) {
    assert.ok(!isPlainName(bad), JSON.stringify(bad));
  }
});

// ---- the fuzzer ----

/** Fragments a hostile name is built from: string and comment closers, escapes, template literals, line breaks. */
const FRAGMENTS = [
  '"', "'", '\\', '\\\\', '\n', '\r', '\u2028', '\u2029', '*/', '/*', '//', '${', '}', '`', ')', '(', ';', ',', ']', '[',
  '\\u0022', '\\x22', '\\"', "\\'", '<!--', '-->', '.', '__proto__', 'constructor', 'x', '_', 'é', '\u0000', ' ',
  MARK, `(function(){${MARK}})()`, `");${MARK};//`, `');${MARK};//`, `"+(${MARK})+"`, `\\");${MARK};//`,
];

/** A hostile name from 1–4 fragments. */
function hostileName(random: () => number): string {
  let out = '';
  const n = 1 + Math.floor(random() * 4);
  for (let i = 0; i < n; i++) out += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
  return out;
}

/** A name as written in a template: bare (form 0), or as a double- (1) or single-quoted (2) string literal. */
function writtenAs(name: string, form: number): string {
  if (form === 0) return name;
  const quote = form === 1 ? '"' : "'";
  return `${quote}${name.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`)}${quote}`;
}

/** Every name position of the grammar, with N for the name. */
const POSITIONS = [
  '{% set N = 1 %}', '{% set N %}x{% endset %}', '{% set a, N = 1 %}',
  '{% macro N(p) %}{% endmacro %}', '{% macro m(N) %}{% endmacro %}', '{% macro m(N=1) %}{% endmacro %}', '{% macro m(p, N=2) %}{{ p }}{% endmacro %}{{ m(1) }}',
  '{% for N in xs %}{% endfor %}', '{% for k, N in xs %}{% endfor %}',
  '{{ x | N }}', '{{ x | N(1) }}', '{% filter N %}x{% endfilter %}',
  '{{ x is N }}', '{{ x is N(1) }}', '{% if x is N %}y{% endif %}',
  '{{ N() }}', '{{ N }}', '{{ a[N]() }}', '{{ a.N() }}', '{{ a.b[N]() }}', '{{ a[N] }}',
  '{% call N() %}x{% endcall %}', '{% call(N) m() %}x{% endcall %}',
  '{{ {N: 1} }}', '{{ x(N=1) }}', '{{ range(N) }}',
  '{% switch N %}{% case N %}x{% endswitch %}',
];

/**
 * The shape of generated JavaScript: its tokens, with every identifier, string and number reduced to its kind
 * (TypeScript's scanner tokenizes it). A name that stays inside its string or identifier leaves the shape as it is
 * with a harmless name in its place; one that breaks out changes it, whether or not the break-out would run.
 */
function shape(code: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code);
  const out: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.Identifier || kind === ts.SyntaxKind.PrivateIdentifier) out.push('id');
    else if (kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral) out.push('str');
    else if (kind === ts.SyntaxKind.NumericLiteral) out.push('num');
    else out.push(ts.tokenToString(kind) ?? `#${kind}`);
  }
  return out;
}

/** The node types of a template's parse tree, in order, without names or values. */
function treeShape(template: string): string {
  const parse = (nunjucks as unknown as { parser: { parse(s: string, e: unknown[], o: unknown): unknown } }).parser.parse;
  const walk = (node: unknown): string => {
    if (Array.isArray(node)) return `[${node.map(walk).join(',')}]`;
    if (!node || typeof node !== 'object' || !('typename' in node)) return typeof node;
    const n = node as { typename: string; fields: string[] } & Record<string, unknown>;
    return `${n.typename}(${[...n.fields, ...(n.typename === 'Set' ? ['body'] : [])].map((f) => walk(n[f])).join(',')})`;
  };
  return walk(parse(template, [], {}));
}

/** One fuzz case: the template with hostile names, and the same template with harmless names in the same forms. */
function fuzzCase(position: string, random: () => number): { hostile: string; harmless: string } {
  let hostile = position;
  let harmless = position;
  // The same hostile name gets the same harmless one, and a leading `_` stays (Nunjucks does not export such names).
  const renamed = new Map<string, string>();
  while (hostile.includes('N')) {
    const name = hostileName(random);
    const form = Math.floor(random() * 3);
    if (!renamed.has(name)) renamed.set(name, `${name.startsWith('_') ? '_' : ''}n${renamed.size}`);
    hostile = hostile.replace('N', writtenAs(name, form));
    harmless = harmless.replace('N', writtenAs(renamed.get(name)!, form));
  }
  return { hostile, harmless };
}

test('fuzz: hostile strings in every name position never run nor change the generated code; stock Nunjucks falls to some', () => {
  const random = prng(0x5ec0de);
  const CASES = 6000;
  let stockMarked = 0;
  let refused = 0;
  let compared = 0;
  for (let i = 0; i < CASES; i++) {
    const { hostile, harmless } = fuzzCase(POSITIONS[i % POSITIONS.length]!, random);
    assert.ok(!leaves(() => renderTemplate(hostile, VALUES)), `case ${i} ran code through Prompt Lab: ${JSON.stringify(hostile)}`);
    let code: string | undefined;
    try {
      code = compileToCode(hostile, 0);
    } catch (err) {
      if (err instanceof TemplateError) refused++;
    }
    // Where the hostile name parses into the same tree as the harmless one (a bare `"…"` is a string, not a name),
    // the generated code must have the same shape.
    if (code !== undefined && treeShape(hostile) === treeShape(harmless)) {
      assert.deepEqual(shape(code), shape(compileToCode(harmless, 0)), `case ${i} changed the generated code: ${JSON.stringify(hostile)}`);
      compared++;
    }
    // The same template against stock Nunjucks, so the fuzzer is known to reach the holes it guards.
    if (leaves(() => stock.renderString(hostile, VALUES))) stockMarked++;
  }
  assert.ok(stockMarked >= 50, `the fuzzer must find the compiler holes in stock Nunjucks (found ${stockMarked} of ${CASES})`);
  assert.ok(refused > CASES / 4, `most hostile names are refused (${refused} of ${CASES})`);
  assert.ok(compared > CASES / 20, `some hostile-looking templates compile, and their code keeps its shape (${compared})`);
});

test('fuzz: the analysis refuses exactly what rendering refuses for a policy reason', () => {
  const random = prng(0xa11);
  for (let i = 0; i < 1500; i++) {
    const position = POSITIONS[i % POSITIONS.length]!;
    const template = fuzzCase(position, random).hostile;
    const tree = (() => {
      try {
        return (nunjucks as unknown as { parser: { parse(s: string, e: unknown[], o: unknown): unknown } }).parser.parse(template, [], {});
      } catch {
        return undefined;
      }
    })();
    if (tree === undefined) continue;
    const violation = checkTemplateTree(tree);
    const analysis = analyzePromptFile(JSON.stringify({ inputs: { xs: {}, x: {}, a: {} }, messages: [{ role: 'user', content: template }] }));
    const syntax = analysis.diagnostics.find((d) => d.code === 'template-syntax');
    if (violation) assert.ok(syntax?.message.includes(violation.message), `${JSON.stringify(template)}: ${violation.message} / ${syntax?.message}`);
  }
});

// ---- nothing that was supported changes ----

/** Renders with Nunjucks' own Template (same options as Prompt Lab's environment), for comparison. */
function renderStock(prompt: PromptFile, values: Record<string, unknown>): string[] {
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: true });
  env.addGlobal('range', (start: number, stop?: number, step = 1) => {
    const [from, to] = stop === undefined ? [0, start] : [start, stop];
    const out: number[] = [];
    for (let v = from; step > 0 ? v < to : v > to; v += step) out.push(v);
    return out;
  });
  return prompt.messages.filter((m) => m.kind === 'template').map((m) => env.renderString(m.content, values));
}

test('every real template and example renders exactly as Nunjucks renders it', () => {
  let compared = 0;
  for (const fixture of [...templateFixtures(), ...examplePrompts()]) {
    const prompt = parsePromptFile(fixture.text).prompt;
    if (!prompt || prompt.messages.some((m) => m.kind === 'chat_history')) continue;
    const { values } = resolveInputs(prompt);
    let expected: string[];
    try {
      expected = renderStock(prompt, values);
    } catch {
      // Nunjucks itself fails (an unknown filter such as tojson): Prompt Lab must fail too.
      assert.throws(() => renderMessages(prompt, values), TemplateError, fixture.name);
      continue;
    }
    assert.deepEqual(renderMessages(prompt, values).map((m) => m.content), expected, fixture.name);
    compared++;
  }
  assert.ok(compared >= 20, `compared ${compared} prompt files`);
});
