/**
 * The built `prompt-lab` executable (dist/cli.js, `npm run build` first), spawned as a person or CI runs it, against
 * the local replay server's simulated models over real sockets: exit codes, stdout and stderr, the run log, the JSON
 * read back by types written from gh-models' own structs, the JUnit XML parsed by junit2json, shards merged equal to
 * one run, and the nine example files of github/gh-models (test/fixtures/templates/original/gh-models, provenance in
 * test/fixtures/templates/SOURCES.md) evaluated with the verdicts gh-models' rules give.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { parse as parseYaml } from 'yaml';
import { analyzePromptDocument } from '../../src/core/template/analyze';
import { deploymentTargets, type DeploymentConfig } from '../../src/core/providers/deployments';
import { positionAt } from '../../src/core/format/text';
import { runCli } from '../../src/cli/main';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { tempDir } from './tempDir';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const GH_MODELS = path.join(ROOT, 'test', 'fixtures', 'templates', 'original', 'gh-models');
const GH_FILES = fs.readdirSync(GH_MODELS).filter((f) => f.endsWith('.yml')).sort();

// The JSON of `gh models eval --json`, as github/gh-models cmd/eval/eval.go declares it (json tags of
// EvaluationSummary, Summary, TestResult, EvaluationResult); `details` is `omitempty`.
interface EvaluationSummary { name: string; description: string; model: string; testResults: TestResult[]; summary: Summary }
interface Summary { totalTests: number; passedTests: number; failedTests: number; passRate: number }
interface TestResult { testCase: Record<string, unknown>; modelResponse: string; evaluationResults: EvaluationResult[] }
interface EvaluationResult { evaluatorName: string; score: number; passed: boolean; details?: string }

/** Reads a value as Go's encoding/json would into EvaluationSummary, failing on a field of the wrong type or missing. */
function asGhSummary(value: unknown): EvaluationSummary {
  const o = value as Record<string, unknown>;
  for (const k of ['name', 'description', 'model']) assert.equal(typeof o[k], 'string', `${k} is a string`);
  assert.ok(Array.isArray(o.testResults), 'testResults is an array');
  const s = o.summary as Record<string, unknown>;
  for (const k of ['totalTests', 'passedTests', 'failedTests']) assert.ok(Number.isInteger(s[k]), `summary.${k} is an int`);
  assert.equal(typeof s.passRate, 'number');
  for (const r of o.testResults as Record<string, unknown>[]) {
    assert.ok(r.testCase && typeof r.testCase === 'object' && !Array.isArray(r.testCase), 'testCase is a map');
    assert.equal(typeof r.modelResponse, 'string');
    assert.ok(Array.isArray(r.evaluationResults));
    for (const e of r.evaluationResults as Record<string, unknown>[]) {
      assert.equal(typeof e.evaluatorName, 'string');
      assert.equal(typeof e.score, 'number');
      assert.equal(typeof e.passed, 'boolean');
      if ('details' in e) assert.equal(typeof e.details, 'string');
    }
  }
  return value as EvaluationSummary;
}

/** gh-models' TemplateString (pkg/prompt): `{{name}}` replaced by the value, an unknown name left as written. */
function ghTemplate(text: string, data: Record<string, unknown>): string {
  return text.replace(/\{\{([^}]+)\}\}/g, (all, name: string) => (Object.prototype.hasOwnProperty.call(data, name.trim()) ? String(data[name.trim()]) : all));
}

/** gh-models' runStringEvaluator: equals exact, the others without case; its details text. */
function ghString(spec: Record<string, string>, data: Record<string, unknown>, response: string): { passed: boolean; details: string } {
  if (spec.equals) { const v = ghTemplate(spec.equals, data); return { passed: response === v, details: `Expected exact match: '${v}'` }; }
  if (spec.contains) { const v = ghTemplate(spec.contains, data); return { passed: response.toLowerCase().includes(v.toLowerCase()), details: `Expected to contain: '${v}'` }; }
  if (spec.startsWith) { const v = ghTemplate(spec.startsWith, data); return { passed: response.toLowerCase().startsWith(v.toLowerCase()), details: `Expected to start with: '${v}'` }; }
  const v = ghTemplate(spec.endsWith ?? '', data);
  return { passed: response.toLowerCase().endsWith(v.toLowerCase()), details: `Expected to end with: '${v}'` };
}

