/**
 * The "Get Started with Prompt Lab" walkthrough (package.json `contributes.walkthroughs`): opened on the first
 * activation, and the context keys its steps' `completionEvents` wait for, each set when the step's work is really
 * done rather than when its button was pressed:
 *
 * - `promptLab.hasDeployments`: `promptLab.deployments` has an entry (in any workspace folder);
 * - `promptLab.deploymentReady`: one of them can run now: it needs no key (a server on this machine), or its key is
 *   stored or in its `apiKeyEnv` variable;
 * - `promptLab.hasPromptFiles`: the workspace holds a `.prompt.json` / `.prompt.yml` file (also the Command
 *   Palette's condition for Run Prompt);
 * - `promptLab.walkthrough.ranPrompt`: a run finished `ok` in this window;
 * - `promptLab.walkthrough.rated`: a rating was saved in this window.
 */
import * as vscode from 'vscode';
import { soon } from './platform';
import type { ApiKeyStore } from './apiKeys';
import { affectsPromptLab, readSettings } from './config';
import { loadCore } from './core';
import { PROMPT_FILE_PATTERN } from './diagnostics';
import type { RunController } from './runController';

/** `<publisher>.<name>#<walkthrough id>`, as `workbench.action.openWalkthrough` takes it. */
export const WALKTHROUGH_ID = 'prompt-lab.prompt-lab#promptLab.gettingStarted';
/** globalState key: the walkthrough was opened once on activation (never again after that). */
const SHOWN_KEY = 'promptLab.walkthroughShown';
const PROMPT_FILES_GLOB = '**/*.{prompt.json,prompt.yml,prompt.yaml}';

export const CONTEXT_KEYS = {
  hasDeployments: 'promptLab.hasDeployments',
  deploymentReady: 'promptLab.deploymentReady',
  hasPromptFiles: 'promptLab.hasPromptFiles',
  ranPrompt: 'promptLab.walkthrough.ranPrompt',
  rated: 'promptLab.walkthrough.rated',
} as const;

