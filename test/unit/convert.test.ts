/**
 * The converters over every real fixture: GitHub `.prompt.yml` → `.prompt.json` → `.prompt.yml` keeps the meaning
 * (fields, test data, evaluators, and what each test case renders to), comments survive both ways, what cannot
 * convert is reported at its line; `.prompty` → `.prompt.json` gives the messages and sample data the hand
 * conversion of the fixtures has, matches or suggests a deployment, and reports Jinja2 that Nunjucks lacks at its line.
 * A clean source converts to a `.prompt.json` with no diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findNodeAtLocation, getNodeValue, type Node } from 'jsonc-parser';
import { ConversionError, type ConversionNote } from '../../src/core/format/conversion';
import { promptJsonToYaml, promptYamlToJson } from '../../src/core/format/convertPromptYaml';
import { promptyToJson } from '../../src/core/format/convertPrompty';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { parsePromptYaml } from '../../src/core/format/promptYaml';
import { analyzePromptFile, analyzePromptYaml } from '../../src/core/template/analyze';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { resolveInputs } from '../../src/core/template/template';
import { TEMPLATE_FIXTURES_DIR } from './templateFixtures';

const ORIGINAL = path.join(TEMPLATE_FIXTURES_DIR, 'original');
const GH_FILES = fs.readdirSync(path.join(ORIGINAL, 'gh-models')).filter((f) => f.endsWith('.yml')).sort();
const PROMPTY: [string, string][] = ['microsoft-prompty', 'contoso-creative-writer', 'contoso-chat']
  .flatMap((group) => fs.readdirSync(path.join(ORIGINAL, group)).filter((f) => f.endsWith('.prompty')).sort().map((f): [string, string] => [group, f]));

function read(...parts: string[]): string {
  return fs.readFileSync(path.join(ORIGINAL, ...parts), 'utf8');
}

function plain(tree: Node | undefined, key: string): unknown {
  const node = tree ? findNodeAtLocation(tree, [key]) : undefined;
  return node ? JSON.parse(JSON.stringify(getNodeValue(node))) : undefined;
}

function serious(notes: ConversionNote[]): ConversionNote[] {
  return notes.filter((n) => n.severity !== 'info');
}

/** What a .prompt.yml means: the fields gh-models reads, as parsed. */
function meaning(text: string): unknown {
  const parsed = parsePromptYaml(text);
  assert.deepEqual(parsed.problems, []);
  const prompt = parsed.prompt as PromptFile;
  return {
    name: prompt.name, description: prompt.description, model: prompt.model, parameters: prompt.parameters,
    messages: prompt.messages.map((m) => (m.kind === 'template' ? [m.role, m.content] : m)),
    testData: plain(parsed.tree, 'testData'), evaluators: plain(parsed.tree, 'evaluators'),
  };
}

test('the converters are tested on the nine gh-models examples and the thirteen real .prompty files', () => {
  assert.equal(GH_FILES.length, 9);
  assert.equal(PROMPTY.length, 13);
  assert.equal(PROMPTY.filter(([g]) => g !== 'contoso-chat').length, 10);
});

test('.prompt.yml → .prompt.json: every example converts; a clean one gives a .prompt.json with no diagnostics', () => {
  for (const file of GH_FILES) {
    const yaml = read('gh-models', file);
    const { text, notes } = promptYamlToJson(yaml);
    const parsed = parsePromptFile(text);
    assert.deepEqual(parsed.problems, [], `${file} converts to a readable .prompt.json`);
    const diagnostics = analyzePromptFile(text).diagnostics;
    const sourceDiagnostics = analyzePromptYaml(yaml).diagnostics;
    if (sourceDiagnostics.length === 0 && serious(notes).length === 0) {
      assert.deepEqual(diagnostics.map((d) => [d.code, text.slice(d.start, d.end)]), [], `${file}: a clean source gives a clean .prompt.json`);
    } else {
      // The only findings: variables without a value, which the .prompt.yml analysis flagged too.
      const unknown = new Set(sourceDiagnostics.filter((d) => d.code === 'unknown-variable').map((d) => d.data?.name));
      for (const d of diagnostics) {
        assert.equal(d.code, 'required-input-without-value', `${file}: ${d.message}`);
        assert.ok(unknown.has(d.data?.name), `${file}: ${String(d.data?.name)} was an unknown variable in the .prompt.yml`);
      }
      for (const n of serious(notes)) assert.ok(n.line !== undefined && n.line > 0, `${file}: "${n.message}" names its line`);
    }
    assert.equal(parsed.prompt?.model, parsePromptYaml(yaml).prompt?.model);
  }
});

