// The evaluation panel inside the real extension host: an evaluation of a 20-row prompt on two deployments of the
// replay server's simulated inference server, driven through the core's evaluatePrompt and fired into the extension's
// EvaluationBus as the Evaluate Prompt command does, opens "Evaluation: <name>" and the panel posts its rows, cells
// (coalesced, far fewer messages than events), throughput samples and totals equal to the log's evaluation line. The
// same evaluation opens again from the log (promptLab.showEvaluation with its id, or with the prompt's Uri); its cells
// open in the run panel, thumbs write rating lines, the export writes the grid, and the comparison with an earlier
// evaluation finds every regression and fix. Every wait is on an event, never a sleep.
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import { evaluatePrompt, type EvaluationEvent } from '../../src/core/evaluation/evaluate';
import { loadTestData } from '../../src/core/evaluation/testData';
import { parsePromptDocument } from '../../src/core/format/parse';
import type { EvaluationRecord, RatingRecord, RunRecord } from '../../src/core/log/runLog';
import { resolveDeployment } from '../../src/core/providers/deployments';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { nodeFileSystem } from '../../src/node/fileSystem';
import type { CellView, DeploymentTotalsView, EvaluationHostMessage } from '../../src/protocol/evaluation';
import type { PostedEvaluationMessage } from '../../src/vscode/evaluation/evaluationPanel';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { EXTENSION_ID, workspaceRoot, writePromptText } from './promptDocuments';

const DEADLINE_MS = 30_000;
const PROMPT_PATH = 'evaluation-panel.prompt.json';
const ROWS = 20;

/** The prompt: 20 rows whose simulated answers restate the question; `topic-parity` passes on rows whose topic is `parity`. */
function promptText(parity: 'even' | 'odd'): string {
  return JSON.stringify({
    name: 'Panel check',
    deployment: 'a',
    inputs: { question: { required: true }, topic: { default: 'nothing' } },
    messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: '{{ question }}' }],
    testData: Array.from({ length: ROWS }, (_, i) => ({ question: `Question number ${i} about topic${i}`, topic: `topic${i}`, expected: `about topic${i}` })),
    evaluators: [
      { name: 'mentions-topic', string: { contains: '{{ topic }}' } },
      { name: 'topic-parity', regex: { pattern: parity === 'even' ? 'topic\\d*[02468]\\b' : 'topic\\d*[13579]\\b' } },
    ],
  }, null, 2);
}

