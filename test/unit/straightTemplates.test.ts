/**
 * Straight templates (src/core/template/straight.ts) render on the calling thread only when the result is exactly the
 * sandboxed Nunjucks render's: checked on chosen cases, on seeded generated templates full of what is not straight,
 * and on every prompt of the fuzz corpus (real templates, mutated). Whatever is not straight is left to the ordinary
 * render (undefined), so its result or error is that render's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { checkOutputLength, RenderLimitError } from '../../src/core/template/renderer';
import { renderStraightMessages, renderStraightTemplate } from '../../src/core/template/straight';
import { renderMessages, renderTemplate, resolveInputs } from '../../src/core/template/template';
import { makeCase, pick, int } from './fuzzCases';
import { prng } from './prng';
import { examplePrompts, templateFixtures } from './templateFixtures';

function values(): Record<string, unknown> {
  const v: Record<string, unknown> = {
    city: 'San Francisco', name: 'Ada {{ not a template }} {% nor this %}', n: 3, x: 1.5, neg: -0, big: 1e21, flag: false, yes: true,
    empty: '', nul: null, undef: undefined, arr: ['a', 'b'], obj: { b: 'B', n: 2, deep: { c: 'C\n"q"' }, arr: [1], nul: null },
    caller: 'C', callee: 'E', arguments: 'A', range: 'R', loop: 'L', é: 'e-acute', true: 'T', none: 'N', toString: 'S',
    fn: () => 'called', date: new Date(0), bare: Object.assign(Object.create(null) as object, { k: 'K' }) as unknown,
  };
  Object.defineProperty(v, 'getter', { get: () => 'G', enumerable: true });
  Object.defineProperty(v, 'hidden', { value: 'H', enumerable: false });
  return v;
}

/** The sandboxed Nunjucks render, or the error it throws. */
function nunjucks(source: string, vals: Record<string, unknown>): { text: string } | { error: unknown } {
  try {
    return { text: renderTemplate(source, vals) };
  } catch (error) {
    return { error };
  }
}

function agrees(source: string, vals = values()): 'straight' | 'not straight' {
  const straight = renderStraightTemplate(source, vals);
  if (straight === undefined) return 'not straight';
  assert.deepEqual(nunjucks(source, vals), { text: straight }, `straight render of ${JSON.stringify(source)}`);
  return 'straight';
}

test('text and plain lookups of strings, numbers and booleans are straight, and render as Nunjucks renders them', () => {
  for (const source of ['Weather in {{ city }}?', 'plain text', '{{n}}/{{ x }}/{{neg}}/{{ big }}/{{ flag }}{{yes}}', '{{ obj.b }} {{ obj["n"] }} {{ obj.deep.c }}',
    '{{ name }}', '  {{- city -}}  !', '{{ é }}', 'a } b }} c { d %}', '{{ empty }}|', '{{ bare.k }}', '{{ range }}{{ loop }}',
    // Nunjucks' parser drops a comment and turns {% raw %} into text: what is left is straight.
    '{# note #}{{ city }}', '{% raw %}{{ city }}{% endraw %}']) {
    assert.equal(agrees(source), 'straight', source);
  }
  assert.equal(renderStraightTemplate('Weather in {{ city }}?', { city: 'Paris' }), 'Weather in Paris?');
});

test('anything else is left to the ordinary render', () => {
  for (const source of ['{{ city | upper }}', '{{ "x" }}', '{{ 1 }}', '{{ true }}', '{{ none }}', '{{ n + 1 }}', '{{ arr[0] }}', '{{ arr }}', '{{ obj }}',
    '{{ nul }}', '{{ undef }}', '{{ missing }}', '{{ obj.missing }}', '{{ obj.nul }}', '{{ caller }}', '{{ callee }}', '{{ arguments }}', '{{ toString }}',
    '{{ constructor }}', '{{ obj.constructor }}', '{{ fn }}', '{{ fn() }}', '{{ date }}', '{{ getter }}', '{{ hidden }}', '{{ city.length }}', '{{ arr.length }}',
    '{% if flag %}x{% endif %}', '{{ city', '{# open comment', 'a #} b', '{{ obj.arr.0 }}']) {
    assert.equal(renderStraightTemplate(source, values()), undefined, source);
  }
});