test('.prompt.yml → .prompt.json → .prompt.yml keeps the meaning of every example, with nothing reported', () => {
  for (const file of GH_FILES) {
    const yaml = read('gh-models', file);
    const json = promptYamlToJson(yaml);
    const back = promptJsonToYaml(json.text);
    assert.deepEqual(serious(back.notes), [], `${file}: nothing is lost on the way back`);
    assert.deepEqual(meaning(back.text), meaning(yaml), file);
    assert.deepEqual(analyzePromptYaml(back.text).diagnostics.map((d) => d.code), analyzePromptYaml(yaml).diagnostics.map((d) => d.code), `${file}: the same diagnostics`);
  }
});

test('each test case renders the same from the .prompt.yml (GitHub\'s rules) and from the converted .prompt.json (Nunjucks)', async () => {
  const renderer = inProcessRenderer();
  for (const file of GH_FILES) {
    const yaml = read('gh-models', file);
    const source = parsePromptYaml(yaml);
    const converted = parsePromptFile(promptYamlToJson(yaml).text).prompt as PromptFile;
    const names = [...converted.inputs.keys()];
    // Without testData, give every variable a value (the converted file asks for each).
    const rows = (plain(source.tree, 'testData') as Record<string, unknown>[] | undefined) ?? [Object.fromEntries(names.map((n) => [n, `<${n}>`]))];
    for (const row of rows) {
      const expected = await renderer.renderMessages(source.prompt as PromptFile, row);
      const actual = await renderer.renderMessages(converted, resolveInputs(converted, row).values);
      assert.deepEqual(actual, expected, `${file} row ${JSON.stringify(row).slice(0, 60)}`);
    }
  }
});

test('comments and field order survive both ways', () => {
  const yaml = '# Support prompt\nname: Support # shown in the panel\n# sampling\nmodelParameters:\n  # be steady\n  temperature: 0.2\nmessages:\n  # the persona\n  - role: system\n    content: You help {{customer}}.\ntestData:\n  # first case\n  - customer: Ada\n';
  const json = promptYamlToJson(yaml);
  assert.deepEqual(serious(json.notes), []);
  const order = (text: string, words: string[]) => words.map((w) => text.indexOf(w));
  const inJson = order(json.text, ['// Support prompt', '// shown in the panel', '"name"', '// sampling', '"parameters"', '// be steady', '"temperature"', '"inputs"', '// the persona', '"role"', '// first case', '"customer": "Ada"']);
  assert.ok(inJson.every((at, i) => at >= 0 && (i === 0 || at > (inJson[i - 1] as number))), `in order in ${json.text}`);
  const back = promptJsonToYaml(json.text);
  const inYaml = order(back.text, ['# Support prompt', 'name: Support', '# sampling', 'modelParameters:', '# be steady', 'temperature: 0.2', '# the persona', 'role: system', '# first case', 'customer: Ada']);
  assert.ok(inYaml.every((at, i) => at >= 0 && (i === 0 || at > (inYaml[i - 1] as number))), `in order in ${back.text}`);
  const jsonc = '{\n  // why this prompt\n  "name": "x",\n  /* sampling */\n  "parameters": { "temperature": 0 },\n  "messages": [\n    // greet\n    { "role": "user", "content": "Hi {{ who }}" }\n  ],\n  "inputs": { "who": { "default": "Ada" } },\n  "testData": [\n    // the first case\n    { "who": "Ada" }\n  ]\n}\n';
  const yamlOut = promptJsonToYaml(jsonc);
  assert.deepEqual(serious(yamlOut.notes), []);
  const found = order(yamlOut.text, ['# why this prompt', 'name: x', '# sampling', 'modelParameters', '# greet', 'content: Hi {{who}}', '# the first case', 'who: Ada']);
  assert.ok(found.every((at, i) => at >= 0 && (i === 0 || at > (found[i - 1] as number))), `in order in ${yamlOut.text}`);
});

test('a Nunjucks construct in a .prompt.yml stays text in the .prompt.json, reported at its line', async () => {
  const yaml = 'name: t\nmessages:\n  - role: user\n    content: |\n      Hello {{name}}\n      {% if vip %}VIP{% endif %} {{ spaced }} {{{name}}}\n      {{user-name}}\ntestData:\n  - name: Ada\n    user-name: ada1\n';
  const { text, notes } = promptYamlToJson(yaml);
  const info = notes.filter((n) => n.severity === 'info');
  assert.deepEqual(info.map((n) => n.line), [6, 6, 6], 'the if tag, the endif tag, the spaced placeholder');
  const errors = notes.filter((n) => n.severity === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.line, 7);
  assert.match(errors[0]?.message ?? '', /user-name/);
  const converted = parsePromptFile(text).prompt as PromptFile;
  const [rendered] = await inProcessRenderer().renderMessages(converted, resolveInputs(converted).values);
  assert.equal(rendered?.content, 'Hello Ada\n{% if vip %}VIP{% endif %} {{ spaced }} {Ada}\n{{user-name}}\n', 'everything but {{name}} renders as written');
});

