/**
 * Completion inside the `{{ }}` and `{% %}` of a message's template: the declared inputs, and after `name.`
 * the fields of the input's default value when it is an object. Decided from the decoded template text
 * before the cursor, so JSON escapes in the literal do not confuse it.
 */
import * as vscode from 'vscode';
import type { PromptInput } from '../core/format/promptFile';
import { loadCore } from './core';
import type { PromptDiagnostics } from './diagnostics';

export const COMPLETION_TRIGGERS = ['{', ' ', '.'];

/** Longest default shown in documentation before it is cut. */
const MAX_DEFAULT_CHARS = 1000;

export class PromptCompletions implements vscode.CompletionItemProvider {
  constructor(private readonly diagnostics: PromptDiagnostics) {}

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    const analysis = this.diagnostics.analysis(document);
    const offset = document.offsetAt(position);
    const message = loadCore().analyze.messageAt(analysis, offset);
    if (!message || !analysis.prompt) return undefined;
    const map = message.map();
    const index = map.fromDocument(offset);
    const before = message.message.content.slice(0, index);
    if (!insideTag(before)) return undefined;
    const typed = /(?<![\w$.])((?:[A-Za-z_$][\w$]*\s*\.\s*)*)([A-Za-z_$][\w$]*)?$/.exec(before);
    if (!typed) return undefined;
    const path = (typed[1] ?? '').split('.').map((s) => s.trim()).filter(Boolean);
    const word = typed[2] ?? '';
    const range = new vscode.Range(document.positionAt(map.toDocument(index - word.length)), position);
    const inputs = analysis.prompt.inputs;

    if (path.length === 0) {
      return [...inputs.values()].map((input) => {
        const item = new vscode.CompletionItem({ label: input.name, description: input.description ?? vscode.l10n.t('input') }, vscode.CompletionItemKind.Variable);
        item.range = range;
        item.documentation = inputDocumentation(input);
        item.sortText = `0${input.name}`;
        return item;
      });
    }
    const [root, ...fields] = path;
    const input = root === undefined ? undefined : inputs.get(root);
    if (!input?.hasDefault) return undefined;
    const value = valueAt(input.default, fields);
    if (!isRecord(value)) return undefined;
    return Object.entries(value).map(([key, field]) => {
      const item = new vscode.CompletionItem({ label: key, description: typeName(field) }, vscode.CompletionItemKind.Field);
      item.range = range;
      item.documentation = new vscode.MarkdownString().appendMarkdown(vscode.l10n.t('Default of `{0}`:', [...path, key].join('.'))).appendCodeblock(truncatedJson(field), 'json');
      return item;
    });
  }
}

/** True when `before` (template text up to the cursor) ends inside an open `{{` or `{%`. */
export function insideTag(before: string): boolean {
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'));
  if (open === -1) return false;
  const close = Math.max(before.lastIndexOf('}}'), before.lastIndexOf('%}'));
  return close < open;
}

/** The value at `path` inside `value` (own properties only), or undefined. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** JSON of `value`, cut at {@link MAX_DEFAULT_CHARS}. */
export function truncatedJson(value: unknown): string {
  const json = JSON.stringify(value, null, 2) ?? String(value);
  return json.length > MAX_DEFAULT_CHARS ? `${json.slice(0, MAX_DEFAULT_CHARS)}\n…` : json;
}

/** Markdown for an input: its description, then its default as a JSON block (or that it has none). */
export function inputDocumentation(input: PromptInput): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  if (input.description) md.appendText(input.description).appendMarkdown('\n\n');
  if (input.hasDefault) md.appendMarkdown(vscode.l10n.t('Default:')).appendCodeblock(truncatedJson(input.default), 'json');
  else md.appendMarkdown(input.required ? vscode.l10n.t('Required, no default: Run Prompt asks for a value.') : vscode.l10n.t('No default.'));
  return md;
}
