/**
 * The request rules table: each rule with the recorded error body it prevents (test/fixtures/wire), the models it
 * recognises, what it changes in the request the server receives, and the 400 that names it when it did not apply.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { resolveDeployment, type DeploymentConfig } from '../../src/core/providers/deployments';
import { applyRequestRules, REQUEST_RULES, ruleFor, rulesFor } from '../../src/core/providers/requestRules';
import { executeRun } from '../../src/core/run/run';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { WIRE_DIR } from './wireOracle';
import { tempDir } from './tempDir';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

let server: ReplayServer;
before(async () => {
  server = await startReplayServer();
});
after(async () => {
  await server.close();
});

const PROMPT = parsePromptFile(`{
  "deployment": "d", "parameters": { "max_tokens": 50, "temperature": 0.2, "top_p": 0.9, "reasoning_effort": "low" },
  "messages": [ { "role": "system", "content": "Be brief." }, { "role": "user", "content": "Hi" } ]
}`).prompt as PromptFile;

function run(config: DeploymentConfig, context: Record<string, string> = {}) {
  return executeRun({
    runId: randomUUID(), promptPath: 'r.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: {}, apiKey: undefined,
    deployment: resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL: server.baseURL, ...config } }, context), logDir: tempDir('prompt-lab-rules-'), fs: files,
  });
}

test('every rule that cites a recorded error body recognises that body, and no other rule claims it', () => {
  const cited = REQUEST_RULES.filter((r) => r.recorded);
  assert.ok(cited.length >= 2);
  for (const rule of cited) {
    const body = JSON.parse(fs.readFileSync(path.join(WIRE_DIR, rule.recorded as string), 'utf8')) as { error: Record<string, unknown> };
    assert.equal(rule.prevents(body.error), true, `${rule.name} prevents ${rule.recorded}`);
    assert.equal(ruleFor(body.error)?.name, rule.name, rule.recorded);
  }
  // Recorded 400s no rule is about.
  for (const file of ['openai/error-400-context-length-exceeded-from-issue.json', 'openai/error-400-param-null-code.json', 'groq/error-400-tool-use-failed.json']) {
    const body = JSON.parse(fs.readFileSync(path.join(WIRE_DIR, file), 'utf8')) as { error: Record<string, unknown> };
    assert.equal(ruleFor(body.error), undefined, file);
  }
});

test('the rules recognise the models they are about, with or without a publisher prefix', () => {
  const names = (model: string, provider = 'openai') => rulesFor(model, provider).map((r) => r.name);
  assert.deepEqual(names('o3-mini'), ['max-completion-tokens', 'reasoning-sampling']);
  assert.deepEqual(names('openai/o4-mini', 'github'), ['max-completion-tokens', 'reasoning-sampling']);
  assert.deepEqual(names('gpt-5-mini-2025-08-07'), ['max-completion-tokens', 'reasoning-sampling']);
  assert.deepEqual(names('o1-mini'), ['max-completion-tokens', 'reasoning-sampling', 'system-as-user']);
  assert.deepEqual(names('gpt-5-chat-latest'), []);
  assert.deepEqual(names('gpt-4o'), []);
  assert.deepEqual(names('o1'), ['max-completion-tokens', 'reasoning-sampling'], 'o1 takes system messages');
  assert.deepEqual(names('qwen3-235b-a22b-instruct-2507', 'scaleway'), ['json-object-as-schema']);
  assert.deepEqual(names('qwen3-235b-a22b-instruct-2507', 'together'), [], 'only Scaleway\'s Qwen3 needs the schema form');
  assert.deepEqual(names('google/gemma-3-12b', 'lmstudio'), ['json-object-as-schema'], 'LM Studio\'s server takes no json_object, whatever the model');
  assert.deepEqual(names('google/gemma-3-12b', 'ollama'), []);
  assert.deepEqual(rulesFor('my-azure-deployment', 'azure', ['max-completion-tokens']).map((r) => r.name), ['max-completion-tokens']);
});

test('applied rules change a copy of the request and say what they changed; reasoning_effort is kept', () => {
  const parameters = { max_tokens: 50, temperature: 0.2, top_p: 0.9, reasoning_effort: 'low' };
  const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hi' }];
  const out = applyRequestRules('o1-mini', 'openai', { parameters, messages });
  assert.deepEqual(out.parameters, { max_completion_tokens: 50, reasoning_effort: 'low' });
  assert.deepEqual(out.messages.map((m) => m.role), ['user', 'user']);
  assert.deepEqual(out.applied.map((a) => a.name), ['max-completion-tokens', 'reasoning-sampling', 'system-as-user']);
  assert.match(out.applied[1]?.changes[0] ?? '', /"temperature", "top_p" are left out/);
  assert.deepEqual(parameters, { max_tokens: 50, temperature: 0.2, top_p: 0.9, reasoning_effort: 'low' }, 'the input is untouched');
  assert.equal(messages[0]?.role, 'system');
  const json = applyRequestRules('qwen3-235b-a22b-instruct-2507', 'scaleway', { parameters: { response_format: { type: 'json_object' } }, messages: [] });
  assert.deepEqual(json.parameters.response_format, { type: 'json_schema', json_schema: { name: 'json_object', schema: { type: 'object' } } });
});

test('the server receives the request the rules made, and the log says which rules and what was asked', async () => {
  const outcome = await run({
    model: 'replay/openai/pysdk-stream-text-usage', requestRules: ['max-completion-tokens', 'reasoning-sampling', 'system-as-user'],
    variants: [{ name: 'eu', when: { region: 'eu' }, model: 'replay/openai/pysdk-stream-text-usage' }],
  }, { region: 'eu', environment: 'dev' });
  assert.equal(outcome.record.status, 'ok', outcome.error?.message);
  const body = server.requests.at(-1)?.body as Record<string, unknown> & { messages: { role: string }[] };
  assert.equal(body.max_completion_tokens, 50);
  for (const dropped of ['max_tokens', 'temperature', 'top_p']) assert.ok(!(dropped in body), dropped);
  assert.equal(body.reasoning_effort, 'low');
  assert.deepEqual(body.messages.map((m) => m.role), ['user', 'user']);
  const { record } = outcome;
  assert.deepEqual(record.requestRules, ['max-completion-tokens', 'reasoning-sampling', 'system-as-user']);
  assert.deepEqual(record.parameters, { max_completion_tokens: 50, reasoning_effort: 'low' }, 'the parameters as sent');
  assert.equal(record.messages[0]?.role, 'user', 'the roles as sent');
  assert.equal(record.requestModel, 'replay/openai/pysdk-stream-text-usage');
  assert.equal(record.model, 'gpt-4o-2024-08-06', 'the model the server reported stays in "model"');
  assert.equal(record.variant, 'eu');
  assert.deepEqual(record.context, { region: 'eu' }, 'only the context values the variant\'s "when" read');
});

test('a recorded 400 that a rule would have prevented names the rule and its fix', async () => {
  for (const [fixture, rule] of [['openai/error-400-unsupported-parameter', 'max-completion-tokens'], ['openai/error-400-unsupported-value', 'system-as-user']] as const) {
    const outcome = await run({ model: `replay/${fixture}` });
    assert.equal(outcome.record.status, 'error');
    assert.equal(outcome.record.error?.httpStatus, 400);
    assert.match(outcome.error?.message ?? '', new RegExp(`The request rule "${rule}" prevents this error: .*add "requestRules": \\["${rule}"\\] to the deployment "d"`));
    assert.equal(outcome.record.variant, 'default');
    assert.equal(outcome.record.context, undefined);
  }
  // LM Studio's answer to json_object (a plain string error body), from a deployment that is not the lmstudio preset.
  const lmStudio = await run({ model: 'replay/lmstudio/error-400-response-format-type-from-issue' });
  assert.equal(lmStudio.record.error?.httpStatus, 400);
  assert.match(lmStudio.error?.message ?? '', /must be 'json_schema' or 'text'.*The request rule "json-object-as-schema" prevents this error/);
  const unrelated = await run({ model: 'replay/openai/error-400-context-length-exceeded-from-issue' });
  assert.doesNotMatch(unrelated.error?.message ?? '', /request rule/);
});
