// Run Prompt inside the real extension host, against a local replay server started by the suite:
// the command runs, the panel confirms it shows the whole output, and the log line is the expected one.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import type { RunOutcome } from '../../src/core/run/run';
import type { RunRecord } from '../../src/core/log/runLog';
import { startReplayServer, syntheticText, type ReplayServer } from '../replay/server';
import { expectedOf } from '../unit/wireOracle';

const EXTENSION_ID = 'prompt-lab.prompt-lab';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

function logLines(): RunRecord[] {
  const dir = path.join(workspaceRoot(), '.promptlab', 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord));
}

async function writePrompt(name: string, body: unknown): Promise<vscode.Uri> {
  const uri = vscode.Uri.file(path.join(workspaceRoot(), name));
  await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(body, null, 2)));
  return uri;
}

type Rendered = { runId: string; outputLength: number; catchUpMs: number };

describe('Run Prompt', function () {
  this.timeout(60000);
  let api: PromptLabApi;
  let server: ReplayServer;
  const rendered = new Map<string, Rendered>();
  const renderedChanged = new vscode.EventEmitter<void>();

  /** The panel's confirmation that it shows run `runId` (waits for the event, never sleeps). */
  function renderedFor(runId: string): Promise<Rendered> {
    return new Promise((resolve) => {
      const check = () => {
        const e = rendered.get(runId);
        if (!e) return false;
        sub.dispose();
        resolve(e);
        return true;
      };
      const sub = renderedChanged.event(check);
      check();
    });
  }

  /** Resolves once a tab labelled `label` exists; returns the view columns of every tab so labelled. */
  function tabColumns(label: string): Promise<(vscode.ViewColumn | undefined)[]> {
    const columns = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.filter((t) => t.label === label).map(() => g.viewColumn));
    return new Promise((resolve) => {
      if (columns().length) return resolve(columns());
      const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
        if (columns().length) {
          sub.dispose();
          resolve(columns());
        }
      });
    });
  }

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    api.onDidRenderRun((e) => {
      rendered.set(e.runId, e);
      renderedChanged.fire();
    });
    server = await startReplayServer();
    await vscode.workspace.getConfiguration('promptLab').update('deployments', {
      replay: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage' },
      fast: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'synthetic/fast?chunks=20000' },
      azure: { provider: 'azure', endpoint: server.url, deployment: 'replay/azure/vercel-model-router-stream-usage', apiVersion: '2024-10-21' },
      unauthorised: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/error-401-invalid-api-key' },
      needsKey: { provider: 'openai', model: 'gpt-4o-mini' },
      envKeyed: { provider: 'openai', baseURL: server.baseURL, model: 'replay/mistral/vercel-stream-text', apiKeyEnv: 'PROMPT_LAB_INTEGRATION_KEY' },
      groqError: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/groq/pai-stream-error-event' },
      answered: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage?unmarked=1' },
    }, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', undefined, vscode.ConfigurationTarget.Workspace);
    await server?.close();
  });

  it('streams a recorded OpenAI response into the panel and appends the expected log line', async () => {
    const uri = await writePrompt('weather.prompt.json', {
      name: 'Weather', deployment: 'replay', parameters: { temperature: 0.3 },
      inputs: { city: { default: 'San Francisco' } },
      messages: [{ role: 'user', content: 'What is the weather in {{ city }}?' }],
    });
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.ok(outcome, 'the command returns the run');
    const expected = expectedOf('openai/pysdk-stream-text-usage.sse');
    assert.equal(outcome.record.status, 'ok', outcome.error?.message);
    assert.equal(outcome.record.output, expected.text);

    const panel = await renderedFor(outcome.record.id);
    assert.equal(panel.outputLength, expected.text.length, 'the panel shows the whole output');

    const line = logLines().find((r) => r.id === outcome.record.id);
    assert.ok(line, 'the run is in .promptlab/runs');
    assert.equal(line.event, 'run');
    assert.equal(line.prompt, 'weather.prompt.json');
    assert.equal(line.deployment, 'replay');
    assert.equal(line.provider, 'openai-compatible');
    assert.equal(line.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(line.inputs, { city: 'San Francisco' });
    assert.deepEqual(line.messages, [{ role: 'user', content: 'What is the weather in San Francisco?' }]);
    assert.deepEqual(line.parameters, { temperature: 0.3 });
    assert.equal(line.output, expected.text);
    assert.equal(line.finishReason, 'stop');
    assert.deepEqual(line.usage, { promptTokens: 14, completionTokens: 30, totalTokens: 44 });
    assert.equal(line.status, 'ok');
    assert.equal(line.replayOf, 'openai/pysdk-stream-text-usage.sse');
    assert.ok(line.timing.ttftMs !== null && line.timing.ttftMs <= line.timing.latencyMs);
    assert.equal((await tabColumns('Run: Weather')).length, 1, 'the panel is open');
  });

  it('running again reuses the prompt\'s panel, and other prompts\' panels share its editor group', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'weather.prompt.json'));
    const again = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.equal(again?.record.status, 'ok');
    await renderedFor(again?.record.id ?? '');
    const weather = await tabColumns('Run: Weather');
    assert.equal(weather.length, 1, 'one panel for the prompt file');
    const other = await writePrompt('other.prompt.json', { name: 'Other', deployment: 'replay', messages: [{ role: 'user', content: 'x' }] });
    await vscode.commands.executeCommand('promptLab.runPrompt', other);
    assert.deepEqual(await tabColumns('Run: Other'), weather, 'both panels in one group');
  });

  it('a 20,000-chunk stream ends in the panel exactly as long as the output', async () => {
    const uri = await writePrompt('fast.prompt.json', { name: 'Fast', deployment: 'fast', messages: [{ role: 'user', content: 'go' }] });
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.equal(outcome?.record.output, syntheticText(20000));
    const panel = await renderedFor(outcome?.record.id ?? '');
    assert.equal(panel.outputLength, syntheticText(20000).length);
  });

  it('runs an Azure deployment through the same command', async () => {
    const uri = await writePrompt('azure.prompt.json', { deployment: 'azure', messages: [{ role: 'user', content: 'Capital of Denmark?' }] });
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.equal(outcome?.record.status, 'ok', outcome?.error?.message);
    assert.equal(outcome?.record.output, 'Capital of Denmark.');
    assert.equal(outcome?.record.provider, 'azure');
  });

  it('a 401 ends as an error run, logged, with "Set API Key" offered', async () => {
    const uri = await writePrompt('denied.prompt.json', { deployment: 'unauthorised', messages: [{ role: 'user', content: 'hi' }] });
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.equal(outcome?.record.status, 'error');
    assert.equal(outcome?.error?.actionLabel, 'Set API Key');
    assert.equal(outcome?.record.error?.httpStatus, 401);
    assert.equal(logLines().find((r) => r.id === outcome?.record.id)?.status, 'error');
  });

  it('a deployment that needs a key and has none does not run', async () => {
    const uri = await writePrompt('nokey.prompt.json', { deployment: 'needsKey', messages: [{ role: 'user', content: 'hi' }] });
    const before = logLines().length;
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.equal(outcome, undefined);
    assert.equal(logLines().length, before);
  });

  it('an unknown deployment and malformed JSONC do not run', async () => {
    const before = logLines().length;
    const unknown = await writePrompt('unknown.prompt.json', { deployment: 'nope', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(await vscode.commands.executeCommand('promptLab.runPrompt', unknown), undefined);
    const broken = vscode.Uri.file(path.join(workspaceRoot(), 'broken.prompt.json'));
    await vscode.workspace.fs.writeFile(broken, Buffer.from('{ "messages": [ }'));
    assert.equal(await vscode.commands.executeCommand('promptLab.runPrompt', broken), undefined);
    assert.equal(logLines().length, before);
  });

  it('an API key set in SecretStorage is sent, and never written to settings or the log', async () => {
    const secret = 'sk-integration-secret-0123456789';
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    // Set the key through the command's own store: the command would ask with a password box.
    await vscode.commands.executeCommand('promptLab.setApiKey', 'replay', secret);
    const uri = await writePrompt('keyed.prompt.json', { deployment: 'replay', messages: [{ role: 'user', content: 'hi' }] });
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.equal(outcome?.record.status, 'ok');
    assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${secret}`);
    const logged = fs.readdirSync(path.join(workspaceRoot(), '.promptlab', 'runs')).map((f) => fs.readFileSync(path.join(workspaceRoot(), '.promptlab', 'runs', f), 'utf8')).join('');
    assert.ok(!logged.includes(secret));
    const settings = fs.readFileSync(path.join(workspaceRoot(), '.vscode', 'settings.json'), 'utf8');
    assert.ok(!settings.includes(secret));
    await vscode.commands.executeCommand('promptLab.setApiKey', 'replay', '');
  });

  it('a key in the environment variable named by apiKeyEnv is sent, and never logged', async () => {
    // The extension host is this process: its environment is where the extension reads apiKeyEnv.
    const secret = 'sk-from-environment-0123456789';
    process.env.PROMPT_LAB_INTEGRATION_KEY = secret;
    try {
      const uri = await writePrompt('envkeyed.prompt.json', { deployment: 'envKeyed', messages: [{ role: 'user', content: 'hi' }] });
      const before = server.requests.length;
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      assert.ok(outcome, 'the run went ahead: the deployment needs a key and the environment has it');
      assert.equal(outcome.record.status, 'ok', outcome.error?.message);
      const sent = server.requests.slice(before).filter((r) => r.method === 'POST');
      assert.equal(sent.length, 1);
      assert.equal(sent[0]?.headers.authorization, `Bearer ${secret}`);
      const logged = fs.readdirSync(path.join(workspaceRoot(), '.promptlab', 'runs')).map((f) => fs.readFileSync(path.join(workspaceRoot(), '.promptlab', 'runs', f), 'utf8')).join('');
      assert.ok(!logged.includes(secret));
    } finally {
      delete process.env.PROMPT_LAB_INTEGRATION_KEY;
    }
  });

  it('an error inside a 200 stream (Groq) reaches the panel and the log with the reasoning before it', async () => {
    const uri = await writePrompt('groq-error.prompt.json', { name: 'Groq error', deployment: 'groqError', messages: [{ role: 'user', content: 'call the tool' }] });
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.ok(outcome);
    const before = expectedOf('groq/pai-stream-error-event.sse', true);
    assert.equal(outcome.record.status, 'error');
    assert.match(outcome.error?.message ?? '', /^The server reported an error during the stream \(deployment "groqError"\): Tool call validation failed: .*not allowed\]\.$/);
    assert.equal(outcome.error?.actionLabel, 'Run Again');
    assert.equal(outcome.record.reasoning, before.reasoning);
    const panel = await renderedFor(outcome.record.id);
    assert.equal(panel.outputLength, 0, 'the panel shows the run as finished, with no answer text');
    const line = logLines().find((r) => r.id === outcome.record.id);
    assert.equal(line?.status, 'error');
    assert.equal(line?.error?.message, outcome.error?.message);
    assert.equal(line?.reasoning, before.reasoning);
  });

  it('cost: the built-in price table prices an answer from the service; a replay costs nothing', async () => {
    const answered = await writePrompt('answered.prompt.json', { deployment: 'answered', messages: [{ role: 'user', content: 'hi' }] });
    const real = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', answered);
    assert.equal(real?.record.status, 'ok', real?.error?.message);
    assert.equal(real?.record.model, 'gpt-4o-2024-08-06');
    // gpt-4o in src/core/providers/prices.ts: $2.50 / $10 per million; 14 prompt and 30 completion tokens.
    assert.equal(logLines().find((r) => r.id === real?.record.id)?.costUsd, (14 * 2.5 + 30 * 10) / 1e6);
    const weather = vscode.Uri.file(path.join(workspaceRoot(), 'weather.prompt.json'));
    const replay = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', weather);
    assert.equal(replay?.record.model, 'gpt-4o-2024-08-06', 'the same model, from a replay');
    const line = logLines().find((r) => r.id === replay?.record.id);
    assert.ok(line);
    assert.equal('costUsd' in line, false);
  });
});
