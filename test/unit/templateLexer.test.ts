/**
 * The analysis tokenizer (src/core/template/templateLexer.ts) against Nunjucks' own: for the real templates, the example
 * prompts, the benchmark's templates and thousands of generated and mutated templates, both give the same tokens
 * (type, value, line, column; whitespace inside tags, which the parser drops unread, is skipped rather than
 * returned), leave the same state after each token, fail with the same error, and the Nunjucks parser builds the
 * same tree (or fails at the same place) from either. Seeded; a failure names its template.
 *   PROMPT_LAB_LEXER_SEED=<n> PROMPT_LAB_LEXER_CASES=<n> node --test out/test/unit/templateLexer.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nunjucks from 'nunjucks';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { lex, nunjucksLex, type NunjucksTokenizer } from '../../src/core/template/templateLexer';
import { bigPromptFile } from '../../bench/analyze';
import { examplePrompts, templateFixtures } from './templateFixtures';
import { prng } from './prng';

const SEED = Number(process.env.PROMPT_LAB_LEXER_SEED ?? 20261121);
const CASES = Number(process.env.PROMPT_LAB_LEXER_CASES ?? 20000);


/** Pieces of template text: every delimiter, tag, quote, escape, number form and whitespace the tokenizer treats apart. */
const PIECES = [
  '{{', '}}', '{%', '%}', '{#', '#}', '{{-', '-}}', '{%-', '-%}', '{', '}', '#', '%', '-', '{ {', '{{{', '}}}', '#}}',
  ' ', '  ', '\n', '\r\n', '\r', '\t', '\u00a0', '\u2028', 'é', '😀', '\ud83d',
  '"', "'", '\\', '\\n', '\\t', '\\r', '\\"', "\\'", '\\\\', '"a b"', "'c\\'d'", '"multi\nline"',
  '(', ')', '[', ']', ',', ':', '|', '.', '~', '+', '*', '/', '<', '>', '=', '!',
  '==', '===', '!=', '!==', '<=', '>=', '//', '**', '===!', '1', '42', '-7', '3.14', '3.', '.5', '1e3', '0x1f',
  'true', 'false', 'none', 'null', 'True', 'nonez', 'r/ab+c/gi', 'r/a\\/b/', 'r/', 'r', 'x', 'user', 'name', 'loop.index', 'a_b9',
  'for', 'in', 'endfor', 'if', 'elif', 'else', 'endif', 'set', 'endset', 'macro', 'endmacro', 'call', 'endcall', 'raw', 'endraw',
  'filter', 'endfilter', 'is', 'defined', 'not', 'and', 'or', 'upper', 'default("x")', 'join(", ")',
  '{{ user.name | upper }}', '{% for x in items %}{{ loop.index }}. {{ x }}\n{% endfor %}', '{% if a %}1{% elif b %}2{% else %}3{% endif %}',
  '{% set y = "v" %}', '{% macro m(p, q=1) %}{{ p }}{% endmacro %}', '{% raw %}{{ not parsed }}{% endraw %}', '{# note #}', '{#- trim -#}',
  '{{ x if y else z }}', '{{ {"k": [1, 2.5, none]} }}', 'plain text ', 'Keep it short. ',
];

function generated(rng: () => number): string {
  let s = '';
  for (let n = Math.floor(rng() * 24); n > 0; n--) s += PIECES[Math.floor(rng() * PIECES.length)] as string;
  return s;
}

function mutated(rng: () => number, base: string): string {
  let s = base;
  for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
    const at = Math.floor(rng() * (s.length + 1));
    const r = rng();
    if (r < 0.4) s = s.slice(0, at) + (PIECES[Math.floor(rng() * PIECES.length)] as string) + s.slice(at);
    else if (r < 0.8) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rng() * 4));
    else s = s.slice(0, at);
  }
  return s;
}

/** The template contents of every fixture, example and benchmark message. */
function realTemplates(): string[] {
  const out: string[] = [];
  for (const { text } of [...templateFixtures(), ...examplePrompts(), { text: bigPromptFile('lexer') }]) {
    for (const m of parsePromptFile(text).prompt?.messages ?? []) if (m.kind === 'template') out.push(m.content);
  }
  return [...new Set(out)];
}

