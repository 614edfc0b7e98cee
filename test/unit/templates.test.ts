/**
 * Real templates (Prompty, promptfoo, GitHub Models, a llama.cpp chat template), converted to `.prompt.json` by
 * test/fixtures/templates/convert.mjs: each analyses and renders as its original does, and mistakes planted in a copy
 * are reported at exactly the planted characters, also behind JSON escapes in the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzePromptFile, type DiagnosticCode, type PromptAnalysis, type PromptDiagnostic } from '../../src/core/template/analyze';
import type { PromptFile, TemplateMessage } from '../../src/core/format/promptFile';
import { TemplateError, messageText, renderMessages, resolveInputs } from '../../src/core/template/template';
import { positionAt } from '../../src/core/format/text';
import { TEMPLATE_FIXTURES_DIR, templateFixtures, type PromptFixture } from './templateFixtures';

const FIXTURES = templateFixtures();

/**
 * What does not analyse or render cleanly, and why. Every other fixture has no error diagnostic and renders.
 * (Warnings are listed too: inputs whose sample data the original has but no template uses.)
 */
const EXPECTED: Record<string, { errors?: [DiagnosticCode, string][]; unused?: string[]; render?: RegExp }> = {
  // Jinja2's `tojson` filter does not exist in Nunjucks (its equivalent is `dump`). Nunjucks looks a filter up when the
  // expression runs, so with the empty defaults (no tools, no messages) it still renders; with tools it fails (below).
  'llama.cpp-chat-templates/llama-cpp-microsoft-Phi-4-mini-instruct.prompt.json': { errors: [['unknown-filter', 'tojson'], ['unknown-filter', 'tojson'], ['unknown-filter', 'tojson']] },
  // `allcaps` is a custom filter the promptfoo example registers in JavaScript; it is not in the folder nor in Nunjucks.
  'promptfoo/nunjucks-custom-filters.1.prompt.json': { errors: [['unknown-filter', 'allcaps']], render: /filter not found: allcaps/ },
  'promptfoo/nunjucks-custom-filters.2.prompt.json': { errors: [['unknown-filter', 'allcaps']], render: /filter not found: allcaps/ },
  // The real sample data (research.json) has web results with `name`, not `title`: Jinja2 prints the undefined
  // `{{item.title}}` as nothing; Prompt Lab makes outputting an undefined value an error (README). Analysis cannot see it.
  'contoso-creative-writer/writer.prompt.json': { render: /attempted to output null or undefined value/ },
  'contoso-chat/chat.prompt.json': { unused: ['chat_history'] },
  'contoso-chat/groundedness.prompt.json': { unused: ['question'] },
  'gh-models/sample_prompt.prompt.json': { unused: ['string', 'expected'] },
  'gh-models/test_single_evaluator.prompt.json': { unused: ['expected'] },
  'microsoft-prompty/v1-hello.prompt.json': { unused: ['firstName', 'lastName', 'question'] },
};

/** Line and character of `offset`, counted here independently of src/core/format/text.ts (fixtures end lines with \n). */
function lineCharacter(text: string, offset: number): { line: number; character: number } {
  const lines = text.slice(0, offset).split('\n');
  return { line: lines.length - 1, character: (lines.at(-1) ?? '').length };
}

function errorsOf(analysis: PromptAnalysis): PromptDiagnostic[] {
  return analysis.diagnostics.filter((d) => d.severity === 'error');
}

function promptOf(text: string): PromptFile {
  const { prompt } = analyzePromptFile(text);
  assert.ok(prompt, 'the fixture parses as a prompt file');
  return prompt;
}

/** The document span of a message's content literal, quotes included. */
function literalOf(text: string, index: number): { start: number; end: number } {
  const message = analyzePromptFile(text).messages.find((m) => m.message.index === index);
  assert.ok(message, `message ${index} is a template`);
  return { start: message.message.contentSpan.offset, end: message.message.contentSpan.offset + message.message.contentSpan.length };
}