test('.prompt.json → .prompt.yml: what GitHub cannot express is reported at its line, never dropped silently', () => {
  const json = '{\n  "name": "x",\n  "deployment": "azure",\n  "parameters": { "temperature": 0.1, "stop": ["\\n"], "max_tokens": 9 },\n  "inputs": { "history": { "type": "chat_history", "default": [] }, "who": { "description": "Who", "default": "Ada" } },\n  "messages": [\n    { "role": "developer", "content": "Be {{ who | upper }}." },\n    { "role": "chat_history", "input": "history" },\n    { "role": "user", "content": "{% for m in [1] %}{{ m }}{% endfor %} {{ who }}" }\n  ],\n  "tags": ["a"]\n}\n';
  const { text, notes } = promptJsonToYaml(json, { models: { 'openai/gpt-4o': 'azure' } });
  const byLine = (line: number) => notes.filter((n) => n.line === line).map((n) => `${n.severity}: ${n.message}`);
  assert.ok(byLine(3).some((m) => /model: openai\/gpt-4o/.test(m)), 'the deployment becomes the model promptLab.models maps to it');
  assert.ok(byLine(4).some((m) => /^error: Parameter "stop"/.test(m)));
  assert.ok(byLine(5).some((m) => /^warning: Input "who": its default is not kept/.test(m)));
  assert.ok(byLine(7).some((m) => /^warning: .*"developer"/.test(m)));
  assert.ok(byLine(7).some((m) => /^error: Message 1: A Nunjucks filter/.test(m)));
  assert.ok(byLine(8).some((m) => /^error: Message 2 is a chat_history slot/.test(m)));
  assert.ok(byLine(9).some((m) => /^error: Message 3: A Nunjucks for loop/.test(m)));
  assert.ok(byLine(11).some((m) => /"tags"/.test(m)));
  const out = parsePromptYaml(text);
  assert.deepEqual(out.problems, []);
  assert.deepEqual(out.prompt?.parameters, { temperature: 0.1, max_tokens: 9 });
  assert.equal(out.prompt?.model, 'openai/gpt-4o');
  assert.deepEqual(out.prompt?.messages.map((m) => m.kind === 'template' && [m.role, m.content]), [['system', 'Be {{ who | upper }}.'], ['user', '{% for m in [1] %}{{ m }}{% endfor %} {{ who }}']], 'what cannot convert is kept as written');
});

test('a source that cannot be read is a ConversionError naming its line', () => {
  assert.throws(() => promptYamlToJson('name: x\nmessages: [\n'), (e: unknown) => e instanceof ConversionError && e.line !== undefined && /Malformed YAML/.test(e.message));
  assert.throws(() => promptJsonToYaml('{ "messages": [ }'), (e: unknown) => e instanceof ConversionError && e.line === 1);
  assert.throws(() => promptyToJson('system:\nno front matter'), (e: unknown) => e instanceof ConversionError && /front matter/.test(e.message));
  assert.throws(() => promptyToJson('---\nname: [\n---\nsystem:\nx\n'), (e: unknown) => e instanceof ConversionError && /not valid YAML/.test(e.message));
});

function readNextTo(group: string): (relative: string) => string | undefined {
  return (relative) => {
    const file = path.join(ORIGINAL, group, relative);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  };
}