interface Result { code: number | null; stdout: string; stderr: string }

let server: ReplayServer;
let ws: string;
const DEPLOYMENTS = (baseURL: string): Record<string, DeploymentConfig> => ({
  chat: { provider: 'openai-compatible', baseURL, model: 'simulated/chat' },
  judge: { provider: 'openai-compatible', baseURL, model: 'simulated/judge' },
  keyed: { provider: 'openai-compatible', baseURL, model: 'simulated/chat', apiKeyEnv: 'PL_CLI_TEST_UNSET' },
  broken: { provider: 'openai-compatible', baseURL, model: 'synthetic/status?code=500', maxRetries: 0 },
  slow: { provider: 'openai-compatible', baseURL, model: 'synthetic/slow?chunks=2000&delayMs=20' },
});
const MODELS = { 'openai/gpt-4o': 'judge' };

before(async () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  server = await startReplayServer({ simulated: { speedup: 40, completionTokens: { min: 8, max: 16 } } });
  ws = tempDir('pl-cli-');
  fs.mkdirSync(path.join(ws, '.vscode'));
  fs.mkdirSync(path.join(ws, 'prompts'));
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), `{\n  // the local replay server\n  "promptLab.deployments": ${JSON.stringify(DEPLOYMENTS(server.baseURL))},\n  "promptLab.models": ${JSON.stringify(MODELS)},\n}\n`);
  for (const f of GH_FILES) fs.copyFileSync(path.join(GH_MODELS, f), path.join(ws, 'prompts', f));
});
after(async () => {
  await server.close();
});

/** Spawn the built CLI in the workspace with only PATH (and `env`) in its environment; resolves when it exits. */
function cli(args: string[], env: Record<string, string> = {}, cwd = ws): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A bad input's answer: the exit code, and one line on stderr that says what to do, without a stack. */
function oneLine(r: Result, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0] ?? '', /^prompt-lab: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(ws, file), 'utf8'));

test('check prints the editor\'s diagnostics as file:line:col: severity code: message; exit 1 on an error, 0 on warnings', async () => {
  const planted = '{\n  "deployment": "chat",\n  "messages": [\n    { "role": "user", "content": "Hi {{ name | shout }}" }\n  ],\n  "inputs": { "name": { "default": "Ada" } }\n}\n';
  fs.writeFileSync(path.join(ws, 'prompts', 'planted.prompt.json'), planted);
  const bad = await cli(['check', 'prompts/planted.prompt.json']);
  assert.equal(bad.code, 1);
  const col = planted.split('\n')[3]?.indexOf('shout');
  assert.equal(bad.stdout, `prompts/planted.prompt.json:4:${(col ?? 0) + 1}: error unknown-filter: Unknown filter "shout"; did you mean "sort"?\n`);
  assert.equal(bad.stderr, '1 file checked: 1 error, 0 warnings.\n');

  const good = await cli(['check', 'prompts/*.yml']);
  assert.equal(good.code, 0, good.stderr);
  // The same diagnostics as the core's analysis with the workspace's settings, in the same places.
  const settings = { deployments: Object.keys(DEPLOYMENTS(server.baseURL)), models: MODELS, deploymentTargets: deploymentTargets(DEPLOYMENTS(server.baseURL)) };
  const expected: string[] = [];
  for (const f of GH_FILES) {
    const text = fs.readFileSync(path.join(GH_MODELS, f), 'utf8');
    for (const d of analyzePromptDocument(f.replace(/\.yml$/, '.prompt.yml'), text, settings).diagnostics.sort((a, b) => a.start - b.start)) {
      const p = positionAt(text, d.start);
      expected.push(`prompts/${f}:${p.line + 1}:${p.character + 1}: ${d.severity} ${d.code}: ${d.message}`);
    }
  }
  assert.ok(expected.length > 0);
  assert.deepEqual(good.stdout.trimEnd().split('\n'), expected);
  assert.match(good.stderr, /^9 files checked: 0 errors, \d+ warnings\.\n$/);
  fs.rmSync(path.join(ws, 'prompts', 'planted.prompt.json'));
});

