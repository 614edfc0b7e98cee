/**
 * The sections a finished run may add around its output: refusal, reasoning, the structured output
 * check, tool calls, other choices, content filter and max_tokens notes. Messages are checked only
 * loosely, so every field is read defensively; all text goes into text nodes.
 */
import type { RunFinishedParams, StructuredView, ToolCallView } from '../../../src/protocol/runPanel';
import { button, h, text } from '../dom';
import { formattedJson } from '../jsonView';

type Choice = NonNullable<RunFinishedParams['otherChoices']>[number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function refusalSection(refusal: unknown): HTMLElement | null {
  const value = text(refusal);
  if (!value) return null;
  return h(
    'div',
    { class: 'run-refusal', 'data-testid': 'run-refusal', role: 'note' },
    h('strong', {}, 'Refusal'),
    h('p', { class: 'run-refusal-text' }, value),
  );
}

/** A collapsed `<details>`: the model's reasoning, apart from the answer. */
export function reasoningSection(reasoning: unknown): HTMLElement | null {
  const value = text(reasoning);
  if (!value) return null;
  return h(
    'details',
    { class: 'run-reasoning', 'data-testid': 'run-reasoning' },
    h('summary', {}, 'Reasoning', h('span', { class: 'run-section-count' }, ` (${value.length.toLocaleString('en-US')} characters)`)),
    h('pre', { class: 'run-block', tabindex: '0', 'aria-label': 'Reasoning' }, value),
  );
}

/** Pretty-prints valid JSON arguments (the host may already have); others are kept as they came. */
function argumentsText(call: ToolCallView): string {
  if (call.valid !== true) return call.arguments;
  try {
    return JSON.stringify(JSON.parse(call.arguments === '' ? '{}' : call.arguments), null, 2);
  } catch {
    return call.arguments;
  }
}

export function toolCallsSection(value: unknown): HTMLElement | null {
  const calls = records(value).map(
    (c): ToolCallView => ({ id: text(c.id), name: text(c.name), arguments: text(c.arguments), valid: c.valid !== false }),
  );
  if (calls.length === 0) return null;
  const section = h(
    'section',
    { class: 'run-section run-tool-calls', 'data-testid': 'run-tool-calls', 'aria-label': 'Tool calls' },
    h('h2', {}, calls.length === 1 ? 'Tool call' : `Tool calls (${calls.length})`),
  );
  for (const call of calls) {
    const name = call.name || '(no name)';
    section.append(
      h(
        'div',
        { class: 'tool-call', 'data-testid': 'tool-call', 'data-valid': String(call.valid) },
        h(
          'div',
          { class: 'tool-call-head' },
          h('code', { class: 'tool-call-name', 'data-testid': 'tool-call-name' }, name),
          h('span', { class: 'tool-call-id', 'data-testid': 'tool-call-id', title: 'Tool call id' }, call.id || '(no id)'),
          call.valid
            ? null
            : h('span', { class: 'tool-call-invalid', 'data-testid': 'tool-call-invalid' }, 'arguments are not valid JSON'),
        ),
        h(
          'pre',
          { class: 'run-block tool-call-args', 'data-testid': 'tool-call-args', tabindex: '0', 'aria-label': `Arguments of ${name}` },
          argumentsText(call),
        ),
      ),
    );
  }
  return section;
}

export function choicesSection(value: unknown): HTMLElement | null {
  const choices = records(value).map(
    (c): Choice => ({
      index: typeof c.index === 'number' ? c.index : 0,
      output: text(c.output),
      finishReason: text(c.finishReason) || null,
    }),
  );
  if (choices.length === 0) return null;
  const section = h(
    'section',
    { class: 'run-section run-choices', 'data-testid': 'run-choices', 'aria-label': 'Other choices' },
    h('h2', {}, `Other choices (${choices.length})`),
  );
  for (const choice of choices) {
    section.append(
      h(
        'div',
        { class: 'run-choice', 'data-testid': 'run-choice', 'data-index': String(choice.index) },
        h(
          'div',
          { class: 'run-choice-head' },
          h('span', { class: 'run-choice-index' }, `Choice ${choice.index}`),
          h('span', { class: 'run-choice-finish', 'data-testid': 'run-choice-finish' }, `finish reason ${choice.finishReason ?? '—'}`),
        ),
        h(
          'pre',
          { class: 'run-block', 'data-testid': 'run-choice-output', tabindex: '0', 'aria-label': `Output of choice ${choice.index}` },
          choice.output,
        ),
      ),
    );
  }
  return section;
}

export function contentFilterNote(value: unknown): HTMLElement | null {
  const filtered = text(value);
  if (!filtered) return null;
  return h(
    'p',
    { class: 'run-warning', 'data-testid': 'run-content-filter', role: 'note' },
    h('strong', {}, 'Content filter:'),
    ` ${filtered}`,
  );
}

export function lengthNote(finishReason: unknown): HTMLElement | null {
  if (finishReason !== 'length') return null;
  return h(
    'p',
    { class: 'run-warning', 'data-testid': 'run-length-note', role: 'note' },
    'Stopped at max_tokens (finish_reason length): the output is cut.',
  );
}

function readStructured(value: unknown): StructuredView | null {
  if (!isRecord(value) || typeof value.valid !== 'boolean') return null;
  const problems = records(value.problems).map((p) => ({ path: text(p.path), message: text(p.message) }));
  const formatted = text(value.formatted);
  return formatted ? { valid: value.valid, formatted, problems } : { valid: value.valid, problems };
}

/**
 * The structured output check: a badge, the problems, and the output as formatted JSON with the
 * failing lines marked. `raw` (the streamed output) moves into the section, hidden behind a "Raw"
 * toggle when there is a formatted view.
 */
export function structuredSection(value: unknown, raw: HTMLElement): HTMLElement | null {
  const check = readStructured(value);
  if (!check) return null;
  const status = check.valid ? 'matches schema' : 'does not match schema';
  const bar = h(
    'div',
    { class: 'structured-bar' },
    h('vscode-tag', { class: 'structured-status', 'data-testid': 'structured-status' }, status),
  );
  const section = h(
    'section',
    {
      class: 'run-section run-structured',
      'data-testid': 'run-structured',
      'data-valid': String(check.valid),
      'aria-label': `Structured output: ${status}`,
    },
    bar,
  );
  if (check.problems.length > 0) {
    const list = h('ul', { class: 'structured-problems', 'data-testid': 'structured-problems', 'aria-label': 'Schema problems' });
    for (const problem of check.problems) {
      list.append(h('li', { 'data-path': problem.path }, problem.message || `${problem.path || '(root)'} is invalid`));
    }
    section.append(list);
  }
  if (check.formatted === undefined) {
    section.append(raw);
    return section;
  }
  const formatted = formattedJson(check.formatted, check.problems, {
    class: 'run-output run-formatted',
    'data-testid': 'structured-formatted',
    tabindex: '0',
    'aria-label': 'Output formatted as JSON',
  });
  raw.hidden = true;
  const toggle = button(
    'Raw',
    { appearance: 'secondary', 'aria-pressed': 'false', 'data-testid': 'structured-raw-toggle', title: 'Show the output as it streamed' },
    () => {
      const showRaw = raw.hidden;
      raw.hidden = !showRaw;
      formatted.hidden = showRaw;
      toggle.setAttribute('aria-pressed', String(showRaw));
    },
  );
  bar.append(toggle);
  section.append(formatted, raw);
  return section;
}
