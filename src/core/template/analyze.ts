/**
 * Checks a `.prompt.json` document while it is typed and reports what is wrong at the exact characters:
 * template syntax errors, variables used but not declared, inputs declared but never used, deployments
 * that do not exist, broken chat history slots, roles, parameter values outside their range, and the test data and
 * evaluators (rows, data files, evaluator templates, judges' deployments).
 * Works from the JSONC tree and the Nunjucks parse tree; never renders a template, so it is safe in an
 * untrusted workspace. Structure, types and hover for the rest come from schemas/prompt.schema.json.
 */
import { type Node, findNodeAtLocation } from 'jsonc-parser';
import { JsonStringMap } from '../format/jsonString';
import { parsePromptFile, type PromptFile, type TemplateMessage, TEMPLATE_ROLES } from '../format/promptFile';
import { analyzeTemplate, knownFilters, type TemplateAnalysis } from './templateAnalysis';
import { templateEnvironment } from './template';
import { parseEvaluators, type EvaluatorTemplate } from '../evaluation/evaluatorSpec';
import { checkRows, EXTRA_ROW_FIELDS, type LoadedTestData } from '../evaluation/testData';

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
  | 'test-data-file'
  | 'test-data-unknown-key'
  | 'test-data-missing-input'
  | 'invalid-evaluator'
  | 'evaluator-unknown-variable';

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
  /**
   * The rows of a `testData` file, loaded by the front end (`loadTestData`, which reads through its file system);
   * without it a file's problems and columns are not checked. Inline rows are always checked.
   */
  testData?: LoadedTestData;
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
  const { prompt, tree } = parsePromptFile(text);
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
    unknownFilters(analysis, span, diagnostics);
    for (const use of analysis.uses) {
      used.add(use.name);
      if (inputs.has(use.name)) continue;
      diagnostics.push({
        code: 'undeclared-variable', severity: 'error', ...span(use.start, use.start + use.name.length), data: { name: use.name },
        message: `"${use.name}" is used in message ${index + 1} but not declared in "inputs".`,
      });
    }
  });
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
  if (prompt) analyzeEvaluation(text, tree, prompt, context, diagnostics);
  diagnostics.sort((a, b) => a.start - b.start);
  return { prompt, diagnostics, messages, tree };
}

/** `unknown-filter` diagnostics for the filters of `analysis` that Nunjucks does not have; `span` maps template indices to the document. */
function unknownFilters(analysis: TemplateAnalysis, span: (start: number, end: number) => { start: number; end: number }, diagnostics: PromptDiagnostic[]): void {
  for (const filter of analysis.filters) {
    if (filterNames?.has(filter.name)) continue;
    const suggestion = closest(filter.name, [...(filterNames ?? [])]);
    diagnostics.push({ code: 'unknown-filter', severity: 'error', ...span(filter.start, filter.start + filter.name.length), message: `Unknown filter "${filter.name}"${suggestion ? `; did you mean "${suggestion}"?` : '.'}`, ...(suggestion ? { data: { suggestion } } : {}) });
  }
}

/** Variables every judge template may use besides the row's: the output judged, and the row's `expected`. */
const JUDGE_VARIABLES = ['completion', 'expected'];

/**
 * `testData` and `evaluators`: row problems (inline rows at the row or key; a file's at its path, naming the line), a
 * data file that cannot be read, evaluators that cannot be used, evaluator templates that do not parse or use a
 * variable that is neither an input nor a field of the rows (nor, for judges, `completion` or `expected`), and judges
 * naming an unknown deployment.
 */
