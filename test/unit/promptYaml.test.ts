/**
 * GitHub Models `.prompt.yml`: the nine example files of github/gh-models read into the prompt model, GitHub's
 * template rules (render and analysis), the diagnostics at their exact characters, and mistakes planted in copies of
 * the real files reported at the right line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findNodeAtLocation, getNodeValue } from 'jsonc-parser';
import { analyzePromptDocument, analyzePromptYaml, type DiagnosticCode, type PromptDiagnostic } from '../../src/core/template/analyze';
import { parsePromptYaml } from '../../src/core/format/promptYaml';
import { positionAt } from '../../src/core/format/text';
import { analyzeGithubTemplate, formatGoValue, renderGithubTemplate } from '../../src/core/template/githubTemplate';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { resolveInputs } from '../../src/core/template/template';
import { TEMPLATE_FIXTURES_DIR } from './templateFixtures';

const GH_DIR = path.join(TEMPLATE_FIXTURES_DIR, 'original', 'gh-models');
const GH_FILES = fs.readdirSync(GH_DIR).filter((f) => f.endsWith('.yml')).sort();

function read(file: string): string {
  return fs.readFileSync(path.join(GH_DIR, file), 'utf8');
}

function found(text: string): [DiagnosticCode, string, string][] {
  return analyzePromptYaml(text).diagnostics.map((d) => [d.code, d.severity, text.slice(d.start, d.end)]);
}

/** The one diagnostic of `code`, asserted to cover `under` (when given) on 1-based line `line`. */
function assertOne(text: string, code: DiagnosticCode, under: string | undefined, line: number): PromptDiagnostic {
  const all = analyzePromptYaml(text).diagnostics;
  const matching = all.filter((d) => d.code === code);
  assert.equal(matching.length, 1, `one ${code}; found ${JSON.stringify(all.map((d) => [d.code, text.slice(d.start, d.end)]))}`);
  const d = matching[0] as PromptDiagnostic;
  if (under !== undefined) assert.equal(text.slice(d.start, d.end), under);
  assert.equal(positionAt(text, d.start).line + 1, line, `${code} on line ${line}`);
  return d;
}

test('the nine gh-models examples are all there and read without problems', () => {
  assert.equal(GH_FILES.length, 9);
  for (const file of GH_FILES) {
    const parsed = parsePromptYaml(read(file));
    assert.deepEqual(parsed.problems, [], file);
    assert.ok(parsed.prompt, file);
    assert.equal(parsed.prompt.templateSyntax, 'github');
    assert.match(parsed.prompt.model ?? '', /^openai\/gpt-4o(-mini)?$/, file);
    assert.ok(parsed.prompt.messages.length >= 1);
  }
});

test('sample_prompt.yml: fields, modelParameters as request parameters, testData keys as inputs with row 1 as defaults', () => {
  const text = read('sample_prompt.yml');
  const { prompt, tree } = parsePromptYaml(text);
  assert.ok(prompt);
  assert.equal(prompt.name, 'Sample Evaluation');
  assert.equal(prompt.description, 'A sample evaluation for testing the eval command');
  assert.equal(prompt.model, 'openai/gpt-4o');
  assert.deepEqual(prompt.parameters, { temperature: 0.5, max_tokens: 50 });
  assert.deepEqual([...prompt.inputs.keys()], ['input', 'string', 'expected']);
  assert.deepEqual(prompt.inputs.get('input')?.default, 'hello world');
  assert.equal(text.slice(prompt.inputs.get('string')?.span.offset, (prompt.inputs.get('string')?.span.offset ?? 0) + 6), 'string');
  assert.deepEqual(prompt.messages.map((m) => m.kind === 'template' && [m.role, m.content]), [
    ['system', 'You are a helpful assistant that responds to greetings and farewells.'],
    ['user', 'Please respond to this message appropriately: {{input}}'],
  ]);
  // testData and evaluators stay in the tree as written, with their positions, for the evaluation code.
  const evaluators = findNodeAtLocation(tree as never, ['evaluators']);
  assert.deepEqual(JSON.parse(JSON.stringify(getNodeValue(evaluators as never))), [{ name: 'string evaluator', string: { contains: '{{string}}' } }, { name: 'similarity check', uses: 'github/similarity' }]);
  const row2 = findNodeAtLocation(tree as never, ['testData', 1, 'expected']);
  assert.equal(text.slice(row2?.offset, (row2?.offset ?? 0) + (row2?.length ?? 0)), "'farewell response'");
});

test('json_schema_prompt.yml: responseFormat and the jsonSchema string become response_format', () => {
  const { prompt } = parsePromptYaml(read('json_schema_prompt.yml'));
  const format = prompt?.parameters.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: { required: string[] } } };
  assert.equal(format.type, 'json_schema');
  assert.equal(format.json_schema.name, 'animal_description');
  assert.equal(format.json_schema.strict, true);
  assert.deepEqual(format.json_schema.schema.required, ['name', 'habitat', 'diet']);
  assert.deepEqual(parsePromptYaml(read('json_response_prompt.yml')).prompt?.parameters.response_format, { type: 'json_object' });
});

