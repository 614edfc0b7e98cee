/**
 * The YAML reader behind `.prompt.yml`: the jsonc-parser-shaped tree over a YAML document (so the analysis code
 * finds nodes by path), and the position map of string scalars in every style, checked against the `yaml`
 * library's own values over hand-picked and generated scalars.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNodeAtLocation, getNodeValue } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { parseYamlTree, type YamlNode } from '../../src/core/format/yamlTree';
import { YamlStringMap } from '../../src/core/format/yamlString';
import { prng } from './prng';

/** The string node at `path` and its position map. */
function scalarAt(text: string, path: (string | number)[]): { node: YamlNode; map: YamlStringMap } {
  const { tree, errors } = parseYamlTree(text);
  assert.deepEqual(errors, [], 'the document parses');
  const node = findNodeAtLocation(tree as YamlNode, path) as YamlNode | undefined;
  assert.ok(node?.scalar, `a string scalar at ${path.join('.')}`);
  return { node, map: new YamlStringMap(text, node.scalar, node.value as string) };
}

/** Asserts that the map is exact and that `needle` (its first occurrence in the value) maps to `at` in the text. */
function assertMapped(text: string, path: (string | number)[], needle: string, at: number): void {
  const { node, map } = scalarAt(text, path);
  assert.ok(map.exact, `the decoder reproduces ${JSON.stringify(node.value)}`);
  const index = (node.value as string).indexOf(needle);
  assert.ok(index >= 0, `${JSON.stringify(needle)} is in the value`);
  assert.equal(map.toDocument(index), at, `${needle} sits at ${at}`);
  assert.equal(map.fromDocument(at), index);
}

test('the tree has jsonc-parser\'s shape: properties, arrays, scalar types, spans', () => {
  const text = 'name: Demo\nmodelParameters:\n  temperature: 0.5\n  maxTokens: 10\nflag: true\nnothing:\nmessages:\n  - role: user\n    content: "Hi {{name}}"\n';
  const { tree, errors } = parseYamlTree(text);
  assert.deepEqual(errors, []);
  assert.equal(tree?.type, 'object');
  assert.deepEqual(JSON.parse(JSON.stringify(getNodeValue(tree as YamlNode))), { name: 'Demo', modelParameters: { temperature: 0.5, maxTokens: 10 }, flag: true, nothing: null, messages: [{ role: 'user', content: 'Hi {{name}}' }] });
  const temperature = findNodeAtLocation(tree as YamlNode, ['modelParameters', 'temperature']);
  assert.equal(temperature?.type, 'number');
  assert.equal(text.slice(temperature?.offset, (temperature?.offset ?? 0) + (temperature?.length ?? 0)), '0.5');
  const content = findNodeAtLocation(tree as YamlNode, ['messages', 0, 'content']);
  assert.equal(text.slice(content?.offset, (content?.offset ?? 0) + (content?.length ?? 0)), '"Hi {{name}}"');
  const property = content?.parent;
  assert.equal(property?.type, 'property');
  assert.equal(property?.children?.[0]?.value, 'content');
  assert.equal(findNodeAtLocation(tree as YamlNode, ['nothing'])?.type, 'null');
});

test('syntax errors come back with their span and a one-line message, never thrown', () => {
  const text = 'name: a\nmessages:\n  - role: user\n   content: [unclosed\n';
  const { errors } = parseYamlTree(text);
  assert.ok(errors.length > 0);
  for (const e of errors) {
    assert.ok(!e.message.includes('\n'), e.message);
    assert.ok(e.span.offset >= 0 && e.span.offset <= text.length);
  }
  const duplicate = parseYamlTree('name: a\nname: b\n');
  assert.equal(duplicate.errors.length, 1, 'a repeated key is an error, as in gopkg.in/yaml.v3');
  assert.equal(duplicate.errors[0]?.span.offset, 8);
});

test('an alias is the anchored node again; a self-containing alias is reported, not followed', () => {
  const { tree, errors } = parseYamlTree('a: &x "Hello {{name}}"\nb: *x\n');
  assert.deepEqual(errors, []);
  const b = findNodeAtLocation(tree as YamlNode, ['b']) as YamlNode;
  assert.equal(b.value, 'Hello {{name}}');
  assert.equal(b.offset, 6, 'positions inside the alias point at the anchor\'s text');
  const loop = parseYamlTree('a: &x [1, *x]\n');
  assert.ok(loop.errors.some((e) => /contains it/.test(e.message)));
});

test('plain scalars: folded lines map to their characters', () => {
  const text = 'content: Hello {{a}}\n  and  {{b}}\n\n  end\n';
  assertMapped(text, ['content'], '{{b}}', text.indexOf('{{b}}'));
  assertMapped(text, ['content'], 'end', text.indexOf('end'));
});

test('single-quoted scalars: a doubled quote is one character', () => {
  const text = "content: 'It''s {{name}}'\n";
  assertMapped(text, ['content'], '{{name}}', text.indexOf('{{name}}'));
});