function analyzeEvaluation(text: string, tree: Node, prompt: PromptFile, context: AnalysisContext, diagnostics: PromptDiagnostic[]): void {
  const source = prompt.testData;
  // A row field that an evaluator template reads is no stray key.
  const templates = prompt.evaluators.flatMap((e) => (e.kind === 'string' ? [e.template] : e.kind === 'llm' ? [e.prompt, ...(e.systemPrompt ? [e.systemPrompt] : [])] : []));
  const readByEvaluators = new Set(templates.flatMap((t) => analyzeTemplate(t.text).uses.map((u) => u.name)));
  const stray = (problem: { code: string; key?: string }): boolean => problem.code === 'test-data-unknown-key' && readByEvaluators.has(problem.key ?? '');
  let rowKeys: Set<string> | undefined;
  if (source?.kind === 'inline') {
    rowKeys = new Set(source.rows.flatMap((r) => Object.keys(r.values)));
    const rows = source.rows.map((r) => ({ index: r.index, values: r.values, span: r.span, keys: r.keys }));
    for (const problem of checkRows(prompt, rows)) {
      if (stray(problem)) continue;
      const row = source.rows.find((r) => r.index === problem.row);
      const at = problem.code === 'test-data-unknown-key' ? row?.keys.get(problem.key ?? '') ?? row?.span : row?.span;
      if (!at) continue;
      diagnostics.push({ code: problem.code, severity: problem.severity, start: at.offset, end: at.offset + at.length, message: problem.message, ...(problem.key ? { data: { name: problem.key } } : {}) });
    }
  } else if (source?.kind === 'file' && context.testData) {
    rowKeys = new Set(context.testData.rows.flatMap((r) => Object.keys(r.values)));
    for (const problem of context.testData.problems) {
      if (stray(problem)) continue;
      diagnostics.push({ code: problem.code, severity: problem.severity, start: source.span.offset, end: source.span.offset + source.span.length, message: problem.message, ...(problem.key ? { data: { name: problem.key } } : {}) });
    }
  }

  const evaluatorsNode = findNodeAtLocation(tree, ['evaluators']);
  if (!evaluatorsNode) return;
  for (const problem of parseEvaluators(evaluatorsNode).problems) {
    diagnostics.push({ code: 'invalid-evaluator', severity: 'error', start: problem.span.offset, end: problem.span.offset + problem.span.length, message: problem.message });
  }
  const known = (name: string, judge: boolean): boolean =>
    prompt.inputs.has(name) || EXTRA_ROW_FIELDS.has(name) || (judge && JUDGE_VARIABLES.includes(name)) || rowKeys === undefined || rowKeys.has(name);
  const checkTemplate = (evaluator: string, template: EvaluatorTemplate, judge: boolean): void => {
    const analysis = analyzeTemplate(template.text);
    const map = new JsonStringMap(text, template.span.offset, template.span.length);
    const span = (start: number, end: number) => ({ start: map.toDocument(start), end: map.toDocument(end) });
    if (analysis.error) {
      diagnostics.push({ code: 'template-syntax', severity: 'error', ...span(analysis.error.start, Math.max(analysis.error.end, analysis.error.start + 1)), message: `Template syntax error in evaluator "${evaluator}": ${analysis.error.message}` });
      return;
    }
    unknownFilters(analysis, span, diagnostics);
    for (const use of analysis.uses) {
      if (known(use.name, judge)) continue;
      diagnostics.push({
        code: 'evaluator-unknown-variable', severity: 'error', ...span(use.start, use.start + use.name.length), data: { name: use.name },
        message: `Evaluator "${evaluator}" uses "${use.name}", which is neither an input nor a field of the test data rows${judge ? ' (a judge can also use "completion" and "expected")' : ''}.`,
      });
    }
  };
  for (const e of prompt.evaluators) {
    if (e.kind === 'string') checkTemplate(e.name, e.template, false);
    if (e.kind === 'llm') {
      checkTemplate(e.name, e.prompt, true);
      if (e.systemPrompt) checkTemplate(e.name, e.systemPrompt, true);
    }
    if ((e.kind === 'llm' || e.kind === 'uses') && e.deployment !== undefined && e.deploymentSpan && context.deployments && !context.deployments.includes(e.deployment)) {
      const knownKeys = [...context.deployments];
      const suggestion = closest(e.deployment, knownKeys);
      diagnostics.push({
        code: 'unknown-deployment', severity: 'error', start: e.deploymentSpan.offset, end: e.deploymentSpan.offset + e.deploymentSpan.length,
        data: { known: knownKeys, ...(suggestion ? { suggestion } : {}) },
        message: `Evaluator "${e.name}" names no deployment of "promptLab.deployments": "${e.deployment}"${suggestion ? `; did you mean "${suggestion}"?` : '.'}${knownKeys.length ? ` Known: ${quoted(knownKeys)}.` : ''}`,
      });
    }
  }
}

/** The analysed message whose content literal holds document offset `offset`, if any. */
export function messageAt(analysis: PromptAnalysis, offset: number): AnalyzedMessage | undefined {
  return analysis.messages.find((m) => offset > m.message.contentSpan.offset && offset < m.message.contentSpan.offset + m.message.contentSpan.length);
}
