/**
 * Fuzzes analyzePromptFile with thousands of random and mutated prompt files, starting from the converted real
 * templates and the examples: it never throws, never takes more than 100 ms on one file, and every diagnostic range
 * lies inside the document. Seeded, so a failure reproduces: it reports the seed of the failing case and saves the input.
 *   PROMPT_LAB_FUZZ_SEED=<n> PROMPT_LAB_FUZZ_CASES=<n> node --test out/test/unit/fuzz.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseJsonc } from 'jsonc-parser';
import { analyzePromptFile, type AnalysisContext } from '../../src/core/template/analyze';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { analyzeTemplate, unclosedOpening } from '../../src/core/template/templateAnalysis';
import { positionAt, positionFinder } from '../../src/core/format/text';
import { examplePrompts, templateFixtures } from './templateFixtures';
import { prng } from './prng';

const BASE_SEED = Number(process.env.PROMPT_LAB_FUZZ_SEED ?? 20260421);
const CASES = Number(process.env.PROMPT_LAB_FUZZ_CASES ?? 4000);
const MAX_MS = 100;


type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)] as T;

/** Text the mutations insert: template and JSON syntax, escapes, odd characters. */
const TOKENS = [
  '{{', '}}', '{%', '%}', '{#', '#}', '{{-', '-}}', '{%-', '-%}', '\\', '\\\\', '"', '\\"', '\\u', '\\u00e9', '\\ud83d', '\\ude00', '\\ud83d\\ude00',
  '\\n', '\\r\\n', '\\t', '\n', '\r', '\r\n', ' ', ',', ':', '[', ']', '{', '}', '|', '(', ')', '.', "'", '//', '/*', '*/', 'é', '😀', '\u2028', '\u0000',
  '{{ x }}', '{{ user.name | upper }}', '{{ a | upperr }}', '{% for i in items %}', '{% endfor %}', '{% if x %}', '{% elif y %}', '{% else %}', '{% endif %}',
  '{% set z = 1 %}', '{% macro m(p) %}', '{% endmacro %}', '{% raw %}', '{% endraw %}', '{{ range(3) | join }}', '{{ x is defined }}', '{% include "a" %}',
  '"role"', '"content"', '"inputs"', '"messages"', '"chat_history"', '"default"', 'null', 'true', '-1e309', '0.5',
];

/** Template fragments for generated templates. */
const FRAGMENTS = [
  'Hello ', '{{ name }}', '{{ user.name }}', '{{ items | length }}', '{{ a | upperr }}', '{{ a | default("x") }}', '{% for x in items %}', '{{ x }}', '{% endfor %}',
  '{% if flag %}', '{% else %}', '{% endif %}', '{{ loop.index }}', '{% set y = name ~ "!" %}', '{{ y }}', '\n', 'café "q"', '\\', '{{', '}}', '{%', '%}', '{#', '#}',
  '{{ undefinedThing }}', '{{ x is defined }}', '{{ (a + b) * c }}', '{{ [1, 2][0] }}', '{{ {"k": v}.k }}', '{% raw %}{{ raw }}{% endraw %}', '😀', '\u00e9',
];

function randomString(rng: Rng): string {
  const n = int(rng, 12);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rng, FRAGMENTS);
  return s;
}

