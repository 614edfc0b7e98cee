/**
 * Shows the core's analysis of prompt documents (`.prompt.json`, and GitHub Models' `.prompt.yml` / `.prompt.yaml`)
 * in one DiagnosticCollection: on open, on edit
 * (debounced), when Prompt Lab's settings change, when a prompt file changes on disk, when the JSONL/CSV file a
 * prompt's `testData` names changes; forgets a file when it closes. Checking never renders a template, so it runs in
 * untrusted workspaces too.
 */
import { path, pathOf, platform, soon } from './platform';
import * as vscode from 'vscode';
import type * as Analyze from '../core/template/analyze';
import type { LoadedTestData } from '../core/evaluation/testData';
import type { PromptFile } from '../core/format/promptFile';
import { readSettings, affectsPromptLab } from './config';
import { loadCore } from './core';

/** Debounce between an edit and the refresh of its diagnostics, in ms. */
export const DIAGNOSTICS_DEBOUNCE_MS = 50;

/** File names Prompt Lab checks and runs: `.prompt.json`, `.prompt.yml`, `.prompt.yaml` (see src/core/format/formats.ts). */
export const PROMPT_FILE_PATTERN = /\.prompt\.(json|ya?ml)$/i;

export function isPromptDocument(document: vscode.TextDocument): boolean {
  return PROMPT_FILE_PATTERN.test(document.uri.path);
}

/** A GitHub Models `.prompt.yml` / `.prompt.yaml` document (JSON quick fixes do not apply to it). */
export function isPromptYamlDocument(document: vscode.TextDocument): boolean {
  return /\.prompt\.ya?ml$/i.test(document.uri.path);
}

function loadAnalyzer(): typeof Analyze {
  return loadCore().analyze;
}

