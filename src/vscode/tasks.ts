/**
 * Tasks of type `prompt-lab` (Terminal → Run Task, tasks.json): `check` and `eval` of a workspace folder's prompt files
 * through the extension's own `prompt-lab` CLI (dist/cli.js), run by the Node that runs the extension host
 * (the platform's `nodeExecutable`, `process.execPath`; `ELECTRON_RUN_AS_NODE` makes VS Code's Electron binary a plain Node). The `$prompt-lab` problem
 * matcher (package.json) turns check's `file:line:col: severity code: message` lines into problems, so a task run and
 * a CI log read alike. The CLI reads the folder's .vscode/settings.json and takes keys from the environment, as it does
 * in a terminal (SecretStorage stays inside VS Code).
 */
import * as vscode from 'vscode';

/** The task type of package.json `taskDefinitions`. */
export const TASK_TYPE = 'prompt-lab';

/** A `prompt-lab` task as tasks.json writes it. */
export interface PromptLabTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  command: 'check' | 'eval';
  /** Files, folders or globs relative to the workspace folder; default the whole folder. */
  files?: string[];
  /** More arguments, e.g. ["--deployment", "chat", "--junit", "results.xml"]. */
  args?: string[];
}

const LABELS: Record<PromptLabTaskDefinition['command'], () => string> = { check: () => vscode.l10n.t('check prompt files'), eval: () => vscode.l10n.t('evaluate prompt files') };

function isDefinition(value: vscode.TaskDefinition): value is PromptLabTaskDefinition {
  return value.type === TASK_TYPE && (value.command === 'check' || value.command === 'eval');
}

/** Offers `check` and `eval` for every workspace folder, and resolves those written in tasks.json. */
export class PromptLabTaskProvider implements vscode.TaskProvider {
  /**
   * @param cliPath the bundled CLI, dist/cli.js of the extension
   * @param nodePath the Node that runs it (the extension host's own executable)
   */
  constructor(private readonly cliPath: string, private readonly nodePath: string) {}

  provideTasks(): vscode.Task[] {
    return (vscode.workspace.workspaceFolders ?? []).flatMap((folder) =>
      (['check', 'eval'] as const).map((command) => this.task({ type: TASK_TYPE, command }, folder)));
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    if (!isDefinition(task.definition)) return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    // VS Code requires the resolved task to carry the definition it was given.
    return folder ? this.task(task.definition, folder) : undefined;
  }

  private task(definition: PromptLabTaskDefinition, folder: vscode.WorkspaceFolder): vscode.Task {
    const args = [this.cliPath, definition.command, ...(definition.files?.length ? definition.files : ['.']), ...(definition.args ?? [])];
    const execution = new vscode.ProcessExecution(this.nodePath, args, { cwd: folder.uri.fsPath, env: { ELECTRON_RUN_AS_NODE: '1' } });
    const task = new vscode.Task(definition, folder, LABELS[definition.command](), TASK_TYPE, execution, definition.command === 'check' ? ['$prompt-lab'] : []);
    task.group = definition.command === 'check' ? vscode.TaskGroup.Build : vscode.TaskGroup.Test;
    // The command line it runs: not prose, so not translated.
    task.detail = ['prompt-lab', ...args.slice(1)].join(' ');
    return task;
  }
}
