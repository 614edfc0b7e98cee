// Images in prompts and notes on runs, inside the real extension host: a prompt with an image input runs through
// Run Prompt against the local replay server, the request carries the image as a data URI, the log line keeps the
// part's path, type, size and SHA-256 (not the bytes); a note and a property added later show in the Runs view's
// tooltip and filter it. Every wait is on an event (onDidRefresh, onDidRenderRun), never a sleep.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import type { RunOutcome } from '../../src/core/run/run';
import type { RunRecord } from '../../src/core/log/runLog';
import type { ChatMediaPart } from '../../src/core/template/template';
import type { RunNode } from '../../src/vscode/runsView';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { pngOf } from '../unit/mediaSamples';

const EXTENSION_ID = 'prompt-lab.prompt-lab';
const DEADLINE_MS = 20000;

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

function logLines(): RunRecord[] {
  const dir = path.join(workspaceRoot(), '.promptlab', 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord)).filter((r) => r.event === 'run');
}

const plain = (tooltip: vscode.TreeItem['tooltip']): string => (tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip))
  .replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');

describe('Media and notes on runs', function () {
  this.timeout(60000);
  let api: PromptLabApi;
  let server: ReplayServer;
  const png = pngOf(24, 16, [40, 140, 60]);

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    server = await startReplayServer();
    await vscode.workspace.getConfiguration('promptLab').update('deployments', {
      vision: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage', capabilities: ['vision'] },
    }, vscode.ConfigurationTarget.Workspace);
    fs.mkdirSync(path.join(workspaceRoot(), 'photos'), { recursive: true });
    fs.writeFileSync(path.join(workspaceRoot(), 'photos', 'kiwi.png'), png);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', undefined, vscode.ConfigurationTarget.Workspace);
    await server?.close();
  });

  /** Run `action`, then wait for Runs view refreshes until `done()` holds. */
  async function treeAfter(action: () => unknown, done: () => Promise<boolean>, what: string): Promise<void> {
    let sub: vscode.Disposable | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reached = new Promise<void>((resolve, reject) => {
      sub = api.runsView.onDidRefresh(() => void done().then((ok) => ok && resolve(), reject));
      timer = setTimeout(() => reject(new Error(`the Runs view never showed ${what}`)), DEADLINE_MS);
    });
    try {
      await action();
      if (await done()) return;
      await reached;
    } finally {
      sub?.dispose();
      clearTimeout(timer);
    }
  }

  async function runNode(id: string): Promise<RunNode | undefined> {
    for (const root of ((await api.runsView.getChildren()) ?? [])) {
      if (root.kind !== 'prompt') continue;
      const found = root.runs.find((r) => r.entry.run.id === id);
      if (found) return found;
    }
    return undefined;
  }

  let runId = '';

  it('runs a prompt with an image input and logs the part by path, type, size and SHA-256, not its bytes', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'describe-image.prompt.json'));
    await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify({
      name: 'Describe image', deployment: 'vision',
      inputs: { fruit: { type: 'image', default: 'photos/kiwi.png' } },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What fruit is in the image?' }, { type: 'image', input: 'fruit', detail: 'low' }] }],
    }, null, 2)));
    const rendered = new Promise<string>((resolve) => {
      const sub = api.onDidRenderRun((e) => {
        sub.dispose();
        resolve(e.runId);
      });
    });
    const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
    assert.ok(outcome);
    assert.equal(outcome.record.status, 'ok', outcome.error?.message);
    runId = outcome.record.id;
    assert.equal(await rendered, runId, 'the panel shows the run');

    const sent = server.requests.at(-1)?.body as { messages: { content: unknown[] }[] };
    assert.deepEqual(sent.messages[0]?.content[1], { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}`, detail: 'low' } });

    const line = logLines().find((r) => r.id === runId);
    assert.ok(line, 'the run is logged');
    const part = (line.messages[0]?.content as ChatMediaPart[])[1];
    assert.deepEqual(part, {
      type: 'image', input: 'fruit', detail: 'low', source: 'path', path: 'photos/kiwi.png', mediaType: 'image/png', bytes: png.length,
      sha256: createHash('sha256').update(png).digest('hex'),
    });
    const files = fs.readdirSync(path.join(workspaceRoot(), '.promptlab', 'runs')).map((f) => fs.readFileSync(path.join(workspaceRoot(), '.promptlab', 'runs', f), 'utf8')).join('');
    assert.ok(!files.includes(png.toString('base64').slice(0, 32)), 'no image bytes in the log');
    assert.equal(line.requestModel, 'replay/openai/pysdk-stream-text-usage');
    assert.equal(line.variant, 'default');
  });

  it('shows a note and a property added later in the Runs view tooltip, and filters by key=value', async () => {
    assert.ok(runId, 'the run of the previous test');
    // The view reads the log again only while it is shown.
    await vscode.commands.executeCommand('workbench.view.extension.promptLab');
    await api.runsView.reloadNow();
    await treeAfter(async () => {
      await vscode.commands.executeCommand('promptLab.addRunNote', { runId, value: 'Checked by hand: it is a kiwi.' });
      await vscode.commands.executeCommand('promptLab.setRunProperty', { runId, key: 'reviewed', value: 'yes' });
    }, async () => {
      const node = await runNode(runId);
      return node?.entry.annotations?.reviewed === 'yes' && node.entry.annotations.note !== undefined;
    }, 'the note and the property');
    const node = await runNode(runId);
    assert.ok(node);
    const tooltip = plain((api.runsView.getTreeItem(node) as vscode.TreeItem).tooltip);
    assert.match(tooltip, /Note: Checked by hand: it is a kiwi\./);
    assert.match(tooltip, /Property reviewed: yes/);

    await vscode.commands.executeCommand('promptLab.filterRuns', { property: 'reviewed=yes' });
    const kept = ((await api.runsView.getChildren()) ?? []).flatMap((r) => (r.kind === 'prompt' ? r.runs.map((n) => n.entry.run.id) : []));
    assert.deepEqual(kept, [runId]);
    await vscode.commands.executeCommand('promptLab.filterRuns', { property: 'reviewed=no' });
    assert.deepEqual(((await api.runsView.getChildren()) ?? []).length, 0);
    await vscode.commands.executeCommand('promptLab.clearRunsFilter');

    const annotations = fs.readdirSync(path.join(workspaceRoot(), '.promptlab', 'runs'))
      .flatMap((f) => fs.readFileSync(path.join(workspaceRoot(), '.promptlab', 'runs', f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { event: string; runId?: string; key?: string }).filter((e) => e.event === 'annotation' && e.runId === runId);
    assert.deepEqual(annotations.map((a) => a.key), ['note', 'reviewed'], 'two lines appended, the run\'s line untouched');
  });
});
