import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import { DeploymentError } from '../../src/core/providers/deployments';
import { MissingApiKeyError, PromptFileError, describeError } from '../../src/core/providers/errors';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { WIRE_DIR } from './wireOracle';

let server: ReplayServer;
before(async () => { server = await startReplayServer(); });
after(async () => { await server.close(); });

const ACTION_BY_STATUS: Record<number, string> = { 400: 'showLog', 401: 'setApiKey', 404: 'openSettings', 429: 'retry' };

test('every recorded error body becomes one sentence with the server\'s message and an action', async () => {
  const files = fs.readdirSync(WIRE_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)error-\d{3}-.*\.json$/.test(f)).sort();
  assert.ok(files.length >= 14, `found ${files.length}`);
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
  for (const file of files) {
    const status = Number(/error-(\d{3})-/.exec(file)?.[1]);
    const body = JSON.parse(fs.readFileSync(path.join(WIRE_DIR, file), 'utf8')) as { error?: { message?: string } | string; message?: string };
    const serverText = typeof body.error === 'object' ? body.error.message : body.message;
    let caught: unknown;
    try {
      await client.chat.completions.create({ model: `replay/${file.replace(/\.json$/, '')}`, messages: [{ role: 'user', content: 'x' }] });
    } catch (err) {
      caught = err;
    }
    const described = describeError(caught, { key: 'dep', baseURL: server.baseURL, model: 'm' });
    assert.equal(described.httpStatus, status, file);
    assert.equal(described.action, file.includes('content-filter') ? 'openPrompt' : ACTION_BY_STATUS[status] ?? 'showLog', file);
    if (file.includes('content-filter')) assert.match(described.message, /^The content filter blocked the prompt \(400\)/);
    assert.ok(described.message.includes(`(${status})`), `${file}: ${described.message}`);
    assert.ok(described.message.includes('deployment "dep"'), file);
    if (serverText) assert.ok(described.message.includes(serverText.trim().slice(0, 40)), `${file}: ${described.message}`);
    assert.doesNotMatch(described.message, /\n|at .*\.js/, file);
  }
});

test('5xx answers offer to run again', async () => {
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
  for (const status of [500, 502, 503]) {
    const caught = await client.chat.completions.create({ model: `synthetic/status?code=${status}`, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    const described = describeError(caught, { key: 'dep', baseURL: server.baseURL, model: 'm' });
    assert.equal(described.httpStatus, status);
    assert.equal(described.action, 'retry');
    assert.equal(described.message, `The server failed (${status}) (deployment "dep"): Synthetic ${status} from the Prompt Lab replay server. Try again later.`);
  }
});

test('configuration errors point at their fix', () => {
  assert.equal(describeError(new DeploymentError('none', 'x')).actionLabel, 'Open Settings');
  assert.equal(describeError(new MissingApiKeyError('openai')).actionLabel, 'Set API Key');
  assert.equal(describeError(new PromptFileError('Malformed JSONC at line 3, column 3: …')).action, 'openPrompt');
  assert.equal(describeError(new Error('boom')).message, 'The run failed: boom.');
});
