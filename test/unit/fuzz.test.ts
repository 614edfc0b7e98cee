/**
 * Fuzzes analyzePromptFile with thousands of random and mutated prompt files, starting from the converted real
 * templates and the examples (test/unit/fuzzCases.ts): it never throws, and every diagnostic range lies inside the
 * document. Seeded, so a failure reproduces: it reports the seed of the failing case and saves the input. How long the
 * slowest cases and the regressions below take is measured by bench/analyzeWorstCases.ts, not judged here.
 *   PROMPT_LAB_FUZZ_SEED=<n> PROMPT_LAB_FUZZ_CASES=<n> node --test out/test/unit/fuzz.test.js
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzePromptFile } from '../../src/core/template/analyze';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { analyzeTemplate, unclosedOpening } from '../../src/core/template/templateAnalysis';
import { positionAt, positionFinder } from '../../src/core/format/text';
import { examplePrompts, templateFixtures } from './templateFixtures';
import { prng } from './prng';
import { type Case, int, makeCase, pick } from './fuzzCases';

const BASE_SEED = Number(process.env.PROMPT_LAB_FUZZ_SEED ?? 20260421);
const CASES = Number(process.env.PROMPT_LAB_FUZZ_CASES ?? 4000);


/** The checks on one case; a message naming the problem, or undefined. */
function check(c: Case): string | undefined {
  const { text } = c;
  let analysis;
  try {
    analysis = analyzePromptFile(text, c.context);
  } catch (err) {
    return `threw ${(err as Error)?.stack ?? String(err)}`;
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
  for (let i = 0; i < CASES; i++) {
    const c = makeCase(BASE_SEED + i, corpus);
    const problem = check(c);
    if (problem) fail(c, problem);
  }
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

test('regression: thousands of JSONC syntax errors are each placed at their position', () => {
  // How the time grows with the count (it was quadratic: a positionAt scan from the start per error) is measured by
  // bench/analyzeWorstCases.ts.
  const text = `{"messages":${'['.repeat(3000)}`;
  const { problems } = parsePromptFile(text);
  assert.ok(problems.length >= 3000, `${problems.length} problems`);
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

test('regression: the unclosed tag of a template is found as the quadratic search found it', () => {
  const rng = prng(11);
  const tags = ['{% if a %}', '{% endif %}', '{% for x in y %}', '{% endfor %}', '{% set s %}', '{% set t = 1 %}', '{% endset %}', '{% macro m() %}', '{% endmacro %}', '{% raw %}', '{% endraw %}', '{{ a }}', '{# c #}', 'text', '{% else %}', '{%- if b -%}'];
  for (let n = 0; n < 3000; n++) {
    const source = Array.from({ length: int(rng, 14) }, () => pick(rng, tags)).join('') + (rng() < 0.2 ? pick(rng, ['{{', '{%', '{#', '{% if']) : '');
    assert.deepEqual(unclosedOpening(source), unclosedOpeningReference(source), source);
  }
  // 20,000 nested ifs overflow Nunjucks' recursive parser; placing that error scanned the open tags once per end tag
  // (its time, against 10,000, is in bench/analyzeWorstCases.ts).
  const deepIfs = `${'{% if a %}'.repeat(20000)}${'{% endif %}'.repeat(20000)}`;
  assert.equal(analyzeTemplate(deepIfs).error?.message, 'the template is nested too deeply to check');
  assert.deepEqual(unclosedOpening(`${'{% if a %}'.repeat(20000)}${'{% endfor %}'.repeat(20000)}`), { start: 19999 * 10, end: 20000 * 10 });
});

test('regression: while a template does not parse, no input is reported unused (it may be used there)', () => {
  const text = '{ "inputs": { "a": {}, "b": {} }, "messages": [ { "role": "user", "content": "{{ a }}" }, { "role": "user", "content": "{% if b %}yes" } ] }';
  assert.deepEqual(analyzePromptFile(text).diagnostics.map((d) => d.code), ['template-syntax']);
  assert.deepEqual(analyzePromptFile(text.replace('yes', 'yes{% endif %}')).diagnostics.map((d) => d.code), []);
  assert.deepEqual(analyzePromptFile(text.replace('{% if b %}yes', 'no b')).diagnostics.map((d) => d.code), ['unused-input']);
});
