/**
 * A message Prompt Lab cannot send as written (a content part of an unknown type or naming an undeclared input, no
 * role, not an object) is an
 * error in the editor and a failed, logged run that sent nothing: never a request with the message silently left out.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { resolveDeployment } from '../../src/core/providers/deployments';
import { executeRun } from '../../src/core/run/run';
import { analyzePromptFile } from '../../src/core/template/analyze';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { startReplayServer, type ReplayServer } from '../replay/server';
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

const CASES: { messages: string; marked: string; message: RegExp }[] = [
  { messages: '{ "role": "user", "content": [ { "type": "text", "text": "Describe it" }, { "type": "video", "input": "clip" } ] }', marked: '"video"', message: /Part 2 of message 2 has the type "video"/ },
  { messages: '{ "role": "user", "content": [ { "type": "image", "input": "photo" } ] }', marked: '"photo"', message: /names the input "photo", which is not declared/ },
  { messages: '{ "role": "user", "content": [] }', marked: '[]', message: /empty "content" array/ },
  { messages: '{ "content": "no role" }', marked: '{ "content": "no role" }', message: /Message 2 needs a "role"/ },
  { messages: '"just text"', marked: '"just text"', message: /Message 2 must be an object/ },
  { messages: '{ "role": "user", "content": 42 }', marked: '42', message: /Message 2 needs "content": a string/ },
];

test('each unreadable message is a message-shape error at its characters, and the run fails without sending', async () => {
  for (const c of CASES) {
    const text = `{ "deployment": "d", "messages": [ { "role": "system", "content": "Be brief." }, ${c.messages} ] }`;
    const diagnostics = analyzePromptFile(text).diagnostics.filter((d) => d.code === 'message-shape');
    assert.equal(diagnostics.length, 1, c.messages);
    assert.equal(text.slice(diagnostics[0]!.start, diagnostics[0]!.end), c.marked);
    assert.match(diagnostics[0]!.message, c.message);

    const prompt = parsePromptFile(text).prompt;
    assert.ok(prompt, 'the rest of the file is still read (for the editor)');
    const logDir = tempDir('prompt-lab-shape-');
    const sent = server.requests.length;
    const outcome = await executeRun({
      runId: randomUUID(), promptPath: 'p.prompt.json', prompt, renderer: inProcessRenderer(), inputs: {}, apiKey: undefined, logDir, fs: files,
      deployment: resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage' } }),
    });
    assert.equal(outcome.record.status, 'error');
    assert.match(outcome.error?.message ?? '', c.message);
    assert.equal(outcome.error?.action, 'openPrompt');
    assert.equal(server.requests.length, sent, 'nothing was sent');
    const logged = fs.readdirSync(logDir).map((f) => fs.readFileSync(`${logDir}/${f}`, 'utf8')).join('');
    assert.match(logged, /"status":"error"/);
  }
});
