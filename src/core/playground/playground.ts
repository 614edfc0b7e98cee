/**
 * The playground's model, vscode-free: its state (see PlaygroundState in src/protocol/playground.ts, which the
 * webview shares), the variables its templates read, parameter validation, and the prompt file it becomes,
 * to run (`toPromptFile`) or to save (`promptFileText`). A saved file declares every variable as an input
 * with its value as default, so it passes the schema and `analyzePromptFile` without errors.
 */
import {
  type PlaygroundAnalysis, type PlaygroundAttachment, type PlaygroundMessage, type PlaygroundParameter, type PlaygroundRole, type PlaygroundState, defaultPlaygroundState,
} from '../../protocol/playground';
import { analyzePromptFile } from '../template/analyze';
import { parsePromptFile, type PromptFile } from '../format/promptFile';
import { analyzeTemplate } from '../template/templateAnalysis';

export type { PlaygroundState } from '../../protocol/playground';

/** Prompt path logged for runs of a playground that was not loaded from a file (no such file exists). */
export const PLAYGROUND_PROMPT_PATH = 'playground';

/** A new playground: a system message and an empty user message. */
export const emptyState = defaultPlaygroundState;

/** The variables the templates read (names they do not define themselves), in order of first use, and their syntax errors. */
export function templateVariables(messages: readonly { content: string }[]): { variables: string[]; templateErrors: PlaygroundAnalysis['templateErrors'] } {
  const seen = new Set<string>();
  const templateErrors: PlaygroundAnalysis['templateErrors'] = [];
  messages.forEach((message, index) => {
    const analysis = analyzeTemplate(message.content);
    if (analysis.error) templateErrors.push({ index, message: analysis.error.message });
    for (const use of analysis.uses) seen.add(use.name);
  });
  return { variables: [...seen], templateErrors };
}

/** Limits of the parameters the playground edits (OpenAI's chat completions reference; the same as analyze.ts). */
const RANGES: Partial<Record<PlaygroundParameter, readonly [number, number]>> = { temperature: [0, 2], top_p: [0, 1] };
const MAX_STOP_SEQUENCES = 4;

/**
 * The request parameters of the values as typed, and why any is not valid. Empty values are left out.
 * `stop` is one stop sequence as typed, or a JSON array of up to four strings.
 */
export function validateParameters(parameters: PlaygroundState['parameters']): { values: Record<string, unknown>; problems: PlaygroundAnalysis['parameterProblems'] } {
  const values: Record<string, unknown> = {};
  const problems: PlaygroundAnalysis['parameterProblems'] = {};
  for (const [name, raw] of Object.entries(parameters) as [PlaygroundParameter, string | undefined][]) {
    if (raw === undefined || raw.trim() === '') continue;
    const text = raw.trim();
    switch (name) {
      case 'temperature':
      case 'top_p': {
        const [min, max] = RANGES[name] as readonly [number, number];
        const n = Number(text);
        if (!Number.isFinite(n) || n < min || n > max) problems[name] = `${name} is a number from ${min} to ${max}.`;
        else values[name] = n;
        break;
      }
      case 'max_tokens': {
        const n = Number(text);
        if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) problems[name] = 'max_tokens is a whole number of at least 1.';
        else values[name] = n;
        break;
      }
      case 'seed': {
        const n = Number(text);
        if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) problems[name] = 'seed is a whole number.';
        else values[name] = n;
        break;
      }
      case 'stop': {
        if (text.startsWith('[')) {
          let list: unknown;
          try {
            list = JSON.parse(text);
          } catch {
            list = undefined;
          }
          if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s !== '') || list.length > MAX_STOP_SEQUENCES) {
            problems[name] = `stop is one sequence, or a JSON array of up to ${MAX_STOP_SEQUENCES} non-empty strings.`;
          } else values[name] = list;
        } else values[name] = raw;
        break;
      }
    }
  }
  return { values, problems };
}

