// The `prompt-lab` task type inside the real extension host: the provider offers check and eval for the workspace
// folder, and running check starts the extension's own CLI, exits 1 on an error, and the `$prompt-lab` problem
// matcher turns the line it prints into a problem at the right place (the file is not open, so the extension's live
// diagnostics play no part).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { PromptLabTaskProvider } from '../../src/vscode/tasks';
import { EXTENSION_ID, diagnosticsAfter, writePromptText } from './promptDocuments';

const PLANTED = '{\n  "deployment": "sim-chat",\n  "messages": [\n    { "role": "user", "content": "Hi {{ who | shout }}" }\n  ],\n  "inputs": { "who": { "default": "Ada" } }\n}\n';

describe('Tasks', function () {
  this.timeout(60000);
  let uri: vscode.Uri | undefined;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  after(() => {
    if (uri) fs.rmSync(uri.fsPath, { force: true });
  });

  it('offers check and eval; check runs the CLI and its problem matcher marks the line it prints', async () => {
    uri = await writePromptText('task-planted.prompt.json', PLANTED);
    const tasks = await vscode.tasks.fetchTasks({ type: 'prompt-lab' });
    assert.deepEqual(tasks.map((t) => String(t.definition.command)).sort(), ['check', 'eval']);
    const check = tasks.find((t) => t.definition.command === 'check');
    assert.ok(check);
    assert.deepEqual(check.problemMatchers, ['$prompt-lab']);

    let exitCode: number | undefined;
    const ended = new Promise<void>((resolve) => {
      const subscription = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.definition.type !== 'prompt-lab') return;
        exitCode = e.exitCode;
        subscription.dispose();
        resolve();
      });
    });
    const diagnostics = await diagnosticsAfter(uri, () => vscode.tasks.executeTask(check), (d) => d.some((x) => x.code === 'unknown-filter'));
    await ended;
    assert.equal(exitCode, 1, 'check exits 1 on an error');
    const planted = diagnostics.find((d) => d.code === 'unknown-filter');
    assert.ok(planted);
    const column = (PLANTED.split('\n')[3] ?? '').indexOf('shout');
    assert.deepEqual([planted.range.start.line, planted.range.start.character], [3, column]);
    assert.equal(planted.severity, vscode.DiagnosticSeverity.Error);
    assert.match(planted.message, /Unknown filter "shout"/);
  });

  it('resolves a task as tasks.json writes it, with its files and args, and runs it', async () => {
    uri ??= await writePromptText('task-planted.prompt.json', PLANTED);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    const provider = new PromptLabTaskProvider(vscode.Uri.joinPath(extension.extensionUri, 'dist', 'cli.js').fsPath, process.execPath);
    const definition = { type: 'prompt-lab', command: 'check', files: ['task-planted.prompt.json'], args: ['--context', 'environment=ci'] };
    const resolved = provider.resolveTask(new vscode.Task(definition, folder, 'planted check', 'prompt-lab'));
    assert.ok(resolved);
    assert.equal(resolved.definition, definition, 'the definition it was given');
    const execution = resolved.execution as vscode.ProcessExecution;
    assert.deepEqual(execution.args.slice(1), ['check', 'task-planted.prompt.json', '--context', 'environment=ci']);
    assert.equal(execution.options?.cwd, folder.uri.fsPath);
    assert.equal(provider.resolveTask(new vscode.Task({ type: 'prompt-lab', command: 'deploy' }, folder, 'x', 'prompt-lab')), undefined);
    let exitCode: number | undefined;
    await new Promise<void>((resolve) => {
      const subscription = vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.name !== 'check prompt files' || e.execution.task.definition !== definition) return;
        exitCode = e.exitCode;
        subscription.dispose();
        resolve();
      });
      void vscode.tasks.executeTask(resolved);
    });
    assert.equal(exitCode, 1);
  });
});
