/** The renderer that runs on the calling thread: inside a bounded worker, and in tests. */
import { checkOutputLength, DEFAULT_RENDER_LIMITS, type RenderLimits, type TemplateRenderer } from './renderer';
import { renderMessages, renderTemplate } from './template';

/**
 * Renders on the calling thread, with the output limit only: nothing stops a runaway template here, so this is for
 * the inside of a bounded worker and for tests of the template code, never for a front end's main thread.
 */
export function inProcessRenderer(limits: Pick<RenderLimits, 'maxOutputChars'> = DEFAULT_RENDER_LIMITS): TemplateRenderer {
  const checkOutput = (text: string, messageIndex: number): void => checkOutputLength(text, limits.maxOutputChars, messageIndex);
  return {
    renderMessages: (prompt, values) => new Promise((resolve) => resolve(renderMessages(prompt, values, { checkOutput }))),
    renderTemplates: (templates, values, options) => new Promise((resolve) => {
      resolve(templates.map((t, i) => {
        const text = renderTemplate(t, values, i, options?.syntax);
        checkOutput(text, i);
        return text;
      }));
    }),
  };
}