/** Everything the view shows about what is typed: variables, template errors, parameter problems. */
export function analyzePlayground(messages: readonly { content: string }[], parameters: PlaygroundState['parameters']): PlaygroundAnalysis {
  return { ...templateVariables(messages), parameterProblems: validateParameters(parameters).problems };
}

/** A variable's value as sent: a JSON object or array when the text is one, else the text. */
export function parseValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === 'object' && value !== null) return value;
    } catch {
      // Not JSON: the text itself.
    }
  }
  return text;
}

/** A value as the playground shows it: strings as they are, anything else as JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

/** The input values of a run: every variable the templates read, with its value (an empty string when none was typed), and each attachment's. */
export function inputValues(state: PlaygroundState): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of templateVariables(state.messages).variables) values[name] = parseValue(state.values[name] ?? '');
  for (const { name, attachment } of attachmentInputs(state)) values[name] = attachment.value;
  return values;
}

/**
 * The input each attachment becomes, named by its kind and number (`image1`, `audio1`, `file1`; a name a template
 * already uses is skipped), in message order.
 */
export function attachmentInputs(state: PlaygroundState): { name: string; messageId: string; attachment: PlaygroundAttachment }[] {
  const taken = new Set(templateVariables(state.messages).variables);
  const counts: Record<string, number> = {};
  const out: { name: string; messageId: string; attachment: PlaygroundAttachment }[] = [];
  for (const message of state.messages) {
    for (const attachment of message.attachments ?? []) {
      let name: string;
      do name = `${attachment.kind}${(counts[attachment.kind] = (counts[attachment.kind] ?? 0) + 1)}`; while (taken.has(name));
      taken.add(name);
      out.push({ name, messageId: message.id, attachment });
    }
  }
  return out;
}

/** The prompt file of the state as a plain object (what `promptFileText` writes). */
export function promptFileObject(state: PlaygroundState, deployment = state.deployments[0]): Record<string, unknown> {
  const { variables } = templateVariables(state.messages);
  const inputs: Record<string, unknown> = {};
  for (const name of variables) {
    const value = parseValue(state.values[name] ?? '');
    inputs[name] = { type: Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : 'string', default: value };
  }
  const { values: parameters } = validateParameters(state.parameters);
  // Attachments become inputs of their kind, and parts after the message's text.
  const attached = attachmentInputs(state);
  for (const { name, attachment } of attached) inputs[name] = { type: attachment.kind, default: attachment.value };
  const partsOf = (m: PlaygroundState['messages'][number]) => [
    ...(m.content !== '' ? [{ type: 'text', text: m.content }] : []),
    ...attached.filter((a) => a.messageId === m.id).map((a) => ({ type: a.attachment.kind, input: a.name })),
  ];
  return {
    name: state.name.trim() || 'Playground',
    ...(deployment ? { deployment } : {}),
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
    messages: state.messages.map((m) => ({ role: m.role, content: m.attachments?.length ? partsOf(m) : m.content })),
  };
}

/** The .prompt.json text of the state, two-space indented, with a final newline. */
export function promptFileText(state: PlaygroundState): string {
  return `${JSON.stringify(promptFileObject(state), null, 2)}\n`;
}

/**
 * Why the state cannot become a prompt file (to save or run): no messages, a template that does not parse,
 * a parameter out of range, or any error the editor would show for the saved file. Empty when it can.
 * @param deployments the promptLab.deployments keys, to check the deployment; undefined to not check it.
 */
export function problemsOf(state: PlaygroundState, deployments?: readonly string[]): string[] {
  if (state.messages.length === 0) return ['Add a message first.'];
  const problems: string[] = [];
  const { templateErrors } = templateVariables(state.messages);
  for (const e of templateErrors) problems.push(`Message ${e.index + 1}: ${e.message}`);
  for (const message of Object.values(validateParameters(state.parameters).problems)) problems.push(message);
  if (problems.length > 0) return problems;
  const analysis = analyzePromptFile(promptFileText(state), deployments ? { deployments } : {});
  return analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
}