test('the nine gh-models examples run through eval with the verdicts gh-models\' rules give; JSON and JUnit read back', async () => {
  const before = server.requests.length;
  const r = await cli(['eval', 'prompts/*.yml', '--deployment', 'chat', '--json', 'gh.json', '--junit', 'gh.xml']);
  const summaries = (readJson('gh.json') as unknown[]).map(asGhSummary);
  assert.equal(summaries.length, 9);
  let anyFailed = false;
  for (const [i, f] of GH_FILES.entries()) {
    const source = parseYaml(fs.readFileSync(path.join(GH_MODELS, f), 'utf8')) as { name: string; description: string; model: string; testData?: Record<string, unknown>[]; evaluators?: { name: string; string?: Record<string, string>; uses?: string }[] };
    const s = summaries[i] as EvaluationSummary;
    assert.deepEqual([s.name, s.description, s.model], [source.name, source.description, source.model], f);
    const rows = source.testData ?? [];
    assert.equal(s.testResults.length, rows.length, f);
    let passed = 0;
    s.testResults.forEach((t, row) => {
      assert.deepEqual(t.testCase, rows[row], `${f} row ${row + 1}: the row as written`);
      assert.equal(t.modelResponse, t.modelResponse.trim(), 'gh-models trims the response');
      assert.deepEqual(t.evaluationResults.map((e) => e.evaluatorName), (source.evaluators ?? []).map((e) => e.name));
      t.evaluationResults.forEach((e, k) => {
        const spec = source.evaluators?.[k];
        if (spec?.string) {
          const want = ghString(spec.string, t.testCase, t.modelResponse);
          assert.deepEqual({ passed: e.passed, score: e.score, details: e.details }, { passed: want.passed, score: want.passed ? 1 : 0, details: want.details }, `${f} row ${row + 1} ${e.evaluatorName}`);
        } else {
          assert.ok([0, 0.25, 0.5, 0.75, 1].includes(e.score), `${e.evaluatorName}: a 1–5 rating's score`);
          assert.equal(e.passed, e.score > 0, 'gh-models: an LLM choice passes when its score is above 0');
        }
      });
      if (t.evaluationResults.every((e) => e.passed)) passed++;
    });
    assert.deepEqual(s.summary, { totalTests: rows.length, passedTests: passed, failedTests: rows.length - passed, passRate: rows.length ? (passed / rows.length) * 100 : 100 }, f);
    if (f === 'failing_test_prompt.yml') assert.equal(passed, 0, 'its evaluators cannot pass');
    if (passed < rows.length) anyFailed = true;
  }
  assert.equal(r.code, anyFailed ? 1 : 0, r.stderr);
  assert.ok(anyFailed);
  // The prompts went to the evaluated deployment, gh-models' built-in judges to openai/gpt-4o's (promptLab.models).
  const models = server.requests.slice(before).map((q) => (q.body as { model?: string } | null)?.model);
  const judged = summaries.flatMap((s) => s.testResults).flatMap((t) => t.evaluationResults).filter((e) => !/^Expected/.test(e.details ?? '')).length;
  assert.equal(models.filter((m) => m === 'simulated/judge').length, judged);
  assert.equal(models.filter((m) => m === 'simulated/chat').length, summaries.reduce((a, s) => a + s.summary.totalTests, 0));
  // The summary table on stdout, the failing rows on stderr.
  assert.match(r.stdout, /^PROMPT +DEPLOYMENT +ROWS +PASSED +FAILED +ERRORS +PASS RATE\n/);
  assert.match(r.stdout, /prompts\/failing_test_prompt\.yml +chat +2 +0 +2 +0 +0\.0%/);
  assert.match(r.stderr, /prompts\/failing_test_prompt\.yml · chat · row 1: failed: contains-impossible, starts-with-wrong/);

  // JUnit, as a CI system reads it.
  const junit = await parseJunit(fs.readFileSync(path.join(ws, 'gh.xml'), 'utf8')) as TestSuites;
  assert.equal(junit.testsuite?.length, 9);
  assert.equal(junit.tests, summaries.reduce((a, s) => a + s.summary.totalTests, 0));
  assert.equal(junit.failures, summaries.reduce((a, s) => a + s.summary.failedTests, 0));
  assert.equal(junit.errors, 0);
  junit.testsuite?.forEach((suite, i) => {
    const s = summaries[i] as EvaluationSummary;
    assert.equal(suite.name, `prompts/${GH_FILES[i]} · chat`);
    assert.equal(suite.testcase?.length ?? 0, s.summary.totalTests);
    suite.testcase?.forEach((c, row) => {
      const t = s.testResults[row] as TestResult;
      const failed = t.evaluationResults.filter((e) => !e.passed).map((e) => e.evaluatorName);
      assert.match(c.name ?? '', new RegExp(`^row ${row + 1}`));
      assert.deepEqual(c.failure?.map((x) => x.message), failed.length ? [`failed: ${failed.join(', ')}`] : undefined);
    });
  });
});

