// The Runs view inside the real extension host: a fixture log in the workspace's .promptlab/runs (three prompts, runs
// of every status, a superseded rating, a corrupt line), then the tree, its refresh when the log grows, filters, export,
// compare, re-run with a run's inputs against a local replay server, opening a run in the panel, and Rate Last Run.
// Every wait is on an event (onDidRefresh, onDidRate, onDidRenderRun, tab changes), never a sleep.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import type { RunOutcome } from '../../src/core/run/run';
import type { RatingRecord, RunRecord } from '../../src/core/log/runLog';
import type { PromptNode, RunNode, RunsNode } from '../../src/vscode/runsView';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { EXTENSION_ID, workspaceRoot, writePromptText } from './promptDocuments';

const DEADLINE_MS = 15_000;

function run(id: string, prompt: string, startedAt: string, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    event: 'run', id, prompt, deployment: 'replay', provider: 'openai-compatible', model: 'gpt-4o-2024-08-06',
    inputs: {}, messages: [{ role: 'user', content: `about ${id}` }], parameters: { temperature: 0.3 },
    output: `Output of ${id}.`, finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
    timing: { startedAt, ttftMs: 12.5, latencyMs: 40 }, status: 'ok', source: 'command', ...fields,
  };
}

const R1 = run('11111111-0000-4000-8000-000000000001', 'summarise.prompt.json', '2025-03-01T09:00:00.000Z', {
  deployment: 'replay-openai', costUsd: 0.0012, output: 'A summary, with "quotes"\nand a second line.',
});
const R2 = run('11111111-0000-4000-8000-000000000002', 'summarise.prompt.json', '2025-03-02T08:00:00.000Z', {
  deployment: 'replay-mistral', status: 'error', usage: null, finishReason: null, output: '', error: { message: 'The server said no.', httpStatus: 500 },
});
const R3 = run('11111111-0000-4000-8000-000000000003', 'classify.prompt.json', '2025-03-03T07:00:00.000Z', { status: 'cancelled', output: 'Partial' });
const R4 = run('11111111-0000-4000-8000-000000000004', 'summarise.prompt.json', '2025-03-03T12:00:00.000Z', {
  deployment: 'replay-openai', tags: ['baseline'], chainId: 'chain-a', costUsd: 0.25,
});
const R5 = run('11111111-0000-4000-8000-000000000005', 'old/gone.prompt.json', '2025-03-01T10:00:00.000Z');
const R6 = run('11111111-0000-4000-8000-000000000006', 'rerun.prompt.json', '2025-03-02T09:00:00.000Z', { inputs: { city: 'Lisbon' } });

const rating = (runId: string, at: string, fields: Partial<RatingRecord>): RatingRecord => ({ event: 'rating', runId, at, ...fields });
const R1_UP = rating(R1.id, '2025-03-01T09:05:00.000Z', { thumb: 'up' });
const R1_DOWN = rating(R1.id, '2025-03-02T10:00:00.000Z', { thumb: 'down', score: 0.2, comment: 'too long, "really"' });
const R3_SCORE = rating(R3.id, '2025-03-03T07:30:00.000Z', { score: 0.9 });
const R4_UP = rating(R4.id, '2025-03-03T12:01:00.000Z', { thumb: 'up' });

/** The newest rating of each run, as the test expects it (updated as the tests add ratings). */
const newest = new Map<string, RatingRecord>([[R1.id, R1_DOWN], [R3.id, R3_SCORE], [R4.id, R4_UP]]);

/** The label of a run, computed here: local time as YYYY-MM-DD HH:MM:SS. */
function label(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A tooltip's text without Markdown escapes. */
const plain = (tooltip: vscode.TreeItem['tooltip']): string => (tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip))
  .replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');

const lines = (...values: unknown[]) => values.map((v) => `${typeof v === 'string' ? v : JSON.stringify(v)}\n`).join('');

