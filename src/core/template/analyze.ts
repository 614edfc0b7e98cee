/**
 * Checks a `.prompt.json` document while it is typed and reports what is wrong at the exact characters:
 * template syntax errors, variables used but not declared, inputs declared but never used, deployments
 * that do not exist, broken chat history slots, roles, and parameter values outside their range.
 * Works from the JSONC tree and the Nunjucks parse tree; never renders a template, so it is safe in an
 * untrusted workspace. Structure, types and hover for the rest come from schemas/prompt.schema.json.
 */
import { type Node, findNodeAtLocation } from 'jsonc-parser';
import { JsonStringMap } from '../format/jsonString';
import { parsePromptFile, type PromptFile, type TemplateMessage, TEMPLATE_ROLES } from '../format/promptFile';
import { analyzeTemplate, knownFilters, type TemplateAnalysis } from './templateAnalysis';
import { templateEnvironment } from './template';

/**
 * Diagnostic codes. They are part of the user interface: the README lists each, and quick fixes key on them.
 */
export type DiagnosticCode =
  | 'template-syntax'
  | 'unknown-filter'
  | 'undeclared-variable'
  | 'unused-input'
  | 'required-input-without-value'
  | 'unknown-deployment'
  | 'chat-history-missing-input'
  | 'chat-history-not-array'
  | 'unknown-role'
  | 'empty-messages'
  | 'parameter-out-of-range'
  | 'not-positive-integer'
  | 'message-shape';

/** A problem at document offsets [start, end). */
export interface PromptDiagnostic {
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  message: string;
  start: number;
  end: number;
  /** What a quick fix needs: the variable to declare, the input to remove, the suggested deployment. */
  data?: { name?: string; suggestion?: string; known?: string[] };
}

/**
 * What the analysis knows beyond the file: the `promptLab.deployments` keys (undefined: do not check), and the
 * analysis of an earlier version of the same document, whose template analyses are reused for messages whose
 * content is unchanged (at the same index, or one before or after, for an inserted or removed message).
 */
export interface AnalysisContext {
  deployments?: readonly string[];
  previous?: PromptAnalysis;
}

/** A template message with its analysis and position map, for hover and completion. */
export interface AnalyzedMessage {
  message: TemplateMessage;
  analysis: TemplateAnalysis;
  /** Maps template indices to document offsets (built on first use). */
  map(): JsonStringMap;
}

/** The result of {@link analyzePromptFile}. */
export interface PromptAnalysis {
  prompt: PromptFile | null;
  diagnostics: PromptDiagnostic[];
  messages: AnalyzedMessage[];
  tree: Node | undefined;
}

/** Parameter ranges, from OpenAI's chat completions reference (https://platform.openai.com/docs/api-reference/chat/create); OpenAI-compatible servers accept the same. */
const PARAMETER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  temperature: [0, 2],
  top_p: [0, 1],
  presence_penalty: [-2, 2],
  frequency_penalty: [-2, 2],
};
const POSITIVE_INTEGER_PARAMETERS = ['max_tokens', 'max_completion_tokens', 'n'];

/**
 * The previous version's analysis of the template at `index`, if its content is `content`. Looks at the same
 * index and its neighbours, so typing in one message, or adding or removing one, parses only what changed.
 * Content is compared, not hashed: equal strings cost one memory comparison, different ones usually a few characters.
 */
function reusedAnalysis(previous: readonly (AnalyzedMessage | undefined)[] | undefined, index: number, content: string): TemplateAnalysis | undefined {
  if (!previous) return undefined;
  for (const at of [index, index - 1, index + 1]) {
    const candidate = previous[at];
    if (candidate && candidate.message.content === content) return candidate.analysis;
  }
  return undefined;
}

/**
 * A message's analysis with its lazily built position map. Made outside analyzePromptFile so that the map's
 * closure holds only this document's text, not the analysis' locals (the previous analysis among them, which
 * would chain every version of the document together).
 */
function analyzedMessage(text: string, message: TemplateMessage, analysis: TemplateAnalysis): AnalyzedMessage {
  let map: JsonStringMap | undefined;
  return { message, analysis, map: () => (map ??= new JsonStringMap(text, message.contentSpan.offset, message.contentSpan.length)) };
}

let filterNames: ReadonlySet<string> | undefined;