/** A summary without what differs between two runs of the same rows (ids and times). */
function comparable(s: unknown): unknown {
  return JSON.parse(JSON.stringify(s, (k, v: unknown) => (['runId', 'latencyMs', 'evaluationId'].includes(k) ? undefined : v)));
}

test('eval --shard i/n splits the rows; merge joins the shards into the same summary and JUnit as one run', async () => {
  const files = ['prompts/json_schema_prompt.yml', 'prompts/sample_prompt.yml'];
  const whole = await cli(['eval', ...files, '--deployment', 'chat', '--json', 'whole.json', '--junit', 'whole.xml']);
  assert.ok(whole.code === 0 || whole.code === 1, whole.stderr);
  for (const i of [0, 1]) {
    const shard = await cli(['eval', ...files, '--deployment', 'chat', '--shard', `${i}/2`, '--json', `shard${i}.json`]);
    assert.ok(shard.code === 0 || shard.code === 1, shard.stderr);
    const rows = (readJson(`shard${i}.json`) as { testResults: { promptLab: { testIndex: number } }[] }[]).map((s) => s.testResults.map((t) => t.promptLab.testIndex));
    assert.deepEqual(rows, i === 0 ? [[0, 2], [0]] : [[1], [1]]);
  }
  const merged = await cli(['merge', 'shard1.json', 'shard0.json', '--json', 'merged.json', '--junit', 'merged.xml']);
  assert.equal(merged.code, whole.code, merged.stderr);
  assert.deepEqual(comparable(readJson('merged.json')), comparable(readJson('whole.json')));
  const strip = (x: TestSuites): unknown => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'time' ? undefined : v)));
  assert.deepEqual(strip(await parseJunit(fs.readFileSync(path.join(ws, 'merged.xml'), 'utf8')) as TestSuites), strip(await parseJunit(fs.readFileSync(path.join(ws, 'whole.xml'), 'utf8')) as TestSuites));

  const missing = await cli(['merge', 'shard0.json']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /shard 1\/2 is missing/);
  fs.copyFileSync(path.join(ws, 'shard0.json'), path.join(ws, 'again.json'));
  oneLine(await cli(['merge', 'shard0.json', 'again.json']), 2, /is in more than one file: merge the shards of one evaluation/);
});

test('--fail-under passes a run whose pass rate reaches it', async () => {
  assert.equal((await cli(['eval', 'prompts/failing_test_prompt.yml', '--deployment', 'chat'])).code, 1);
  assert.equal((await cli(['eval', 'prompts/failing_test_prompt.yml', '--deployment', 'chat', '--fail-under', '0'])).code, 0);
  assert.equal((await cli(['eval', 'prompts/failing_test_prompt.yml', '--deployment', 'chat', '--fail-under', '1%'])).code, 1);
});

