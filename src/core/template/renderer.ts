/**
 * The one way the core renders templates: a {@link TemplateRenderer} that each front end supplies. A template
 * comes from someone else's repository, so the desktop extension host and the CLI render in a bounded worker
 * (time, memory and output limits; see src/node/renderWorker.ts), and the web build in a Web Worker. The core
 * only states what it needs; {@link inProcessRenderer} is what runs inside those workers (and in unit tests of
 * the template code itself).
 */
import type { PromptFile, TemplateSyntax } from '../format/promptFile';
import type { ChatMessage } from './template';
import { RenderLimitError } from './errors';

export { RenderLimitError, type RenderLimitKind } from './errors';

/** Limits on one render; a render past one of them fails with {@link RenderLimitError}. */
export interface RenderLimits {
  /** Wall time for one render call (all its messages or templates), in ms. */
  timeoutMs: number;
  /** Largest rendered message or template, in UTF-16 characters. */
  maxOutputChars: number;
  /** Heap a render may use, in MB (the worker's `resourceLimits.maxOldGenerationSizeMb`). */
  maxHeapMb: number;
}

/** Defaults of {@link RenderLimits}: 2 s, 1 MB of text per message, 256 MB of heap. */
export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = Object.freeze({ timeoutMs: 2000, maxOutputChars: 1_000_000, maxHeapMb: 256 });

/** How {@link TemplateRenderer.renderTemplates} reads its templates. */
export interface RenderOptions {
  /** `nunjucks` (the default) or `github` (GitHub Models' rules, for the templates of a `.prompt.yml`). */
  syntax?: TemplateSyntax;
}

/**
 * Renders templates. Every method rejects with `TemplateError` (a template that does not parse, uses what Prompt
 * Lab does not allow, or fails while rendering), `InputValueError` (a chat history input that is not messages) or
 * {@link RenderLimitError}.
 */
export interface TemplateRenderer {
  /**
   * Every message of `prompt` rendered with `values`, `chat_history` slots expanded, in order, in the prompt's own
   * `templateSyntax`.
   */
  renderMessages(prompt: Pick<PromptFile, 'messages' | 'templateSyntax'>, values: Record<string, unknown>): Promise<ChatMessage[]>;
  /**
   * Each of `templates` rendered with the same `values` (evaluator and judge templates), in order; `options.syntax`
   * says how they are written (a `.prompt.yml`'s evaluators use GitHub's rules).
   */
  renderTemplates(templates: readonly string[], values: Record<string, unknown>, options?: RenderOptions): Promise<string[]>;
}

/**
 * Renders a prompt's messages on the calling thread when nothing in them can run away, else returns undefined: the
 * core's `renderStraightMessages` (./straight.ts: text and plain lookups of plain values, exactly as Nunjucks renders
 * them). The front ends' bounded renderers take it as a function rather than importing it, so that the desktop
 * extension's own bundle does not pull Nunjucks in (the core bundle is loaded on first use).
 */
export type InlineRender = (prompt: Pick<PromptFile, 'messages' | 'templateSyntax'>, values: Record<string, unknown>, maxOutputChars: number) => ChatMessage[] | undefined;

/** Throws {@link RenderLimitError} when `text` is longer than `maxOutputChars`. */
export function checkOutputLength(text: string, maxOutputChars: number, messageIndex: number | undefined): void {
  if (text.length > maxOutputChars) throw new RenderLimitError('output', maxOutputChars, messageIndex);
}