/** JSON escapes put at the start of message `index`'s content: `café "q"` and a new line and a tab. */
const ESCAPES = 'caf\\u00e9 \\"q\\"\\n\\t';

function withEscapes(text: string, index: number): string {
  const { start } = literalOf(text, index);
  return text.slice(0, start + 1) + ESCAPES + text.slice(start + 1);
}

/** Asserts one diagnostic of `code` sits at exactly [start, end) and shows `under`, at the right line and character. */
function assertAt(text: string, code: DiagnosticCode, start: number, under: string, label: string): PromptDiagnostic {
  const found = analyzePromptFile(text).diagnostics.filter((d) => d.code === code);
  const d = found.find((x) => x.start === start);
  assert.ok(d, `${label}: a ${code} at ${start} (${JSON.stringify(lineCharacter(text, start))}); found ${JSON.stringify(found.map((x) => [x.start, text.slice(x.start, x.end)]))}`);
  assert.equal(text.slice(d.start, d.end), under, label);
  assert.deepEqual(positionAt(text, d.start), lineCharacter(text, start), label);
  assert.deepEqual(positionAt(text, d.end), lineCharacter(text, start + under.length), label);
  return d;
}

/** Each variant of a fixture a mistake is planted in: as it is, and with escapes before the mistake in its message. */
function variants(text: string, index: number): { label: string; text: string; shift: (offset: number) => number }[] {
  const { start } = literalOf(text, index);
  return [
    { label: 'plain', text, shift: (o) => o },
    { label: 'after escapes', text: withEscapes(text, index), shift: (o) => (o > start ? o + ESCAPES.length : o) },
  ];
}

test('every converted template keeps its original text', () => {
  assert.ok(FIXTURES.length >= 25, `${FIXTURES.length} fixtures`);
  for (const fixture of FIXTURES) {
    const prompt = promptOf(fixture.text);
    const source = (JSON.parse(fixture.text) as { metadata: { source: string } }).metadata.source;
    const original = fs.readFileSync(path.join(TEMPLATE_FIXTURES_DIR, source), 'utf8');
    for (const m of prompt.messages) {
      assert.equal(m.kind, 'template');
      const content = (m as TemplateMessage).content;
      // YAML block scalars are indented in the original: compare line by line there.
      if (source.endsWith('.yml')) for (const line of content.split('\n')) assert.ok(original.includes(line), `${fixture.name}: ${line}`);
      else assert.ok(original.includes(content), `${fixture.name}: message ${m.index + 1} is a verbatim part of ${source}`);
    }
  }
});

test('every converted template analyses without errors (but the explained ones) and renders with its sample data', () => {
  for (const fixture of FIXTURES) {
    const expected = EXPECTED[fixture.name] ?? {};
    const analysis = analyzePromptFile(fixture.text);
    assert.deepEqual(errorsOf(analysis).map((d) => [d.code, fixture.text.slice(d.start, d.end)]), expected.errors ?? [], fixture.name);
    const warnings = analysis.diagnostics.filter((d) => d.severity === 'warning');
    assert.deepEqual(warnings.map((d) => [d.code, d.data?.name]), (expected.unused ?? []).map((n) => ['unused-input', n]), fixture.name);
    const prompt = promptOf(fixture.text);
    const { values, missing } = resolveInputs(prompt);
    assert.deepEqual(missing, [], fixture.name);
    if (expected.render) {
      assert.throws(() => renderMessages(prompt, values), (e) => e instanceof TemplateError && expected.render!.test(e.detail), fixture.name);
      continue;
    }
    const rendered = renderMessages(prompt, values);
    assert.equal(rendered.length, prompt.messages.length, fixture.name);
    for (const m of rendered.map(messageText)) assert.ok(!m.includes('{{') && !m.includes('{%'), `${fixture.name}: ${m}`);
  }
});

