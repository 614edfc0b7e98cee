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

function logLines(): RunRecord[] {
  const dir = path.join(workspaceRoot(), '.promptlab', 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord));
}

describe('Security', function () {
  this.timeout(60000);
  let server: ReplayServer;
  let restore: () => Promise<void>;

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    server = await startReplayServer();
    restore = await useDeployments({ replay: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage' } });
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
});