describe('Runs view', function () {
  this.timeout(60000);
  let api: PromptLabApi;
  let server: ReplayServer;
  let logDir: string;
  let tmp: string;

  const view = () => api.runsView;
  async function roots(): Promise<PromptNode[]> {
    return ((await view().getChildren()) ?? []) as PromptNode[];
  }
  async function children(prompt: string): Promise<RunNode[]> {
    const node = (await roots()).find((r) => r.prompt === prompt);
    assert.ok(node, `a root for ${prompt}`);
    return ((await view().getChildren(node)) ?? []) as RunNode[];
  }
  function item(node: RunsNode): vscode.TreeItem {
    return view().getTreeItem(node) as vscode.TreeItem;
  }
  async function runNode(id: string): Promise<RunNode> {
    for (const root of await roots()) {
      const found = root.runs.find((r) => r.entry.run.id === id);
      if (found) return found;
    }
    assert.fail(`run ${id} is not in the tree`);
  }

  /** Run `action`, then wait for tree refreshes until `done()` holds (checked after each refresh). */
  async function treeAfter(action: () => unknown, done: () => Promise<boolean>, what: string): Promise<void> {
    let sub: vscode.Disposable | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reached = new Promise<void>((resolve, reject) => {
      sub = view().onDidRefresh(() => void done().then((ok) => ok && resolve(), reject));
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

  function event<T>(subscribe: (listener: (e: T) => void) => vscode.Disposable, accept: (e: T) => boolean, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`no ${what} within ${DEADLINE_MS} ms`));
      }, DEADLINE_MS);
      const sub = subscribe((e) => {
        if (!accept(e)) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(e);
      });
    });
  }

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    server = await startReplayServer();
    await vscode.workspace.getConfiguration('promptLab').update('deployments', {
      replay: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage' },
      echo: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'synthetic/echo' },
    }, vscode.ConfigurationTarget.Workspace);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-runs-view-'));
    // Earlier suites logged runs here: this suite starts from its own fixture log.
    logDir = path.join(workspaceRoot(), '.promptlab', 'runs');
    fs.rmSync(logDir, { recursive: true, force: true });
    fs.mkdirSync(logDir, { recursive: true });
    fs.writeFileSync(path.join(logDir, '2025-03-01.jsonl'), lines(R1, R5, R1_UP));
    fs.writeFileSync(path.join(logDir, '2025-03-02.jsonl'), lines(R2, '{"event":"run","id":"broken', R6, R1_DOWN));
    fs.writeFileSync(path.join(logDir, '2025-03-03.jsonl'), lines(R3, R3_SCORE, R4, R4_UP));
    await writePromptText('rerun.prompt.json', JSON.stringify({
      name: 'Rerun', deployment: 'replay', tags: ['regression'], metadata: { chainId: 'chain-1', chatId: 'chat-1', owner: 'qa' },
      inputs: { city: { required: true } }, messages: [{ role: 'user', content: 'What is the weather in {{ city }}?' }],
    }));
    await vscode.commands.executeCommand('workbench.view.extension.promptLab');
    await vscode.commands.executeCommand('promptLab.refreshRuns');
  });

  after(async () => {
    await vscode.commands.executeCommand('promptLab.clearRunsFilter');
    await vscode.workspace.getConfiguration('promptLab').update('deployments', undefined, vscode.ConfigurationTarget.Workspace);
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows prompt files, then their runs newest first, with the newest rating', async () => {
    const top = await roots();
    assert.deepEqual(top.map((r) => item(r).label), ['summarise.prompt.json', 'classify.prompt.json', 'rerun.prompt.json', 'old/gone.prompt.json']);
    assert.deepEqual(top.map((r) => item(r).description), ['3 runs', '1 run', '1 run', '1 run']);
    const summarise = await children('summarise.prompt.json');
    assert.deepEqual(summarise.map((n) => item(n).label), [label(R4.timing.startedAt), label(R2.timing.startedAt), label(R1.timing.startedAt)]);
    assert.deepEqual(summarise.map((n) => item(n).description), [
      'replay-openai · ok · 👍 · 30 tokens · $0.25',
      'replay-mistral · error',
      'replay-openai · ok · 👎 score 0.2 · 30 tokens · $0.0012', // the rating of 2025-03-02 supersedes the 👍 of 2025-03-01
    ]);
    assert.equal(item(summarise[0] as RunNode).contextValue, 'promptLab.run');
    const tooltip = plain(item(summarise[0] as RunNode).tooltip);
    assert.match(tooltip, /Tags: baseline/);
    assert.match(tooltip, /Chain: chain-a/);
    assert.deepEqual((await children('classify.prompt.json')).map((n) => item(n).description), ['replay · cancelled · score 0.9 · 30 tokens']);
  });

  it('skips a corrupt line and warns about it, naming the file and line', () => {
    assert.ok(view().warnings.some((w) => w.includes('2025-03-02.jsonl:2')), `warnings: ${JSON.stringify(view().warnings)}`);
  });

  it('refreshes when a line is appended to the log', async () => {
    const down = rating(R3.id, '2025-03-03T08:00:00.000Z', { thumb: 'down' });
    newest.set(R3.id, down);
    await treeAfter(
      () => fs.appendFileSync(path.join(logDir, '2025-03-03.jsonl'), lines(down)),
      async () => (await children('classify.prompt.json')).map((n) => item(n).description).join() === 'replay · cancelled · 👎 · 30 tokens',
      'the appended 👎 rating',
    );
  });

  it('follows a log folder made after it started watching, and the same folder deleted and made again', async () => {
    // VS Code's workspace watcher can miss files in a folder made by mkdir -p or re-made while it runs.
    const config = vscode.workspace.getConfiguration('promptLab');
    const later = path.join(workspaceRoot(), '.promptlab', 'later', 'runs');
    fs.rmSync(path.join(workspaceRoot(), '.promptlab', 'later'), { recursive: true, force: true });
    const L1 = run('22222222-0000-4000-8000-000000000001', 'later.prompt.json', '2025-04-01T09:00:00.000Z');
    const L2 = run('22222222-0000-4000-8000-000000000002', 'later.prompt.json', '2025-04-02T09:00:00.000Z');
    const laterRuns = async () => (await roots()).find((r) => r.prompt === 'later.prompt.json')?.runs.map((n) => item(n).description).join(' | ');
    try {
      await treeAfter(() => config.update('log.directory', '.promptlab/later/runs', vscode.ConfigurationTarget.Workspace),
        async () => (await roots()).length === 0, 'the empty new log folder');
      await treeAfter(() => {
        fs.mkdirSync(later, { recursive: true });
        fs.writeFileSync(path.join(later, '2025-04-01.jsonl'), lines(L1));
      }, async () => (await laterRuns()) === 'replay · ok · 30 tokens', 'the run in the folder made after watching started');
      await treeAfter(() => fs.appendFileSync(path.join(later, '2025-04-01.jsonl'), lines(rating(L1.id, '2025-04-01T09:01:00.000Z', { thumb: 'up' }))),
        async () => (await laterRuns()) === 'replay · ok · 👍 · 30 tokens', 'the rating appended to it');
      await treeAfter(() => {
        fs.rmSync(later, { recursive: true });
        fs.mkdirSync(later);
        fs.writeFileSync(path.join(later, '2025-04-02.jsonl'), lines(L2));
      }, async () => (await laterRuns()) === 'replay · ok · 30 tokens', 'the run in the folder made again');
      await treeAfter(() => fs.appendFileSync(path.join(later, '2025-04-02.jsonl'), lines(rating(L2.id, '2025-04-02T09:01:00.000Z', { thumb: 'down' }))),
        async () => (await laterRuns()) === 'replay · ok · 👎 · 30 tokens', 'the rating appended to the folder made again');
    } finally {
      await config.update('log.directory', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('promptLab.refreshRuns');
      fs.rmSync(path.join(workspaceRoot(), '.promptlab', 'later'), { recursive: true, force: true });
    }
  });

  it('filters by status, rating, prompt and deployment, and says so in the view description', async () => {
    await vscode.commands.executeCommand('promptLab.filterRuns', { status: 'ok' });
    let top = await roots();
    assert.deepEqual(top.map((r) => [r.prompt, r.runs.map((n) => n.entry.run.id)]), [
      ['summarise.prompt.json', [R4.id, R1.id]], ['rerun.prompt.json', [R6.id]], ['old/gone.prompt.json', [R5.id]],
    ]);
    assert.equal(view().treeView.description, 'Filter: ok');
    await vscode.commands.executeCommand('promptLab.filterRuns', { rating: 'down' });
    assert.deepEqual((await roots()).flatMap((r) => r.runs.map((n) => n.entry.run.id)), [R3.id, R1.id]);
    await vscode.commands.executeCommand('promptLab.filterRuns', { prompt: 'summarise.prompt.json', deployment: 'replay-openai' });
    top = await roots();
    assert.deepEqual(top.flatMap((r) => r.runs.map((n) => n.entry.run.id)), [R4.id, R1.id]);
    assert.equal(view().treeView.description, 'Filter: summarise, replay-openai');
    await vscode.commands.executeCommand('promptLab.clearRunsFilter');
    assert.equal((await roots()).length, 4);
    assert.equal(view().treeView.description, '');
  });

  it('exports every run as CSV and the filtered runs as JSON Lines, with the newest ratings', async () => {
    const newestFirst = [R4, R3, R6, R2, R5, R1];
    const csvFile = vscode.Uri.file(path.join(tmp, 'runs.csv'));
    const result = await vscode.commands.executeCommand<{ runs: number }>('promptLab.exportRuns', { format: 'csv', scope: 'all', uri: csvFile });
    assert.equal(result.runs, 6);
    const quote = (v: unknown): string => {
      const s = v === undefined || v === null ? '' : String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const header = ['id', 'startedAt', 'prompt', 'deployment', 'provider', 'model', 'status', 'finishReason', 'promptTokens', 'completionTokens',
      'totalTokens', 'ttftMs', 'latencyMs', 'costUsd', 'thumb', 'score', 'comment', 'betterResponse', 'output', 'requestModel', 'variant', 'context', 'requestRules'];
    const rows = newestFirst.map((r) => {
      const g = newest.get(r.id);
      return [r.id, r.timing.startedAt, r.prompt, r.deployment, r.provider, r.model, r.status, r.finishReason, r.usage?.promptTokens,
        r.usage?.completionTokens, r.usage?.totalTokens, r.timing.ttftMs, r.timing.latencyMs, r.costUsd, g?.thumb, g?.score, g?.comment,
        g?.betterResponse, r.output, r.requestModel, r.variant, r.context ? JSON.stringify(r.context) : undefined, r.requestRules?.join(' ')].map(quote).join(',');
    });
    assert.equal(fs.readFileSync(csvFile.fsPath, 'utf8'), [header.join(','), ...rows].map((l) => `${l}\r\n`).join(''));

    await vscode.commands.executeCommand('promptLab.filterRuns', { prompt: 'summarise.prompt.json' });
    const jsonlFile = vscode.Uri.file(path.join(tmp, 'runs.jsonl'));
    await vscode.commands.executeCommand('promptLab.exportRuns', { format: 'jsonl', scope: 'filter', uri: jsonlFile });
    await vscode.commands.executeCommand('promptLab.clearRunsFilter');
    const expected = [R4, R2, R1].map((r) => {
      const g = newest.get(r.id);
      if (!g) return r;
      const { event: _event, ...fields } = g;
      return { ...r, rating: fields };
    });
    const exported = fs.readFileSync(jsonlFile.fsPath, 'utf8').split('\n');
    assert.equal(exported.pop(), '', 'the file ends with a newline');
    assert.deepEqual(exported.map((l) => JSON.parse(l) as unknown), expected);
  });

  it('opens a run in the panel with its output', async () => {
    const rendered = event(api.onDidRenderRun, (e) => e.runId === R4.id, 'panel confirmation of the reopened run');
    await vscode.commands.executeCommand('promptLab.openRun', await runNode(R4.id));
    assert.equal((await rendered).outputLength, R4.output.length);
  });

  it('compares two runs\' outputs in a diff editor, the older on the left', async () => {
    const isDiff = (t: vscode.Tab, left: vscode.Uri, right: vscode.Uri) => t.input instanceof vscode.TabInputTextDiff
      && t.input.original.toString() === left.toString() && t.input.modified.toString() === right.toString();
    const opened = event<unknown>(vscode.window.tabGroups.onDidChangeTabs, () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputTextDiff)), 'diff tab');
    const uris = await vscode.commands.executeCommand<[vscode.Uri, vscode.Uri]>('promptLab.compareRun', await runNode(R4.id), await runNode(R1.id));
    await opened;
    const [left, right] = uris;
    assert.equal(left.scheme, 'promptlab-run');
    assert.ok(vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => isDiff(t, left, right))), 'a diff tab of the two runs');
    assert.equal((await vscode.workspace.openTextDocument(left)).getText(), R1.output);
    assert.equal((await vscode.workspace.openTextDocument(right)).getText(), R4.output);
    await vscode.window.tabGroups.close(vscode.window.tabGroups.all.flatMap((g) => g.tabs.filter((t) => isDiff(t, left, right))));
  });

  it('re-runs a prompt with the logged inputs and its metadata, and the new run appears first', async () => {
    const before = server.requests.length;
    let outcome: RunOutcome | undefined;
    await treeAfter(
      async () => { outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.rerunWithInputs', await runNode(R6.id)); },
      async () => (await children('rerun.prompt.json')).length === 2,
      'the new run of rerun.prompt.json',
    );
    assert.ok(outcome);
    assert.equal(outcome.record.status, 'ok', outcome.error?.message);
    assert.deepEqual(outcome.record.inputs, { city: 'Lisbon' });
    const sent = server.requests.slice(before).find((r) => r.method === 'POST')?.body as { messages: { content: string }[] };
    assert.equal(sent.messages[0]?.content, 'What is the weather in Lisbon?');
    assert.equal(outcome.record.chainId, 'chain-1');
    assert.equal(outcome.record.chatId, 'chat-1');
    assert.deepEqual(outcome.record.tags, ['regression']);
    const [first] = await children('rerun.prompt.json');
    assert.equal(first?.entry.run.id, outcome.record.id);
    assert.match(plain(item(first as RunNode).tooltip), /Tags: regression/);
    assert.equal((await roots())[0]?.prompt, 'rerun.prompt.json', 'the prompt with the newest run comes first');
  });

  it('Rate Last Run with arguments rates this window\'s last run, logs it and fires onDidRate', async () => {
    const runs = await children('rerun.prompt.json');
    const last = runs[0]?.entry.run.id;
    assert.ok(last);
    const rated = event(api.onDidRate, (e) => e.runId === last, 'onDidRate');
    const saved = await vscode.commands.executeCommand<{ thumb?: string; score?: number; comment?: string }>('promptLab.rateLastRun', { thumb: 'up', score: 0.8, comment: 'better' });
    assert.deepEqual({ thumb: saved.thumb, score: saved.score, comment: saved.comment }, { thumb: 'up', score: 0.8, comment: 'better' });
    assert.equal((await rated).rating.score, 0.8);
    const logged = fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n'))
      .filter((l) => l.includes('"event":"rating"') && l.includes(last)).map((l) => JSON.parse(l) as RatingRecord);
    assert.equal(logged.length, 1);
    assert.deepEqual({ ...logged[0], at: undefined }, { event: 'rating', runId: last, thumb: 'up', score: 0.8, comment: 'better', at: undefined });
    await treeAfter(() => undefined, async () => (await runNode(last)).entry.rating?.score === 0.8, 'the new rating');
    assert.match(String(item(await runNode(last)).description), /👍 score 0\.8/);
  });

  it('with redactPII on, a run logs its personal data masked and names the inputs; Re-run leaves those out', async () => {
    const config = vscode.workspace.getConfiguration('promptLab');
    await config.update('log.redactPII', true, vscode.ConfigurationTarget.Workspace);
    try {
      const email = 'ana.silva@example.com';
      const uri = await writePromptText('rerun-masked.prompt.json', JSON.stringify({
        deployment: 'echo', inputs: { city: { default: 'Lisbon' }, contact: { default: email } },
        messages: [{ role: 'user', content: 'Weather in {{ city }}, for {{ contact }}?' }],
      }));
      // The echo model answers with the message it got: the output holds the address too.
      const first = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      assert.ok(first);
      assert.equal(first.record.status, 'ok', first.error?.message);
      const unmasked = `Weather in Lisbon, for ${email}?`;
      assert.equal(first.record.output, unmasked, 'what the panel is shown is not masked');
      assert.equal((server.requests.at(-1)?.body as { messages: { content: string }[] }).messages[0]?.content, unmasked, 'the model gets the address');
      await treeAfter(() => undefined, async () => (await roots()).some((r) => r.runs.some((n) => n.entry.run.id === first.record.id)), 'the masked run');
      const line = fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n'))
        .filter((l) => l.includes(first.record.id)).map((l) => JSON.parse(l) as RunRecord);
      assert.equal(line.length, 1);
      assert.deepEqual(line[0]?.inputs, { city: 'Lisbon', contact: '[EMAIL]' });
      assert.deepEqual(line[0]?.maskedInputs, ['contact']);
      assert.equal(line[0]?.messages[0]?.content, 'Weather in Lisbon, for [EMAIL]?');
      assert.equal(line[0]?.output, 'Weather in Lisbon, for [EMAIL]?');
      assert.ok(!fs.readdirSync(logDir).some((f) => fs.readFileSync(path.join(logDir, f), 'utf8').includes(email)), 'the address is nowhere in the log');

      // The prompt's default changes; Re-run with These Inputs keeps "Lisbon" and takes the new default, not "[EMAIL]".
      const changed = JSON.stringify({
        deployment: 'echo', inputs: { city: { default: 'Porto' }, contact: { default: 'the front desk' } },
        messages: [{ role: 'user', content: 'Weather in {{ city }}, for {{ contact }}?' }],
      });
      const document = await vscode.workspace.openTextDocument(uri);
      const updated = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidChangeTextDocument((e) => {
          if (e.document === document && document.getText() === changed) { sub.dispose(); resolve(); }
        });
      });
      await writePromptText('rerun-masked.prompt.json', changed);
      if (document.getText() !== changed) await updated; // the open document follows the file on disk
      const before = server.requests.length;
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.rerunWithInputs', await runNode(first.record.id));
      assert.ok(outcome);
      assert.equal(outcome.record.status, 'ok', outcome.error?.message);
      assert.deepEqual(outcome.record.inputs, { city: 'Lisbon', contact: 'the front desk' });
      const sent = server.requests.slice(before).find((r) => r.method === 'POST')?.body as { messages: { content: string }[] };
      assert.equal(sent.messages[0]?.content, 'Weather in Lisbon, for the front desk?');
    } finally {
      await config.update('log.redactPII', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