type Step = { token: unknown; index: number; lineno: number; colno: number; in_code: boolean } | { error: string };

function steps(tokenizer: NunjucksTokenizer): Step[] {
  const out: Step[] = [];
  // Bounded: a template of n characters has at most n + 1 tokens.
  for (let i = 0; i < 100_000; i++) {
    try {
      const token = tokenizer.nextToken();
      out.push({ token, index: tokenizer.index, lineno: tokenizer.lineno, colno: tokenizer.colno, in_code: tokenizer.in_code });
      if (!token) return out;
    } catch (err) {
      out.push({ error: String((err as Error).message) });
      return out;
    }
  }
  throw new Error('the tokenizer did not stop');
}

interface ParserInstance {
  extensions: unknown[];
  parseAsRoot(): unknown;
}
const { Parser } = (nunjucks as unknown as { parser: { Parser: new (tokens: NunjucksTokenizer) => ParserInstance } }).parser;
const { Node } = (nunjucks as unknown as { nodes: { Node: new () => { typename: string; fields: string[] } } }).nodes;

/** A parse tree as plain data: each node's type, line, column and fields. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Node) {
    const node = value as unknown as Record<string, unknown> & { typename: string; fields: string[] };
    const out: Record<string, unknown> = { typename: node.typename, lineno: node.lineno, colno: node.colno };
    for (const field of node.fields) out[field] = plain(node[field]);
    return out;
  }
  return value;
}

function tree(tokenizer: NunjucksTokenizer): unknown {
  try {
    const parser = new Parser(tokenizer);
    parser.extensions = [];
    return plain(parser.parseAsRoot());
  } catch (err) {
    const e = err as { message?: string; lineno?: number; colno?: number; name?: string };
    return { error: e.message, lineno: e.lineno, colno: e.colno, name: e.name };
  }
}

const isWhitespace = (step: Step) => 'token' in step && (step.token as { type?: string } | null)?.type === 'whitespace';

function assertSame(source: string, label: string): void {
  const expected = steps(nunjucksLex(source)).filter((step) => !isWhitespace(step));
  assert.deepEqual(steps(lex(source)), expected, `tokens differ for ${label}: ${JSON.stringify(source)}`);
  assert.deepEqual(tree(lex(source)), tree(nunjucksLex(source)), `parse trees differ for ${label}: ${JSON.stringify(source)}`);
}

test('the analysis tokenizer gives Nunjucks\' tokens and trees for every real template', () => {
  const templates = realTemplates();
  assert.ok(templates.length > 2000, `only ${templates.length} templates`);
  for (const [i, source] of templates.entries()) assertSame(source, `real template ${i}`);
});

test(`the analysis tokenizer gives Nunjucks' tokens and trees for ${CASES} generated and mutated templates (seed ${SEED})`, () => {
  const bases = realTemplates().filter((t) => t.length < 4000);
  for (let i = 0; i < CASES; i++) {
    const rng = prng(SEED + i);
    const source = rng() < 0.5 ? generated(rng) : mutated(rng, bases[Math.floor(rng() * bases.length)] as string);
    assertSame(source, `case ${i} (PROMPT_LAB_LEXER_SEED=${SEED + i} PROMPT_LAB_LEXER_CASES=1)`);
  }
});

test('the analysis tokenizer reproduces Nunjucks at the edges: end of template, unterminated strings and comments', () => {
  for (const source of ['', '{', '#', '{{', '{{ 1.', '{{ 1.5', '{{ "abc', "{{ 'a\\", '{# open', 'a #} b', '{{ x }', '{%- if -%}', 'text', '{{ r/a', '{{-', '-}}', '\n\n{{\nx\n}}\n']) {
    assertSame(source, 'edge case');
  }
  // The cases above really differ in kind: some fail, some end in the middle of a tag.
  assert.deepEqual(steps(lex('a #} b')).at(-1), { error: 'unexpected end of comment' });
  assert.deepEqual(steps(lex('{# open')).at(-1), { error: 'expected end of comment, got end of file' });
});
