/**
 * "Prompt Lab: Add to Test Data": a logged run's inputs become a new row of its prompt's `testData`, with the newest
 * rating's better response, when there is one, as `expected`. Inline rows of a .prompt.json are edited with
 * jsonc-parser (comments kept), a JSONL or CSV file gets a line; every change goes through a WorkspaceEdit, so Undo
 * takes it back. The text edits are the core's (src/core/evaluation/addTestRow.ts).
 */
import * as vscode from 'vscode';
import { platform } from '../platform';
import type { HistoryEntry } from '../../core/log/history';
import { loadCore } from '../core';
import { type RunNode, type RunsView, promptUriOf } from '../runsView';

/** What `promptLab.addToTestData` takes: a run id (the evaluation grid, the run panel), a Runs view node, or `{ runId }`. */
export type AddToTestDataTarget = string | RunNode | { runId: string };

/** What was added, where. */
export interface AddedTestRow {
  /** The file edited: the prompt file (inline rows) or the data file. */
  uri: vscode.Uri;
  form: 'inline' | 'jsonl' | 'csv';
  row: Record<string, unknown>;
  /** CSV: keys of the row that the header names no column for (not written). */
  leftOut: string[];
}

export class AddToTestData {
  constructor(private readonly view: RunsView, private readonly log: vscode.LogOutputChannel) {}

  /**
   * Append the run's row. Says what it did (or why it could not) in a notification.
   * @returns what was added, or undefined when nothing was (the run or prompt file is not found, testData is not a
   * list of rows or a .jsonl/.csv path, the file could not be edited).
   */
  async add(target?: AddToTestDataTarget): Promise<AddedTestRow | undefined> {
    const runId = typeof target === 'string' ? target : target && 'kind' in target ? target.entry.run.id : target?.runId ?? this.selectedRunId();
    if (!runId) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Pick a run in the Runs view (or open one in the run panel) to add it to the test data.'));
      return undefined;
    }
    try {
      return await this.addRun(runId);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`[testData] ${runId}: ${message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Prompt Lab could not add the run to the test data: {0}', message), vscode.l10n.t('Show Log')).then((c) => c && this.log.show());
      return undefined;
    }
  }

  private selectedRunId(): string | undefined {
    return this.view.treeView.selection.find((n): n is RunNode => n.kind === 'run')?.entry.run.id;
  }

  private async addRun(runId: string): Promise<AddedTestRow | undefined> {
    const core = loadCore();
    // Read what was appended since (the run itself, a rating just given): the newest rating's better response counts.
    await this.view.reloadNow();
    const found = await this.find(runId);
    if (!found) throw new Error(`the run ${runId} is not in the run log.`);
    const { folder, entry } = found;
    const record = await core.loadRun(platform().fileSystem(), entry);
    const promptUri = promptUriOf(folder, record.prompt);
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(promptUri);
    } catch {
      throw new Error(`its prompt file ${record.prompt} does not exist any more.`);
    }
    const parsed = core.parsePromptDocument(promptUri.path, document.getText());
    if (!parsed.prompt) throw new Error(`${record.prompt} cannot be read: ${parsed.problems[0]?.message ?? 'fix its errors first.'}`);
    const prompt = parsed.prompt;
    // Only what the prompt still declares as inputs (a renamed input would be a stray key).
    const inputs = prompt.inputs.size > 0 ? Object.fromEntries(Object.entries(record.inputs).filter(([k]) => prompt.inputs.has(k))) : record.inputs;
    const better = entry.rating?.betterResponse;
    const row = core.testRowOf(inputs, better);
    const source = prompt.testData;

    let added: AddedTestRow;
    if (!source || source.kind === 'inline') {
      if (!/\.prompt\.json$/i.test(promptUri.path)) throw new Error(`${record.prompt} is not a .prompt.json file: name a .jsonl or .csv file in its "testData" to add rows to.`);
      const editor = vscode.workspace.getConfiguration('editor', document);
      const edits = core.inlineRowEdits(document.getText(), row, { insertSpaces: editor.get<boolean>('insertSpaces') ?? true, tabSize: editor.get<number>('tabSize') ?? 2 });
      await this.apply(document, edits.map((e) => ({ range: new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), text: e.content })));
      added = { uri: promptUri, form: 'inline', row, leftOut: [] };
    } else {
      const checked = core.checkWorkspaceRelativePath(source.path);
      if ('error' in checked) throw new Error(`"testData": ${checked.error}`);
      const form = core.dataFormat(checked.path);
      if (!form) throw new Error(`"testData" names ${checked.path}: rows can be added to a .jsonl or .csv file.`);
      const dataUri = vscode.Uri.joinPath(folder.uri, ...checked.path.split('/'));
      let data: vscode.TextDocument | undefined;
      try {
        await vscode.workspace.fs.stat(dataUri);
        data = await vscode.workspace.openTextDocument(dataUri);
      } catch {
        data = undefined;
      }
      const text = data?.getText() ?? '';
      const append = form === 'jsonl' ? { text: core.jsonlAppendText(text, row), leftOut: [] } : core.csvAppendText(text, row);
      if (data) {
        const end = data.positionAt(text.length);
        await this.apply(data, [{ range: new vscode.Range(end, end), text: append.text }]);
      } else {
        const edit = new vscode.WorkspaceEdit();
        edit.createFile(dataUri, { ignoreIfExists: true, contents: new TextEncoder().encode(append.text) });
        if (!await vscode.workspace.applyEdit(edit)) throw new Error(`${checked.path} could not be created.`);
      }
      added = { uri: dataUri, form, row, leftOut: append.leftOut };
    }
    this.log.info(`[testData] run ${runId} → ${vscode.workspace.asRelativePath(added.uri)} (${added.form}${better ? ', expected from the better response' : ''})`);
    const notes = [
      better ? vscode.l10n.t('with the better response as "expected"') : '',
      added.leftOut.length ? vscode.l10n.t('without {0} (no such column)', added.leftOut.map((k) => `"${k}"`).join(', ')) : '',
    ].filter(Boolean).join(', ');
    void vscode.window.showInformationMessage(notes ? vscode.l10n.t('Added a test data row to {0}, {1}.', vscode.workspace.asRelativePath(added.uri), notes) : vscode.l10n.t('Added a test data row to {0}.', vscode.workspace.asRelativePath(added.uri)), vscode.l10n.t('Open'))
      .then((c) => (c ? vscode.window.showTextDocument(added.uri) : undefined));
    return added;
  }

  /** The run's entry in the history (any workspace folder). */
  private async find(runId: string): Promise<{ folder: vscode.WorkspaceFolder; entry: HistoryEntry } | undefined> {
    for (const { folder, runs } of await this.view.history()) {
      const entry = runs.find((e) => e.run.id === runId);
      if (entry) return { folder, entry };
    }
    return undefined;
  }

  /**
   * Apply `changes` to `document` as one WorkspaceEdit (one Undo step), and save it when it had no unsaved changes
   * before: evaluations and diagnostics read data files from disk; a person's own unsaved work is never saved for them.
   */
  private async apply(document: vscode.TextDocument, changes: { range: vscode.Range; text: string }[]): Promise<void> {
    const wasDirty = document.isDirty;
    const edit = new vscode.WorkspaceEdit();
    for (const c of changes) edit.replace(document.uri, c.range, c.text);
    if (!await vscode.workspace.applyEdit(edit)) throw new Error(`${vscode.workspace.asRelativePath(document.uri)} could not be edited.`);
    if (!wasDirty) await document.save();
  }
}