test('double-quoted scalars: escapes, \\u and \\x escapes, an escaped line break', () => {
  const text = 'content: "caf\\u00e9 \\"q\\"\\n\\t\\x41 {{name}} \\\n    {{next}}"\n';
  assertMapped(text, ['content'], '{{name}}', text.indexOf('{{name}}'));
  assertMapped(text, ['content'], '{{next}}', text.indexOf('{{next}}'));
  const { node } = scalarAt(text, ['content']);
  assert.equal(node.value, 'café "q"\n\tA {{name}} {{next}}');
});

test('literal block scalars: indentation removed, chomping, explicit indentation', () => {
  const text = 'messages:\n  - role: system\n    content: |\n      You are {{persona}}.\n\n        Indented {{x}}\n  - role: user\n    content: |2-\n       one {{y}}\n      two\n';
  assertMapped(text, ['messages', 0, 'content'], '{{persona}}', text.indexOf('{{persona}}'));
  assertMapped(text, ['messages', 0, 'content'], '{{x}}', text.indexOf('{{x}}'));
  assertMapped(text, ['messages', 1, 'content'], '{{y}}', text.indexOf('{{y}}'));
});

test('folded block scalars: lines joined by spaces, more-indented lines kept', () => {
  const text = 'content: >-\n  first {{a}}\n  second {{b}}\n\n  third\n    code {{c}}\n  last\n';
  const { node } = scalarAt(text, ['content']);
  assert.equal(node.value, 'first {{a}} second {{b}}\nthird\n  code {{c}}\nlast');
  assertMapped(text, ['content'], '{{b}}', text.indexOf('{{b}}'));
  assertMapped(text, ['content'], '{{c}}', text.indexOf('{{c}}'));
});

test('CRLF line ends are two characters of the document', () => {
  const text = 'content: |\r\n  a\r\n  b {{x}}\r\nnext: "p\r\n  q {{y}}"\r\n';
  assertMapped(text, ['content'], '{{x}}', text.indexOf('{{x}}'));
  assertMapped(text, ['next'], '{{y}}', text.indexOf('{{y}}'));
});

/** Generated scalars: each style, with the characters that make decoding hard. */
function generatedScalars(seed: number, count: number): string[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const words = ['a', 'b{{x}}', 'café', '{{name}}', 'q', '  ', '\t', 'x:y', '#h', '😀', "it's", 'say "hi"'];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(words)).join(pick([' ', '  ', ''])));
    const style = pick(['plain', 'single', 'double', 'literal', 'folded'] as const);
    const indent = pick(['  ', '    ']);
    if (style === 'literal' || style === 'folded') {
      const header = (style === 'literal' ? '|' : '>') + pick(['', '-', '+']);
      const body = lines.map((l) => (random() < 0.2 ? '' : indent + (random() < 0.2 ? ' ' : '') + l.trimStart())).join('\n');
      out.push(`k: ${header}\n${indent}start\n${body}\n${random() < 0.5 ? '\n' : ''}other: 1\n`);
    } else if (style === 'double') {
      const escaped = lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\t/g, pick(['\\t', '\t'])).replace(/é/g, '\\u00e9'));
      out.push(`k: "${escaped.join(pick(['\n  ', '\n\n  ', ' \\\n  ']))}"\n`);
    } else if (style === 'single') {
      out.push(`k: '${lines.map((l) => l.replace(/'/g, "''")).join(pick(['\n  ', '\n\n  ']))}'\n`);
    } else {
      const plain = lines.map((l) => l.replace(/[#:'"\t]/g, 'z').trim() || 'w');
      out.push(`k: ${plain.join(pick(['\n  ', '\n\n  ']))}\n`);
    }
  }
  return out;
}

test('generated scalars of every style decode to the yaml library\'s value, every character mapped in order', () => {
  let checked = 0;
  for (const text of generatedScalars(14, 600)) {
    let expected: unknown;
    try {
      expected = (parseYaml(text) as { k?: unknown }).k;
    } catch {
      continue;
    }
    if (typeof expected !== 'string') continue;
    const { tree, errors } = parseYamlTree(text);
    if (errors.length) continue;
    const node = findNodeAtLocation(tree as YamlNode, ['k']) as YamlNode;
    const map = new YamlStringMap(text, node.scalar as NonNullable<YamlNode['scalar']>, expected);
    assert.ok(map.exact, `decodes ${JSON.stringify(text)} to ${JSON.stringify(expected)}`);
    for (let i = 0; i < expected.length; i++) {
      const at = map.toDocument(i);
      const c = expected[i] as string;
      if (!/[\s"'\\]/.test(c) && !/[\ud800-\udfff]/.test(c) && text[at] !== '\\') assert.equal(text[at], c, `${JSON.stringify(text)}: index ${i}`);
      if (i > 0) assert.ok(at >= map.toDocument(i - 1), 'offsets never go back');
    }
    checked++;
  }
  assert.ok(checked > 400, `checked ${checked} scalars`);
});