test('sample data reaches the rendered messages (Prompty sample, ${file:…} data, gh-models testData)', () => {
  const render = (name: string) => {
    const prompt = promptOf(FIXTURES.find((f) => f.name === name)?.text ?? '');
    return renderMessages(prompt, resolveInputs(prompt).values).map((m) => ({ ...m, content: messageText(m) }));
  };
  assert.match(render('microsoft-prompty/v1-context.prompt.json')[0]?.content ?? '', /catalog: 17\nitem: RainGuard Hiking Jacket\nprice: 110\n[\s\S]*You are helping Sally Davis to find answers/);
  assert.equal(render('microsoft-prompty/v1-context.prompt.json')[1]?.content, 'What kind of clothing do you suggest?');
  assert.match(render('contoso-chat/chat.prompt.json')[0]?.content ?? '', /name: Alpine Explorer Tent[\s\S]*The customer's name is John Smith and is 35 years old\./);
  assert.equal(render('gh-models/json_schema_prompt.prompt.json')[1]?.content, 'Describe a dog in detail.');
  assert.match(render('promptfoo/llama-gpt-comparison.prompt.json')[0]?.content ?? '', /^<\|begin_of_text\|><\|start_header_id\|>system<\|end_header_id\|>/);
});

test('the Phi-4 chat template renders under Nunjucks until a `tojson` filter is reached', () => {
  const prompt = promptOf(FIXTURES.find((f) => f.name.includes('Phi-4'))?.text ?? '');
  const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }];
  // The leading new line is the one after `{%- set … %}` before `{% elif`: Hugging Face renders chat templates with
  // Jinja's trim_blocks and lstrip_blocks, which drop it; Prompt Lab's Nunjucks keeps the text as written.
  assert.equal(renderMessages(prompt, { messages, add_generation_prompt: true, eos_token: '<|endoftext|>' })[0]?.content,
    '\n<|system|>Be brief.<|end|><|user|>Hi<|end|><|assistant|>');
  const tools = [{ type: 'function', function: { name: 'get_weather' } }];
  assert.throws(() => renderMessages(prompt, { messages, tools, add_generation_prompt: true }), (e) => e instanceof TemplateError && /filter not found: tojson/.test(e.detail));
});

/** The first use of an input in a template, at its document offset. */
function firstUse(fixture: PromptFixture): { index: number; name: string; offset: number } {
  const analysis = analyzePromptFile(fixture.text);
  for (const m of analysis.messages) {
    const use = m.analysis.uses[0];
    if (!use) continue;
    const offset = m.map().toDocument(use.start);
    assert.equal(fixture.text.slice(offset, offset + use.name.length), use.name, fixture.name);
    assert.match(fixture.text[offset - 1] ?? '', /\W/, fixture.name);
    return { index: m.message.index, name: use.name, offset };
  }
  throw new Error(`${fixture.name} uses no variable`);
}

test('planted: a renamed variable use is undeclared at exactly the renamed characters', () => {
  for (const fixture of FIXTURES) {
    const use = firstUse(fixture);
    for (const v of variants(fixture.text, use.index)) {
      const at = v.shift(use.offset);
      const planted = `${v.text.slice(0, at)}${use.name}Zq${v.text.slice(at + use.name.length)}`;
      const d = assertAt(planted, 'undeclared-variable', at, `${use.name}Zq`, `${fixture.name} (${v.label})`);
      assert.equal(d.data?.name, `${use.name}Zq`);
      assert.equal(errorsOf(analyzePromptFile(planted)).length, (EXPECTED[fixture.name]?.errors?.length ?? 0) + 1, fixture.name);
    }
  }
});