/** The last analysis of each open prompt document, for the language features. */
export class PromptDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('promptLab');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly analyses = new Map<string, { version: number; analysis: Analyze.PromptAnalysis }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /**
   * Each open prompt's loaded `testData` file (by document): the file's absolute path and the prompt's inputs it was
   * checked against (CSV cells convert by input type, rows are checked against the inputs). Dropped when the file
   * changes on disk, so an edit of the prompt does not read the file again.
   */
  private readonly testData = new Map<string, { file: string; inputs: string; data: LoadedTestData }>();
  private readonly loadingTestData = new Map<string, string>();
  /** Fires after a document's diagnostics were refreshed. */
  readonly onDidRefresh = this.changed.event;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{prompt.json,prompt.yml,prompt.yaml}');
    const dataWatcher = vscode.workspace.createFileSystemWatcher('**/*.{jsonl,ndjson,csv}');
    const dataChanged = (uri: vscode.Uri) => {
      for (const [key, loaded] of this.testData) {
        if (loaded.file !== pathOf(uri)) continue;
        this.testData.delete(key);
        const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
        if (document) this.refresh(document);
      }
    };
    const refreshFromDisk = (uri: vscode.Uri) => {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (document) this.refresh(document);
    };
    this.disposables.push(
      this.collection,
      this.changed,
      watcher,
      watcher.onDidChange(refreshFromDisk),
      watcher.onDidCreate(refreshFromDisk),
      dataWatcher,
      dataWatcher.onDidChange(dataChanged),
      dataWatcher.onDidCreate(dataChanged),
      dataWatcher.onDidDelete(dataChanged),
      vscode.workspace.onDidOpenTextDocument((d) => this.refresh(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const d of vscode.workspace.textDocuments) this.refresh(d);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsPromptLab(e)) for (const d of vscode.workspace.textDocuments) this.refresh(d);
      }),
    );
    // After activation returns: checking loads the core bundle, which activation does not wait for.
    soon(() => {
      for (const document of vscode.workspace.textDocuments) this.refresh(document);
    });
  }

  /** The analysis of `document` at its current version, computed now if needed. */
  analysis(document: vscode.TextDocument): Analyze.PromptAnalysis {
    const cached = this.analyses.get(document.uri.toString());
    if (cached && cached.version === document.version) return cached.analysis;
    return this.refresh(document) ?? loadAnalyzer().analyzePromptDocument(document.uri.path, document.getText());
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isPromptDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.refresh(document);
    }, DIAGNOSTICS_DEBOUNCE_MS));
  }

  /** Analyse `document` now and show its diagnostics. */
  refresh(document: vscode.TextDocument): Analyze.PromptAnalysis | undefined {
    if (!isPromptDocument(document) || document.isClosed) return undefined;
    const { analyzePromptDocument } = loadAnalyzer();
    // In an untrusted workspace VS Code withholds the workspace's deployments (restrictedConfigurations), so
    // "no such deployment" would be wrong: the check waits for trust.
    const settings = vscode.workspace.isTrusted ? readSettings(document.uri) : undefined;
    const deployments = settings ? Object.keys(settings.deployments) : undefined;
    const models = settings?.models;
    const key = document.uri.toString();
    // The previous analysis lets an edit re-parse only the templates it changed.
    const previous = this.analyses.get(key)?.analysis;
    const deploymentTargets = settings ? loadCore().deploymentTargets(settings.deployments, settings.context) : undefined;
    const context: Analyze.AnalysisContext = {
      ...(deployments ? { deployments } : {}), ...(models ? { models } : {}), ...(previous ? { previous } : {}), ...(deploymentTargets ? { deploymentTargets } : {}),
    };
    const cached = this.testData.get(key);
    let analysis = analyzePromptDocument(document.uri.path, document.getText(), cached ? { ...context, testData: cached.data } : context);
    const wanted = this.testDataFile(document, analysis.prompt);
    if (cached && (!wanted || wanted.file !== cached.file || wanted.inputs !== cached.inputs)) {
      // The prompt names another file now (or changed its inputs): check without the old rows until the new ones are read.
      this.testData.delete(key);
      analysis = analyzePromptDocument(document.uri.path, document.getText(), context);
    }
    if (wanted && this.testData.get(key) === undefined && analysis.prompt) void this.loadTestData(document, analysis.prompt, wanted);
    this.analyses.set(key, { version: document.version, analysis });
    this.collection.set(document.uri, analysis.diagnostics.map((d) => toDiagnostic(document, d)));
    this.changed.fire(document.uri);
    if (analysis.prompt?.messages.some((m) => m.kind === 'parts')) void this.checkMedia(document, analysis, deploymentTargets);
    return analysis;
  }

  /**
   * Read what the prompt's media inputs name (workspace files, data: URIs) and add a `media-input` error for each that a
   * run would refuse (missing, of a type the deployment's provider does not take, over its limit). Reading a file is not
   * running anything, so this also happens in an untrusted workspace (with OpenAI's limits, as the deployments are withheld).
   */
  private async checkMedia(document: vscode.TextDocument, analysis: Analyze.PromptAnalysis, targets: Record<string, Analyze.DeploymentTarget> | undefined): Promise<void> {
    const prompt = analysis.prompt;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!prompt || !folder) return;
    const core = loadCore();
    const provider = (prompt.deployment !== undefined ? targets?.[prompt.deployment]?.provider : undefined) ?? 'openai';
    const root = pathOf(folder.uri);
    let found: Analyze.PromptDiagnostic[];
    try {
      found = await core.checkMediaInputs(prompt, { fileSystem: platform().fileSystem({ root }), root }, core.mediaLimitsOf(provider));
    } catch {
      return;
    }
    const key = document.uri.toString();
    // Only if the document has not changed since: a newer analysis will check again.
    if (this.analyses.get(key)?.analysis !== analysis || document.isClosed || found.length === 0) return;
    analysis.diagnostics.push(...found);
    this.collection.set(document.uri, analysis.diagnostics.map((d) => toDiagnostic(document, d)));
    this.changed.fire(document.uri);
  }

  /** The absolute path of the data file the prompt's `testData` names (inside the workspace folder), and its inputs' signature. */
  private testDataFile(document: vscode.TextDocument, prompt: PromptFile | null): { file: string; root: string; inputs: string } | undefined {
    if (prompt?.testData?.kind !== 'file') return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder) return undefined;
    const root = pathOf(folder.uri);
    const inputs = JSON.stringify([...prompt.inputs.values()].map((i) => [i.name, i.type, i.required, i.hasDefault]));
    return { file: path.resolve(root, prompt.testData.path.trim()), root, inputs };
  }

  /**
   * Read the prompt's `testData` file (through the core's loadTestData, inside the workspace folder) and analyse the
   * document again with its rows: a missing file, a line that is not JSON or CSV, an unknown key or a missing input
   * become diagnostics at the `testData` path.
   */
  private async loadTestData(document: vscode.TextDocument, prompt: PromptFile, wanted: { file: string; root: string; inputs: string }): Promise<void> {
    const key = document.uri.toString();
    const ticket = `${wanted.file}\u0000${wanted.inputs}\u0000${document.version}`;
    if (this.loadingTestData.get(key) === ticket) return;
    this.loadingTestData.set(key, ticket);
    let data: LoadedTestData;
    try {
      data = await loadCore().loadTestData(prompt, { fs: platform().fileSystem({ root: wanted.root }), workspaceFolder: wanted.root });
    } finally {
      if (this.loadingTestData.get(key) === ticket) this.loadingTestData.delete(key);
    }
    // Only if the document still names that file and is open: a newer refresh loads again.
    if (document.isClosed || !this.analyses.has(key)) return;
    const now = this.testDataFile(document, this.analyses.get(key)?.analysis.prompt ?? null);
    if (!now || now.file !== wanted.file || now.inputs !== wanted.inputs) return;
    this.testData.set(key, { file: wanted.file, inputs: wanted.inputs, data });
    this.refresh(document);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.testData.delete(key);
    this.loadingTestData.delete(key);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.analyses.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** A VS Code Diagnostic for a core diagnostic; its `code` is one of those the README lists under "Diagnostics". */
export function toDiagnostic(document: vscode.TextDocument, d: Analyze.PromptDiagnostic): vscode.Diagnostic {
  const range = new vscode.Range(document.positionAt(d.start), document.positionAt(d.end));
  const diagnostic = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'Prompt Lab';
  diagnostic.code = d.code;
  if (d.code === 'unused-input') diagnostic.tags = [vscode.DiagnosticTag.Unnecessary];
  return diagnostic;
}
