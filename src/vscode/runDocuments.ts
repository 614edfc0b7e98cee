/**
 * Read-only documents holding a logged run's output, for "Compare with…" (VS Code's diff editor on two of them).
 * A `promptlab-run:` uri names the log file, the line, its byte offset and the run id; the content is read back with
 * the core's `loadRun`, which reads only that line.
 */
import * as vscode from 'vscode';
import { platform } from './platform';
import type { HistoryEntry } from '../core/log/history';
import { loadCore } from './core';
import { localTime, promptTitle } from './runsView';

export const RUN_SCHEME = 'promptlab-run';

/** The uri of `entry`'s output: a readable path (prompt, start time) and where the run is in the log. */
export function runOutputUri(entry: HistoryEntry): vscode.Uri {
  const query = new URLSearchParams({ file: entry.file, line: String(entry.line), offset: String(entry.offset), id: entry.run.id });
  const label = `${promptTitle(entry.run.prompt)} ${localTime(entry.run.timing.startedAt).replace(/:/g, '.')} ${entry.run.id.slice(0, 8)}`;
  return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${label}`, query: query.toString() });
}

/** Where a `promptlab-run:` uri points, or undefined when it is not one of ours. */
export function parseRunOutputUri(uri: vscode.Uri): Pick<HistoryEntry, 'file' | 'line' | 'offset'> & { run: { id: string } } | undefined {
  const query = new URLSearchParams(uri.query);
  const file = query.get('file');
  const id = query.get('id');
  const line = Number(query.get('line'));
  const offset = Number(query.get('offset'));
  if (uri.scheme !== RUN_SCHEME || !file || !file.endsWith('.jsonl') || !id || !Number.isInteger(line) || !Number.isInteger(offset)) return undefined;
  return { file, line, offset, run: { id } };
}

export class RunDocuments implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const where = parseRunOutputUri(uri);
    if (!where) return vscode.l10n.t('This is not a Prompt Lab run.');
    try {
      return (await loadCore().loadRun(platform().fileSystem(), where)).output;
    } catch (err) {
      return vscode.l10n.t('The run {0} cannot be read from the log: {1}', where.run.id, err instanceof Error ? err.message : String(err));
    }
  }
}