function randomValue(rng: Rng, depth: number): unknown {
  const r = int(rng, depth > 3 ? 7 : 9);
  switch (r) {
    case 0: return null;
    case 1: return rng() < 0.5;
    case 2: return pick(rng, [0, -1, 1.5, 2.5, 1e308, -0.1, 100, 4096]);
    case 3: case 4: case 5: return randomString(rng);
    case 6: return pick(rng, ['user', 'system', 'assistant', 'developer', 'chat_history', 'usr', '', 'history', 'name', 'items']);
    case 7: return Array.from({ length: int(rng, 5) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(rng, 5); i > 0; i--) o[pick(rng, ['role', 'content', 'input', 'default', 'type', 'required', 'name', 'items', 'x', 'temperature', 'max_tokens'])] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

/** Every path to a value inside `value` (objects and arrays), for structural mutations. */
function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (out.length > 5000) return out;
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  let target = root as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[at[at.length - 1] as string | number] = value;
  return root;
}

function serialize(rng: Rng, value: unknown): string {
  return JSON.stringify(value, null, pick(rng, [0, 2, '\t', 4])) ?? 'null';
}

/** Deeply nested JSON or templates: bounded, but deep enough to reach the parsers' recursion limits. */
function deep(rng: Rng): string {
  const n = pick(rng, [10, 100, 1000, 3000, 12000, 30000]);
  switch (int(rng, 7)) {
    case 0: return `{"messages":[{"role":"user","content":"x"}],"metadata":${'['.repeat(n)}${rng() < 0.5 ? ']'.repeat(n) : ''}}`;
    case 1: return `{"inputs":{"a":{"default":${'{"k":'.repeat(n)}1${'}'.repeat(n)}}},"messages":[{"role":"user","content":"{{ a }}"}]}`;
    case 2: return JSON.stringify({ inputs: { a: {} }, messages: [{ role: 'user', content: `{{ ${'('.repeat(n)}a${')'.repeat(rng() < 0.5 ? n : 0)} }}` }] });
    case 3: {
      const m = Math.min(n, 3000);
      return JSON.stringify({ inputs: { a: {} }, messages: [{ role: 'user', content: '{% if a %}'.repeat(m) + (rng() < 0.5 ? '{% endif %}'.repeat(m) : '{% endfor %}'.repeat(m)) }] });
    }
    case 4: return JSON.stringify({ inputs: { a: {} }, messages: [{ role: 'user', content: `{{ a${'.b'.repeat(Math.min(n, 5000))} | upper${'| upper'.repeat(Math.min(n, 2000))} }}` }] });
    case 5: return `{"messages":${'['.repeat(n)}`;
    default: return JSON.stringify({ inputs: { a: {} }, messages: [{ role: 'user', content: '{{'.repeat(Math.min(n, 20000)) }] });
  }
}

/** A big file: many messages or a long template (a few hundred KB at most). */
function huge(rng: Rng, base: string): string {
  const doc = parseJsonc(base) as { messages?: unknown[] } | undefined;
  const messages = Array.isArray(doc?.messages) ? doc.messages : [{ role: 'user', content: '{{ x }}' }];
  if (rng() < 0.5) {
    // As many messages as fit in about 300 KB (the bases range from a few hundred characters to 60 KB).
    const count = Math.max(2, Math.min(500, Math.floor(300_000 / Math.max(1, base.length))));
    return serialize(rng, { ...doc, messages: Array.from({ length: count * Math.max(1, messages.length) }, (_, i) => messages[i % messages.length]) });
  }
  return serialize(rng, { ...doc, messages: [{ role: 'user', content: Array.from({ length: 3000 }, () => randomString(rng)).join('') }] });
}

const MUTATIONS: Record<string, (rng: Rng, text: string) => string> = {
  delete(rng, text) {
    const at = int(rng, text.length + 1);
    return text.slice(0, at) + text.slice(at + 1 + int(rng, rng() < 0.9 ? 8 : 400));
  },
  insert(rng, text) {
    const at = int(rng, text.length + 1);
    return text.slice(0, at) + pick(rng, TOKENS) + text.slice(at);
  },
  insertChar(rng, text) {
    const at = int(rng, text.length + 1);
    return text.slice(0, at) + String.fromCharCode(int(rng, rng() < 0.8 ? 128 : 0x10000)) + text.slice(at);
  },
  duplicate(rng, text) {
    const from = int(rng, text.length + 1);
    const slice = text.slice(from, from + 1 + int(rng, 200));
    const at = int(rng, text.length + 1);
    return text.slice(0, at) + slice + text.slice(at);
  },
  truncate(rng, text) {
    return text.slice(0, int(rng, text.length + 1));
  },
  /** A random JSON value in place of any field. */
  replaceValue(rng, text) {
    const doc = parseJsonc(text) as unknown;
    if (doc === undefined) return text;
    const all = paths(doc);
    return serialize(rng, setAt(doc, pick(rng, all), randomValue(rng, 0)));
  },
  /** Template syntax inside one decoded message content: the serialiser escapes it, so positions cross escapes. */
  editTemplate(rng, text) {
    const doc = parseJsonc(text) as { messages?: { content?: unknown }[] } | undefined;
    const withContent = (Array.isArray(doc?.messages) ? doc.messages : []).filter((m) => m && typeof m.content === 'string');
    if (!doc || withContent.length === 0) return text;
    const m = pick(rng, withContent);
    const content = m.content as string;
    const at = int(rng, content.length + 1);
    m.content = rng() < 0.5 ? content.slice(0, at) + pick(rng, FRAGMENTS) + content.slice(at) : content.slice(0, at) + content.slice(at + 1 + int(rng, 20));
    return serialize(rng, doc);
  },
  /** Renames or removes an input, or the inputs object. */
  editInputs(rng, text) {
    const doc = parseJsonc(text) as { inputs?: Record<string, unknown> } | undefined;
    if (!doc || typeof doc !== 'object') return text;
    const names = Object.keys(doc.inputs ?? {});
    if (names.length === 0 || rng() < 0.1) delete doc.inputs;
    else {
      const name = pick(rng, names);
      const value = doc.inputs?.[name];
      delete doc.inputs?.[name];
      if (rng() < 0.5 && doc.inputs) doc.inputs[`${name}${pick(rng, ['x', '_', '😀', ''])}`] = value;
    }
    return serialize(rng, doc);
  },
  generated(rng) {
    return serialize(rng, {
      inputs: Object.fromEntries(['name', 'user', 'items', 'flag', 'a'].filter(() => rng() < 0.6).map((n) => [n, rng() < 0.5 ? {} : { default: randomValue(rng, 0) }])),
      messages: Array.from({ length: 1 + int(rng, 4) }, () => ({ role: pick(rng, ['system', 'user', 'assistant', 'usr', 'chat_history']), content: randomString(rng), ...(rng() < 0.2 ? { input: 'items' } : {}) })),
    });
  },
  deep: (rng) => deep(rng),
  huge: (rng, text) => huge(rng, text),
};

const WEIGHTED: string[] = [
  ...Array<string>(6).fill('delete'), ...Array<string>(6).fill('insert'), ...Array<string>(2).fill('insertChar'), ...Array<string>(3).fill('duplicate'),
  ...Array<string>(2).fill('truncate'), ...Array<string>(4).fill('replaceValue'), ...Array<string>(5).fill('editTemplate'), ...Array<string>(2).fill('editInputs'),
  ...Array<string>(2).fill('generated'), 'deep', 'huge',
];

interface Case {
  seed: number;
  steps: string[];
  text: string;
  context: AnalysisContext;
}

function makeCase(seed: number, corpus: string[]): Case {
  const rng = prng(seed);
  let text = pick(rng, corpus);
  const steps: string[] = [];
  for (let i = 1 + int(rng, 4); i > 0; i--) {
    const name = pick(rng, WEIGHTED);
    steps.push(name);
    try {
      text = (MUTATIONS[name] as (r: Rng, t: string) => string)(rng, text);
    } catch {
      // A structural mutation that does not fit this text (say, its "inputs" is a string): keep the text.
    }
    if (name === 'deep' || name === 'huge') break;
  }
  return { seed, steps, text, context: rng() < 0.3 ? { deployments: ['replay-azure', 'replay-openai', 'local'] } : {} };
}

/** The checks on one case; a message naming the problem, or undefined. */
function check(c: Case): string | undefined {
  const { text } = c;
  let analysis;
  const t0 = performance.now();
  try {
    analysis = analyzePromptFile(text, c.context);
  } catch (err) {
    return `threw ${(err as Error)?.stack ?? String(err)}`;
  }
  const ms = performance.now() - t0;
  if (ms > MAX_MS) {
    // Measure again so a GC pause or a busy machine does not fail the run: a slow path is slow every time.
    const again: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t1 = performance.now();
      analyzePromptFile(text, c.context);
      again.push(performance.now() - t1);
    }
    if (Math.min(...again) > MAX_MS) return `took ${ms.toFixed(1)} ms, then ${again.map((t) => t.toFixed(1)).join(', ')} ms (limit ${MAX_MS} ms)`;
  }
  for (const d of analysis.diagnostics) {
    if (!(Number.isInteger(d.start) && Number.isInteger(d.end) && d.start >= 0 && d.start <= d.end && d.end <= text.length)) {
      return `diagnostic ${d.code} at [${d.start}, ${d.end}) is outside the document of ${text.length} characters`;
    }
  }
  for (const m of analysis.messages) {
    const map = m.map();
    const first = map.toDocument(0);
    const last = map.toDocument(map.length);
    if (!(first >= 0 && first <= last && last <= text.length)) return `message ${m.message.index} maps outside the document: [${first}, ${last}]`;
  }
  return undefined;
}

function fail(c: Case, problem: string): never {
  const file = path.join(os.tmpdir(), `prompt-lab-fuzz-${c.seed}.prompt.json`);
  fs.writeFileSync(file, c.text);
  const shown = c.text.length > 600 ? `${c.text.slice(0, 600)}… (${c.text.length} characters)` : c.text;
  assert.fail(`fuzz case seed ${c.seed} (PROMPT_LAB_FUZZ_SEED=${c.seed} PROMPT_LAB_FUZZ_CASES=1), mutations ${c.steps.join(' → ')}: ${problem}\ninput saved to ${file}:\n${shown}`);
}

test(`analyzePromptFile survives ${CASES} random and mutated prompt files (seed ${BASE_SEED})`, () => {
  const corpus = [...templateFixtures(), ...examplePrompts()].map((f) => f.text);
  assert.ok(corpus.length > 20);
  for (const text of corpus) analyzePromptFile(text); // warm up: module loading and JIT are not the analysis
  const started = performance.now();
  let slowest = { ms: 0, seed: 0 };
  for (let i = 0; i < CASES; i++) {
    const c = makeCase(BASE_SEED + i, corpus);
    const t0 = performance.now();
    const problem = check(c);
    if (problem) fail(c, problem);
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, seed: c.seed };
  }
  const total = performance.now() - started;
  console.log(`fuzz: ${CASES} cases in ${total.toFixed(0)} ms, slowest ${slowest.ms.toFixed(1)} ms (seed ${slowest.seed})`);
});

