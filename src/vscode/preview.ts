/**
 * "Prompt Lab: Preview Rendered Prompt": a read-only Markdown document beside the editor with the messages as
 * Run Prompt would send them (rendered with the inputs' defaults) and the deployment they would go to. It never
 * reads an API key, and it renders nothing in an untrusted workspace. It follows the prompt document's edits.
 */
import { path, pathOf, platform } from './platform';
import * as vscode from 'vscode';
import type { ResolvedDeployment } from '../core/providers/deployments';
import type { PromptFile } from '../core/format/promptFile';
import type { ChatMessage } from '../core/template/template';
import { readSettings } from './config';
import { loadCore } from './core';
import { PROMPT_FILE_PATTERN, type PromptDiagnostics } from './diagnostics';
import type { TemplateRenderer } from '../core/template/renderer';

export const PREVIEW_SCHEME = 'promptlab-preview';

/** The preview document of prompt file `source` (its path ends in .md, so it opens as Markdown). */
export function previewUri(source: vscode.Uri): vscode.Uri {
  const base = source.path.startsWith('/') ? source.path : `/${source.path}`;
  return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `${base}.preview.md`, query: source.toString() });
}

export class PromptPreview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[];
  /** Open previews that are not shown and whose prompt changed: refreshed when they are shown again. */
  private readonly stale = new Set<string>();

  /** `renderer` renders the messages (the bounded worker, see ./renderer.ts). */
  constructor(diagnostics: PromptDiagnostics, private readonly renderer: TemplateRenderer) {
    this.disposables = [
      this.changed,
      diagnostics.onDidRefresh((source) => this.refresh(previewUri(source))),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const d of vscode.workspace.textDocuments) if (d.uri.scheme === PREVIEW_SCHEME) this.refresh(d.uri);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const editor of editors) {
          const uri = editor.document.uri;
          if (this.stale.delete(uri.toString())) this.changed.fire(uri);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.stale.delete(d.uri.toString())),
    ];
  }

  /** Re-render a preview now if it is shown, else when it is shown again. */
  private refresh(preview: vscode.Uri): void {
    const key = preview.toString();
    if (vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === key)) this.changed.fire(preview);
    else if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === key)) this.stale.add(key);
  }

  /** Open the preview of `target` (else the active editor's prompt file) beside the editor; returns its Uri. */
  async open(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const source = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    if (!source || !PROMPT_FILE_PATTERN.test(source.path)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a .prompt.json or .prompt.yml file to preview it.'));
      return undefined;
    }
    const uri = previewUri(source);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: true });
    return uri;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = vscode.Uri.parse(uri.query, true);
    const file = path.posix.basename(source.path);
    let text: string;
    try {
      text = (await vscode.workspace.openTextDocument(source)).getText();
    } catch (err) {
      return `# ${file}\n\n${vscode.l10n.t('The prompt file cannot be read: {0}', err instanceof Error ? err.message : String(err))}\n`;
    }
    return previewMarkdown(file, text, source, vscode.workspace.isTrusted, this.renderer);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The preview's Markdown for prompt file `file` with text `text`. */