test('run streams the answer to stdout, the figures to stderr, and logs the run like Run Prompt', async () => {
  const r = await cli(['run', 'prompts/sample_prompt.yml', '--deployment', 'chat', '--input', 'input=\nReply with: Hello from the CLI']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello from the CLI\n');
  assert.match(r.stderr, /^prompts\/sample_prompt\.yml → chat \(openai-compatible, simulated\/chat\)/);
  assert.match(r.stderr, /\nok · simulated\/chat · \d+ \+ \d+ tokens · ttft [\d.]+ ms · [\d.]+ ms · finish_reason stop\n/);
  const runId = /\(run ([0-9a-f-]{36})\)/.exec(r.stderr)?.[1];
  const logDir = path.join(ws, '.promptlab', 'runs');
  const lines = fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').trim().split('\n')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const logged = lines.find((l) => l.id === runId);
  assert.ok(logged, 'the run is in the workspace log');
  assert.deepEqual([logged.source, logged.prompt, logged.deployment, logged.output, logged.status], ['command', 'prompts/sample_prompt.yml', 'chat', 'Hello from the CLI', 'ok']);

  const json = await cli(['run', 'prompts/sample_prompt.yml', '--deployment', 'chat', '--input', 'input=\nReply with: as JSON', '--json']);
  assert.equal(json.code, 0);
  const record = JSON.parse(json.stdout) as { event: string; output: string; inputs: Record<string, unknown> };
  assert.deepEqual([record.event, record.output, record.inputs.string], ['run', 'as JSON', 'hello'], 'the other inputs keep the first row\'s values');
});

test('bad input: one line that says what to do, the right exit code, no stack', async () => {
  fs.writeFileSync(path.join(ws, 'prompts', 'broken.prompt.yml'), 'name: x\nmessages: [\n');
  oneLine(await cli(['run', 'prompts/broken.prompt.yml']), 2, /^prompt-lab: prompts\/broken\.prompt\.yml:3: Malformed YAML.*prompt-lab check prompts\/broken\.prompt\.yml lists every problem/);
  oneLine(await cli(['eval', 'prompts/broken.prompt.yml']), 2, /broken\.prompt\.yml:3: Malformed YAML/);
  fs.rmSync(path.join(ws, 'prompts', 'broken.prompt.yml'));
  oneLine(await cli(['eval', 'prompts/sample_prompt.yml', '--shard', '5/4']), 2, /--shard "5\/4": the index must be from 0 to 3 for 4 shards/);
  oneLine(await cli(['eval', 'prompts/sample_prompt.yml', '--deployment', 'nope']), 2, /No deployment "nope".*known: "chat", "judge", "keyed", "broken", "slow"/);
  oneLine(await cli(['run', 'prompts/sample_prompt.yml', '--deployment', 'keyed']), 2, /"keyed" needs an API key: set PL_CLI_TEST_UNSET or PROMPT_LAB_API_KEY_KEYED.*SecretStorage.*not reachable from a terminal/);
  oneLine(await cli(['run', 'prompts/json_schema_prompt.yml']), 2, /"openai\/gpt-4o-mini" needs an API key: set GITHUB_TOKEN or PROMPT_LAB_API_KEY_OPENAI_GPT_4O_MINI/);
  oneLine(await cli(['run', 'prompts/sample_prompt.yml', '--deployment', 'chat', '--input', 'oops']), 2, /--input "oops": write name=value/);
  oneLine(await cli(['eval', 'prompts/none-*.prompt.json']), 2, /matches no files/);
  const verbose = await cli(['eval', 'prompts/sample_prompt.yml', '--shard', '5/4', '--verbose']);
  assert.match(verbose.stderr, /\n\s+at /, '--verbose shows the stack');

  // The key from PROMPT_LAB_API_KEY_<KEY> is sent.
  const before = server.requests.length;
  const keyed = await cli(['run', 'prompts/sample_prompt.yml', '--deployment', 'keyed', '--input', 'input=\nReply with: ok'], { PROMPT_LAB_API_KEY_KEYED: 'sk-cli-test' });
  assert.equal(keyed.code, 0, keyed.stderr);
  assert.equal(server.requests.slice(before).at(-1)?.headers.authorization, 'Bearer sk-cli-test');

  // A row that fails: exit 1, and a line that names the row and the server's error.
  const failing = await cli(['eval', 'prompts/sample_prompt.yml', '--deployment', 'broken', '--json', 'broken.json']);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /prompts\/sample_prompt\.yml · broken · row 1: error: .*500/);
  const result = asGhSummary(readJson('broken.json'));
  assert.deepEqual(result.summary, { totalTests: 2, passedTests: 0, failedTests: 2, passRate: 0 });
  // A run that fails exits 1 and says why.
  const run = await cli(['run', 'prompts/sample_prompt.yml', '--deployment', 'broken']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\nerror · /);
});

