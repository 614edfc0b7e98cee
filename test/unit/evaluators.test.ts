/**
 * Every evaluator kind: gh-models' comparison rules (github/gh-models cmd/eval/eval.go), regex, JSON, JSON Schema, and
 * LLM judges (custom and built-in) answered by the simulated judge over real sockets through the openai SDK.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromptFile } from '../../src/core/format/promptFile';
import type { EvaluatorSpec } from '../../src/core/evaluation/evaluatorSpec';
import { matchChoice, runEvaluator, scorePasses, type EvaluatorEnvironment } from '../../src/core/evaluation/evaluators';
import { BUILTIN_JUDGE_PROMPTS } from '../../src/core/evaluation/builtinJudges';
import type { EvaluatorResult, RunRecord } from '../../src/core/log/runLog';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { evaluate, prompt, readLog, request, target } from './evaluationHelpers';
import { tempDir } from './tempDir';

const noJudge: EvaluatorEnvironment = {
  renderer: inProcessRenderer(),
  judge: () => {
    throw new Error('this evaluator must not call a judge');
  },
  promptDeployment: undefined,
};

function specs(evaluators: unknown[]): EvaluatorSpec[] {
  const parsed = parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'x' }], evaluators }));
  assert.deepEqual(parsed.problems.map((p) => p.message), []);
  return parsed.prompt?.evaluators ?? [];
}

async function check(evaluator: unknown, output: string, row: Record<string, unknown> = {}): Promise<EvaluatorResult> {
  const [spec] = specs([{ name: 'e', ...(evaluator as object) }]);
  return runEvaluator(spec as EvaluatorSpec, { output, row: { index: 0, values: row }, inputs: {}, messages: [] }, noJudge);
}

test('string evaluators follow gh-models: equals is exact, the others ignore case, the output is trimmed', async () => {
  const cases: [unknown, string, boolean][] = [
    [{ string: { equals: 'Paris' } }, '  Paris\n', true],
    [{ string: { equals: 'Paris' } }, 'paris', false],
    [{ string: { contains: 'PARIS' } }, 'It is paris.', true],
    [{ string: { contains: 'Lyon' } }, 'It is Paris.', false],
    [{ string: { startsWith: 'the answer' } }, '\n The Answer is 4', true],
    [{ string: { startsWith: 'answer' } }, 'The answer', false],
    [{ string: { endsWith: 'DONE.' } }, 'All done.  ', true],
    [{ string: { endsWith: 'done' } }, 'All done.', false],
    // Several set: gh-models checks equals first, then contains, startsWith, endsWith; an empty one is unset.
    [{ string: { contains: 'zzz', equals: 'exact' } }, 'exact', true],
    [{ string: { equals: '', contains: 'zz' } }, 'a zz b', true],
  ];
  for (const [evaluator, output, passed] of cases) {
    const result = await check(evaluator, output);
    assert.equal(result.passed, passed, `${JSON.stringify(evaluator)} on ${JSON.stringify(output)}`);
    assert.equal(result.score, passed ? 1 : 0);
    assert.equal(result.error, undefined);
  }
  assert.equal((await check({ string: { contains: 'x' } }, 'x')).details, "Expected to contain: 'x'");
});

test('string templates render over the row: "{{ expected }}" works, an unknown variable is an evaluator error', async () => {
  const ok = await check({ string: { contains: '{{ expected }}' } }, 'The capital is Paris.', { expected: 'paris' });
  assert.equal(ok.passed, true);
  assert.equal(ok.details, "Expected to contain: 'paris'");
  const missing = await check({ string: { contains: '{{ expected }}' } }, 'x', {});
  assert.equal(missing.passed, false);
  assert.equal(missing.score, null);
  assert.match(missing.error ?? '', /The "contains" template does not render for this row/);
});

test('regex: JavaScript syntax and flags, on the trimmed output, the same answer every time even with the g flag', async () => {
  assert.equal((await check({ regex: { pattern: '^\\d{3}-\\d{4}$' } }, ' 555-1234\n')).passed, true);
  assert.equal((await check({ regex: { pattern: '^yes$' } }, 'YES')).passed, false);
  assert.equal((await check({ regex: { pattern: '^yes$', flags: 'i' } }, 'YES')).passed, true);
  const [spec] = specs([{ name: 'g', regex: { pattern: 'a', flags: 'g' } }]);
  const cell = { output: 'a', row: { index: 0, values: {} }, inputs: {}, messages: [] };
  for (let i = 0; i < 3; i++) assert.equal((await runEvaluator(spec as EvaluatorSpec, cell, noJudge)).passed, true);
});

test('json and jsonSchema: parse, validate with Ajv, say why not', async () => {
  assert.equal((await check({ json: true }, ' {"a": [1, 2]} ')).passed, true);
  const fenced = await check({ json: true }, '```json\n{"a":1}\n```');
  assert.equal(fenced.passed, false);
  assert.match(fenced.details ?? '', /wrapped in a Markdown code fence/);
  const schema = { type: 'object', required: ['name', 'age'], properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } } };
  assert.equal((await check({ jsonSchema: schema }, '{"name":"Ada","age":36}')).passed, true);
  const wrong = await check({ jsonSchema: schema }, '{"name":"Ada","age":-1}');
  assert.equal(wrong.passed, false);
  assert.equal(wrong.details, 'The output does not match the schema: /age must be >= 0');
  const broken = await check({ jsonSchema: { type: 'no-such-type' } }, '{}');
  assert.equal(broken.score, null);
  assert.match(broken.error ?? '', /The jsonSchema does not compile/);
});

test('a judge answer is matched to a choice: exactly first, then the first choice it contains, ignoring case', () => {
  const choices = [{ choice: 'good', score: 1 }, { choice: 'not good', score: 0 }];
  assert.equal(matchChoice(' Not Good ', choices)?.choice, 'not good');
  assert.equal(matchChoice('It is not good at all', choices)?.choice, 'good', "gh-models' rule: the first contained choice");
  assert.equal(matchChoice('maybe', choices), undefined);
  assert.equal(scorePasses(0.25, undefined), true, 'above 0 passes without passAt (gh-models)');
  assert.equal(scorePasses(0, undefined), false);
  assert.equal(scorePasses(0.5, 0.75), false);
  assert.equal(scorePasses(0.75, 0.75), true);
});

test('evaluators that cannot be used are reported where they are written', () => {
  const text = JSON.stringify({
    messages: [{ role: 'user', content: 'x' }],
    evaluators: [
      { name: 'a', string: { contains: 'x' } },
      { name: 'a', json: true },
      { name: 'two', json: true, regex: { pattern: 'x' } },
      { name: 'bad-re', regex: { pattern: '(' } },
      { name: 'bad-flag', regex: { pattern: 'x', flags: 'q' } },
      { name: 'who', uses: 'prompt-lab/honesty' },
      { name: 'score', llm: { prompt: 'p', choices: [{ choice: 'y', score: 2 }] } },
      { name: 'none' },
      { string: { contains: 'x' } },
    ],
  }, null, 1);
  const parsed = parsePromptFile(text);
  assert.deepEqual(parsed.prompt?.evaluators.map((e) => e.name), ['a']);
  const messages = parsed.problems.map((p) => p.message);
  assert.match(messages[0] ?? '', /Two evaluators are named "a"/);
  assert.match(messages[1] ?? '', /Evaluator "two" has several kinds \(regex, json\)/);
  assert.match(messages[2] ?? '', /Evaluator "bad-re": the regular expression does not compile/);
  assert.match(messages[3] ?? '', /Evaluator "bad-flag": the regular expression does not compile: .*flags/);
  assert.match(messages[4] ?? '', /"prompt-lab\/honesty" is not a built-in judge; use one of "prompt-lab\/similarity"/);
  assert.match(messages[5] ?? '', /each choice must be \{ "choice"/);
  assert.match(messages[6] ?? '', /Evaluator "none" needs one of/);
  assert.match(messages[7] ?? '', /Evaluator 9 needs a "name"/);
  const at = parsed.problems[3]?.span;
  assert.equal(text.slice(at?.offset, (at?.offset ?? 0) + (at?.length ?? 0)), '"q"', 'a bad flag is marked at the flags');
});

let server: ReplayServer;
before(async () => {
  server = await startReplayServer({ simulated: { speedup: 40, completionTokens: { min: 8, max: 16 } } });
});
after(async () => {
  await server.close();
});

async function judged(evaluators: unknown[], row: Record<string, unknown>, extra: { messages?: unknown[]; inputs?: unknown } = {}): Promise<{ cell: RunRecord; judges: RunRecord[] }> {
  const logDir = tempDir('prompt-lab-judge-');
  const p = prompt({ deployment: 'chat', inputs: extra.inputs ?? { question: {} }, messages: extra.messages ?? [{ role: 'user', content: '{{ question }}' }], evaluators });
  // A judge on the evaluated deployment ("chat") needs no entry in `judges`.
  const req = request({ prompt: p, rows: [{ index: 0, values: row }], logDir, targets: [target(server, 'chat', 'simulated/chat')], judges: new Map([['judge', target(server, 'judge', 'simulated/judge')]]) });
  await evaluate(req);
  const lines = readLog(logDir).filter((l): l is RunRecord => l.event === 'run');
  const cell = lines.find((l) => l.source === 'evaluation');
  assert.ok(cell);
  return { cell, judges: lines.filter((l) => l.source === 'judge') };
}

test('an LLM judge: its prompt renders over the row, completion and expected; its answer picks a choice and a score', async () => {
  const { cell, judges } = await judged([
    { name: 'verdict', llm: { deployment: 'judge', systemPrompt: 'You judge answers to "{{ question }}".', prompt: 'Expected: {{ expected }}\nAnswer: {{ completion }}\nReply with: {{ verdict }}', choices: [{ choice: 'fine', score: 0.5 }, { choice: 'great', score: 1 }] } },
  ], { question: 'Reply with: Paris is the capital.', expected: 'Paris', verdict: 'FINE' });
  assert.equal(cell.output, 'Paris is the capital.');
  assert.deepEqual(cell.evaluations, [{ name: 'verdict', score: 0.5, passed: true, details: 'The judge answered "FINE": choice "fine"' }]);
  assert.equal(judges.length, 1);
  assert.deepEqual(judges[0]?.messages, [
    { role: 'system', content: 'You judge answers to "Reply with: Paris is the capital.".' },
    { role: 'user', content: 'Expected: Paris\nAnswer: Paris is the capital.\nReply with: FINE' },
  ]);
  assert.equal(judges[0]?.runId, cell.id);
});

test('a judge answer that matches no choice is an evaluator error carrying the judge text, never a silent 0', async () => {
  const { cell } = await judged([{ name: 'verdict', llm: { deployment: 'judge', prompt: 'Reply with: maybe, hard to say', choices: [{ choice: 'yes', score: 1 }, { choice: 'no', score: 0 }] } }], { question: 'q' });
  const [result] = cell.evaluations ?? [];
  assert.equal(result?.score, null);
  assert.equal(result?.passed, false);
  assert.match(result?.error ?? '', /The judge answered "maybe, hard to say", which matches none of the choices "yes", "no"/);
});

test('passAt sets the pass rule for scores', async () => {
  const evaluator = (passAt: number | undefined): unknown => ({ name: 'v', llm: { deployment: 'judge', prompt: 'Reply with: ok', choices: [{ choice: 'ok', score: 0.5 }], ...(passAt === undefined ? {} : { passAt }) } });
  assert.equal((await judged([evaluator(undefined)], { question: 'q' })).cell.evaluations?.[0]?.passed, true);
  assert.equal((await judged([evaluator(0.6)], { question: 'q' })).cell.evaluations?.[0]?.passed, false);
});

test('built-in judges: prompt-lab/ and github/ names, a 1–5 rating mapped to 0..1, what each needs', async () => {
  const { cell, judges } = await judged([
    { name: 'sim', uses: 'prompt-lab/similarity', deployment: 'judge' },
    { name: 'rel', uses: 'github/relevance', deployment: 'judge' },
    { name: 'flu', uses: 'prompt-lab/fluency', deployment: 'judge', passAt: 0.75 },
    { name: 'ground', uses: 'prompt-lab/groundedness', deployment: 'judge' },
  ], { question: 'What is the capital of France?', expected: 'Paris' }, { messages: [{ role: 'system', content: 'Facts: Paris is the capital of France.' }, { role: 'user', content: '{{ question }}' }] });
  assert.equal(judges.length, 4);
  const ratings = [0, 0.25, 0.5, 0.75, 1];
  for (const result of cell.evaluations ?? []) {
    assert.equal(result.error, undefined, result.error);
    const judge = judges.find((j) => j.evaluator === result.name);
    assert.ok(judge && /^[1-5]$/.test(judge.output), judge?.output);
    assert.equal(result.score, ratings[Number(judge.output) - 1]);
  }
  const ground = judges.find((j) => j.evaluator === 'ground');
  assert.match(String(ground?.messages[1]?.content ?? ''), /<<<CONTEXT\nFacts: Paris is the capital of France\.\nCONTEXT>>>/, 'groundedness reads the messages before the question');
  const sim = judges.find((j) => j.evaluator === 'sim');
  assert.match(String(sim?.messages[1]?.content ?? ''), /<<<REFERENCE\nParis\nREFERENCE>>>/);
  assert.match(String(sim?.messages[1]?.content ?? ''), /<<<QUESTION\nWhat is the capital of France\?\nQUESTION>>>/);
  assert.equal(sim?.messages[0]?.content, BUILTIN_JUDGE_PROMPTS.similarity.systemPrompt);

  const withoutExpected = await judged([{ name: 'sim', uses: 'prompt-lab/similarity', deployment: 'judge' }], { question: 'q' });
  assert.match(withoutExpected.cell.evaluations?.[0]?.error ?? '', /prompt-lab\/similarity needs "expected": the row has no "expected" field/);
  assert.equal(withoutExpected.judges.length, 0, 'nothing is sent for a judge that cannot be asked');
});

test('a judge with no usable deployment is an evaluator error; a judge without one uses the prompt deployment', async () => {
  const { cell } = await judged([{ name: 'v', llm: { deployment: 'nowhere', prompt: 'x', choices: [{ choice: 'a', score: 1 }] } }], { question: 'q' });
  assert.match(cell.evaluations?.[0]?.error ?? '', /no deployment "nowhere" is available for the judge/);
  const own = await judged([{ name: 'v', llm: { prompt: 'Reply with: a', choices: [{ choice: 'a', score: 1 }] } }], { question: 'q' });
  assert.equal(own.judges[0]?.deployment, 'chat');
  assert.equal(own.cell.evaluations?.[0]?.passed, true);
});