describe('Evaluation panel', function () {
  this.timeout(180_000);
  let api: PromptLabApi;
  let server: ReplayServer;
  let logDir: string;
  let promptUri: vscode.Uri;
  let tmp: string;
  const posted: PostedEvaluationMessage[] = [];
  let subscription: vscode.Disposable | undefined;

  function messages(evaluationId: string, from = 0): EvaluationHostMessage[] {
    return posted.slice(from).filter((p) => p.evaluationId === evaluationId).map((p) => p.message);
  }

  /** Resolves when a message for `evaluationId` posted at index ≥ `from` satisfies `done`. */
  function postedUntil(evaluationId: string, done: (m: EvaluationHostMessage) => boolean, what: string, from = 0): Promise<void> {
    if (messages(evaluationId, from).some(done)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`the panel never posted ${what}; it posted ${messages(evaluationId, from).map((m) => m.method).join(', ')}`));
      }, DEADLINE_MS);
      const sub = api.evaluationPanels.onDidPost((p) => {
        if (p.evaluationId !== evaluationId || !done(p.message)) return;
        clearTimeout(timer);
        sub.dispose();
        resolve();
      });
    });
  }

  const finalTotals = (m: EvaluationHostMessage): boolean => m.method === 'evaluation/totals' && m.params.status.state !== 'running';

  /** Every cell the panel posted since `from`, the newest view of each. */
  function cellsPosted(evaluationId: string, from = 0): Map<string, CellView> {
    const cells = new Map<string, CellView>();
    for (const m of messages(evaluationId, from)) if (m.method === 'evaluation/cells') for (const c of m.params.cells) cells.set(`${c.testIndex}/${c.deployment}`, c);
    return cells;
  }

  function readLog(): (RunRecord | EvaluationRecord | RatingRecord)[] {
    return fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl')).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord));
  }

  /** Evaluate the prompt file as it is now on deployments a and b; with `bus`, fire every event into the extension's bus. */
  async function evaluate(viaBus: boolean): Promise<{ evaluationId: string; record: EvaluationRecord; events: EvaluationEvent[] }> {
    const text = fs.readFileSync(promptUri.fsPath, 'utf8');
    const prompt = parsePromptDocument(promptUri.path, text).prompt;
    assert.ok(prompt, 'the prompt parses');
    const loaded = await loadTestData(prompt, { fs: nodeFileSystem(), workspaceFolder: workspaceRoot() });
    assert.equal(loaded.rows.length, ROWS);
    const evaluationId = randomUUID();
    const targets = ['a', 'b'].map((key) => ({
      deployment: resolveDeployment(key, { [key]: { provider: 'openai-compatible', baseURL: server.baseURL, model: `simulated/chat?d=${key}`, maxConcurrency: 4 } }),
      apiKey: undefined,
    }));
    const bus = api.evaluationPanels.bus;
    if (viaBus) bus.start({ evaluationId, promptUri, promptName: prompt.name ?? 'Panel check', promptPath: PROMPT_PATH, deployments: ['a', 'b'], rows: ROWS, cancel: () => undefined });
    const events: EvaluationEvent[] = [];
    const outcome = await evaluatePrompt({
      evaluationId, promptPath: PROMPT_PATH, prompt, rows: loaded.rows, targets, renderer: inProcessRenderer(), fs: nodeFileSystem(), logDir, sampleIntervalMs: 10,
    }, (event) => {
      events.push(event);
      if (viaBus) bus.fire(evaluationId, event);
    });
    return { evaluationId, record: outcome.record, events };
  }

  function assertTotalsMatch(evaluationId: string, record: EvaluationRecord, from = 0): void {
    const totals = messages(evaluationId, from).filter(finalTotals).at(-1);
    assert.ok(totals && totals.method === 'evaluation/totals');
    for (const key of ['a', 'b']) {
      const logged = record.deployments[key];
      const shown: DeploymentTotalsView | undefined = totals.params.deployments[key];
      assert.ok(logged && shown, key);
      assert.deepEqual(
        { passed: shown.passed, failed: shown.failed, errors: shown.errors, passRate: shown.passRate, meanScore: shown.meanScore, latencyMs: shown.latencyMs, usage: shown.usage },
        { passed: logged.passed, failed: logged.failed, errors: logged.errors, passRate: logged.passRate, meanScore: logged.meanScore, latencyMs: logged.latencyMs, usage: logged.usage },
        `the header of ${key} shows the figures of the log's evaluation line`,
      );
    }
  }

  /** Each row passes where its index has the prompt's parity (topic-parity), on both deployments. */
  function assertOutcomes(cells: Map<string, CellView>, parity: 'even' | 'odd'): void {
    assert.equal(cells.size, ROWS * 2);
    for (const c of cells.values()) {
      const expected = (c.testIndex % 2 === 0) === (parity === 'even') ? 'passed' : 'failed';
      assert.equal(c.outcome, expected, `row ${c.testIndex} on ${c.deployment}`);
      assert.match(c.output, new RegExp(`topic${c.testIndex}\\b`));
      assert.deepEqual(c.evaluations.map((e) => e.name), ['mentions-topic', 'topic-parity']);
    }
  }

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    subscription = api.evaluationPanels.onDidPost((p) => posted.push(p));
    server = await startReplayServer({ simulated: { speedup: 40, completionTokens: { min: 8, max: 24 } } });
    logDir = path.join(workspaceRoot(), '.promptlab', 'runs');
    fs.mkdirSync(logDir, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-evaluation-panel-'));
    promptUri = await writePromptText(PROMPT_PATH, promptText('even'));
  });

  after(async () => {
    subscription?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  let first: { evaluationId: string; record: EvaluationRecord; events: EvaluationEvent[] };

  it('shows a running evaluation live: rows with expected, every cell, throughput, and the log\'s totals, in coalesced messages', async () => {
    first = await evaluate(true);
    const { evaluationId, record, events } = first;
    await postedUntil(evaluationId, finalTotals, 'the final totals');
    const all = messages(evaluationId);
    const init = all.find((m) => m.method === 'evaluation/init');
    assert.ok(init && init.method === 'evaluation/init');
    assert.deepEqual(
      { promptName: init.params.promptName, deployments: init.params.deployments, evaluators: init.params.evaluators, inputNames: init.params.inputNames, rowCount: init.params.rowCount },
      { promptName: 'Panel check', deployments: ['a', 'b'], evaluators: ['mentions-topic', 'topic-parity'], inputNames: ['question', 'topic'], rowCount: ROWS },
    );
    const rows = all.flatMap((m) => (m.method === 'evaluation/rows' ? m.params.rows : []));
    assert.deepEqual(rows.map((r) => r.index), Array.from({ length: ROWS }, (_, i) => i));
    assert.deepEqual(rows[7], { index: 7, inputs: { question: 'Question number 7 about topic7', topic: 'topic7' }, expected: 'about topic7' });
    assertOutcomes(cellsPosted(evaluationId), 'even');
    assertTotalsMatch(evaluationId, record);
    assert.equal(record.deployments.a?.passRate, 0.5);
    const cellMessages = all.filter((m) => m.method === 'evaluation/cells').length;
    const cellEvents = events.filter((e) => e.type === 'cellStarted' || e.type === 'cellDelta' || e.type === 'cellFinished').length;
    assert.ok(cellEvents > 100, `the evaluation streamed (${cellEvents} cell events)`);
    assert.ok(cellMessages * 5 <= cellEvents, `${cellMessages} cell messages for ${cellEvents} cell events`);
    const points = all.flatMap((m) => (m.method === 'evaluation/throughput' ? m.params.points : []));
    assert.equal(points.length, events.filter((e) => e.type === 'throughput').length, `every throughput sample reaches the chart (${all.map((m) => m.method.replace('evaluation/', '') + (m.method === 'evaluation/throughput' ? String(m.params.points.length) : '')).join(' ')})`);
    assert.ok(points.length > 0, 'the evaluation was sampled');
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Evaluation: Panel check');
    assert.ok(tab, 'the panel\'s tab is titled "Evaluation: <prompt name>"');
  });

  it('opens a finished evaluation from the log by id and by the prompt\'s Uri, and compares it with an earlier one', async () => {
    // A second evaluation whose parity evaluator is reversed: every cell that passed fails, and the reverse.
    await writePromptText(PROMPT_PATH, promptText('odd'));
    const second = await evaluate(false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(api.evaluationPanels.panel(first.evaluationId), undefined, 'closing the tab disposes the panel');

    let from = posted.length;
    const panel = await vscode.commands.executeCommand<unknown>('promptLab.showEvaluation', first.evaluationId);
    assert.ok(panel, 'showEvaluation returns the panel');
    await postedUntil(first.evaluationId, finalTotals, 'the totals of the logged evaluation', from);
    assertOutcomes(cellsPosted(first.evaluationId, from), 'even');
    assertTotalsMatch(first.evaluationId, first.record, from);
    const init = messages(first.evaluationId, from).find((m) => m.method === 'evaluation/init');
    assert.ok(init && init.method === 'evaluation/init');
    assert.deepEqual(init.params.previous.map((p) => p.evaluationId).filter((id) => id === second.evaluationId), [second.evaluationId], 'the later evaluation of the prompt is offered for comparison');
    assert.equal(init.params.status.state, 'complete');

    from = posted.length;
    await api.evaluationPanels.panel(first.evaluationId)?.handleMessage({ method: 'compare', params: { evaluationId: second.evaluationId } });
    const compare = messages(first.evaluationId, from).find((m) => m.method === 'evaluation/compare');
    assert.ok(compare && compare.method === 'evaluation/compare');
    assert.equal(compare.params.against?.evaluationId, second.evaluationId);
    assert.equal(compare.params.cells.length, ROWS * 2);
    for (const [testIndex, , outcome] of compare.params.cells) assert.equal(outcome, testIndex % 2 === 1 ? 'passed' : 'failed');
    assert.deepEqual(compare.params.totals.a, { passRate: second.record.deployments.a?.passRate, meanScore: second.record.deployments.a?.meanScore });

    // By the prompt's Uri: its latest evaluation, the second.
    from = posted.length;
    await vscode.commands.executeCommand('promptLab.showEvaluation', promptUri);
    await postedUntil(second.evaluationId, finalTotals, 'the totals of the latest evaluation', from);
    assertOutcomes(cellsPosted(second.evaluationId, from), 'odd');
  });

  it('a cell opens its run in the run panel, thumbs write a rating line, the export writes the grid as CSV and JSONL', async () => {
    const panel = api.evaluationPanels.panel(first.evaluationId);
    assert.ok(panel);
    const cell = cellsPosted(first.evaluationId).get('3/b');
    assert.ok(cell);
    const rendered = new Promise<string>((resolve) => {
      const sub = api.onDidRenderRun((e) => {
        if (e.runId !== cell.runId) return;
        sub.dispose();
        resolve(e.runId);
      });
    });
    await panel.handleMessage({ method: 'cell/open', params: { runId: cell.runId } });
    assert.equal(await rendered, cell.runId, 'the run panel shows the cell\'s run');

    const from = posted.length;
    const rated = new Promise<void>((resolve) => {
      const sub = api.onDidRate((e) => {
        if (e.runId !== cell.runId) return;
        sub.dispose();
        resolve();
      });
    });
    await panel.handleMessage({ method: 'cell/rate', params: { requestId: 'r1', runId: cell.runId, thumb: 'down' } });
    await rated;
    assert.deepEqual(messages(first.evaluationId, from).find((m) => m.method === 'evaluation/rated'), { method: 'evaluation/rated', params: { requestId: 'r1', runId: cell.runId, thumb: 'down' } });
    const ratings = readLog().filter((l): l is RatingRecord => l.event === 'rating' && l.runId === cell.runId);
    assert.equal(ratings.length, 1);
    assert.equal(ratings[0]?.thumb, 'down');

    const order = [5, 0, 3];
    const csvUri = vscode.Uri.file(path.join(tmp, 'grid.csv'));
    await panel.exportTo(csvUri, 'csv', order);
    const table = parseCsv(fs.readFileSync(csvUri.fsPath, 'utf8'), { columns: true }) as Record<string, string>[];
    assert.deepEqual(table.map((r) => r.testIndex), ['5', '0', '3']);
    assert.deepEqual(table.map((r) => [r['a: outcome'], r['b: outcome']]), [['failed', 'failed'], ['passed', 'passed'], ['failed', 'failed']]);
    assert.equal(table[2]?.expected, 'about topic3');
    assert.equal(table[2]?.['b: runId'], cell.runId);
    assert.match(table[2]?.['b: output'] ?? '', /topic3\b/);
    const jsonlUri = vscode.Uri.file(path.join(tmp, 'grid.jsonl'));
    await panel.exportTo(jsonlUri, 'jsonl', order);
    const lines = fs.readFileSync(jsonlUri.fsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { testIndex: number; cells: Record<string, { outcome: string; evaluations: unknown[] }> });
    assert.deepEqual(lines.map((l) => [l.testIndex, l.cells.a?.outcome]), [[5, 'failed'], [0, 'passed'], [3, 'failed']]);
    assert.equal(lines[0]?.cells.b?.evaluations.length, 2);
  });

  it('a running evaluation whose panel was closed opens again with the cells so far and keeps filling live', async () => {
    // The evaluation runs; once half its cells have finished, the events it goes on sending are held (the extension
    // then sees an evaluation that is still running), its panel is closed and Show Evaluation Results asked for it.
    const held: EvaluationEvent[] = [];
    let finishedCells = 0;
    let holding = false;
    let halfway!: () => void;
    const reachedHalfway = new Promise<void>((resolve) => { halfway = resolve; });
    const text = fs.readFileSync(promptUri.fsPath, 'utf8');
    const prompt = parsePromptDocument(promptUri.path, text).prompt;
    assert.ok(prompt);
    const loaded = await loadTestData(prompt, { fs: nodeFileSystem(), workspaceFolder: workspaceRoot() });
    const evaluationId = randomUUID();
    const targets = ['a', 'b'].map((key) => ({
      deployment: resolveDeployment(key, { [key]: { provider: 'openai-compatible', baseURL: server.baseURL, model: `simulated/chat?d=${key}`, maxConcurrency: 4 } }),
      apiKey: undefined,
    }));
    const bus = api.evaluationPanels.bus;
    bus.start({ evaluationId, promptUri, promptName: prompt.name ?? 'Panel check', promptPath: PROMPT_PATH, deployments: ['a', 'b'], rows: ROWS, cancel: () => undefined });
    const done = evaluatePrompt({
      evaluationId, promptPath: PROMPT_PATH, prompt, rows: loaded.rows, targets, renderer: inProcessRenderer(), fs: nodeFileSystem(), logDir, sampleIntervalMs: 10,
    }, (event) => {
      if (holding) {
        held.push(event);
        return;
      }
      bus.fire(evaluationId, event);
      if (event.type === 'cellFinished' && ++finishedCells === ROWS) {
        holding = true;
        halfway();
      }
    });
    await reachedHalfway;
    const firstPanel = api.evaluationPanels.panel(evaluationId);
    assert.ok(firstPanel, 'the evaluation opened its panel');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(api.evaluationPanels.panel(evaluationId), undefined, 'closing the tab disposes the panel');
    assert.ok(bus.running(evaluationId), 'the evaluation is still running when its panel is reopened');

    let from = posted.length;
    const reopened = await vscode.commands.executeCommand<unknown>('promptLab.showEvaluation', evaluationId);
    assert.ok(reopened, 'Show Evaluation Results opens the running evaluation');
    await postedUntil(evaluationId, (m) => m.method === 'evaluation/totals', 'the totals of the reopened panel', from);
    const init = messages(evaluationId, from).find((m) => m.method === 'evaluation/init');
    assert.ok(init && init.method === 'evaluation/init');
    assert.equal(init.params.status.state, 'running', 'the reopened panel shows the evaluation as running');
    assert.equal(init.params.rowCount, ROWS);
    const soFar = cellsPosted(evaluationId, from);
    assert.equal([...soFar.values()].filter((c) => c.outcome === 'passed' || c.outcome === 'failed').length, ROWS, 'the cells finished before the panel was closed');
    // By the prompt's Uri too: the running evaluation is its latest, brought forward rather than an older one from the log.
    assert.equal(await vscode.commands.executeCommand<unknown>('promptLab.showEvaluation', promptUri), reopened);

    // The evaluation goes on: the reopened panel fills with the rest, live, and ends on the log's totals.
    from = posted.length;
    const outcome = await done;
    holding = false;
    for (const event of held.splice(0)) bus.fire(evaluationId, event);
    await postedUntil(evaluationId, finalTotals, 'the final totals in the reopened panel', from);
    const all = cellsPosted(evaluationId);
    assertOutcomes(all, 'odd');
    assert.ok(cellsPosted(evaluationId, from).size >= ROWS, 'the cells finished after the reopening reached the panel live');
    assertTotalsMatch(evaluationId, outcome.record, from);
    assert.equal(bus.running(evaluationId), undefined);
  });
});