/** The prompt file a run of the state on `deployment` uses (parsed from the text it would save). */
export function toPromptFile(state: PlaygroundState, deployment: string): PromptFile {
  const parsed = parsePromptFile(JSON.stringify(promptFileObject(state, deployment)));
  if (!parsed.prompt) throw new Error(parsed.problems[0]?.message ?? 'The playground does not make a valid prompt.');
  return parsed.prompt;
}

/**
 * The playground filled from a prompt file: its template messages (a developer message becomes a system message),
 * each chat_history slot replaced by the messages of its input's default and said so in a note, the inputs'
 * defaults as values, the five parameters the playground edits, and the file's deployment.
 */
export function stateFromPromptFile(prompt: PromptFile, sourcePath: string, fallbackName: string): PlaygroundState {
  const notes: string[] = [];
  const messages: PlaygroundMessage[] = [];
  const mediaInputs = new Set<string>();
  const add = (role: PlaygroundRole, content: string) => messages.push({ id: `m${messages.length + 1}`, role, content });
  for (const message of prompt.messages) {
    if (message.kind === 'template') {
      if (message.role === 'developer') notes.push(`Message ${message.index + 1} was a developer message; it is a system message here.`);
      add(message.role === 'developer' ? 'system' : message.role, message.content);
      continue;
    }
    if (message.kind === 'parts') {
      const text = message.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n\n');
      add(message.role === 'developer' ? 'system' : message.role, text);
      const attachments: PlaygroundAttachment[] = [];
      for (const part of message.parts) {
        if (part.type === 'text') continue;
        const value = prompt.inputs.get(part.input)?.default;
        if (typeof value !== 'string' || value === '') {
          notes.push(`Message ${message.index + 1} sends the ${part.type} input "${part.input}", which has no default: attach one here.`);
          continue;
        }
        attachments.push({ id: `a${attachments.length + 1}m${messages.length}`, kind: part.type, name: value.startsWith('data:') ? `${part.input} (inline)` : value, value });
        mediaInputs.add(part.input);
      }
      const last = messages.at(-1);
      if (last && attachments.length > 0) last.attachments = attachments;
      continue;
    }
    const turns = prompt.inputs.get(message.input)?.default;
    const valid = Array.isArray(turns) ? turns.filter((t): t is { role: PlaygroundRole; content: string } =>
      typeof t === 'object' && t !== null && ['system', 'user', 'assistant'].includes((t as { role?: unknown }).role as string) && typeof (t as { content?: unknown }).content === 'string') : [];
    for (const turn of valid) add(turn.role, turn.content);
    notes.push(`The chat history slot "${message.input}" (message ${message.index + 1}) is not a playground message: ${valid.length === 0 ? 'it had no default turns' : `its ${valid.length} default turn${valid.length === 1 ? ' is' : 's are'} plain messages here`}.`);
  }
  const values: Record<string, string> = {};
  for (const input of prompt.inputs.values()) {
    if (input.type === 'chat_history' || mediaInputs.has(input.name)) continue;
    values[input.name] = input.hasDefault ? valueText(input.default) : '';
  }
  const parameters: PlaygroundState['parameters'] = {};
  for (const [name, value] of Object.entries(prompt.parameters)) {
    if (name === 'temperature' || name === 'max_tokens' || name === 'top_p' || name === 'seed') parameters[name] = valueText(value);
    else if (name === 'stop') parameters.stop = typeof value === 'string' ? value : JSON.stringify(value);
    else notes.push(`The parameter "${name}" is not edited in the playground and is not sent.`);
  }
  return {
    version: 1,
    name: prompt.name ?? fallbackName,
    messages,
    values,
    parameters,
    deployments: prompt.deployment ? [prompt.deployment] : [],
    sourcePath,
    notes,
  };
}
