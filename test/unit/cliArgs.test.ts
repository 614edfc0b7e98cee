/**
 * The CLI's argument handling and settings reading, in-process: option values (shards, name=value, rates, whole
 * numbers), the key variable names, settings.json as JSONC with the workspace found from the current directory, keys
 * from the environment, the results' merge and exit codes, and commander's usage errors mapped to exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { apiKeyVariable, inShard, keyValues, parseKeyValue, parseRate, parseShard, parseWholeNumber } from '../../src/cli/args';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../src/cli/errors';
import { exitCodeOf } from '../../src/cli/eval';
import { withJudgeDeployments, GITHUB_BUILTIN_JUDGE_MODEL } from '../../src/core/evaluation/evaluate';
import { formatFileName, promptFormatOfArgument } from '../../src/cli/files';
import { runCli } from '../../src/cli/main';
import { mergeSummaries, readSummaries, summaryOf, type GhEvaluationSummary, type GhTestResult } from '../../src/cli/results';
import { inputValue } from '../../src/cli/run';
import { findApiKey, findWorkspaceFolder, loadSettings, missingKeyMessage, settingsFromText } from '../../src/cli/settings';
import { targetFormat } from '../../src/cli/convert';
import { parsePromptYaml } from '../../src/core/format/promptYaml';
import { filesBeside } from '../../src/node/filesBeside';
import { tempDir } from './tempDir';

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CliError && err.exitCode === EXIT_USAGE && pattern.test(err.message));
}

test('--shard i/n takes an index from 0 to n − 1 and refuses anything else with what to write', () => {
  assert.deepEqual(parseShard('0/4'), { index: 0, count: 4 });
  assert.deepEqual(parseShard(' 3 / 4 '), { index: 3, count: 4 });
  usage(() => parseShard('5/4'), /from 0 to 3 for 4 shards/);
  usage(() => parseShard('4/4'), /from 0 to 3/);
  usage(() => parseShard('1/0'), /at least 1/);
  usage(() => parseShard('a/b'), /write i\/n/);
  usage(() => parseShard('-1/4'), /write i\/n/);
  usage(() => parseShard('1.5/4'), /write i\/n/);
  // Every row is in exactly one shard.
  const shards = [0, 1, 2].map((index) => ({ index, count: 3 }));
  for (let row = 0; row < 10; row++) assert.equal(shards.filter((s) => inShard(row, s)).length, 1);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].filter((r) => inShard(r, { index: 1, count: 3 })), [1, 4]);
  assert.equal(inShard(7, undefined), true);
});

test('name=value splits at the first =, keeps empty values and = in values, and refuses a missing name', () => {
  assert.deepEqual(parseKeyValue('topic=whales', '--input'), ['topic', 'whales']);
  assert.deepEqual(parseKeyValue('q=a=b', '--input'), ['q', 'a=b']);
  assert.deepEqual(parseKeyValue('empty=', '--input'), ['empty', '']);
  usage(() => parseKeyValue('novalue', '--input'), /write name=value/);
  usage(() => parseKeyValue('=x', '--context'), /environment=staging/);
  assert.deepEqual(keyValues(['a=1', 'b=2', 'a=3'], '--context'), { a: '3', b: '2' });
  assert.deepEqual(keyValues(undefined, '--context'), {});
});

test('--fail-under takes a rate from 0 to 1 or a percentage; --concurrency a whole number in range', () => {
  assert.equal(parseRate('0.9'), 0.9);
  assert.equal(parseRate('90%'), 0.9);
  assert.equal(parseRate('.5'), 0.5);
  assert.equal(parseRate('1'), 1);
  assert.equal(parseRate('0'), 0);
  for (const bad of ['1.5', '150%', '-0.1', 'high', '']) usage(() => parseRate(bad), /from 0 to 1, or a percentage/);
  assert.equal(parseWholeNumber('8', '--concurrency', 1, 1024), 8);
  for (const bad of ['0', '2000', '1.5', 'x']) usage(() => parseWholeNumber(bad, '--concurrency', 1, 1024), /whole number from 1 to 1024/);
});

test('--input values take the input\'s type', () => {
  assert.equal(inputValue({ name: 'n', type: 'number', hasDefault: false, required: true, span: { offset: 0, length: 0 } }, '42'), 42);
  assert.equal(inputValue({ name: 'b', type: 'boolean', hasDefault: false, required: true, span: { offset: 0, length: 0 } }, 'yes'), true);
  assert.deepEqual(inputValue({ name: 'h', type: 'chat_history', hasDefault: false, required: true, span: { offset: 0, length: 0 } }, '[{"role":"user","content":"hi"}]'), [{ role: 'user', content: 'hi' }]);
  assert.equal(inputValue(undefined, '007'), '007');
  usage(() => inputValue({ name: 'n', type: 'number', hasDefault: false, required: true, span: { offset: 0, length: 0 } }, 'many'), /"n" is a number/);
  usage(() => inputValue({ name: 'o', type: 'object', hasDefault: false, required: true, span: { offset: 0, length: 0 } }, '{nope'), /give it as JSON/);
});

test('a deployment key becomes PROMPT_LAB_API_KEY_<KEY>, uppercased, other characters as _', () => {
  assert.equal(apiKeyVariable('azure-gpt4o'), 'PROMPT_LAB_API_KEY_AZURE_GPT4O');
  assert.equal(apiKeyVariable('openai/gpt-4o'), 'PROMPT_LAB_API_KEY_OPENAI_GPT_4O');
  assert.equal(apiKeyVariable('local'), 'PROMPT_LAB_API_KEY_LOCAL');
  assert.equal(apiKeyVariable('été.1'), 'PROMPT_LAB_API_KEY__T__1');
});

test('keys: apiKeyEnv first, then PROMPT_LAB_API_KEY_<KEY>; empty is unset; the message names both and SecretStorage', () => {
  const d = { key: 'prod-eu', apiKeyEnv: 'MY_KEY' };
  assert.deepEqual(findApiKey(d, { MY_KEY: 'a', PROMPT_LAB_API_KEY_PROD_EU: 'b' }), { key: 'a', variable: 'MY_KEY' });
  assert.deepEqual(findApiKey(d, { MY_KEY: '', PROMPT_LAB_API_KEY_PROD_EU: 'b' }), { key: 'b', variable: 'PROMPT_LAB_API_KEY_PROD_EU' });
  assert.equal(findApiKey(d, {}), undefined);
  assert.deepEqual(findApiKey({ key: 'x' }, { PROMPT_LAB_API_KEY_X: 'k' }), { key: 'k', variable: 'PROMPT_LAB_API_KEY_X' });
  const message = missingKeyMessage(d);
  assert.match(message, /set MY_KEY or PROMPT_LAB_API_KEY_PROD_EU/);
  assert.match(message, /SecretStorage.*not reachable from a terminal/);
});

test('settings.json is read as JSONC (comments, trailing commas) and the promptLab.* keys as VS Code writes them', () => {
  const text = `{
    // a comment
    "editor.fontSize": 14,
    "promptLab.deployments": { "local": { "provider": "ollama", "model": "llama3.2", }, },
    "promptLab.models": { "openai/gpt-4o": "local", "bad": 3 },
    /* block */ "promptLab.log.directory": "logs/runs",
    "promptLab.context": { "environment": "staging", "region": "eu" },
    "promptLab.log.redactPII": true,
    "promptLab.render.timeoutMs": 600000,
  }`;
  const s = settingsFromText(text, 'settings.json', { region: 'us' });
  assert.deepEqual(Object.keys(s.deployments), ['local']);
  assert.deepEqual(s.models, { 'openai/gpt-4o': 'local' });
  assert.equal(s.logDirectory, 'logs/runs');
  assert.deepEqual(s.context, { environment: 'staging', region: 'us' }, '--context wins over promptLab.context');
  assert.equal(s.redactPII, true);
  assert.equal(s.requestTimeoutMs, 600_000);
  const defaults = settingsFromText('{}', 'settings.json');
  assert.deepEqual(defaults, { deployments: {}, models: {}, logDirectory: '.promptlab/runs', requestTimeoutMs: 600_000, context: {}, budget: undefined, redactPII: false });
  usage(() => settingsFromText('{\n  "promptLab.deployments": {\n  ]\n}', 'ws/.vscode/settings.json'), /^ws\/\.vscode\/settings\.json:3: the settings file is not valid JSON/);
  usage(() => settingsFromText('[1]', 's.json'), /one JSON object/);
  usage(() => settingsFromText('{"promptLab.deployments": []}', 's.json'), /must be an object of named deployments/);
});

test('the workspace folder is the nearest one up with .vscode/settings.json, else with .git; --settings and --workspace win', () => {
  const root = tempDir('pl-cli-ws-');
  const nested = path.join(root, 'a', 'b');
  fs.mkdirSync(nested, { recursive: true });
  assert.equal(findWorkspaceFolder(nested), nested, 'nothing above: the directory itself');
  fs.mkdirSync(path.join(root, '.git'));
  assert.equal(findWorkspaceFolder(nested), root);
  fs.mkdirSync(path.join(root, 'a', '.vscode'));
  fs.writeFileSync(path.join(root, 'a', '.vscode', 'settings.json'), '{ "promptLab.log.directory": "from-a" }');
  const found = loadSettings({ cwd: nested });
  assert.equal(found.workspaceFolder, path.join(root, 'a'));
  assert.equal(found.settings.logDirectory, 'from-a');
  fs.writeFileSync(path.join(root, 'other.json'), '{ "promptLab.log.directory": "from-other" }');
  assert.equal(loadSettings({ cwd: nested, settingsFile: '../../other.json' }).settings.logDirectory, 'from-other');
  assert.equal(loadSettings({ cwd: nested, workspace: root }).settings.logDirectory, '.promptlab/runs', 'root has no settings file');
  usage(() => loadSettings({ cwd: nested, settingsFile: 'missing.json' }), /--settings "missing.json" does not exist/);
  usage(() => loadSettings({ cwd: nested, workspace: 'nowhere' }), /--workspace "nowhere" does not exist/);
});

test('a .yml named on the command line is read as GitHub Models\' format, as gh models eval takes it', () => {
  assert.equal(promptFormatOfArgument('examples/sample_prompt.yml'), 'prompt.yml');
  assert.equal(promptFormatOfArgument('a.prompt.json'), 'prompt.json');
  assert.equal(promptFormatOfArgument('a.prompty'), 'prompty');
  assert.equal(promptFormatOfArgument('a.json'), undefined);
  assert.equal(formatFileName('/x/sample_prompt.yml'), 'sample_prompt.prompt.yml');
  assert.equal(formatFileName('/x/chat.prompt.json'), 'chat.prompt.json');
  assert.equal(targetFormat('a.prompt.yml', undefined), 'prompt.json');
  assert.equal(targetFormat('a.prompt.json', undefined), 'prompt.yml');
  usage(() => targetFormat('a.prompt.json', 'prompt.json'), /already a \.prompt\.json/);
  usage(() => targetFormat('a.prompty', 'prompt.yml'), /converts to \.prompt\.json/);
  usage(() => targetFormat('a.txt', undefined), /reads \.prompt\.json/);
});

test('judges naming no deployment use the prompt\'s own; gh-models\' built-in judges in a .prompt.yml use openai/gpt-4o', () => {
  const yaml = `name: t\nmodel: openai/gpt-4o-mini\nmessages:\n  - role: user\n    content: "{{input}}"\ntestData:\n  - input: hi\nevaluators:\n  - name: sim\n    uses: github/similarity\n  - name: own\n    llm:\n      prompt: "{{completion}}"\n      choices: [{ choice: "yes", score: 1 }]\n  - name: picked\n    llm:\n      modelId: mistral-ai/ministral-3b\n      prompt: "{{completion}}"\n      choices: [{ choice: "yes", score: 1 }]\n`;
  const prompt = parsePromptYaml(yaml).prompt;
  assert.ok(prompt);
  const out = withJudgeDeployments(prompt, 'prompt.yml', prompt.model);
  assert.equal(out.deployment, 'openai/gpt-4o-mini');
  assert.deepEqual(out.evaluators.map((e) => ('deployment' in e ? e.deployment : undefined)), [GITHUB_BUILTIN_JUDGE_MODEL, undefined, 'mistral-ai/ministral-3b']);
  const asJson = withJudgeDeployments(prompt, 'prompt.json', 'x');
  assert.equal((asJson.evaluators[0] as { deployment?: string }).deployment, undefined, 'a .prompt.json built-in judge keeps the prompt\'s own');
});

function result(testIndex: number, outcome: string, passed = outcome === 'passed'): GhTestResult {
  return { testCase: { i: testIndex }, modelResponse: `r${testIndex}`, evaluationResults: [{ evaluatorName: 'e', score: passed ? 1 : 0, passed }], promptLab: { testIndex, outcome } };
}
function summary(results: GhTestResult[], shard?: string, deployment = 'd'): GhEvaluationSummary {
  return { name: 'n', description: '', model: 'm', testResults: results, summary: summaryOf(results), promptLab: { prompt: 'p.prompt.yml', deployment, ...(shard ? { shard } : {}) } };
}

test('gh-models\' figures: passRate is a percentage, 100 for no tests; errors count as failed', () => {
  assert.deepEqual(summaryOf([]), { totalTests: 0, passedTests: 0, failedTests: 0, passRate: 100 });
  assert.deepEqual(summaryOf([result(0, 'passed'), result(1, 'failed'), result(2, 'error', true), result(3, 'passed')]), { totalTests: 4, passedTests: 2, failedTests: 2, passRate: 50 });
});

test('merge joins shards in row order per prompt and deployment, reports a missing shard, refuses overlapping ones', () => {
  const a = summary([result(0, 'passed'), result(2, 'failed')], '0/2');
  const b = summary([result(1, 'passed'), result(3, 'passed')], '1/2');
  const other = summary([result(0, 'passed')], undefined, 'e');
  const { merged, missingShards } = mergeSummaries([b, other, a]);
  assert.deepEqual(missingShards, []);
  assert.equal(merged.length, 2);
  const m = merged.find((s) => s.promptLab?.deployment === 'd');
  assert.deepEqual(m?.testResults.map((r) => r.promptLab?.testIndex), [0, 1, 2, 3]);
  assert.deepEqual(m?.summary, { totalTests: 4, passedTests: 3, failedTests: 1, passRate: 75 });
  assert.equal(m?.promptLab?.shard, undefined);
  assert.deepEqual(mergeSummaries([a]).missingShards, ['p.prompt.yml on d: shard 1/2']);
  usage(() => mergeSummaries([a, summary([result(2, 'passed')], '1/2')]), /Row 3 of p\.prompt\.yml on d is in more than one file/);
  assert.equal(readSummaries(JSON.stringify(a), 'a.json').length, 1);
  assert.equal(readSummaries(JSON.stringify([a, b]), 'ab.json').length, 2);
  usage(() => readSummaries('{"name": "x"}', 'x.json'), /x\.json is not an evaluation result/);
  usage(() => readSummaries('nope', 'n.json'), /n\.json is not JSON/);
});

test('exit codes: 0 when every row passed or the pass rate reaches --fail-under, 1 otherwise', () => {
  const half = [summary([result(0, 'passed'), result(1, 'failed')])];
  assert.equal(exitCodeOf(half, undefined), EXIT_FAILED);
  assert.equal(exitCodeOf(half, 0.5), EXIT_OK);
  assert.equal(exitCodeOf(half, 0.51), EXIT_FAILED);
  assert.equal(exitCodeOf([summary([result(0, 'passed')])], undefined), EXIT_OK);
  assert.equal(exitCodeOf([summary([])], undefined), EXIT_OK, 'no rows: gh-models passes with 0/0');
});

test('usage errors exit 2 with commander\'s line; --help and --version exit 0', async () => {
  const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, cwd: tempDir('pl-cli-run-'), renderWorkerPath: '' };
    const code = await runCli(argv, io);
    return { code, out, err };
  };
  const unknown = await run('eval', '--bogus', 'x');
  assert.equal(unknown.code, EXIT_USAGE);
  assert.match(unknown.err, /unknown option '--bogus'/);
  assert.equal((await run('frobnicate')).code, EXIT_USAGE);
  assert.equal((await run('run')).code, EXIT_USAGE, 'a missing argument');
  const noValue = await run('eval', 'x.prompt.json', '--json');
  assert.equal(noValue.code, EXIT_USAGE, 'an option without its value');
  assert.match(noValue.err, /option '--json <file>' argument missing/);
  const help = await run('eval', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /--shard <i\/n>/);
  const version = await run('--version');
  assert.equal(version.code, 0);
  assert.equal(version.out, `${(JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version}\n`);
  assert.ok(!fs.existsSync(path.resolve(__dirname, '..', '..', 'package.json')), 'no package.json copied into out/, where the replay server would take it for the repository root');
  const shard = await run('eval', 'x.prompt.json', '--shard', '5/4');
  assert.equal(shard.code, EXIT_USAGE);
  assert.equal(shard.err, 'prompt-lab: --shard "5/4": the index must be from 0 to 3 for 4 shards.\n');
  const missing = await run('check', 'missing.prompt.json');
  assert.equal(missing.code, EXIT_USAGE);
  assert.equal(missing.err, 'prompt-lab: missing.prompt.json does not exist: name a prompt file, a folder or a glob.\n');
  const verbose = await run('check', 'missing.prompt.json', '--verbose');
  assert.match(verbose.err, /\n {4}at /, '--verbose adds the stack');
});

test('filesBeside reads a .prompty\'s files inside its folder only', () => {
  const root = tempDir('pl-beside-');
  fs.mkdirSync(path.join(root, 'p', 'data'), { recursive: true });
  fs.writeFileSync(path.join(root, 'p', 'data', 'sample.json'), '{"a":1}');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'no');
  const read = filesBeside(path.join(root, 'p'));
  assert.equal(read('data/sample.json'), '{"a":1}');
  assert.equal(read('../secret.txt'), undefined);
  assert.equal(read(path.join(root, 'secret.txt')), undefined);
  assert.equal(read('data/missing.json'), undefined);
});