// Regressions: what the fuzzer found in src/core.

test('regression: JSON nested thousands deep is a problem, not a stack overflow', () => {
  for (const text of [`{"messages":${'['.repeat(30000)}`, `{"messages":[{"role":"user","content":"x"}],"metadata":${'['.repeat(30000)}${']'.repeat(30000)}}`]) {
    const parsed = parsePromptFile(text);
    assert.equal(parsed.prompt, null);
    assert.deepEqual(parsed.problems.map((p) => [p.code, p.message]), [['jsonc-syntax', 'The file is nested too deeply to read.']]);
    assert.deepEqual(analyzePromptFile(text).diagnostics, []);
  }
});

test('regression: thousands of JSONC syntax errors are placed in linear time', () => {
  const text = `{"messages":${'['.repeat(3000)}`;
  const t0 = performance.now();
  const { problems } = parsePromptFile(text);
  const ms = performance.now() - t0;
  assert.ok(problems.length >= 3000, `${problems.length} problems`);
  assert.ok(ms < MAX_MS, `${ms.toFixed(1)} ms (it was 130 ms, a positionAt scan from the start per error; 350 ms at 5,000)`);
  assert.deepEqual(problems.at(-1)?.start, positionAt(text, problems.at(-1)?.span.offset ?? 0));
});

