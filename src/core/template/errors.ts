/**
 * The errors of rendering, in a module of their own with no Nunjucks import, so that a front end's thin layer and
 * the render worker's host can recognise them without loading the template engine.
 */

/** A template that failed to compile or render, with where (message index 0-based, line and column 1-based). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    /** What went wrong, without Nunjucks' path prefix. */
    readonly detail: string,
    /** Index of the message in `messages` (0-based). */
    readonly messageIndex: number,
    /** Line inside the template (1-based), when Nunjucks knows it. */
    readonly line: number | undefined,
    /** Column inside the template (1-based), when Nunjucks knows it. */
    readonly column: number | undefined,
  ) {
    super(`Template error in message ${messageIndex + 1}${line !== undefined ? `, line ${line}` : ''}${column !== undefined ? `, column ${column}` : ''}: ${detail}`);
  }
}

/** An input value that cannot be used as declared (e.g. a chat history that is not an array of messages). */
export class InputValueError extends Error {
  override readonly name = 'InputValueError';
  constructor(readonly input: string, message: string) {
    super(message);
  }
}

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