test('.prompty → .prompt.json: the messages and sample data of the hand-converted fixtures, and no diagnostics for a clean file', () => {
  for (const [group, file] of PROMPTY) {
    const result = promptyToJson(read(group, file), { readFile: readNextTo(group) });
    const deployments = result.suggestedDeployment ? [result.suggestedDeployment.key] : [];
    const converted = parsePromptFile(result.text);
    assert.deepEqual(converted.problems, [], `${file} converts to a readable .prompt.json`);
    const prompt = converted.prompt as PromptFile;
    const fixture = parsePromptFile(fs.readFileSync(path.join(TEMPLATE_FIXTURES_DIR, group, file.replace(/\.prompty$/, '.prompt.json')), 'utf8')).prompt as PromptFile;
    const contents = (p: PromptFile) => p.messages.map((m) => (m.kind === 'template' ? [m.role, m.content] : m.kind === 'chat_history' ? ['chat_history', m.input] : ['parts']));
    if (file === 'v2-threaded.prompty') {
      // The thread input on a line of its own becomes a chat_history message there.
      assert.deepEqual(contents(prompt), [['system', 'You are a helpful assistant.'], ['chat_history', 'conversation'], ['user', '{{question}}']]);
    } else {
      assert.deepEqual(contents(prompt), contents(fixture), `${file}: the same messages as the hand conversion`);
    }
    for (const [name, input] of fixture.inputs) {
      const mine = prompt.inputs.get(name);
      assert.ok(mine, `${file}: input ${name}`);
      if (input.hasDefault && name !== 'conversation') assert.deepEqual(mine.default, input.default, `${file}: default of ${name}`);
    }
    assert.ok(prompt.deployment, `${file}: names a deployment`);
    const diagnostics = analyzePromptFile(result.text, { deployments }).diagnostics;
    const warned = serious(result.notes);
    if (warned.length === 0) assert.deepEqual(diagnostics.map((d) => [d.code, d.message]), [], `${file}: clean source, clean .prompt.json`);
    // Every diagnostic of the output was reported by the conversion.
    for (const d of diagnostics) assert.ok(warned.some((n) => n.message.includes(`"${d.data?.name}"`)), `${file}: ${d.message} was reported`);
  }
});

test('.prompty model configuration: matched to a deployment that fits, else a suggested entry with apiKeyEnv', () => {
  const v1 = read('microsoft-prompty', 'v1-chat.prompty');
  const matched = promptyToJson(v1, { deployments: { other: { provider: 'openai', model: 'gpt-4o' }, az: { provider: 'azure', endpoint: 'https://r.openai.azure.com', deployment: 'gpt-35-turbo' } } });
  assert.equal(matched.matchedDeployment, 'az');
  assert.equal(parsePromptFile(matched.text).prompt?.deployment, 'az');
  const v2 = promptyToJson(read('microsoft-prompty', 'v2-basic.prompty'), { deployments: { 'gpt-4': { provider: 'azure', endpoint: 'https://r.openai.azure.com', deployment: 'gpt-4' } } });
  assert.deepEqual(v2.suggestedDeployment, { key: 'gpt-4-2', config: { provider: 'openai', model: 'gpt-4', apiKeyEnv: 'OPENAI_API_KEY' } }, 'the key does not take an existing one');
  assert.deepEqual(JSON.parse(JSON.stringify(parsePromptFile(v2.text).prompt?.parameters)), { temperature: 0.7, max_tokens: 1000 });
  const editor = promptyToJson(read('contoso-creative-writer', 'editor.prompty'));
  assert.deepEqual(editor.suggestedDeployment?.config, { provider: 'azure', endpoint: 'https://YOUR-RESOURCE.openai.azure.com', deployment: 'gpt-4', apiVersion: '2024-08-01-preview' });
  assert.deepEqual(JSON.parse(JSON.stringify(parsePromptFile(editor.text).prompt?.parameters)), { max_tokens: 1200, temperature: 0.2, response_format: { type: 'json_object' } });
});

test('planted in writer.prompty: Jinja2 that Nunjucks lacks is reported at its line, the template kept as written', () => {
  const original = read('contoso-creative-writer', 'writer.prompty');
  const lines = original.split('\n');
  lines[29] = '{{researchContext | tojson}}';
  lines[37] = '{% if research.entities|length > 0 and research.items() %}';
  const planted = lines.join('\n');
  const { text, notes } = promptyToJson(planted, { readFile: readNextTo('contoso-creative-writer') });
  const errors = notes.filter((n) => n.severity === 'error').map((n) => [n.line, n.message.split(';')[0]?.split('.')[0]]);
  assert.deepEqual(errors, [[30, 'The Jinja2 filter "tojson" does not exist in Nunjucks'], [38, '"']]);
  assert.ok(text.includes('{{researchContext | tojson}}'), 'kept as written');
  const tag = original.replace('{% for item in research.entities %}', '{% for item in research.entities %}{% do item.update({}) %}');
  const tagNotes = promptyToJson(tag, { readFile: readNextTo('contoso-creative-writer') }).notes.filter((n) => n.severity === 'error');
  assert.deepEqual(tagNotes.map((n) => n.line), [40]);
  assert.match(tagNotes[0]?.message ?? '', /unknown block tag: do/);
});