test('regression: positionFinder gives what positionAt gives, at every offset, with \\n, \\r\\n and \\r line ends', () => {
  const rng = prng(7);
  for (let n = 0; n < 200; n++) {
    const text = Array.from({ length: int(rng, 40) }, () => pick(rng, ['a', 'b', '\n', '\r', '\r\n', '\r\r', '\n\r', '😀'])).join('');
    const find = positionFinder(text);
    for (let offset = -2; offset <= text.length + 2; offset++) assert.deepEqual(find(offset), positionAt(text, offset), JSON.stringify([text, offset]));
  }
});

/** The unclosed-tag search as it was (a scan of the stack per end tag, quadratic), as the reference for the new one. */
function unclosedOpeningReference(source: string): { start: number; end: number } | undefined {
  const BLOCK_TAGS: Record<string, string> = { if: 'endif', for: 'endfor', macro: 'endmacro', call: 'endcall', filter: 'endfilter', raw: 'endraw', verbatim: 'endverbatim', block: 'endblock' };
  const stack: { tag: string; start: number; end: number }[] = [];
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
      if (BLOCK_TAGS[tag] || setBlock) stack.push({ tag, start: m.index, end: closeAt + 2 });
      else if (tag.startsWith('end')) {
        const i = stack.map((s) => BLOCK_TAGS[s.tag] ?? 'endset').lastIndexOf(tag);
        if (i !== -1) stack.splice(i);
      }
    }
    re.lastIndex = closeAt + 2;
  }
  const open = stack.at(-1);
  return open ? { start: open.start, end: open.end } : undefined;
}

