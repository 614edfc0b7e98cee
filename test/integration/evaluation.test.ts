// Evaluate Prompt and Resume Evaluation inside the real extension host, against the simulated inference server of the
// replay server (test/replay/simulated.ts) started by the suite: the commands run with their arguments (no pick), the
// log gets one run line per cell, judge runs and one evaluation line whose counts match the run lines; a cancel midway
// then a resume fills exactly the missing cells; the budget question is asked once per evaluation.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import type { EvaluationOutcome } from '../../src/core/evaluation/evaluate';
import type { EvaluationRecord, RunRecord } from '../../src/core/log/runLog';
import { startReplayServer, type ReplayServer } from '../replay/server';
import type { EvaluationNode, PromptNode, RunNode, RunsNode } from '../../src/vscode/runsView';
import type { RunOutcome } from '../../src/core/run/run';
import type { AddedTestRow } from '../../src/vscode/evaluation/addToTestData';
import { parseCsv, parseJsonLines } from '../../src/core/evaluation/testData';
import { parsePromptFile } from '../../src/core/format/promptFile';

const EXTENSION_ID = 'prompt-lab.prompt-lab';
const ROWS = 20;
const COUNTRIES = ['France', 'Japan', 'Kenya', 'Canada', 'Brazil', 'Australia', 'Egypt', 'India', 'Mexico', 'Norway', 'Peru', 'Chile', 'Spain', 'Italy', 'Ghana', 'Nepal', 'Cuba', 'Iran', 'Iraq', 'Oman'];

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

function logLines(): (RunRecord | EvaluationRecord)[] {
  const dir = path.join(workspaceRoot(), '.promptlab', 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord | EvaluationRecord));
}

function linesOf(evaluationId: string): { cells: RunRecord[]; judges: RunRecord[]; evaluations: EvaluationRecord[] } {
  const lines = logLines();
  const runs = lines.filter((l): l is RunRecord => l.event === 'run' && l.evaluationId === evaluationId);
  return {
    cells: runs.filter((r) => r.source === 'evaluation'),
    judges: runs.filter((r) => r.source === 'judge'),
    evaluations: lines.filter((l): l is EvaluationRecord => l.event === 'evaluation' && l.id === evaluationId),
  };
}

/** A cell is done when its run is ok and no evaluator was cancelled (as the core's isDone). */
function isDone(r: RunRecord): boolean {
  return r.status === 'ok' && !(r.evaluations ?? []).some((e) => e.error === 'cancelled');
}

async function writeFile(relative: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.file(path.join(workspaceRoot(), relative));
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
  return uri;
}

/** The prompt file evaluated by this suite: 20 JSONL rows, a string evaluator and an LLM judge. */
async function writeEvaluatedPrompt(name: string): Promise<vscode.Uri> {
  await writeFile('data/eval20.jsonl', `${COUNTRIES.slice(0, ROWS).map((c) => JSON.stringify({ country: c, expected: c })).join('\n')}\n`);
  return writeFile(name, JSON.stringify({
    name: 'Evaluated', deployment: 'chatA',
    inputs: { country: { required: true } },
    messages: [{ role: 'user', content: 'What is the capital of {{ country }}?' }],
    testData: 'data/eval20.jsonl',
    evaluators: [
      { name: 'mentions-country', string: { contains: '{{ expected }}' } },
      { name: 'judge', llm: { deployment: 'judge', prompt: 'Answer: {{ completion }}\nIs it correct? Answer with one of: correct, incorrect', choices: [{ choice: 'incorrect', score: 0 }, { choice: 'correct', score: 1 }] } },
    ],
  }, null, 2));
}

/** Resolves with the diagnostics of `uri` once `ok` holds for them (waits on onDidChangeDiagnostics, never sleeps). */
function diagnosticsWhen(uri: vscode.Uri, ok: (d: readonly vscode.Diagnostic[]) => boolean): Promise<readonly vscode.Diagnostic[]> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const d = vscode.languages.getDiagnostics(uri);
      if (!ok(d)) return false;
      sub.dispose();
      resolve(d);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    check();
  });
}

