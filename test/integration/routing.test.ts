// Routing by context, the deployment status bar item and structured re-asks, inside the real extension host,
// against a local replay server started by the suite.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { expectedOf } from '../unit/wireOracle';
import type { PromptLabApi } from '../../src/extension';
import type { RunOutcome } from '../../src/core/run/run';
import type { RunRecord } from '../../src/core/log/runLog';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { EXTENSION_ID, workspaceRoot, writePromptText } from './promptDocuments';

function logLines(): RunRecord[] {
  const dir = path.join(workspaceRoot(), '.promptlab', 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord));
}

/** Resolves when `item.text` satisfies `done` (the item updates after settings and editor events). */
async function statusText(api: PromptLabApi, done: (text: string) => boolean): Promise<string> {
  for (let i = 0; i < 100; i++) {
    if (api.deploymentStatus.text && done(api.deploymentStatus.text)) return api.deploymentStatus.text;
    await new Promise<void>((resolve) => {
      const subs = [
        api.onDidRefreshDiagnostics(() => finish()),
        vscode.workspace.onDidChangeConfiguration(() => finish()),
        vscode.window.onDidChangeActiveTextEditor(() => finish()),
      ];
      const timer = setTimeout(finish, 100);
      function finish(): void {
        clearTimeout(timer);
        for (const s of subs) s.dispose();
        setImmediate(resolve);
      }
    });
  }
  assert.fail(`status bar text stayed "${api.deploymentStatus.text}"`);
}

describe('Routing and the deployment status bar', function () {
  this.timeout(60000);
  let api: PromptLabApi;
  let server: ReplayServer;
  const config = () => vscode.workspace.getConfiguration('promptLab');

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    server = await startReplayServer();
    await config().update('deployments', {
      chat: {
        provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage',
        variants: [
          { name: 'staging', when: { environment: 'staging' }, model: 'replay/mistral/vercel-stream-text' },
          { when: { environment: 'production', region: ['eu', 'uk'] }, model: 'replay/vllm/crusoe-vllm-0.24-stream-usage' },
        ],
      },
      weather: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-json-schema' },
    }, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await config().update('deployments', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('context', undefined, vscode.ConfigurationTarget.Workspace);
    await server?.close();
  });

  it('the status bar shows the deployment and the variant the context picks, and follows the context', async () => {
    const uri = await writePromptText('routed.prompt.json', JSON.stringify({ name: 'Routed', deployment: 'chat', messages: [{ role: 'user', content: 'hi' }] }, null, 2));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    assert.equal(await statusText(api, (t) => t.includes('chat')), '$(server) chat');
    await config().update('context', { environment: 'staging' }, vscode.ConfigurationTarget.Workspace);
    assert.equal(await statusText(api, (t) => t.includes('staging')), '$(server) chat · staging');
    const tooltip = api.deploymentStatus.tooltip;
    assert.ok(tooltip instanceof vscode.MarkdownString && tooltip.value.includes('replay/mistral/vercel-stream-text'), String((tooltip as vscode.MarkdownString)?.value));
    await config().update('context', { environment: 'production', region: 'uk' }, vscode.ConfigurationTarget.Workspace);
    assert.equal(await statusText(api, (t) => t.includes('production')), '$(server) chat · production · eu · uk');
  });

  it('a run goes to the variant the context picks, first match wins, default otherwise', async () => {
    const uri = await writePromptText('routed-run.prompt.json', JSON.stringify({ deployment: 'chat', messages: [{ role: 'user', content: 'hi' }] }));
    const cases: [Record<string, string> | undefined, string, string][] = [
      [{ environment: 'staging', region: 'eu' }, 'replay/mistral/vercel-stream-text', 'Hello, world! This is a test response.'],
      [{ environment: 'production', region: 'eu' }, 'replay/vllm/crusoe-vllm-0.24-stream-usage', '1, 2, 3, 4, 5'],
      [undefined, 'replay/openai/pysdk-stream-text-usage', expectedOf('openai/pysdk-stream-text-usage.sse').text],
    ];
    for (const [context, model, text] of cases) {
      await config().update('context', context, vscode.ConfigurationTarget.Workspace);
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      assert.equal(outcome?.record.status, 'ok', outcome?.error?.message);
      assert.equal((server.requests.at(-1)?.body as { model?: string }).model, model);
      assert.equal(outcome?.record.output, text);
    }
  });

  it('a structured output that fails its schema is asked again, each attempt logged with the re-ask', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, humidity: { type: 'number' } }, required: ['city', 'humidity'] };
    const uri = await writePromptText('structured.prompt.json', JSON.stringify({
      name: 'Structured', deployment: 'weather', retries: 1,
      parameters: { response_format: { type: 'json_schema', json_schema: { name: 'weather', schema } } },
      messages: [{ role: 'user', content: 'Weather in San Francisco as JSON.' }],
    }));
    const before = logLines().length;
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    const runs = logLines().slice(before);
    assert.equal(runs.length, 2, 'two attempts');
    assert.deepEqual(runs.map((r) => [r.attempt, r.schemaValid]), [[1, false], [2, false]]);
    const reask = runs[1]?.messages ?? [];
    assert.equal(reask.length, 3);
    assert.equal(reask[1]?.role, 'assistant');
    assert.equal(reask[1]?.content, runs[0]?.output);
    assert.match(String(reask[2]?.content ?? ''), /must have required property 'humidity'/);
    assert.equal(outcome?.record.id, runs[1]?.id);
  });
});

describe('Hover over the deployment', function () {
  this.timeout(60000);
  let server: ReplayServer;
  const config = () => vscode.workspace.getConfiguration('promptLab');

  before(async () => {
    server = await startReplayServer();
    await config().update('deployments', {
      chat: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage', variants: [{ name: 'staging', when: { environment: 'staging' }, model: 'replay/mistral/vercel-stream-text' }] },
    }, vscode.ConfigurationTarget.Workspace);
    await config().update('context', { environment: 'staging' }, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await config().update('deployments', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('context', undefined, vscode.ConfigurationTarget.Workspace);
    await server?.close();
  });

  it('shows the variant the context picks, with its model and URL', async () => {
    const text = '{\n  "deployment": "chat",\n  "messages": [{ "role": "user", "content": "hi" }]\n}\n';
    const uri = await writePromptText('hover-deployment.prompt.json', text);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(1, 19));
    const contents = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(contents, /\*\*Deployment\*\* `chat`, variant \*\*staging\*\* \(context: environment=staging\)/);
    assert.match(contents, /Model: replay\/mistral\/vercel-stream-text/);
    assert.ok(contents.includes(`URL: ${server.baseURL}`));
  });
});