test('planted: a deleted {% endfor %} or {% endif %} is a syntax error at the tag it leaves open', () => {
  let planted = 0;
  for (const fixture of FIXTURES) {
    for (const m of analyzePromptFile(fixture.text).messages) {
      const { start, end } = literalOf(fixture.text, m.message.index);
      // The block tags of the literal as written in the document; the last end tag closes the tag it leaves open.
      const tags = [...fixture.text.slice(start, end).matchAll(/\{%-?\s*(for|if|endfor|endif)\b.*?-?%\}/g)];
      let last = tags.length - 1;
      while (last >= 0 && !tags[last]?.[1]?.startsWith('end')) last--;
      if (last === -1) continue;
      const stack: RegExpExecArray[] = [];
      for (const t of tags.slice(0, last)) {
        if (t[1]?.startsWith('end')) stack.pop();
        else stack.push(t);
      }
      const opener = stack.at(-1);
      const closer = tags[last];
      assert.ok(opener && closer && opener.index !== undefined && closer.index !== undefined);
      for (const v of variants(fixture.text, m.message.index)) {
        const closeAt = v.shift(start + closer.index);
        const text = v.text.slice(0, closeAt) + v.text.slice(closeAt + closer[0].length);
        const label = `${fixture.name} message ${m.message.index + 1} without its last ${closer[0]} (${v.label})`;
        const d = assertAt(text, 'template-syntax', v.shift(start + opener.index), opener[0], label);
        assert.match(d.message, new RegExp(`^Template syntax error in message ${m.message.index + 1}: `), label);
        planted++;
      }
    }
  }
  assert.ok(planted >= 18, `${planted} planted`);
});

test('planted: a removed input declaration makes every use of it undeclared', () => {
  let planted = 0;
  for (const fixture of FIXTURES) {
    const analysis = analyzePromptFile(fixture.text);
    const doc = JSON.parse(fixture.text) as { inputs: Record<string, unknown> };
    for (const name of Object.keys(doc.inputs)) {
      const uses = analysis.messages.flatMap((m) => m.analysis.uses.filter((u) => u.name === name).map((u) => ({ index: m.message.index, offset: m.map().toDocument(u.start) })));
      if (uses.length === 0) continue;
      const { [name]: _removed, ...rest } = doc.inputs;
      // The inputs come before the messages, so removing one moves every use by the same amount.
      const without = `${JSON.stringify({ ...doc, inputs: rest }, null, 2)}\n`;
      const delta = fixture.text.length - without.length;
      for (const v of variants(without, (uses[0] as { index: number }).index)) {
        const label = `${fixture.name} without input ${name} (${v.label})`;
        const found = analyzePromptFile(v.text).diagnostics.filter((d) => d.code === 'undeclared-variable');
        assert.deepEqual(found.map((d) => d.start), uses.map((u) => v.shift(u.offset - delta)), label);
        for (const d of found) assertAt(v.text, 'undeclared-variable', d.start, name, label);
        planted++;
      }
    }
  }
  assert.ok(planted >= 60, `${planted} planted`);
});

test('planted: `| upperr` is an unknown filter at the filter name, with a suggestion', () => {
  for (const fixture of FIXTURES) {
    // The first simple output expression ({{ x }}, {{ a.b }}, {{- m['k'] -}}) of the first message that has one.
    const analysis = analyzePromptFile(fixture.text);
    let spot: { index: number; at: number } | undefined;
    for (const m of analysis.messages) {
      const { start, end } = literalOf(fixture.text, m.message.index);
      const expr = /\{\{-?\s*[\w.[\]'"]+?(\s*-?\}\})/.exec(fixture.text.slice(start, end));
      if (expr?.[1]) {
        spot = { index: m.message.index, at: start + expr.index + expr[0].length - expr[1].length };
        break;
      }
    }
    assert.ok(spot, `${fixture.name} has a simple {{ }} expression`);
    for (const v of variants(fixture.text, spot.index)) {
      const at = v.shift(spot.at);
      const text = `${v.text.slice(0, at)} | upperr${v.text.slice(at)}`;
      const d = assertAt(text, 'unknown-filter', at + 3, 'upperr', `${fixture.name} (${v.label})`);
      assert.equal(d.data?.suggestion, 'upper');
    }
  }
});