async function previewMarkdown(file: string, text: string, source: vscode.Uri, trusted: boolean, renderer: TemplateRenderer): Promise<string> {
  const core = loadCore();
  const parsed = core.parsePromptDocument(source.path, text);
  const prompt = parsed.prompt;
  const out: string[] = [`# ${prompt?.name ?? file}`, ''];
  if (!prompt) {
    out.push(vscode.l10n.t('`{0}` cannot be previewed yet:', file), '', ...parsed.problems.map((p) => `- ${p.message}`), '');
    return out.join('\n');
  }
  if (!trusted) {
    out.push(vscode.l10n.t('This workspace is not trusted, so Prompt Lab does not render its templates. Trust the workspace (**Manage Workspace Trust**) to see the preview.'), '');
    return out.join('\n');
  }
  out.push(vscode.l10n.t('The messages of `{0}` as **Run Prompt** would send them, rendered with the inputs\' default values. This preview is read-only and follows your edits.', file), '');

  out.push(`## ${vscode.l10n.t('Deployment')}`, '');
  let deployment: ResolvedDeployment | undefined;
  try {
    deployment = core.resolvePromptDeployment(prompt, readSettings(source));
  } catch (err) {
    out.push(err instanceof Error ? err.message : String(err), '');
  }
  if (deployment) out.push(...deploymentLines(prompt, deployment, core.requestParameters), '');

  out.push(`## ${vscode.l10n.t('Messages')}`, '');
  const { values, missing } = core.resolveInputs(prompt);
  if (missing.length > 0) {
    const names = missing.map((m) => `\`${m}\``).join(', ');
    out.push(missing.length > 1
      ? vscode.l10n.t('Required inputs without a default (Run Prompt asks for them), shown as a placeholder: {0}.', names)
      : vscode.l10n.t('Required input without a default (Run Prompt asks for it), shown as a placeholder: {0}.', names), '');
    for (const name of missing) values[name] = `‹${name}›`;
  }
  let messages: ChatMessage[];
  try {
    messages = await renderer.renderMessages(prompt, values);
  } catch (err) {
    out.push(vscode.l10n.t('The messages cannot be rendered:'), '', fenced(err instanceof Error ? err.message : String(err), 'text'), '');
    return out.join('\n');
  }
  // Media is read as a run reads it (from the workspace folder only) and shown by its metadata; the request rules of
  // the deployment's model are applied, so the preview shows the request as it is sent.
  const root = pathOf(vscode.workspace.getWorkspaceFolder(source)?.uri) ?? path.dirname(pathOf(source));
  let logged: ChatMessage[] = messages;
  let mediaProblem: string | undefined;
  try {
    logged = (await core.prepareMessages(messages, values, { fileSystem: platform().fileSystem({ root }), root, hasher: platform().hasher }, core.mediaLimitsOf(deployment?.provider ?? 'openai'))).logged;
  } catch (err) {
    mediaProblem = err instanceof Error ? err.message : String(err);
  }
  if (deployment) {
    const ruled = core.applyRequestRules(deployment.model, deployment.provider, { parameters: core.requestParameters(prompt, deployment), messages: messages.map((m) => ({ role: m.role, content: '' })) as never }, deployment.requestRules);
    if (ruled.applied.length > 0) {
      out.push(vscode.l10n.t('Request rules for this model (see the README):'), '', ...ruled.applied.flatMap((a) => a.changes.map((c) => `- **${a.name}**: ${c}`)), '');
      logged = logged.map((m, i) => ({ ...m, role: (ruled.messages[i]?.role ?? m.role) as ChatMessage['role'] }));
    }
  }
  if (mediaProblem) out.push(vscode.l10n.t('**A run would stop here:** {0}', mediaProblem), '');
  logged.forEach((m, i) => {
    out.push(`### ${i + 1}. ${m.role}${m.name ? ` (${m.name})` : ''}`, '');
    if (typeof m.content === 'string') {
      out.push(fenced(m.content, 'text'), '');
      return;
    }
    m.content.forEach((part, j) => {
      if (part.type === 'text') {
        out.push(vscode.l10n.t('Part {0}, text:', j + 1), '', fenced(part.text, 'text'), '');
        return;
      }
      const where = part.path ? `\`${part.path}\`` : part.url ? vscode.l10n.t('{0} (sent as a URL; Prompt Lab does not fetch it)', part.url) : part.source === 'data' ? vscode.l10n.t('inline data: URI') : vscode.l10n.t('not read');
      const facts = [part.mediaType, part.bytes !== undefined ? core.formatBytes(part.bytes) : undefined, part.sha256 ? `SHA-256 ${part.sha256.slice(0, 12)}…` : undefined, part.detail ? vscode.l10n.t('detail {0}', part.detail) : undefined].filter(Boolean);
      out.push(vscode.l10n.t('Part {0}, **{1}** from the input `{2}`: {3}', j + 1, part.type, part.input, `${where}${facts.length ? ` (${facts.join(', ')})` : ''}`), '');
    });
  });
  return out.join('\n');
}

/** What the run would use of the deployment: never a key, nor headers (which may carry one against advice). */
function deploymentLines(prompt: PromptFile, deployment: ResolvedDeployment, requestParameters: (p: PromptFile, d: ResolvedDeployment) => Record<string, unknown>): string[] {
  const lines = [
    `- ${vscode.l10n.t('**Deployment:** `{0}`', deployment.key)}`,
    `- ${vscode.l10n.t('**Provider:** {0}', deployment.provider)}`,
    `- ${vscode.l10n.t('**Model:** {0}', deployment.model ? `\`${deployment.model}\`` : vscode.l10n.t('(chosen by the deployment)'))}`,
    `- ${vscode.l10n.t('**Base URL:** {0}', deployment.baseURL || vscode.l10n.t('(none)'))}`,
  ];
  if (deployment.azure) lines.push(`- ${vscode.l10n.t('**Azure deployment:** `{0}`, api-version {1}', deployment.azure.deployment, deployment.azure.apiVersion)}`);
  const parameters = requestParameters(prompt, deployment);
  if (Object.keys(parameters).length > 0) lines.push(`- ${vscode.l10n.t('**Parameters:** `{0}`', JSON.stringify(parameters))}`);
  return lines;
}

/** `content` in a fenced code block whose fence no line of it can close. */
function fenced(content: string, language: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${content}\n${fence}`;
}
