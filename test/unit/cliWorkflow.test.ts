/**
 * The README's GitHub Actions workflow (examples/.github/workflows/prompts.yml) run as written: its `npx prompt-lab`
 * command lines, matrix values substituted, through the CLI in-process against the simulated server, on the examples'
 * evaluated prompt (capitals.prompt.json, 24 rows); and its problem matcher (examples/.github/prompt-lab-matcher.json)
 * reading the lines `check` prints.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../src/cli/main';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { tempDir } from './tempDir';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const WORKFLOW = path.join(ROOT, 'examples', '.github', 'workflows', 'prompts.yml');
const MATCHER = path.join(ROOT, 'examples', '.github', 'prompt-lab-matcher.json');

interface Step { run?: string; uses?: string; with?: Record<string, unknown>; if?: string }
interface Job { needs?: string; if?: string; strategy?: { 'fail-fast'?: boolean; matrix?: { shard?: number[] } }; steps: Step[] }

let server: ReplayServer;
let ws: string;
before(async () => {
  server = await startReplayServer({ simulated: { speedup: 40, completionTokens: { min: 8, max: 16 } } });
  ws = tempDir('pl-cli-wf-');
  fs.mkdirSync(path.join(ws, '.vscode'));
  fs.mkdirSync(path.join(ws, 'prompts'));
  fs.mkdirSync(path.join(ws, 'data'));
  fs.copyFileSync(path.join(ROOT, 'examples', 'capitals.prompt.json'), path.join(ws, 'prompts', 'capitals.prompt.json'));
  fs.copyFileSync(path.join(ROOT, 'examples', 'data', 'capitals.jsonl'), path.join(ws, 'data', 'capitals.jsonl'));
  const deployment = (model: string): unknown => ({ provider: 'openai-compatible', baseURL: server.baseURL, model });
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'promptLab.deployments': { 'sim-chat': deployment('simulated/chat'), 'sim-judge': deployment('simulated/judge') } }));
});
after(async () => {
  await server.close();
});

/** Runs a command line as the workflow writes it (`npx prompt-lab …`, `|| [ $? -eq 1 ]` allowing exit 1). */
async function runLine(line: string, shard?: number): Promise<{ code: number; allowed: number[]; out: string; err: string }> {
  const text = line.replace(/\$\{\{ matrix\.shard \}\}/g, String(shard)).replace(/\s+/g, ' ').trim();
  const m = /^npx prompt-lab (.*?)( \|\| \[ \$\? -eq 1 \])?$/.exec(text);
  assert.ok(m, `a prompt-lab command line: ${text}`);
  // The lines use no quotes; a glob such as results/shard-*.json is expanded as the shell would.
  const args = (m[1] ?? '').split(' ').flatMap((a) => (a.includes('*') ? fs.readdirSync(path.join(ws, path.dirname(a))).filter((f) => new RegExp(`^${path.basename(a).replace('.', '\\.').replace('*', '.*')}$`).test(f)).sort().map((f) => path.join(path.dirname(a), f)) : [a]));
  let out = '';
  let err = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) },
    env: {}, cwd: ws, renderWorkerPath: path.join(ROOT, 'dist', 'renderWorker.js'),
  });
  return { code, allowed: m[2] ? [0, 1] : [0], out, err };
}

test('the example workflow runs check, a 4-way sharded eval, and a merge of every row', async () => {
  const workflow = parseYaml(fs.readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, Job> };
  const { check, eval: evaluate, merge } = workflow.jobs;
  assert.ok(check && evaluate && merge);
  assert.equal(evaluate.needs, 'check');
  assert.equal(merge.needs, 'eval');
  assert.equal(merge.if, 'always()', 'the merge runs after failing shards too');
  assert.equal(evaluate.strategy?.['fail-fast'], false);
  const shards = evaluate.strategy?.matrix?.shard ?? [];
  assert.deepEqual(shards, [0, 1, 2, 3]);
  const lines = (job: Job): string[] => job.steps.map((s) => s.run ?? '').filter((r) => r.includes('npx prompt-lab'));

  for (const line of lines(check)) {
    const r = await runLine(line);
    assert.equal(r.code, 0, r.err);
  }
  const [evalLine] = lines(evaluate);
  assert.ok(evalLine);
  for (const shard of shards) {
    const r = await runLine(evalLine, shard);
    assert.ok(r.allowed.includes(r.code), `shard ${shard}: exit ${r.code}\n${r.err}`);
    assert.ok(fs.existsSync(path.join(ws, 'results', `shard-${shard}.xml`)));
  }
  const upload = evaluate.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
  assert.equal(upload?.with?.path, 'results/', 'the shard files are uploaded');
  assert.equal(upload?.if, 'always()');

  const [mergeLine] = lines(merge);
  assert.ok(mergeLine);
  const merged = await runLine(mergeLine);
  const all = JSON.parse(fs.readFileSync(path.join(ws, 'results', 'all.json'), 'utf8')) as { testResults: { promptLab: { testIndex: number } }[]; summary: { totalTests: number; passRate: number } };
  assert.deepEqual(all.testResults.map((t) => t.promptLab.testIndex), Array.from({ length: 24 }, (_, i) => i), 'every row once, in order');
  assert.equal(all.summary.totalTests, 24);
  assert.equal(merged.code, all.summary.passRate >= 90 ? 0 : 1, '--fail-under 0.9 decides');
  assert.ok(fs.existsSync(path.join(ws, 'results', 'all.xml')));
});

test('the problem matcher reads every line check prints: file, line, column, severity, code, message', async () => {
  const matcher = JSON.parse(fs.readFileSync(MATCHER, 'utf8')) as { problemMatcher: { owner: string; pattern: { regexp: string; file: number; line: number; column: number; severity: number; code: number; message: number }[] }[] };
  const pattern = matcher.problemMatcher[0]?.pattern[0];
  assert.ok(pattern);
  fs.writeFileSync(path.join(ws, 'prompts', 'mistakes.prompt.json'), '{\n  "deployment": "nowhere",\n  "messages": [{ "role": "user", "content": "{{ a | nope }}: x" }]\n}\n');
  let out = '';
  const code = await runCli(['check', 'prompts/'], { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {}, cwd: ws, renderWorkerPath: '' });
  fs.rmSync(path.join(ws, 'prompts', 'mistakes.prompt.json'));
  assert.equal(code, 1);
  const lines = out.trimEnd().split('\n');
  assert.ok(lines.length >= 3, out);
  const re = new RegExp(pattern.regexp);
  for (const line of lines) {
    const m = re.exec(line);
    assert.ok(m, `matched: ${line}`);
    assert.equal(m[pattern.file], 'prompts/mistakes.prompt.json');
    assert.ok(['error', 'warning'].includes(m[pattern.severity] ?? ''));
    assert.match(m[pattern.code] ?? '', /^[a-z-]+$/);
  }
  const unknown = lines.map((l) => re.exec(l)).find((m) => m?.[pattern.code] === 'unknown-deployment');
  assert.deepEqual([unknown?.[pattern.line], unknown?.[pattern.column], unknown?.[pattern.severity]], ['2', '17', 'error']);
  assert.match(unknown?.[pattern.message] ?? '', /nowhere/);
});