test('the examples\' diagnostics: only the variables that no testData row gives a value, each at its characters', () => {
  const expected: Record<string, string[]> = {
    // No testData: every variable is left as written by GitHub unless given with --var.
    'advanced_template_prompt.yml': ['assistant_persona', 'expertise_level', 'domain', 'tone', 'formality_level', 'user_name', 'user_role', 'company', 'user_name', 'company', 'background_info', 'input', 'user_role', 'formality_level', 'additional_context'],
    'template_variables_prompt.yml': ['persona', 'domain', 'name', 'topic', 'input'],
    'test_generate.yml': ['input'],
  };
  for (const file of GH_FILES) {
    const text = read(file);
    const diagnostics = analyzePromptYaml(text).diagnostics;
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity, text.slice(d.start, d.end)]), (expected[file] ?? []).map((n) => ['unknown-variable', 'warning', n]), file);
    // Each marks the name inside its own `{{…}}`, at the document position of that occurrence (block scalars too).
    const occurrences = [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => (m.index ?? 0) + 2);
    for (const d of diagnostics) assert.ok(occurrences.includes(d.start), `${file}: ${text.slice(d.start, d.end)} at an occurrence`);
  }
});

test('analyzePromptDocument picks the reader by file name', () => {
  const yaml = read('sample_prompt.yml');
  assert.equal(analyzePromptDocument('x/sample.prompt.yml', yaml).prompt?.templateSyntax, 'github');
  assert.equal(analyzePromptDocument('x/sample.PROMPT.YAML', yaml).prompt?.templateSyntax, 'github');
  assert.equal(analyzePromptDocument('x/sample.prompt.json', '{"messages":[{"role":"user","content":"hi"}]}').prompt?.templateSyntax, undefined);
});

test('planted in sample_prompt.yml: an unknown variable, a spaced one and a Nunjucks tag, each at its line', () => {
  const text = read('sample_prompt.yml');
  const typo = text.replace("appropriately: {{input}}'", "appropriately: {{inptu}}'");
  assertOne(typo, 'unknown-variable', 'inptu', 18);
  const spaced = text.replace("appropriately: {{input}}'", "appropriately: {{ input }}'");
  const d = assertOne(spaced, 'template-not-replaced', '{{ input }}', 18);
  assert.match(d.message, /only "\{\{input\}\}" written without spaces/);
  const tag = text.replace('content: You are a helpful assistant that responds', 'content: "{% if input %}Be brief.{% endif %} You are a helpful assistant that responds');
  const tagged = tag.replace('greetings and farewells.', 'greetings and farewells."');
  const tags = analyzePromptYaml(tagged).diagnostics.filter((x) => x.code === 'template-not-replaced');
  assert.deepEqual(tags.map((x) => [tagged.slice(x.start, x.end), positionAt(tagged, x.start).line + 1]), [['{% if input %}', 16], ['{% endif %}', 16]]);
});

test('planted in a literal block scalar (advanced_template_prompt.yml): a spaced placeholder on its exact line and column', () => {
  const text = read('advanced_template_prompt.yml').replace('Background: {{background_info}}', 'Background: {{ background_info | trim }}');
  const d = assertOne(text, 'template-not-replaced', '{{ background_info | trim }}', 20);
  assert.equal(positionAt(text, d.start).character, 18);
});

test('planted: roles, parameters, response format, jsonSchema JSON, unknown fields, YAML syntax', () => {
  const sample = read('sample_prompt.yml');
  assertOne(sample.replace('- role: system', '- role: sytem'), 'unknown-role', 'sytem', 15);
  assert.deepEqual(found(sample.replace('- role: system', '- role: System')), [], 'roles ignore case, as gh-models does');
  assert.match(assertOne(sample.replace('- role: system', '- role: developer'), 'unknown-role', 'developer', 15).message, /system, user and assistant/);
  assertOne(sample.replace('temperature: 0.5', 'temperature: 3'), 'parameter-out-of-range', '3', 5);
  assertOne(sample.replace('maxTokens: 50', 'maxTokens: 12.5'), 'not-positive-integer', '12.5', 6);
  assertOne(sample.replace('maxTokens: 50', 'max_tokens: 50'), 'unknown-field', 'max_tokens', 6);
  assertOne(sample.replace('model: openai/gpt-4o', 'model: openai/gpt-4o\nprompt: hi'), 'unknown-field', 'prompt', 4);
  assertOne(read('json_response_prompt.yml').replace('responseFormat: json_object', 'responseFormat: xml'), 'invalid-response-format', 'xml', 4);
  const schema = read('json_schema_prompt.yml');
  // A comma removed inside the JSON held by the `|-` block: marked at the next property name, line 14.
  const broken = schema.replace('"type": "string",\n          "description": "The name', '"type": "string"\n          "description": "The name');
  assert.notEqual(broken, schema);
  const d = assertOne(broken, 'invalid-json-schema', '"description"', 14);
  assert.match(d.message, /comma/);
  assert.match(assertOne(schema.replace('"name": "animal_description",\n', ''), 'invalid-json-schema', undefined, 5).message, /"name"/);
  const unterminated = sample.replace("  - input: 'goodbye world'", "  - input: 'goodbye world");
  const syntax = assertOne(unterminated, 'yaml-syntax', undefined, 11);
  assert.match(syntax.message, /^Malformed YAML at line 11/);
});