test('convert writes the other format beside the source, refuses to overwrite, and the result checks clean', async () => {
  const r = await cli(['convert', 'prompts/sample_prompt.yml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote prompts\/sample_prompt\.prompt\.json\n$/);
  const check = await cli(['check', 'prompts/sample_prompt.prompt.json']);
  assert.equal(check.code, 0, check.stdout);
  oneLine(await cli(['convert', 'prompts/sample_prompt.yml']), 2, /sample_prompt\.prompt\.json exists: pass --force/);
  assert.equal((await cli(['convert', 'prompts/sample_prompt.yml', '--force'])).code, 0);
  const back = await cli(['convert', 'prompts/sample_prompt.prompt.json', '--out', '-']);
  assert.equal(back.code, 0, back.stderr);
  assert.equal((parseYaml(back.stdout) as { name: string }).name, 'Sample Evaluation');
  fs.rmSync(path.join(ws, 'prompts', 'sample_prompt.prompt.json'));
});

/** The run log's lines in the workspace. */
function logLines(): Record<string, unknown>[] {
  const logDir = path.join(ws, '.promptlab', 'runs');
  return fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').trim().split('\n')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('Ctrl+C cancels a run: exit 1, and the partial output is logged as cancelled', async () => {
  const child = spawn(process.execPath, [CLI, 'run', 'prompts/sample_prompt.yml', '--deployment', 'slow'], { cwd: ws, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // Interrupt once the answer has started to stream.
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    if (stdout === '') child.kill('SIGINT');
    stdout += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /\ncancelled · /);
  const runId = /\(run ([0-9a-f-]{36})\)/.exec(stderr)?.[1];
  const logged = logLines().find((l) => l.id === runId);
  assert.equal(logged?.status, 'cancelled');
  assert.ok(typeof logged.output === 'string' && logged.output.length > 0 && stdout.startsWith(logged.output.slice(0, 5)), 'the partial output is kept');
  assert.ok((logged.output as string).split(' ').length < 2000, 'it stopped before the end');
});

test('a required input without a value is refused with the option to add', async () => {
  fs.writeFileSync(path.join(ws, 'prompts', 'needs.prompt.json'), '{ "deployment": "chat", "inputs": { "topic": { "required": true }, "n": { "type": "number", "required": true } }, "messages": [{ "role": "user", "content": "{{ topic }} {{ n }}" }] }');
  oneLine(await cli(['run', 'prompts/needs.prompt.json']), 2, /the inputs "topic", "n" have no value: pass --input topic=… --input n=… or --inputs-file/);
  oneLine(await cli(['run', 'prompts/needs.prompt.json', '--input', 'topic=x', '--input', 'n=many']), 2, /--input n="many": "n" is a number/);
  fs.writeFileSync(path.join(ws, 'inputs.json'), '{ "topic": "Reply with: from the file", "n": 3 }');
  const r = await cli(['run', 'prompts/needs.prompt.json', '--inputs-file', 'inputs.json', '--input', 'n=4']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from the file 4\n');
  fs.rmSync(path.join(ws, 'prompts', 'needs.prompt.json'));
});

test('on a terminal eval draws one progress line; elsewhere a line per row', async () => {
  let err = '';
  const code = await runCli(['eval', 'prompts/json_schema_prompt.yml', '--deployment', 'chat'], {
    stdout: { write: () => true }, stderr: { write: (s: string) => (err += s), isTTY: true, columns: 100 },
    env: {}, cwd: ws, renderWorkerPath: path.join(ROOT, 'dist', 'renderWorker.js'),
  });
  assert.ok(code === 0 || code === 1);
  const redraws = err.split('\r\x1b[2K').slice(1);
  assert.equal(redraws.length, 3, 'one redraw per row');
  assert.match(redraws.at(-1) ?? '', /^prompts\/json_schema_prompt\.yml {2}3\/3 {2}✓ \d+ {2}✗ \d+ {2}! 0\n/);
  assert.doesNotMatch(err, /· row \d+: (passed|failed) \(/, 'no line per row');
  const plain = await cli(['eval', 'prompts/json_schema_prompt.yml', '--deployment', 'chat']);
  assert.equal(plain.stderr.match(/^prompts\/json_schema_prompt\.yml · chat · row \d: (passed|failed) \(\d+ ms\)$/gm)?.length, 3);
  assert.doesNotMatch(plain.stderr, /\r/);
});

test('the npm package carries the CLI, its render worker and package.json bin, so npx prompt-lab works where it is installed', () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { files: { path: string }[] }[];
  const files = packed[0]?.files.map((f) => f.path) ?? [];
  for (const f of ['dist/cli.js', 'dist/renderWorker.js', 'package.json']) assert.ok(files.includes(f), `${f} is packed`);
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map')), 'sources and maps stay out');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  assert.equal(pkg.bin?.['prompt-lab'], './dist/cli.js');
  assert.ok(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
  assert.ok((fs.statSync(CLI).mode & 0o111) !== 0, 'executable in the clone itself');
});

test('a .prompt.yml\'s evaluator templates follow GitHub\'s rules: an unknown name stays as written, as gh-models compares it', async () => {
  fs.writeFileSync(path.join(ws, 'prompts', 'literal.prompt.yml'), [
    'name: literal', 'model: openai/gpt-4o-mini', 'messages:', '  - role: user', '    content: "{{input}}"',
    'testData:', '  - input: "Reply with: the {{missing}} stays"', '    word: stays',
    'evaluators:', '  - name: known', '    string:', '      contains: "{{word}}"', '  - name: unknown', '    string:', '      contains: "{{missing}}"',
    '  - name: absent', '    string:', '      endsWith: "{{nowhere}}"', '',
  ].join('\n'));
  const r = await cli(['eval', 'prompts/literal.prompt.yml', '--deployment', 'chat', '--json', 'literal.json']);
  const s = asGhSummary(readJson('literal.json'));
  const t = s.testResults[0] as TestResult;
  assert.equal(t.modelResponse, 'the {{missing}} stays');
  assert.deepEqual(t.evaluationResults.map((e) => [e.evaluatorName, e.passed, e.details]), [
    ['known', true, "Expected to contain: 'stays'"],
    ['unknown', true, "Expected to contain: '{{missing}}'"],
    ['absent', false, "Expected to end with: '{{nowhere}}'"],
  ]);
  assert.equal(r.code, 1);
  fs.rmSync(path.join(ws, 'prompts', 'literal.prompt.yml'));
});

test('convert names what cannot convert at its line, still writes the file, exits 1; a .prompty reads its ${file:…} beside it', async () => {
  fs.writeFileSync(path.join(ws, 'prompts', 'filtered.prompt.json'), '{\n  "deployment": "chat",\n  "messages": [\n    { "role": "user", "content": "Hi {{ name | upper }}" }\n  ],\n  "inputs": { "name": { "default": "Ada" } }\n}\n');
  const r = await cli(['convert', 'prompts/filtered.prompt.json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^prompts\/filtered\.prompt\.json:4: error: Message 1: A Nunjucks filter has no equivalent in a \.prompt\.yml/m);
  assert.match(r.stderr, /wrote prompts\/filtered\.prompt\.yml: 1 part could not convert \(see above\)\n$/);
  assert.ok(fs.existsSync(path.join(ws, 'prompts', 'filtered.prompt.yml')));
  const original = path.join(ROOT, 'test', 'fixtures', 'templates', 'original', 'contoso-chat');
  fs.mkdirSync(path.join(ws, 'contoso'), { recursive: true });
  for (const f of ['chat.prompty', 'chat.json']) fs.copyFileSync(path.join(original, f), path.join(ws, 'contoso', f));
  const prompty = await cli(['convert', 'contoso/chat.prompty', '--out', '-']);
  assert.ok(prompty.code === 0 || prompty.code === 1, prompty.stderr);
  const converted = parseYaml(prompty.stdout) as { inputs: Record<string, { default?: unknown }> };
  const sample = JSON.parse(fs.readFileSync(path.join(original, 'chat.json'), 'utf8')) as Record<string, unknown>;
  const [key] = Object.keys(sample);
  assert.ok(key);
  assert.deepEqual(converted.inputs[key]?.default, sample[key], 'the sample file beside the .prompty gave the defaults');
});