test('seeded generated templates: every straight render equals the Nunjucks render', () => {
  const rng = prng(20261202);
  const pieces = ['text ', '{', '}', '}}', '{ {', '%', '#', '\n', '\\', '"', 'é', '😀', '  ', '-', '{{', '{%', '{#', '#}', '%}'];
  const names = ['city', 'name', 'n', 'x', 'neg', 'big', 'flag', 'yes', 'empty', 'nul', 'undef', 'arr', 'obj', 'caller', 'range', 'loop', 'é', 'true', 'none',
    'toString', 'constructor', 'fn', 'getter', 'hidden', 'missing', 'bare', 'date'];
  const keys = ['b', 'n', 'deep', 'c', 'arr', 'nul', 'k', 'missing', 'constructor', 'length', '0'];
  const output = (): string => {
    let expr = pick(rng, names);
    for (let i = int(rng, 3); i > 0; i--) {
      const key = pick(rng, keys);
      expr += pick(rng, [`.${key}`, `["${key}"]`, `[${int(rng, 2)}]`, ` . ${key}`]);
    }
    if (rng() < 0.1) expr += pick(rng, [' | upper', ' + 1', ' ~ "!"', '()']);
    const open = pick(rng, ['{{ ', '{{', '{{- ', '{{-']);
    const close = pick(rng, [' }}', '}}', ' -}}', '-}}', ' }', '']);
    return `${open}${expr}${close}`;
  };
  let straight = 0;
  const total = 3000;
  for (let i = 0; i < total; i++) {
    let source = '';
    for (let j = int(rng, 8); j >= 0; j--) source += rng() < 0.5 ? output() : pick(rng, pieces);
    if (agrees(source) === 'straight') straight++;
  }
  assert.ok(straight > 200 && straight < total * 0.9, `${straight} of ${total} generated templates were straight`);
});

test('the fuzz corpus: a straight prompt renders exactly as renderMessages renders it', () => {
  const corpus = [...templateFixtures(), ...examplePrompts()].map((f) => f.text);
  let straight = 0;
  let rendered = 0;
  for (let seed = 0; seed < 1500; seed++) {
    const text = seed < corpus.length ? (corpus[seed] as string) : makeCase(seed, corpus).text;
    const prompt = parsePromptFile(text).prompt;
    if (!prompt) continue;
    const { values: vals } = resolveInputs(prompt);
    let expected: unknown;
    try {
      expected = { messages: renderMessages(prompt, vals) };
      rendered++;
    } catch (error) {
      expected = { error };
    }
    const messages = renderStraightMessages(prompt, vals, 1_000_000);
    if (messages === undefined) continue;
    straight++;
    assert.deepEqual(expected, { messages }, `seed ${seed}`);
  }
  assert.ok(straight > 20 && straight < rendered, `${straight} straight prompts of ${rendered} that render`);
});

test('a straight message over the output limit is left to the ordinary render, which names the message', () => {
  const prompt = parsePromptFile(JSON.stringify({ messages: [{ role: 'system', content: 'short' }, { role: 'user', content: '{{ long }}' }] })).prompt;
  assert.ok(prompt);
  assert.equal(renderStraightMessages(prompt, { long: 'x'.repeat(101) }, 100), undefined);
  assert.throws(() => renderMessages(prompt, { long: 'x'.repeat(101) }, { checkOutput: (text, index) => checkOutputLength(text, 100, index) }),
    (e: unknown) => e instanceof RenderLimitError && e.limit === 'output' && e.messageIndex === 1);
  assert.deepEqual(renderStraightMessages(prompt, { long: 'x'.repeat(100) }, 100)?.map((m) => m.content), ['short', 'x'.repeat(100)]);
});

test('a chat history slot, GitHub syntax or a media part: what each gives', () => {
  const history = parsePromptFile(JSON.stringify({ messages: [{ role: 'chat_history', input: 'h' }] })).prompt;
  assert.ok(history);
  assert.equal(renderStraightMessages(history, { h: [] }, 100), undefined);
  const github = { ...parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: '{{city}}' }] })).prompt!, templateSyntax: 'github' as const };
  assert.equal(renderStraightMessages(github, { city: 'Paris' }, 100), undefined);
  const parts = parsePromptFile(JSON.stringify({
    inputs: { photo: { type: 'image', default: 'a.png' } },
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in {{ city }}?' }, { type: 'image', input: 'photo', detail: 'low' }] }],
  })).prompt;
  assert.ok(parts);
  const vals = { city: 'Paris', photo: 'a.png' };
  assert.deepEqual(renderStraightMessages(parts, vals, 1000), renderMessages(parts, vals));
});

test('a value repeated past the limit stops at the limit, not after building every copy', () => {
  // 20,000 lookups of a 1 MB value would be 20 GB of text: the fill must give up once it passes the limit.
  const source = '{{ big }}'.repeat(20_000);
  const big = 'y'.repeat(1_000_000);
  assert.equal(renderStraightTemplate(source, { big }, 3_000_000), undefined);
  assert.equal(renderStraightTemplate('{{ big }}{{ big }}', { big }, 2_000_000)?.length, 2_000_000);
});