test('regression: the unclosed tag of a template is found in linear time, as before', () => {
  const rng = prng(11);
  const tags = ['{% if a %}', '{% endif %}', '{% for x in y %}', '{% endfor %}', '{% set s %}', '{% set t = 1 %}', '{% endset %}', '{% macro m() %}', '{% endmacro %}', '{% raw %}', '{% endraw %}', '{{ a }}', '{# c #}', 'text', '{% else %}', '{%- if b -%}'];
  for (let n = 0; n < 3000; n++) {
    const source = Array.from({ length: int(rng, 14) }, () => pick(rng, tags)).join('') + (rng() < 0.2 ? pick(rng, ['{{', '{%', '{#', '{% if']) : '');
    assert.deepEqual(unclosedOpening(source), unclosedOpeningReference(source), source);
  }
  // 20,000 nested ifs overflow Nunjucks' recursive parser; placing that error scanned the open tags once per end tag.
  const deepIfs = `${'{% if a %}'.repeat(20000)}${'{% endif %}'.repeat(20000)}`;
  const t0 = performance.now();
  const error = analyzeTemplate(deepIfs).error;
  const ms = performance.now() - t0;
  assert.equal(error?.message, 'the template is nested too deeply to check');
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms (it was seconds)`);
  const t1 = performance.now();
  assert.deepEqual(unclosedOpening(`${'{% if a %}'.repeat(20000)}${'{% endfor %}'.repeat(20000)}`), { start: 19999 * 10, end: 20000 * 10 });
  assert.ok(performance.now() - t1 < MAX_MS);
});

test('regression: while a template does not parse, no input is reported unused (it may be used there)', () => {
  const text = '{ "inputs": { "a": {}, "b": {} }, "messages": [ { "role": "user", "content": "{{ a }}" }, { "role": "user", "content": "{% if b %}yes" } ] }';
  assert.deepEqual(analyzePromptFile(text).diagnostics.map((d) => d.code), ['template-syntax']);
  assert.deepEqual(analyzePromptFile(text.replace('yes', 'yes{% endif %}')).diagnostics.map((d) => d.code), []);
  assert.deepEqual(analyzePromptFile(text.replace('{% if b %}yes', 'no b')).diagnostics.map((d) => d.code), ['unused-input']);
});
