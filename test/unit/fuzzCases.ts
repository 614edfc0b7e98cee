/**
 * The fuzzer's prompt files: random and mutated versions of the converted real templates and the examples, from a
 * seed. Shared by the fuzz test (test/unit/fuzz.test.ts: no throw, ranges inside the document) and the benchmark of
 * the slowest cases (bench/analyzeWorstCases.ts: time, which the test does not judge).
 */
import { parse as parseJsonc } from 'jsonc-parser';
import type { AnalysisContext } from '../../src/core/template/analyze';
import { prng } from './prng';

type Rng = () => number;
export const int = (rng: Rng, n: number) => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)] as T;

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

/** One generated prompt file: its seed, the mutations applied, the text and the analysis context. */
export interface Case {
  seed: number;
  steps: string[];
  text: string;
  context: AnalysisContext;
}

/** The case of `seed`, from one of `corpus`'s texts. */
export function makeCase(seed: number, corpus: string[]): Case {
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

