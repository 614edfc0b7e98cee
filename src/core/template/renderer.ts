/**
 * The one way the core renders templates: a {@link TemplateRenderer} that each front end supplies. A template
 * comes from someone else's repository, so the desktop extension host and the CLI render in a bounded worker
 * (time, memory and output limits; see src/node/renderWorker.ts), and the web build in a Web Worker. The core
 * only states what it needs; {@link inProcessRenderer} is what runs inside those workers (and in unit tests of
 * the template code itself).
 */
import type { PromptFile, TemplateSyntax } from '../format/promptFile';
import { renderMessages, renderTemplate, type ChatMessage } from './template';

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

/** Which limit a render went past. */
export type RenderLimitKind = 'time' | 'output' | 'memory';

/** A render stopped by one of its {@link RenderLimits}; `messageIndex` is the 0-based message, when known. */
export class RenderLimitError extends Error {
  override readonly name = 'RenderLimitError';
  constructor(
    readonly limit: RenderLimitKind,
    /** The limit's value: ms for time, characters for output, MB for memory. */
    readonly value: number,
    readonly messageIndex: number | undefined,
  ) {
    const where = messageIndex === undefined ? 'The template' : `Message ${messageIndex + 1}`;
    const what = limit === 'time'
      ? `took longer than ${value} ms to render (setting "promptLab.render.timeoutMs")`
      : limit === 'output'
        ? `rendered to more than ${value.toLocaleString('en-US')} characters (setting "promptLab.render.maxOutputChars")`
        : `used more than ${value} MB of memory while rendering`;
    super(`${where} ${what}: the render was stopped. Look for loops or recursion that grow without bound.`);
  }
}

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
  renderMessages(prompt: PromptFile, values: Record<string, unknown>): Promise<ChatMessage[]>;
  /**
   * Each of `templates` rendered with the same `values` (evaluator and judge templates), in order; `options.syntax`
   * says how they are written (a `.prompt.yml`'s evaluators use GitHub's rules).
   */
  renderTemplates(templates: readonly string[], values: Record<string, unknown>, options?: RenderOptions): Promise<string[]>;
}

function checkOutput(text: string, limits: RenderLimits, messageIndex: number | undefined): string {
  if (text.length > limits.maxOutputChars) throw new RenderLimitError('output', limits.maxOutputChars, messageIndex);
  return text;
}

/**
 * Renders on the calling thread, with the output limit only: nothing stops a runaway template here, so this is for
 * the inside of a bounded worker and for tests of the template code, never for a front end's main thread.
 */
export function inProcessRenderer(limits: RenderLimits = DEFAULT_RENDER_LIMITS): TemplateRenderer {
  return {
    renderMessages: (prompt, values) => new Promise((resolve) => {
      const messages = renderMessages(prompt, values);
      messages.forEach((m, i) => checkOutput(m.content, limits, i));
      resolve(messages);
    }),
    renderTemplates: (templates, values, options) => new Promise((resolve) => {
      resolve(templates.map((t, i) => checkOutput(renderTemplate(t, values, i, options?.syntax), limits, i)));
    }),
  };
}
