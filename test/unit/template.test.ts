import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { InputValueError, MAX_RANGE_LENGTH, TemplateError, renderMessages, renderTemplate, resolveInputs } from '../../src/core/template/template';

function prompt(text: string): PromptFile {
  const parsed = parsePromptFile(text);
  assert.ok(parsed.prompt, JSON.stringify(parsed.problems));
  return parsed.prompt;
}

test('renders variables, loops, conditionals and attribute paths without escaping', () => {
  const out = renderTemplate('{% for c in cats %}- {{ c }}\n{% endfor %}{% if user.vip %}VIP {{ user.name | upper }}{% endif %} <b>&</b>', {
    cats: ['billing', 'bug'], user: { vip: true, name: 'ada' },
  });
  assert.equal(out, '- billing\n- bug\nVIP ADA <b>&</b>');
});

test('chat_history expands to the input\'s messages, in place', () => {
  const p = prompt(`{ "inputs": { "history": { "type": "chat_history" }, "q": {} },
    "messages": [ { "role": "system", "content": "Be brief." }, { "role": "chat_history", "input": "history" }, { "role": "user", "content": "{{ q }}" } ] }`);
  const history = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! {{ not rendered }}' }];
  assert.deepEqual(renderMessages(p, { history, q: 'Why?' }), [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello! {{ not rendered }}' },
    { role: 'user', content: 'Why?' },
  ]);
  assert.throws(() => renderMessages(p, { history: 'nope', q: '' }), InputValueError);
  assert.throws(() => renderMessages(p, { history: [{ role: 'wizard', content: 'x' }], q: '' }), /Item 1 of input "history"/);
  assert.throws(() => renderMessages(p, { q: '' }), /has no value/);
});

test('a template error names the message index, the line and what is wrong', () => {
  const p = prompt(`{ "messages": [ { "role": "system", "content": "ok" }, { "role": "user", "content": "line one\\n{{ a | nosuchfilter }}" } ] }`);
  const err = (() => { try { renderMessages(p, { a: 1 }); } catch (e) { return e; } return undefined; })();
  assert.ok(err instanceof TemplateError, String(err));
  assert.equal(err.messageIndex, 1);
  assert.match(err.detail, /filter not found: nosuchfilter/);
  assert.match(err.message, /^Template error in message 2/);
});

test('an undeclared variable is an error, not an empty string', () => {
  assert.throws(() => renderTemplate('Hello {{ nobody }}!', {}), (e: unknown) => e instanceof TemplateError && /null or undefined/.test(e.detail) && e.line === 1);
});

test('syntax errors are TemplateErrors', () => {
  for (const source of ['{{ unclosed', '{% if a %}no end', '{{ a b }}']) {
    assert.throws(() => renderTemplate(source, { a: 1 }), TemplateError, source);
  }
});

test('the sandbox: every published escape ends as a TemplateError, and nothing of the host reaches an output or a message', () => {
  // A value only the host has: an escape that reached `process` could print it as a plain string.
  const canary = `sandbox-canary-${Date.now()}-${Math.random()}`;
  process.env.PROMPT_LAB_SANDBOX_CANARY = canary;
  const reach = 'return process.env.PROMPT_LAB_SANDBOX_CANARY';
  const escapes = [
    `{{ range.constructor("${reach}")() }}`,
    `{{ cycler.constructor("${reach}")() }}`,
    `{{ joiner.constructor("${reach}")() }}`,
    `{{ constructor.constructor("${reach}")() }}`,
    `{{ "".constructor.constructor("${reach}")() }}`,
    `{{ x["constructor"]["constructor"]("${reach}")() }}`,
    `{{ x["const" + "ructor"]["constructor"]("${reach}")() }}`,
    `{{ x.__proto__.constructor("${reach}")() }}`,
    `{{ items.map.constructor("${reach}")() }}`,
    `{% set f = range.constructor %}{{ f("${reach}")() }}`,
    '{{ x.__lookupGetter__("__proto__") }}',
    `{{ x.hasOwnProperty.constructor("${reach}")() }}`,
    `{{ (range | first).constructor("${reach}")() }}`,
    `{{ items.constructor.constructor("${reach}")() }}`,
    `{{ (x | dictsort).constructor.constructor("${reach}")() }}`,
    '{{ process.env.PROMPT_LAB_SANDBOX_CANARY }}',
    '{{ globalThis.process.env.PROMPT_LAB_SANDBOX_CANARY }}',
  ];
  try {
    for (const source of escapes) {
      let output: string | undefined;
      let error: unknown;
      try {
        output = renderTemplate(source, { x: { a: 1 }, items: [1, 2] });
      } catch (err) {
        error = err;
      }
      assert.equal(output, undefined, `${source} rendered ${JSON.stringify(output)}`);
      assert.ok(error instanceof TemplateError, `${source}: ${String(error)}`);
      assert.ok(!error.message.includes(canary), `${source}: the message holds the canary`);
      assert.doesNotMatch(error.message, /\[native code\]|\[object (process|global)/i, source);
    }
  } finally {
    delete process.env.PROMPT_LAB_SANDBOX_CANARY;
  }
});

test('the sandbox: no file can be included, imported or extended', () => {
  for (const source of ['{% include "/etc/passwd" %}', '{% import "/etc/hosts" as h %}', '{% extends "package.json" %}']) {
    assert.throws(() => renderTemplate(source, {}), (e: unknown) => e instanceof TemplateError && /is not supported: a prompt template cannot read other files/.test(e.detail), source);
  }
});

test('the sandbox: range() is bounded', () => {
  assert.equal(renderTemplate('{{ range(3) | join(",") }}', {}), '0,1,2');
  assert.throws(() => renderTemplate(`{% for i in range(${MAX_RANGE_LENGTH + 1}) %}{% endfor %}`, {}), /limit/);
});

test('string and array methods still work', () => {
  assert.equal(renderTemplate('{{ s.toUpperCase() }} {{ a.length }} {{ a[a.length - 1] }}', { s: 'hi', a: [1, 2, 3] }), 'HI 3 3');
});

test('resolveInputs: given values win, then defaults; required inputs without either are missing', () => {
  const p = prompt('{ "inputs": { "a": { "default": 1 }, "b": { "required": true }, "c": { "required": true, "default": null }, "d": {} }, "messages": [{ "role": "user", "content": "x" }] }');
  assert.deepEqual(resolveInputs(p), { values: { a: 1, c: null }, missing: ['b'] });
  assert.deepEqual(resolveInputs(p, { a: 2, b: 'x' }), { values: { a: 2, b: 'x', c: null }, missing: [] });
});

test('errors Nunjucks leaves unplaced get a line and column: unknown filter, unclosed tag at the end', () => {
  const at = (source: string): [number | undefined, number | undefined] => {
    try {
      renderTemplate(source, { a: 1 });
    } catch (e) {
      assert.ok(e instanceof TemplateError);
      return [e.line, e.column];
    }
    assert.fail('no error');
  };
  assert.deepEqual(at('one\ntwo {{ a |  nope }}'), [2, 13]);
  assert.deepEqual(at('one\n{% if a %}x'), [2, 12]);
  assert.deepEqual(at('one\r\nb {{ a'), [2, 7]);
  assert.deepEqual(at('x\n {{ a b }}'), [2, 7]);
});