export class WalkthroughState implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly values = new Map<string, boolean>();
  private promptFilesScan: Promise<void> | undefined;
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the context key that changed (for tests). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly keys: ApiKeyStore, secrets: vscode.SecretStorage, runs: RunController) {
    const watcher = vscode.workspace.createFileSystemWatcher(PROMPT_FILES_GLOB, false, true, false);
    this.disposables.push(
      this.changed,
      watcher,
      watcher.onDidCreate(() => this.set(CONTEXT_KEYS.hasPromptFiles, true)),
      watcher.onDidDelete(() => void this.scanPromptFiles()),
      vscode.workspace.onDidCreateFiles((e) => {
        if (e.files.some((f) => PROMPT_FILE_PATTERN.test(f.path))) this.set(CONTEXT_KEYS.hasPromptFiles, true);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        void this.scanPromptFiles();
        void this.updateDeployments();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsPromptLab(e)) void this.updateDeployments();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.updateDeployments()),
      secrets.onDidChange(() => void this.updateDeployments()),
      runs.onDidFinishRun((e) => {
        if (e.record.status === 'ok') this.set(CONTEXT_KEYS.ranPrompt, true);
      }),
      runs.onDidRate(() => this.set(CONTEXT_KEYS.rated, true)),
    );
    // After activation returns: resolving deployments loads the core bundle, and the file search takes a moment.
    soon(() => {
      void this.scanPromptFiles();
      void this.updateDeployments();
    });
  }

  /** The value last given to a context key (undefined until it was computed), for tests. */
  value(key: string): boolean | undefined {
    return this.values.get(key);
  }

  private set(key: string, value: boolean): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
    this.changed.fire(key);
  }

  private scanPromptFiles(): Promise<void> {
    this.promptFilesScan ??= (async () => {
      try {
        const found = await vscode.workspace.findFiles(PROMPT_FILES_GLOB, '**/node_modules/**', 1);
        this.set(CONTEXT_KEYS.hasPromptFiles, found.length > 0);
      } catch {
        // No file search (a virtual workspace): the key stays as it was.
      } finally {
        this.promptFilesScan = undefined;
      }
    })();
    return this.promptFilesScan;
  }

  private async updateDeployments(): Promise<void> {
    const scopes = vscode.workspace.workspaceFolders?.map((f) => f.uri) ?? [undefined];
    let any = false;
    let ready = false;
    for (const scope of scopes) {
      const settings = readSettings(scope);
      for (const key of Object.keys(settings.deployments)) {
        any = true;
        if (!ready) ready = await this.canRun(key, settings);
      }
    }
    this.set(CONTEXT_KEYS.hasDeployments, any);
    this.set(CONTEXT_KEYS.deploymentReady, ready);
  }

  /** Whether deployment `key` resolves and has what it needs to send a request (a key when it needs one). */
  private async canRun(key: string, settings: ReturnType<typeof readSettings>): Promise<boolean> {
    try {
      const deployment = loadCore().resolveDeployment(key, settings.deployments, settings.context);
      return !deployment.needsKey || deployment.entra || (await this.keys.find(deployment)) !== undefined;
    } catch {
      return false;
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/**
 * How long after activation the walkthrough opens, in ms. VS Code creates its walkthroughs service on first use and
 * only then registers the extensions' walkthroughs, asynchronously: it waits up to 5 s for an experiment's override
 * of each walkthrough's `when` (gettingStartedService.ts, registerExtensionWalkthroughContributions, VS Code 1.100).
 * Opened before that, the Welcome editor shows another walkthrough instead. So activation wakes the service at once
 * (see wakeWalkthroughs) and opens the walkthrough after this delay.
 */
export const WALKTHROUGH_OPEN_DELAY_MS = 6000;

/**
 * Make VS Code create its walkthroughs service now, so it registers Prompt Lab's walkthrough and records the steps'
 * completion events from activation on (before it exists, a setting changed or a command run checks nothing). No
 * command exists for that alone: "Mark Step Incomplete" on a step that does not exist creates the service, changes
 * nothing and fails, which is expected.
 */
async function wakeWalkthroughs(): Promise<void> {
  await Promise.resolve(vscode.commands.executeCommand('welcome.markStepIncomplete', `${WALKTHROUGH_ID}#no-such-step`)).catch(() => undefined);
}

/**
 * Open the walkthrough the first time Prompt Lab activates for this person (any window, any workspace), unless they
 * switched off `promptLab.walkthrough.openOnFirstActivation`, or `workbench.welcomePage.walkthroughs.openOnInstall`,
 * VS Code's own setting for opening an extension's walkthrough (a machine setting: a remote extension host, as in
 * code-server, never sees the user's value, hence a setting of Prompt Lab's own). Like VS Code when it opens one after an install, it never takes the focus: the walkthrough opens as
 * an inactive tab (the only one, and so shown, in an empty window). A window closed before the delay is over tries
 * again next time. Disposing the result cancels a pending open.
 */
export function openWalkthroughOnFirstActivation(globalState: vscode.Memento, log: vscode.LogOutputChannel): vscode.Disposable {
  void wakeWalkthroughs();
  if (globalState.get<boolean>(SHOWN_KEY)) {
    log.info('[walkthrough] shown on an earlier activation: not opened again');
    return new vscode.Disposable(() => undefined);
  }
  const open = async () => {
    await globalState.update(SHOWN_KEY, true);
    const off = vscode.workspace.getConfiguration('promptLab.walkthrough').get<boolean>('openOnFirstActivation') === false
      || vscode.workspace.getConfiguration('workbench.welcomePage.walkthroughs').get<boolean>('openOnInstall') === false;
    if (off) {
      log.info('[walkthrough] first activation: not opened (switched off in the settings)');
      return;
    }
    log.info('[walkthrough] first activation: opening the walkthrough');
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, { inactive: true });
  };
  const timer = setTimeout(() => void open().catch((err: unknown) => log.warn(`[walkthrough] not opened: ${String(err)}`)), WALKTHROUGH_OPEN_DELAY_MS);
  return new vscode.Disposable(() => clearTimeout(timer));
}
