/** Diagnostics of `testData` and `evaluators`, each at its exact characters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzePromptFile, type PromptDiagnostic } from '../../src/core/template/analyze';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { loadTestData } from '../../src/core/evaluation/testData';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { tempDir } from './tempDir';

const at = (text: string, d: PromptDiagnostic | undefined): string => text.slice(d?.start, d?.end);
const only = (ds: PromptDiagnostic[], code: string): PromptDiagnostic[] => ds.filter((d) => d.code === code);

const TEXT = `{
  "deployment": "chat",
  "inputs": { "question": { "required": true }, "tone": { "default": "plain" } },
  "messages": [{ "role": "user", "content": "{{ question }} ({{ tone }})" }],
  "testData": [
    { "question": "a", "expected": "A", "nickname": "x", "reference": "r" },
    { "tone": "warm" }
  ],
  "evaluators": [
    { "name": "has-expected", "string": { "contains": "\\"{{ expected }}\\" {{ reference }}" } },
    { "name": "typo", "string": { "equals": "{{ expcted }}" } },
    { "name": "judge", "llm": { "deployment": "judgee", "prompt": "Q: {{ question }}\\nA: {{ completion }} vs {{ answer | upper }}", "choices": [{ "choice": "yes", "score": 1 }] } },
    { "name": "broken", "llm": { "prompt": "{% if %}", "choices": [{ "choice": "y", "score": 1 }] } },
    { "name": "bad", "regex": { "pattern": "[" } },
    { "name": "builtin", "uses": "github/coherence", "deployment": "nowhere" }
  ]
}`;

test('inline rows: a stray key warns at the key, a missing required input errs at the row, a key an evaluator reads is fine', () => {
  const { diagnostics } = analyzePromptFile(TEXT, { deployments: ['chat', 'judge'] });
  const stray = only(diagnostics, 'test-data-unknown-key');
  assert.deepEqual(stray.map((d) => [d.severity, at(TEXT, d)]), [['warning', '"nickname"']]);
  const missing = only(diagnostics, 'test-data-missing-input');
  assert.equal(missing.length, 1);
  assert.equal(at(TEXT, missing[0]), '{ "tone": "warm" }');
  assert.equal(missing[0]?.severity, 'error');
});

test('evaluator templates: an unknown variable is marked at its characters, through JSON escapes; judges may use completion', () => {
  const { diagnostics } = analyzePromptFile(TEXT, { deployments: ['chat', 'judge'] });
  const unknown = only(diagnostics, 'evaluator-unknown-variable');
  assert.deepEqual(unknown.map((d) => at(TEXT, d)), ['expcted', 'answer']);
  assert.match(unknown[1]?.message ?? '', /Evaluator "judge" uses "answer", which is neither an input nor a field of the test data rows \(a judge can also use "completion" and "expected"\)/);
  const syntax = diagnostics.filter((d) => d.code === 'template-syntax');
  assert.equal(syntax.length, 1);
  assert.match(syntax[0]?.message ?? '', /Template syntax error in evaluator "broken"/);
});

test('a judge naming an unknown deployment is marked at the name, with the closest known one', () => {
  const { diagnostics } = analyzePromptFile(TEXT, { deployments: ['chat', 'judge'] });
  const unknown = only(diagnostics, 'unknown-deployment');
  assert.deepEqual(unknown.map((d) => at(TEXT, d)), ['"judgee"', '"nowhere"']);
  assert.equal(unknown[0]?.data?.suggestion, 'judge');
  assert.equal(only(analyzePromptFile(TEXT).diagnostics, 'unknown-deployment').length, 0, 'not checked without the settings');
});

test('an evaluator that cannot be used is reported where it is written', () => {
  const { diagnostics } = analyzePromptFile(TEXT);
  const invalid = only(diagnostics, 'invalid-evaluator');
  assert.equal(invalid.length, 1);
  assert.equal(at(TEXT, invalid[0]), '"["');
  assert.match(invalid[0]?.message ?? '', /Evaluator "bad": the regular expression does not compile/);
});

test('a data file: its problems are marked at the path with the file and line; its columns are known to templates', async () => {
  const root = tempDir('prompt-lab-diag-');
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'cases.jsonl'), '{"question":"a","gold":"A"}\n{"question": nope}\n{"tone":"x"}\n');
  const text = JSON.stringify({
    inputs: { question: { required: true }, tone: { default: 'plain' } },
    messages: [{ role: 'user', content: '{{ question }} {{ tone }}' }],
    testData: 'data/cases.jsonl',
    evaluators: [{ name: 'gold', string: { contains: '{{ gold }}' } }, { name: 'other', string: { contains: '{{ silver }}' } }],
  }, null, 2);
  const prompt = parsePromptFile(text).prompt;
  assert.ok(prompt);
  const testData = await loadTestData(prompt, { fs: nodeFileSystem({ root }), workspaceFolder: root });
  const { diagnostics } = analyzePromptFile(text, { testData });
  const file = diagnostics.filter((d) => d.code.startsWith('test-data'));
  assert.deepEqual(file.map((d) => [d.code, at(text, d)]), [['test-data-file', '"data/cases.jsonl"'], ['test-data-missing-input', '"data/cases.jsonl"']]);
  assert.match(file[0]?.message ?? '', /data\/cases\.jsonl line 2 is not valid JSON/);
  assert.match(file[1]?.message ?? '', /data\/cases\.jsonl line 3 has no value for the required input "question"/);
  assert.deepEqual(only(diagnostics, 'evaluator-unknown-variable').map((d) => at(text, d)), ['silver']);

  fs.rmSync(path.join(root, 'data', 'cases.jsonl'));
  const gone = await loadTestData(prompt, { fs: nodeFileSystem({ root }), workspaceFolder: root });
  const missing = only(analyzePromptFile(text, { testData: gone }).diagnostics, 'test-data-file');
  assert.match(missing[0]?.message ?? '', /testData "data\/cases\.jsonl" does not exist in the workspace folder/);
});