const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);

describe('Evaluation commands', function () {
  this.timeout(120000);
  let api: PromptLabApi;
  let server: ReplayServer;

  const deployments = (extra: Record<string, unknown> = {}) => ({
    chatA: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'simulated/chat?d=a', maxConcurrency: 4, ...extra },
    chatB: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'simulated/chat?d=b', maxConcurrency: 4, ...extra },
    judge: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'simulated/judge', maxConcurrency: 8 },
  });

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    server = await startReplayServer();
    await vscode.workspace.getConfiguration('promptLab').update('deployments', deployments(), vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('promptLab').update('budget', undefined, vscode.ConfigurationTarget.Workspace);
    await server?.close();
  });

  it('shows an Evaluate lens on a prompt with testData, and none without', async () => {
    const uri = await writeEvaluatedPrompt('lens.prompt.json');
    await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const evaluate = lenses.find((l) => l.command?.command === 'promptLab.evaluatePrompt');
    assert.ok(evaluate, 'an Evaluate lens');
    assert.equal(evaluate.command?.arguments?.[0]?.toString(), uri.toString());
    const plain = await writeFile('plain.prompt.json', JSON.stringify({ deployment: 'chatA', messages: [{ role: 'user', content: 'hi' }] }));
    await vscode.workspace.openTextDocument(plain);
    const none = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', plain);
    assert.ok(none.some((l) => l.command?.command === 'promptLab.runPrompt'), 'the Run lens is there');
    assert.ok(!none.some((l) => l.command?.command === 'promptLab.evaluatePrompt'), 'no Evaluate lens without testData');
  });

  it('checks the testData file a prompt names: missing, a bad line, an unknown key, a missing input; again when the file changes', async () => {
    const uri = await writeFile('checked.prompt.json', JSON.stringify({
      deployment: 'chatA', inputs: { country: { required: true } }, testData: 'data/checked.jsonl',
      messages: [{ role: 'user', content: 'Capital of {{ country }}?' }],
    }, null, 2));
    await vscode.window.showTextDocument(uri);
    const missing = await diagnosticsWhen(uri, (d) => d.some((x) => codeOf(x) === 'test-data-file'));
    assert.match(missing.find((x) => codeOf(x) === 'test-data-file')?.message ?? '', /data\/checked\.jsonl" does not exist/);

    await writeFile('data/checked.jsonl', '{"country": "France"}\n{not json\n{"country": "Peru", "colour": "red"}\n{"expected": "Lima"}\n');
    const bad = await diagnosticsWhen(uri, (d) => d.some((x) => codeOf(x) === 'test-data-missing-input'));
    const file = bad.find((x) => codeOf(x) === 'test-data-file');
    assert.ok(file, 'the line that is not JSON');
    assert.match(file.message, /data\/checked\.jsonl line 2 is not valid JSON/);
    assert.equal(file.severity, vscode.DiagnosticSeverity.Error);
    const unknown = bad.find((x) => codeOf(x) === 'test-data-unknown-key');
    assert.ok(unknown, 'the unknown key');
    assert.match(unknown.message, /line 3: "colour" is not an input/);
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(bad.find((x) => codeOf(x) === 'test-data-missing-input')?.message ?? '', /line 4 has no value for the required input "country"/);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.equal(text.slice(text.indexOf('"data/checked.jsonl"')).startsWith('"data/checked.jsonl"'), true);
    assert.equal(file.range.start.line, (await vscode.workspace.openTextDocument(uri)).positionAt(text.indexOf('"data/checked.jsonl"')).line, 'shown at the testData path');

    await writeFile('data/checked.jsonl', '{"country": "France"}\n{"country": "Peru"}\n');
    await diagnosticsWhen(uri, (d) => !d.some((x) => codeOf(x).startsWith('test-data-')));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('evaluates 20 rows on two deployments: 40 cell run lines, their judge runs and one evaluation line with the right counts; the bus sees it all', async () => {
    const uri = await writeEvaluatedPrompt('evaluated.prompt.json');
    const started: string[] = [];
    const finishedCells = new Map<string, number>();
    const subs = [
      api.evaluationBus.onDidStart((s) => {
        started.push(s.evaluationId);
        assert.deepEqual(s.deployments, ['chatA', 'chatB']);
        assert.equal(s.rows, ROWS);
        assert.equal(s.promptPath, 'evaluated.prompt.json');
        assert.equal(s.promptName, 'Evaluated');
      }),
      api.evaluationBus.onDidEvent(({ evaluationId, event }) => {
        if (event.type === 'cellFinished') finishedCells.set(evaluationId, (finishedCells.get(evaluationId) ?? 0) + 1);
      }),
    ];
    let outcome: EvaluationOutcome | undefined;
    try {
      outcome = await vscode.commands.executeCommand<EvaluationOutcome | undefined>('promptLab.evaluatePrompt', uri, { deployments: ['chatA', 'chatB'] });
    } finally {
      for (const s of subs) s.dispose();
    }
    assert.ok(outcome, 'the command returns the outcome');
    const id = outcome.record.id;
    assert.deepEqual(started, [id], 'the bus announced the evaluation once');
    assert.equal(finishedCells.get(id), 2 * ROWS, 'the bus passed on every cell');
    assert.equal(api.evaluationBus.running(id), undefined, 'the session ended on the bus');
    assert.equal(outcome.record.status, 'complete');

    const { cells, judges, evaluations } = linesOf(id);
    assert.equal(cells.length, 2 * ROWS, 'exactly one run line per cell');
    assert.equal(judges.length, 2 * ROWS, 'one judge run per cell');
    assert.equal(evaluations.length, 1, 'one evaluation line');
    const record = evaluations[0] as EvaluationRecord;
    assert.equal(record.prompt, 'evaluated.prompt.json');
    assert.equal(record.rows, ROWS);
    for (const key of ['chatA', 'chatB']) {
      const mine = cells.filter((c) => c.deployment === key);
      assert.deepEqual(mine.map((c) => c.testIndex).sort((a, b) => (a ?? 0) - (b ?? 0)), Array.from({ length: ROWS }, (_, i) => i));
      const passed = mine.filter((c) => c.status === 'ok' && (c.evaluations ?? []).every((e) => e.passed)).length;
      const errors = mine.filter((c) => c.status !== 'ok' || (c.evaluations ?? []).some((e) => e.error !== undefined)).length;
      const summary = record.deployments[key];
      assert.ok(summary, `the evaluation line has ${key}`);
      assert.equal(summary.rows, ROWS);
      assert.equal(summary.passed, passed);
      assert.equal(summary.errors, errors);
      assert.equal(summary.failed, ROWS - passed - errors);
      assert.equal(summary.cancelled, 0);
      assert.ok(passed > 0, 'the simulated answer restates the country, so "mentions-country" passes for some cells');
    }
    for (const c of cells) assert.deepEqual(c.evaluations?.map((e) => e.name), ['mentions-country', 'judge']);
  });

  it('Cancel midway keeps what ran and ends cancelled; Resume Evaluation runs exactly the missing cells', async () => {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', deployments({ maxConcurrency: 2 }), vscode.ConfigurationTarget.Workspace);
    const uri = await writeEvaluatedPrompt('resumed.prompt.json');
    let cancelledAfter = -1;
    const sub = api.evaluationBus.onDidEvent(({ evaluationId, event }) => {
      // Cancel as the notification's Cancel does (the session's cancel aborts the same controller), a third of the way.
      if (event.type === 'cellFinished' && cancelledAfter < 0 && event.progress.done >= 12) {
        cancelledAfter = event.progress.done;
        api.evaluationBus.running(evaluationId)?.cancel();
      }
    });
    let first: EvaluationOutcome | undefined;
    try {
      first = await vscode.commands.executeCommand<EvaluationOutcome | undefined>('promptLab.evaluatePrompt', uri, { deployments: ['chatA', 'chatB'] });
    } finally {
      sub.dispose();
    }
    assert.ok(first);
    assert.equal(first.record.status, 'cancelled');
    const id = first.record.id;
    const before = linesOf(id);
    const doneBefore = new Set(before.cells.filter(isDone).map((c) => `${c.deployment}/${c.testIndex}`));
    assert.ok(doneBefore.size >= 12 && doneBefore.size < 2 * ROWS, `cancelled midway (${doneBefore.size} cells done)`);
    assert.equal(before.evaluations.length, 1);

    const second = await vscode.commands.executeCommand<EvaluationOutcome | undefined>('promptLab.resumeEvaluation', uri, { evaluationId: id });
    assert.ok(second, 'the resume ran');
    assert.equal(second.record.id, id);
    assert.equal(second.record.status, 'complete');
    const after = linesOf(id);
    const newCells = after.cells.slice(before.cells.length);
    assert.equal(newCells.length, 2 * ROWS - doneBefore.size, 'the resume ran only the cells without an ok run');
    for (const c of newCells) assert.ok(!doneBefore.has(`${c.deployment}/${c.testIndex}`), `cell ${c.deployment}/${c.testIndex} ran again although it was done`);
    const okByCell = new Map<string, number>();
    for (const c of after.cells.filter(isDone)) okByCell.set(`${c.deployment}/${c.testIndex}`, (okByCell.get(`${c.deployment}/${c.testIndex}`) ?? 0) + 1);
    assert.equal(okByCell.size, 2 * ROWS, 'every cell has an ok run');
    assert.ok([...okByCell.values()].every((n) => n === 1), 'no cell has two ok runs');
    assert.equal(after.evaluations.length, 2, 'the resume appended its own evaluation line');
    const last = after.evaluations[1] as EvaluationRecord;
    for (const key of ['chatA', 'chatB']) {
      const s = last.deployments[key];
      assert.ok(s);
      assert.equal(s.passed + s.failed + s.errors, ROWS, `${key}: every row counted once`);
    }
  });

  it('the runs tree groups each evaluation\'s cells under one node with its pass rate and status, and lists no judge run', async () => {
    await api.runsView.reloadNow();
    const roots = ((await api.runsView.getChildren()) ?? []) as PromptNode[];
    for (const [prompt, cells] of [['evaluated.prompt.json', 2 * ROWS], ['resumed.prompt.json', undefined]] as const) {
      const root = roots.find((r) => r.prompt === prompt);
      assert.ok(root, `a root for ${prompt}`);
      assert.equal(root.runs.length, 0, 'no run of an evaluation (cell or judge) is listed at the top');
      const children = ((await api.runsView.getChildren(root)) ?? []) as RunsNode[];
      assert.deepEqual(children.map((c) => c.kind), ['evaluation']);
      const evaluation = children[0] as EvaluationNode;
      const record = linesOf(evaluation.evaluationId).evaluations.at(-1);
      assert.ok(record);
      const under = ((await api.runsView.getChildren(evaluation)) ?? []) as RunNode[];
      assert.ok(under.every((n) => n.kind === 'run' && n.entry.run.source === 'evaluation' && n.entry.run.evaluationId === evaluation.evaluationId));
      const cellLines = linesOf(evaluation.evaluationId).cells.length;
      assert.equal(under.length, cells ?? cellLines, 'every cell run, no judge run');
      const passed = Object.values(record.deployments).reduce((n, d) => n + d.passed, 0);
      const item = await api.runsView.getTreeItem(evaluation);
      assert.equal(item.description, `${Math.round((passed / (2 * ROWS)) * 100)}% passed · complete · ${2 * ROWS} cells`);
      assert.equal(api.runsView.getParent(under[0] as RunNode), evaluation);
      assert.equal(api.runsView.getParent(evaluation), root);
    }
  });

  it('past promptLab.budget the evaluation asks once, not per row, and goes on when told to', async () => {
    // A price that makes every cell cost more than the daily budget.
    await vscode.workspace.getConfiguration('promptLab').update('deployments', deployments({ prices: { inputPerMillion: 1000, outputPerMillion: 1000 } }), vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('promptLab').update('budget', { dailyUsd: 0.000001 }, vscode.ConfigurationTarget.Workspace);
    const uri = await writeEvaluatedPrompt('budgeted.prompt.json');
    const asked: string[] = [];
    const original = api.evaluations.confirmOverBudget;
    api.evaluations.confirmOverBudget = async (message) => {
      asked.push(message);
      return true;
    };
    let outcome: EvaluationOutcome | undefined;
    try {
      outcome = await vscode.commands.executeCommand<EvaluationOutcome | undefined>('promptLab.evaluatePrompt', uri, { deployments: ['chatA', 'chatB'] });
    } finally {
      api.evaluations.confirmOverBudget = original;
      await vscode.workspace.getConfiguration('promptLab').update('budget', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.ok(outcome);
    assert.equal(asked.length, 1, `asked once: ${JSON.stringify(asked)}`);
    assert.match(asked[0] ?? '', /daily budget is spent.*Go on evaluating "Evaluated"\?/);
    assert.equal(outcome.record.status, 'complete');
    assert.equal(linesOf(outcome.record.id).cells.length, 2 * ROWS);
  });

  // Runs after the previous test, whose priced cells spent today's budget: so the question comes before the first cell.
  it('a "No" to the budget question stops the evaluation before any cell is sent', async () => {
    await vscode.workspace.getConfiguration('promptLab').update('budget', { dailyUsd: 0.000001 }, vscode.ConfigurationTarget.Workspace);
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'budgeted.prompt.json'));
    let asked = 0;
    const original = api.evaluations.confirmOverBudget;
    api.evaluations.confirmOverBudget = async () => {
      asked++;
      return false;
    };
    let outcome: EvaluationOutcome | undefined;
    try {
      outcome = await vscode.commands.executeCommand<EvaluationOutcome | undefined>('promptLab.evaluatePrompt', uri, { deployments: ['chatA', 'chatB'] });
    } finally {
      api.evaluations.confirmOverBudget = original;
      await vscode.workspace.getConfiguration('promptLab').update('budget', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.ok(outcome);
    assert.equal(asked, 1);
    assert.equal(outcome.record.status, 'cancelled');
    assert.equal(linesOf(outcome.record.id).cells.filter((c) => c.status === 'ok').length, 0, 'no cell ran');
  });

  it('a regex evaluator that backtracks catastrophically is stopped: error cells, and the evaluation completes', async () => {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', deployments(), vscode.ConfigurationTarget.Workspace);
    const uri = await writeFile('redos.prompt.json', JSON.stringify({
      deployment: 'chatA', inputs: { text: { required: true } },
      // The simulated server answers "Reply with: X" with X.
      messages: [{ role: 'user', content: 'Reply with: {{ text }}' }],
      testData: [1, 2, 3].map((n) => ({ text: `${'a'.repeat(36 + n)}!` })),
      // Nested quantifiers: exponential backtracking on a run of "a"s that ends with another character.
      evaluators: [{ name: 'only-as', regex: { pattern: '^(a+)+$' } }],
    }, null, 2));
    const outcome = await vscode.commands.executeCommand<EvaluationOutcome | undefined>('promptLab.evaluatePrompt', uri, { deployments: ['chatA'] });
    assert.ok(outcome);
    assert.equal(outcome.record.status, 'complete');
    assert.equal(outcome.record.deployments.chatA?.errors, 3);
    for (const c of linesOf(outcome.record.id).cells) {
      assert.equal(c.status, 'ok');
      assert.match(c.evaluations?.[0]?.error ?? '', /took longer than 1000 ms/);
    }
  });

  it('a .prompt.yml\'s judges resolve as in the CLI: one without modelId on the prompt\'s model, github/<name> on gh-models\' judge model', async () => {
    await vscode.workspace.getConfiguration('promptLab').update('deployments', deployments(), vscode.ConfigurationTarget.Workspace);
    // Model ids mapped to the local deployments (the real GitHub Models endpoint is never called): the prompt's model
    // to chatA, openai/gpt-4o (the model gh-models runs its built-in judges on) to the simulated judge.
    await vscode.workspace.getConfiguration('promptLab').update('models', { 'openai/gpt-4o-mini': 'chatA', 'openai/gpt-4o': 'judge' }, vscode.ConfigurationTarget.Workspace);
    try {
      const uri = await writeFile('judged.prompt.yml', [
        'name: Judged in YAML',
        'model: openai/gpt-4o-mini',
        'messages:',
        '  - role: user',
        '    content: "What is the capital of {{country}}?"',
        'testData:',
        '  - country: France',
        '  - country: Japan',
        '  - country: Kenya',
        'evaluators:',
        '  - name: own-model-judge',
        '    llm:',
        // The simulated chat model answers a "Reply with:" line with its text: a judge answer that matches a choice.
        '      prompt: "Answer: {{completion}}\\nReply with: correct"',
        '      choices:',
        '        - choice: correct',
        '          score: 1',
        '        - choice: incorrect',
        '          score: 0',
        '  - name: coherence',
        '    uses: github/coherence',
        '',
      ].join('\n'));
      const outcome = await vscode.commands.executeCommand<EvaluationOutcome | undefined>('promptLab.evaluatePrompt', uri, { deployments: ['chatA'] });
      assert.ok(outcome, 'the command returns the outcome');
      assert.equal(outcome.record.status, 'complete');
      const { cells, judges } = linesOf(outcome.record.id);
      assert.equal(cells.length, 3);
      for (const c of cells) {
        assert.equal(c.status, 'ok');
        assert.deepEqual(c.evaluations?.map((e) => [e.name, e.error]), [['own-model-judge', undefined], ['coherence', undefined]], JSON.stringify(c.evaluations));
        const own = c.evaluations?.[0];
        assert.equal(own?.score, 1, 'the own-model judge answered "correct"');
        assert.equal(typeof c.evaluations?.[1]?.score, 'number');
      }
      const on = (name: string) => judges.filter((j) => j.evaluator === name).map((j) => `${j.deployment} ${j.requestModel ?? j.model}`);
      assert.deepEqual(on('own-model-judge'), Array(3).fill(`chatA simulated/chat?d=a`), 'judged on the prompt\'s model, mapped to chatA');
      assert.deepEqual(on('coherence'), Array(3).fill('judge simulated/judge'), 'judged on openai/gpt-4o, mapped to the judge deployment');
      assert.equal(outcome.record.deployments.chatA?.errors, 0);
    } finally {
      await vscode.workspace.getConfiguration('promptLab').update('models', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  describe('Add to Test Data', () => {
    const TRICKY = 'Côte d\'Ivoire, "the Ivory Coast"';
    /** Runs `uri` once (its input has a default) and rates it with a better response; returns the run id. */
    async function ratedRun(uri: vscode.Uri, betterResponse?: string): Promise<string> {
      const outcome = await vscode.commands.executeCommand<RunOutcome | undefined>('promptLab.runPrompt', uri);
      assert.equal(outcome?.record.status, 'ok', outcome?.error?.message);
      const runId = outcome.record.id;
      if (betterResponse !== undefined) await vscode.commands.executeCommand('promptLab.rateLastRun', { runId, thumb: 'down', betterResponse });
      return runId;
    }
    const promptOf = (testData: unknown) => ({
      deployment: 'chatA', inputs: { country: { default: TRICKY } },
      messages: [{ role: 'user', content: 'Capital of {{ country }}?' }], testData,
    });

    it('inline: appends the row with the better response as expected, keeps the comments, and Undo takes it back', async () => {
      await vscode.workspace.getConfiguration('promptLab').update('deployments', deployments(), vscode.ConfigurationTarget.Workspace);
      const body = JSON.stringify(promptOf([{ country: 'France', expected: 'Paris' }]), null, 2);
      const text = `// rows people sent us\n${body.replace('"testData": [', '"testData": [ // keep this comment')}`;
      const uri = await writeFile('inline.prompt.json', text);
      const runId = await ratedRun(uri, 'Yamoussoukro');
      const added = await vscode.commands.executeCommand<AddedTestRow | undefined>('promptLab.addToTestData', runId);
      assert.ok(added);
      assert.equal(added.form, 'inline');
      const document = await vscode.workspace.openTextDocument(uri);
      const after = document.getText();
      assert.ok(after.includes('// rows people sent us') && after.includes('// keep this comment'), 'the comments are kept');
      assert.equal(fs.readFileSync(uri.fsPath, 'utf8'), after, 'saved (the file had no unsaved changes)');
      const prompt = parsePromptFile(after).prompt;
      assert.ok(prompt?.testData?.kind === 'inline');
      assert.deepEqual(prompt.testData.rows.map((r) => ({ ...r.values })), [{ country: 'France', expected: 'Paris' }, { country: TRICKY, expected: 'Yamoussoukro' }]);
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('undo');
      assert.equal(document.getText(), text, 'one Undo takes the row back');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    it('JSONL: appends one line to the file testData names; without a rating there is no expected', async () => {
      await writeFile('data/added.jsonl', '{"country": "France", "expected": "Paris"}');
      const uri = await writeFile('jsonl.prompt.json', JSON.stringify(promptOf('data/added.jsonl'), null, 2));
      const runId = await ratedRun(uri);
      const added = await vscode.commands.executeCommand<AddedTestRow | undefined>('promptLab.addToTestData', { runId });
      assert.equal(added?.form, 'jsonl');
      const onDisk = fs.readFileSync(path.join(workspaceRoot(), 'data/added.jsonl'), 'utf8');
      const parsed = parseJsonLines(onDisk, 'data/added.jsonl');
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(parsed.rows.map((r) => r.values), [{ country: 'France', expected: 'Paris' }, { country: TRICKY }]);
      // With a better response given afterwards, the next add carries it.
      await vscode.commands.executeCommand('promptLab.rateLastRun', { runId, betterResponse: 'Yamoussoukro' });
      await vscode.commands.executeCommand('promptLab.addToTestData', runId);
      const again = parseJsonLines(fs.readFileSync(path.join(workspaceRoot(), 'data/added.jsonl'), 'utf8'), 'data/added.jsonl');
      assert.deepEqual(again.rows.at(-1)?.values, { country: TRICKY, expected: 'Yamoussoukro' });
    });

    it('CSV: appends a line in the header\'s column order, quoted, from the Runs view node too', async () => {
      await writeFile('data/added.csv', 'expected,country\nParis,France\n');
      const uri = await writeFile('csv.prompt.json', JSON.stringify(promptOf('data/added.csv'), null, 2));
      const runId = await ratedRun(uri, 'Yamoussoukro, "officially"');
      await api.runsView.reloadNow();
      const root = (((await api.runsView.getChildren()) ?? []) as PromptNode[]).find((r) => r.prompt === 'csv.prompt.json');
      const node = root?.runs.find((n) => n.entry.run.id === runId);
      assert.ok(node, 'the run is in the Runs view');
      const added = await vscode.commands.executeCommand<AddedTestRow | undefined>('promptLab.addToTestData', node);
      assert.equal(added?.form, 'csv');
      const onDisk = fs.readFileSync(path.join(workspaceRoot(), 'data/added.csv'), 'utf8');
      const parsed = parseCsv(onDisk, 'data/added.csv', { inputs: new Map() });
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(parsed.rows.map((r) => ({ ...r.values })), [{ expected: 'Paris', country: 'France' }, { expected: 'Yamoussoukro, "officially"', country: TRICKY }]);
      assert.ok(onDisk.endsWith('"Yamoussoukro, ""officially""","Côte d\'Ivoire, ""the Ivory Coast"""\n'), onDisk);
    });
  });
});