/** Edit distance, for "did you mean". Bounded by the lengths of two short names. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** The closest of `candidates` to `name`, when it is close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/**
 * Analyse the text of a `.prompt.json` document. Never throws and never renders.
 * JSONC syntax errors are left to VS Code's JSON support (which reports them too); with one, only what can
 * still be read is checked.
 */
export function analyzePromptFile(text: string, context: AnalysisContext = {}): PromptAnalysis {
  const { prompt, tree, problems } = parsePromptFile(text);
  const diagnostics: PromptDiagnostic[] = [];
  const messages: AnalyzedMessage[] = [];
  if (!tree || tree.type !== 'object') return { prompt, diagnostics, messages, tree };
  filterNames ??= knownFilters(templateEnvironment());

  const inputs = prompt?.inputs ?? new Map();
  const used = new Set<string>();
  /** A template that does not parse may use any input, so none is reported unused while one is broken. */
  let unreadableTemplate = false;
  const messagesNode = findNodeAtLocation(tree, ['messages']);
  const templateMessages = new Map<number, TemplateMessage>();
  for (const m of prompt?.messages ?? []) if (m.kind === 'template') templateMessages.set(m.index, m);
  let previous: (AnalyzedMessage | undefined)[] | undefined;
  if (context.previous) {
    previous = [];
    for (const m of context.previous.messages) previous[m.message.index] = m;
  }

  // Messages: templates, chat history slots, roles.
  (messagesNode?.type === 'array' ? messagesNode.children ?? [] : []).forEach((node, index) => {
    if (node.type !== 'object') return;
    const roleNode = findNodeAtLocation(node, ['role']);
    const role = roleNode?.type === 'string' ? String(roleNode.value) : undefined;
    if (roleNode?.type === 'string' && role !== 'chat_history' && !(TEMPLATE_ROLES as readonly string[]).includes(role ?? '')) {
      const suggestion = closest(role ?? '', [...TEMPLATE_ROLES, 'chat_history']);
      diagnostics.push({
        code: 'unknown-role', severity: 'error', start: roleNode.offset, end: roleNode.offset + roleNode.length,
        message: `Unknown role "${role}"${suggestion ? `; did you mean "${suggestion}"?` : ''} Use system, developer, user, assistant or chat_history.`,
        ...(suggestion ? { data: { suggestion } } : {}),
      });
    }
    if (role === 'chat_history') {
      const inputNode = findNodeAtLocation(node, ['input']);
      if (inputNode?.type !== 'string') return;
      const name = String(inputNode.value);
      used.add(name);
      const input = inputs.get(name);
      const at = { start: inputNode.offset, end: inputNode.offset + inputNode.length };
      if (!input) {
        diagnostics.push({ code: 'chat-history-missing-input', severity: 'error', ...at, data: { name }, message: `The chat history input "${name}" is not declared: add it under "inputs" with "type": "chat_history" and a default array of messages.` });
      } else if ((input.type && input.type !== 'chat_history' && input.type !== 'array') || (input.hasDefault && !Array.isArray(input.default))) {
        diagnostics.push({ code: 'chat-history-not-array', severity: 'error', ...at, data: { name }, message: `Input "${name}" must hold an array of { "role", "content" } messages to fill a chat history${input.hasDefault && !Array.isArray(input.default) ? '; its default is not an array' : ''}.` });
      }
      return;
    }
    const message = templateMessages.get(index);
    if (!message) return;
    const analysis = reusedAnalysis(previous, index, message.content) ?? analyzeTemplate(message.content);
    const analyzed = analyzedMessage(text, message, analysis);
    messages.push(analyzed);
    const span = (start: number, end: number) => ({ start: analyzed.map().toDocument(start), end: analyzed.map().toDocument(end) });
    if (analysis.error) {
      unreadableTemplate = true;
      diagnostics.push({ code: 'template-syntax', severity: 'error', ...span(analysis.error.start, Math.max(analysis.error.end, analysis.error.start + 1)), message: `Template syntax error in message ${index + 1}: ${analysis.error.message}` });
      return;
    }
    for (const filter of analysis.filters) {
      if (filterNames?.has(filter.name)) continue;
      const suggestion = closest(filter.name, [...(filterNames ?? [])]);
      diagnostics.push({ code: 'unknown-filter', severity: 'error', ...span(filter.start, filter.start + filter.name.length), message: `Unknown filter "${filter.name}"${suggestion ? `; did you mean "${suggestion}"?` : '.'}`, ...(suggestion ? { data: { suggestion } } : {}) });
    }
    for (const use of analysis.uses) {
      used.add(use.name);
      if (inputs.has(use.name)) continue;
      diagnostics.push({
        code: 'undeclared-variable', severity: 'error', ...span(use.start, use.start + use.name.length), data: { name: use.name },
        message: `"${use.name}" is used in message ${index + 1} but not declared in "inputs".`,
      });
    }
  });
  // Messages that cannot be sent as they are (content that is an array, no role…): a run refuses them.
  for (const problem of problems) {
    if (problem.code !== 'message-shape') continue;
    const start = problem.span.offset;
    if (diagnostics.some((d) => d.code === 'unknown-role' && d.start === start)) continue;
    diagnostics.push({ code: 'message-shape', severity: 'error', start, end: start + problem.span.length, message: problem.message });
  }
  if (messagesNode?.type === 'array' && (messagesNode.children ?? []).length === 0) {
    diagnostics.push({ code: 'empty-messages', severity: 'error', start: messagesNode.offset, end: messagesNode.offset + messagesNode.length, message: '"messages" is empty: add at least one message, e.g. { "role": "user", "content": "…" }.' });
  }

  // Inputs: unused, required without a value.
  for (const input of inputs.values()) {
    const at = { start: input.span.offset, end: input.span.offset + input.span.length };
    if (!used.has(input.name) && !unreadableTemplate) {
      diagnostics.push({ code: 'unused-input', severity: 'warning', ...at, data: { name: input.name }, message: `Input "${input.name}" is declared but no message uses it.` });
    }
    if (input.required && !input.hasDefault) {
      diagnostics.push({ code: 'required-input-without-value', severity: 'warning', ...at, data: { name: input.name }, message: `Required input "${input.name}" has no default: Run Prompt will ask for a value each time. Add a "default" to run it as is.` });
    }
  }

  // Deployment.
  const deploymentNode = findNodeAtLocation(tree, ['deployment']);
  if (context.deployments && deploymentNode?.type === 'string') {
    const name = String(deploymentNode.value);
    if (!context.deployments.includes(name)) {
      const known = [...context.deployments];
      const suggestion = closest(name, known);
      diagnostics.push({
        code: 'unknown-deployment', severity: 'error', start: deploymentNode.offset, end: deploymentNode.offset + deploymentNode.length,
        data: { known, ...(suggestion ? { suggestion } : {}) },
        message: known.length
          ? `No deployment "${name}" in "promptLab.deployments"${suggestion ? `; did you mean "${suggestion}"?` : '.'} Known: ${quoted(known)}.`
          : `No deployment "${name}": the "promptLab.deployments" setting is empty.`,
      });
    }
  }

  // Parameters the schema cannot judge.
  const parametersNode = findNodeAtLocation(tree, ['parameters']);
  if (parametersNode?.type === 'object') {
    for (const property of parametersNode.children ?? []) {
      const [key, value] = property.children ?? [];
      if (!key || !value) continue;
      const name = String(key.value);
      const at = { start: value.offset, end: value.offset + value.length };
      const range = PARAMETER_RANGES[name];
      if (range && value.type === 'number' && ((value.value as number) < range[0] || (value.value as number) > range[1])) {
        diagnostics.push({ code: 'parameter-out-of-range', severity: 'error', ...at, message: `"${name}" must be between ${range[0]} and ${range[1]}; it is ${String(value.value)}.` });
      }
      if (POSITIVE_INTEGER_PARAMETERS.includes(name) && !(value.type === 'number' && Number.isInteger(value.value) && (value.value as number) > 0)) {
        diagnostics.push({ code: 'not-positive-integer', severity: 'error', ...at, message: `"${name}" must be a positive whole number of ${name === 'n' ? 'choices' : 'tokens'}.` });
      }
    }
  }
  diagnostics.sort((a, b) => a.start - b.start);
  return { prompt, diagnostics, messages, tree };
}

/** The analysed message whose content literal holds document offset `offset`, if any. */
export function messageAt(analysis: PromptAnalysis, offset: number): AnalyzedMessage | undefined {
  return analysis.messages.find((m) => offset > m.message.contentSpan.offset && offset < m.message.contentSpan.offset + m.message.contentSpan.length);
}
