/**
 * finishedView (src/core/run/runView.ts) on runs of recorded streams: the run/finished message carries what the
 * protocol (src/protocol/runPanel.ts) names and nothing twice. What the panel makes of it is tested in real Chromium
 * (test/webview/runDetails.chromium.test.ts) and in the real UI (test/e2e/runDetails.e2e.mjs).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { resolveDeployment } from '../../src/core/providers/deployments';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { executeRun } from '../../src/core/run/run';
import { finishedView } from '../../src/core/run/runView';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { startReplayServer, type ReplayServer } from '../replay/server';

let server: ReplayServer;
before(async () => {
  server = await startReplayServer();
});
after(async () => {
  await server.close();
});

const PROMPT = parsePromptFile('{ "messages": [ { "role": "user", "content": "go" } ] }').prompt as PromptFile;

async function view(model: string) {
  const deployment = resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL: server.baseURL, model } });
  const { record, error } = await executeRun({ runId: randomUUID(), promptPath: 'p.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: {}, deployment, apiKey: undefined });
  return { record, view: finishedView(record, error) };
}

test('tool calls: id, name, the arguments pretty-printed once, and whether they are JSON', async () => {
  const { record, view: v } = await view('replay/openai/pysdk-stream-parallel-tool-calls');
  assert.deepEqual(v.toolCalls, record.toolCalls?.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(JSON.parse(c.arguments), null, 2), valid: true })));
});

test('an error inside a 200 stream: the sentence and its action, the reasoning before it', async () => {
  const { record, view: v } = await view('replay/groq/pai-stream-error-event');
  assert.equal(v.status, 'error');
  assert.equal(v.error?.message, record.error?.message);
  assert.equal(v.error?.action, 'retry');
  assert.equal(v.error?.actionLabel, 'Run Again');
  assert.equal(v.reasoning, record.reasoning);
  assert.equal(v.outputLength, 0);
});
