// The security promises in the real extension host: a template that would run forever ends with its error while
// the extension host keeps answering, and the next run works; a key that a server echoes back never reaches a file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import type { RunOutcome } from '../../src/core/run/run';
import type { RunRecord } from '../../src/core/log/runLog';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { EXTENSION_ID, useDeployments, workspaceRoot, writePromptText } from './promptDocuments';

/** The run lines of the workspace log; other suites leave corrupt lines there on purpose, which are skipped. */
function logLines(): RunRecord[] {
  const dir = path.join(workspaceRoot(), '.promptlab', 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as RunRecord];
    } catch {
      return [];
    }
  }));
}

describe('Security', function () {
  this.timeout(60000);
  let server: ReplayServer;
  let restore: () => Promise<void>;
  let api: PromptLabApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    server = await startReplayServer();
    restore = await useDeployments({
      replay: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage' },
      echoOpenAI: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'synthetic/echoKey?form=openai', maxRetries: 0 },
      echoProxy: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'synthetic/echoKey?form=plain', maxRetries: 0 },
    });
  });

  after(async () => {
    await restore?.();
    await server?.close();
  });

  it('a runaway template ends with its error at the time limit while the host keeps answering, and the next run succeeds', async () => {
    const runaway = await writePromptText('runaway.prompt.json', JSON.stringify({
      deployment: 'replay',
      messages: [{ role: 'system', content: 'fine' }, { role: 'user', content: '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}' }],
    }));
    const requestsBefore = server.requests.length;
    const events: string[] = [];
    const run = Promise.resolve(vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', runaway)).then((outcome) => {
      events.push('run ended');
      return outcome;
    });
    // While the template spins, the extension host runs this test's timer and another of Prompt Lab's commands.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await vscode.commands.executeCommand('promptLab.refreshRuns');
    events.push('other command done');
    const outcome = await run;
    assert.deepEqual(events, ['other command done', 'run ended']);
    assert.ok(outcome);
    assert.equal(outcome.record.status, 'error');
    assert.match(outcome.record.error?.message ?? '', /^Message 2 took longer than 2000 ms to render/);
    assert.equal(server.requests.length, requestsBefore, 'nothing was sent');
    const line = logLines().find((r) => r.id === outcome.record.id);
    assert.equal(line?.status, 'error', 'the failed run is logged');

    const fine = await writePromptText('fine.prompt.json', JSON.stringify({ deployment: 'replay', messages: [{ role: 'user', content: 'Hello {{ "there" }}' }] }));
    const next = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', fine);
    assert.equal(next?.record.status, 'ok', next?.error?.message);
    assert.deepEqual(next?.record.messages, [{ role: 'user', content: 'Hello there' }]);
  });

  it('a key the server echoes back never appears in any file of the workspace or of the session\'s logs', async () => {
    const key = 'sk-proj-IntegrationEchoKey7Qz3Lm9Vx2Rt8Wp4';
    // The output channel's file and the extension's log folder are under the session's logs folder.
    const logsRoot = path.resolve(api.logUri.fsPath, '..', '..', '..');
    assert.ok(fs.existsSync(logsRoot), logsRoot);
    const runIds: string[] = [];
    for (const deployment of ['echoOpenAI', 'echoProxy']) {
      assert.equal(await vscode.commands.executeCommand('promptLab.setApiKey', deployment, key), true);
      const uri = await writePromptText(`${deployment}.prompt.json`, JSON.stringify({ deployment, messages: [{ role: 'user', content: 'Hi' }] }));
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      assert.equal(outcome?.record.status, 'error');
      assert.match(outcome?.error?.message ?? '', /\[KEY\]/, 'the echo is shown, masked');
      assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${key}`, 'the key was sent to the server');
      runIds.push(outcome!.record.id);
    }
    const files = (dir: string): string[] => fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => fs.statSync(f).isFile());
    const read = (f: string): string => fs.readFileSync(f, 'latin1');
    // The output channel is written to its file asynchronously: wait until both runs' lines are there.
    const deadline = Date.now() + 15_000;
    const channelHas = (): boolean => files(logsRoot).some((f) => runIds.every((id) => read(f).includes(id)));
    while (!channelHas()) {
      assert.ok(Date.now() < deadline, `the output channel's file under ${logsRoot} never showed the runs`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const file of [...files(workspaceRoot()), ...files(logsRoot)]) {
      const text = read(file);
      for (const piece of [key, key.slice(0, 12), key.slice(-10)]) assert.ok(!text.includes(piece), `${file} holds "${piece}"`);
    }
  });
});