test('structure: no messages, an empty list, a row that is not a mapping', () => {
  assert.deepEqual(found('name: x\n').map(([c]) => c), ['prompt-structure']);
  assert.deepEqual(found('messages: []\n').map(([c]) => c), ['prompt-structure', 'empty-messages']);
  assertOne('testData:\n  - just text\nmessages:\n  - role: user\n    content: hi\n', 'prompt-structure', 'just text', 2);
});

test('GitHub\'s template rules: {{name}} replaced, anything else as written', () => {
  const values = { name: 'Ada', n: 3, ok: true, none: null, list: ['a', 1], map: { b: 2, a: 'x' }, 'first name': 'A', other: '{{name}}' };
  assert.equal(renderGithubTemplate('Hi {{name}}, {{ name }}, {{unknown}}, {% if name %}x{% endif %}', values), 'Hi Ada, {{ name }}, {{unknown}}, {% if name %}x{% endif %}');
  assert.equal(renderGithubTemplate('{{n}} {{ok}} {{none}} {{list}} {{map}} {{first name}}', values), '3 true <nil> [a 1] map[a:x b:2] A');
  assert.equal(renderGithubTemplate('{{{name}}} {{{{name}}}}', values), '{Ada} {{Ada}}', 'the innermost {{name}} is the placeholder, as strings.ReplaceAll finds it');
  assert.equal(renderGithubTemplate('{{other}}', values), '{{name}}', 'a value is never scanned again');
  assert.equal(renderGithubTemplate('unclosed {{name', values), 'unclosed {{name');
  assert.equal(formatGoValue([[1, 2], { k: [true] }]), '[[1 2] map[k:[true]]]');
  const analysis = analyzeGithubTemplate('{{a}} {{ b }} {{c.d}} {% for x in y %}{# note #}{{{e}}}');
  assert.deepEqual(analysis.uses.map((u) => [u.name, u.start]), [['a', 2], ['c.d', 16], ['e', 51]]);
  assert.deepEqual(analysis.literal.map((l) => [l.kind, l.text]), [['spaced', '{{ b }}'], ['tag', '{% for x in y %}'], ['comment', '{# note #}']]);
});

test('the renderer renders a .prompt.yml\'s messages by GitHub\'s rules, and evaluator templates by the syntax asked for', async () => {
  const { prompt } = parsePromptYaml(read('template_variables_prompt.yml'));
  assert.ok(prompt);
  const renderer = inProcessRenderer();
  const { values } = resolveInputs(prompt, { persona: 'Sam', input: 'Help?' });
  const messages = await renderer.renderMessages(prompt, values);
  assert.deepEqual(messages, [
    { role: 'system', content: 'You are Sam, a helpful assistant specializing in {{domain}}.' },
    { role: 'user', content: 'Hello {{name}}! I need help with {{topic}}. Help?' },
  ]);
  assert.deepEqual(await renderer.renderTemplates(['{{x}}-{{ y }}'], { x: 1 }, { syntax: 'github' }), ['1-{{ y }}']);
  await assert.rejects(renderer.renderTemplates(['{{x}}-{{ y }}'], { x: 1 }), /undefined/, 'Nunjucks (the default) fails on an undefined value');
});

test('every example renders each testData row as gh-models would: placeholders of the row replaced, others kept', async () => {
  const renderer = inProcessRenderer();
  for (const file of GH_FILES) {
    const text = read(file);
    const { prompt, tree } = parsePromptYaml(text);
    assert.ok(prompt);
    const testData = findNodeAtLocation(tree as never, ['testData']);
    const rows = testData ? JSON.parse(JSON.stringify(getNodeValue(testData))) as Record<string, unknown>[] : [{}];
    for (const row of rows) {
      const messages = await renderer.renderMessages(prompt, row);
      messages.forEach((m, i) => {
        const source = (prompt.messages[i] as { content: string }).content;
        let expected = source;
        for (const [k, v] of Object.entries(row)) expected = expected.split(`{{${k}}}`).join(typeof v === 'string' ? v : String(v));
        assert.equal(m.content, expected, `${file} message ${i + 1}`);
      });
    }
  }
});
