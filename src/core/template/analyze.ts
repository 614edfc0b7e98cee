/**
 * Checks a prompt document while it is typed and reports what is wrong at the exact characters: template syntax
 * errors, variables used but not declared, inputs declared but never used, deployments that do not exist, broken
 * chat history slots, roles, and parameter values outside their range.
 * Works from the syntax tree (JSONC for `.prompt.json`, YAML read into the same tree shape for `.prompt.yml`) and
 * the templates' own analysis (Nunjucks' parse tree, or GitHub's `{{name}}` rules); never renders a template, so it
 * is safe in an untrusted workspace. For `.prompt.json`, structure, types and hover for the rest come from
 * schemas/prompt.schema.json; a `.prompt.yml` has no schema in VS Code, so its structure problems are reported here.
 */
import { type Node, findNodeAtLocation } from 'jsonc-parser';
import { JsonStringMap } from '../format/jsonString';
import { parsePromptFile, type PartsMessage, type PreviousParse, type PromptFile, type TemplateMessage, TEMPLATE_ROLES } from '../format/promptFile';
import { GITHUB_ROLES, parsePromptYaml } from '../format/promptYaml';
import { promptFormatOf } from '../format/formats';
import type { StringPositionMap } from '../format/text';
import { YamlStringMap, type YamlScalarSource } from '../format/yamlString';
import type { YamlNode } from '../format/yamlTree';
import { analyzeGithubTemplate, type GithubTemplateAnalysis } from './githubTemplate';
import { analyzeTemplate, knownFilters, type TemplateAnalysis } from './templateAnalysis';
import { templateEnvironment } from './template';
import type { MediaKind, MediaPart } from '../format/promptFile';
import { mediaSourceOf } from '../run/media';
import { applyRequestRules } from '../providers/requestRules';

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
  | 'message-shape'
  | 'media-input'
  | 'media-capability'
  | 'request-rule'
  // .prompt.yml only:
  | 'yaml-syntax'
  | 'prompt-structure'
  | 'unknown-variable'
  | 'template-not-replaced'
  | 'unknown-field'
  | 'invalid-response-format'
  | 'invalid-json-schema';

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
  /** The `promptLab.models` setting (model id → deployment key), to check where a prompt's `model` goes. */
  models?: Readonly<Record<string, string>>;
  /**
   * What each deployment resolves to under the current routing context (model as sent, provider, declared capabilities
   * and forced request rules), for the request-rule and capability warnings. Absent: those checks are skipped.
   */
  deploymentTargets?: Readonly<Record<string, DeploymentTarget>>;
  previous?: PromptAnalysis;
}

/** A deployment as the checks need it: see AnalysisContext.deploymentTargets. */
export interface DeploymentTarget {
  model: string;
  provider: string;
  capabilities?: readonly string[];
  requestRules?: readonly string[];
}

/** A template message with its analysis and position map, for hover and completion. */
export interface AnalyzedMessage {
  message: TemplateMessage;
  analysis: TemplateAnalysis;
  /** Maps template indices to document offsets (built on first use). */
  map(): StringPositionMap;
}

/** The result of {@link analyzePromptFile}. */
export interface PromptAnalysis {
  prompt: PromptFile | null;
  diagnostics: PromptDiagnostic[];
  messages: AnalyzedMessage[];
  tree: Node | undefined;
  /**
   * The text and tree, when the text parsed without syntax errors (.prompt.json only): the next analysis with this
   * one as `previous` reuses the tree after an edit inside one string value.
   */
  reusable?: PreviousParse;
}

/** A `.prompt.yml` message's analysis with the lazily built position map of its YAML scalar (see analyzedMessage). */
function analyzedYamlMessage(text: string, message: TemplateMessage, analysis: TemplateAnalysis, scalar: YamlScalarSource | undefined): AnalyzedMessage {
  let map: StringPositionMap | undefined;
  const { content, contentSpan } = message;
  return {
    message, analysis,
    // A content that is not a string scalar (`content: 42`) is plain text as written.
    map: () => (map ??= new YamlStringMap(text, scalar ?? { style: 'PLAIN', start: contentSpan.offset, end: contentSpan.offset + contentSpan.length }, content)),
  };
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

/** The prompt's template messages by index, and the previous analysis' messages by index (to reuse their analyses). */
function messageIndexes(prompt: PromptFile | null, context: AnalysisContext): { templateMessages: Map<number, TemplateMessage>; previous: (AnalyzedMessage | undefined)[] | undefined } {
  const templateMessages = new Map<number, TemplateMessage>();
  for (const m of prompt?.messages ?? []) if (m.kind === 'template') templateMessages.set(m.index, m);
  let previous: (AnalyzedMessage | undefined)[] | undefined;
  if (context.previous) {
    previous = [];
    for (const m of context.previous.messages) previous[m.message.index] = m;
  }
  return { templateMessages, previous };
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
  const { prompt, tree, problems } = parsePromptFile(text, context.previous?.reusable);
  const reusable: PreviousParse | undefined = tree && !problems.some((p) => p.code === 'jsonc-syntax') ? { text, tree } : undefined;
  const diagnostics: PromptDiagnostic[] = [];
  const messages: AnalyzedMessage[] = [];
  if (!tree || tree.type !== 'object') return { prompt, diagnostics, messages, tree, ...(reusable ? { reusable } : {}) };
  filterNames ??= knownFilters(templateEnvironment());

  const inputs = prompt?.inputs ?? new Map();
  const used = new Set<string>();
  /** A template that does not parse may use any input, so none is reported unused while one is broken. */
  let unreadableTemplate = false;
  const messagesNode = findNodeAtLocation(tree, ['messages']);
  const { templateMessages, previous } = messageIndexes(prompt, context);
  const partsMessages = new Map<number, PartsMessage>();
  for (const m of prompt?.messages ?? []) if (m.kind === 'parts') partsMessages.set(m.index, m);

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
    const partsMessage = partsMessages.get(index);
    if (partsMessage) {
      for (const part of partsMessage.parts) {
        if (part.type === 'text') checkTemplate({ kind: 'template', index, role: partsMessage.role, content: part.text, contentSpan: part.textSpan });
        else used.add(part.input);
      }
      return;
    }
    const message = templateMessages.get(index);
    if (message) checkTemplate(message);
  });
  /** A template's syntax, filters and variables, checked at their characters (a message's content or a text part). */
  function checkTemplate(message: TemplateMessage): void {
    const index = message.index;
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
  }
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

  diagnostics.push(...modelDiagnostics(tree, context));
  if (prompt) {
    diagnostics.push(...mediaValueDiagnostics(prompt));
    const target = prompt.deployment !== undefined ? context.deploymentTargets?.[prompt.deployment] : undefined;
    if (target && prompt.deployment !== undefined) diagnostics.push(...capabilityDiagnostics(prompt, prompt.deployment, target), ...ruleDiagnostics(tree, prompt, prompt.deployment, target));
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
  return { prompt, diagnostics, messages, tree, ...(reusable ? { reusable } : {}) };
}

/** The analysed message whose content literal holds document offset `offset`, if any. */
export function messageAt(analysis: PromptAnalysis, offset: number): AnalyzedMessage | undefined {
  return analysis.messages.find((m) => offset > m.message.contentSpan.offset && offset < m.message.contentSpan.offset + m.message.contentSpan.length);
}

/**
 * A `model` that `promptLab.models` sends to a deployment that does not exist (checked when both settings are
 * known). A model the setting does not name goes to GitHub Models, which is never an error here.
 */
function modelDiagnostics(tree: Node, context: AnalysisContext): PromptDiagnostic[] {
  const modelNode = findNodeAtLocation(tree, ['model']);
  if (!context.deployments || !context.models || modelNode?.type !== 'string' || findNodeAtLocation(tree, ['deployment'])) return [];
  const model = String(modelNode.value);
  const key = Object.prototype.hasOwnProperty.call(context.models, model) ? context.models[model] : undefined;
  if (key === undefined || context.deployments.includes(key)) return [];
  const known = [...context.deployments];
  const suggestion = closest(key, known);
  return [{
    code: 'unknown-deployment', severity: 'error', start: modelNode.offset, end: modelNode.offset + modelNode.length,
    data: { known, ...(suggestion ? { suggestion } : {}) },
    message: `"promptLab.models" sends "${model}" to deployment "${key}", which is not in "promptLab.deployments"${suggestion ? `; did you mean "${suggestion}"?` : '.'}`,
  }];
}

/** Parameter checks of a `.prompt.yml`: its `modelParameters` field → the rule that applies. */
const YAML_PARAMETER_RULES: Readonly<Record<string, { range?: readonly [number, number]; positiveInteger?: boolean }>> = {
  temperature: { range: [0, 2] },
  topP: { range: [0, 1] },
  maxTokens: { positiveInteger: true },
};

/**
 * Analyse the text of a GitHub Models `.prompt.yml` document. Never throws and never renders.
 *
 * What differs from `.prompt.json`: templates follow GitHub's rules (see ./githubTemplate.ts), so a `{{name}}` that
 * no `testData` row gives a value is a warning (`unknown-variable`: GitHub sends it as written), and a Nunjucks
 * construct or a `{{ name }}` with spaces is a warning too (`template-not-replaced`: sent as written); roles are
 * system, user and assistant in any case (GitHub's); YAML syntax errors and structure problems are diagnostics
 * (VS Code has no schema for the file); `modelParameters` are checked like `parameters`; `responseFormat` and
 * `jsonSchema` as gh-models checks them when it loads the file. `testData` keys that no message uses are fine:
 * rows may carry `expected` and other fields for the evaluators.
 */
export function analyzePromptYaml(text: string, context: AnalysisContext = {}): PromptAnalysis {
  const parsed = parsePromptYaml(text);
  const { prompt, tree } = parsed;
  const diagnostics: PromptDiagnostic[] = [];
  const messages: AnalyzedMessage[] = [];
  for (const p of parsed.problems) {
    diagnostics.push({ code: p.code === 'yaml-syntax' ? 'yaml-syntax' : 'prompt-structure', severity: 'error', start: p.span.offset, end: p.span.offset + p.span.length, message: p.message });
  }
  for (const issue of parsed.issues) diagnostics.push({ code: issue.code, severity: issue.severity, start: issue.span.offset, end: issue.span.offset + issue.span.length, message: issue.message });
  if (!tree || tree.type !== 'object' || parsed.problems.some((p) => p.code === 'yaml-syntax')) return { prompt, diagnostics, messages, tree };

  const known = prompt?.inputs ?? new Map();
  const hasTestData = known.size > 0;
  const { templateMessages, previous } = messageIndexes(prompt, context);
  const messagesNode = findNodeAtLocation(tree, ['messages']);
  (messagesNode?.type === 'array' ? messagesNode.children ?? [] : []).forEach((node, index) => {
    if (node.type !== 'object') return;
    const roleNode = findNodeAtLocation(node, ['role']);
    if (roleNode && roleNode.type !== 'object' && roleNode.type !== 'array') {
      const role = roleNode.type === 'string' ? String(roleNode.value) : text.slice(roleNode.offset, roleNode.offset + roleNode.length);
      if (!(GITHUB_ROLES as readonly string[]).includes(role.toLowerCase())) {
        const suggestion = closest(role, GITHUB_ROLES);
        diagnostics.push({
          code: 'unknown-role', severity: 'error', start: roleNode.offset, end: roleNode.offset + roleNode.length,
          message: `Unknown role "${role}"${suggestion ? `; did you mean "${suggestion}"?` : ''} GitHub Models accepts system, user and assistant${role.toLowerCase() === 'developer' ? ' (use system for developer instructions)' : ''}.`,
          ...(suggestion ? { data: { suggestion } } : {}),
        });
      }
    }
    const message = templateMessages.get(index);
    if (!message) return;
    const contentNode = findNodeAtLocation(node, ['content']) as YamlNode | undefined;
    const reused = reusedAnalysis(previous, index, message.content);
    const analysis: GithubTemplateAnalysis = reused && 'literal' in reused ? reused as GithubTemplateAnalysis : analyzeGithubTemplate(message.content);
    const analyzed = analyzedYamlMessage(text, message, analysis, contentNode?.scalar);
    messages.push(analyzed);
    const span = (start: number, end: number) => ({ start: analyzed.map().toDocument(start), end: analyzed.map().toDocument(end) });
    for (const use of analysis.uses) {
      if (known.has(use.name)) continue;
      diagnostics.push({
        code: 'unknown-variable', severity: 'warning', ...span(use.start, use.start + use.name.length), data: { name: use.name },
        message: hasTestData
          ? `"{{${use.name}}}" in message ${index + 1} names no key of the "testData" rows: GitHub sends it as written.`
          : `"{{${use.name}}}" in message ${index + 1} has no value: there is no "testData", so GitHub sends it as written unless a value is given (gh models run --var).`,
      });
    }
    for (const construct of analysis.literal) {
      const inner = construct.text.slice(2, -2).trim();
      const named = construct.kind === 'spaced' && /^[\w.-]+$/.test(inner);
      diagnostics.push({
        code: 'template-not-replaced', severity: 'warning', ...span(construct.start, construct.end),
        ...(named ? { data: { name: inner, suggestion: `{{${inner}}}` } } : {}),
        message: named
          ? `GitHub replaces only "{{${inner}}}" written without spaces: "${construct.text}" is sent as written.`
          : `"${construct.text.length > 40 ? `${construct.text.slice(0, 37)}...` : construct.text}" is ${construct.kind === 'spaced' ? 'a Nunjucks expression' : construct.kind === 'tag' ? 'a Nunjucks tag' : 'a Nunjucks comment'}: .prompt.yml templates only replace {{name}}, so GitHub sends it as written.`,
      });
    }
  });
  if (messagesNode?.type === 'array' && (messagesNode.children ?? []).length === 0) {
    diagnostics.push({ code: 'empty-messages', severity: 'error', start: messagesNode.offset, end: messagesNode.offset + messagesNode.length, message: '"messages" is empty: add at least one message, e.g. `- role: user` with `content: …`.' });
  }

  const parametersNode = findNodeAtLocation(tree, ['modelParameters']);
  if (parametersNode?.type === 'object') {
    for (const property of parametersNode.children ?? []) {
      const [key, value] = property.children ?? [];
      const rule = key ? YAML_PARAMETER_RULES[String(key.value)] : undefined;
      if (!key || !value || !rule || value.type === 'null') continue;
      const name = String(key.value);
      const at = { start: value.offset, end: value.offset + value.length };
      if (rule.range && value.type === 'number' && ((value.value as number) < rule.range[0] || (value.value as number) > rule.range[1])) {
        diagnostics.push({ code: 'parameter-out-of-range', severity: 'error', ...at, message: `"${name}" must be between ${rule.range[0]} and ${rule.range[1]}; it is ${String(value.value)}.` });
      }
      if (rule.positiveInteger && !(value.type === 'number' && Number.isInteger(value.value) && (value.value as number) > 0)) {
        diagnostics.push({ code: 'not-positive-integer', severity: 'error', ...at, message: `"${name}" must be a positive whole number of tokens.` });
      }
    }
  }
  diagnostics.push(...modelDiagnostics(tree, context));
  diagnostics.sort((a, b) => a.start - b.start);
  return { prompt, diagnostics, messages, tree };
}

/**
 * Analyse a prompt document of any format Prompt Lab checks, chosen by its file name: `.prompt.yml` and
 * `.prompt.yaml` by {@link analyzePromptYaml}, anything else as `.prompt.json` by {@link analyzePromptFile}.
 */
export function analyzePromptDocument(fileName: string, text: string, context: AnalysisContext = {}): PromptAnalysis {
  return promptFormatOf(fileName) === 'prompt.yml' ? analyzePromptYaml(text, context) : analyzePromptFile(text, context);
}

/** The media parts of `prompt`, in order. */
function mediaParts(prompt: PromptFile): MediaPart[] {
  return prompt.messages.flatMap((m) => (m.kind === 'parts' ? m.parts.filter((p): p is MediaPart => p.type !== 'text') : []));
}

/**
 * A media input's default that cannot be sent, whatever is in the workspace: not a path, an https: URL or a data: URI, a
 * path that leaves the workspace, a URL for audio or a file. Marked at the default value. (What a file holds and its size
 * need the file: see `checkMediaInputs` in ../run/mediaCheck.ts, which the editor runs after this.)
 */
function mediaValueDiagnostics(prompt: PromptFile): PromptDiagnostic[] {
  const out: PromptDiagnostic[] = [];
  const seen = new Set<string>();
  for (const part of mediaParts(prompt)) {
    if (seen.has(part.input)) continue;
    seen.add(part.input);
    const input = prompt.inputs.get(part.input);
    if (!input?.hasDefault) continue;
    const source = mediaSourceOf(input.default, part.type);
    if (source.kind !== 'invalid') continue;
    const at = input.defaultSpan ?? input.span;
    out.push({ code: 'media-input', severity: 'error', start: at.offset, end: at.offset + at.length, data: { name: input.name }, message: `The ${part.type} input "${input.name}" ${source.reason}.` });
  }
  return out;
}

const CAPABILITY_OF: Record<MediaKind, string> = { image: 'vision', audio: 'audio', file: 'files' };

/** A media part sent to a deployment that does not declare the capability it needs: a warning at the part. */
function capabilityDiagnostics(prompt: PromptFile, key: string, target: DeploymentTarget): PromptDiagnostic[] {
  const out: PromptDiagnostic[] = [];
  const warned = new Set<string>();
  for (const part of mediaParts(prompt)) {
    const needed = CAPABILITY_OF[part.type];
    if (target.capabilities?.includes(needed) || warned.has(needed)) continue;
    warned.add(needed);
    out.push({
      code: 'media-capability', severity: 'warning', start: part.span.offset, end: part.span.offset + part.span.length,
      message: `The deployment "${key}" (${target.model}) does not declare "${needed}": add "capabilities": ["${needed}"] to it if its model reads ${part.type === 'image' ? 'images' : part.type === 'audio' ? 'audio' : 'PDF files'}, or pick a deployment that does.`,
    });
  }
  return out;
}

/**
 * What the request rules will change in this prompt's request on `target` (../providers/requestRules.ts): a warning at
 * each parameter they leave out or rename, and at each message whose role they change, so nothing changes unseen.
 */
function ruleDiagnostics(tree: Node, prompt: PromptFile, key: string, target: DeploymentTarget): PromptDiagnostic[] {
  const out: PromptDiagnostic[] = [];
  const roles = prompt.messages.map((m) => ({ role: m.kind === 'chat_history' ? 'user' : m.role, content: '' }));
  const ruled = applyRequestRules(target.model, target.provider, { parameters: prompt.parameters, messages: roles as never }, target.requestRules ?? []);
  if (ruled.applied.length === 0) return out;
  const names = ruled.applied.map((a) => a.name);
  const why = (name: string) => `(request rule "${name}" for ${target.model} on "${key}")`;
  for (const [parameter, value] of Object.entries(prompt.parameters)) {
    if (parameter in ruled.parameters && JSON.stringify(ruled.parameters[parameter]) === JSON.stringify(value)) continue;
    const node = findNodeAtLocation(tree, ['parameters', parameter])?.parent?.children?.[0];
    if (!node) continue;
    const rule = parameter === 'max_tokens' ? 'max-completion-tokens' : parameter === 'response_format' ? 'json-object-as-schema' : 'reasoning-sampling';
    const message = parameter === 'max_tokens' ? `"max_tokens" is sent as "max_completion_tokens" ${why(rule)}.`
      : parameter === 'response_format' ? `"response_format" json_object is sent as a json_schema of any object ${why(rule)}.`
        : `"${parameter}" is left out: ${target.model} rejects it ${why(rule)}. Remove it${parameter === 'temperature' ? ', or use "reasoning_effort"' : ''}.`;
    out.push({ code: 'request-rule', severity: 'warning', start: node.offset, end: node.offset + node.length, message });
  }
  if (names.includes('system-as-user')) {
    for (const m of prompt.messages) {
      if (m.kind === 'chat_history' || (m.role !== 'system' && m.role !== 'developer')) continue;
      const roleNode = findNodeAtLocation(tree, ['messages', m.index, 'role']);
      if (roleNode) out.push({ code: 'request-rule', severity: 'warning', start: roleNode.offset, end: roleNode.offset + roleNode.length, message: `This ${m.role} message is sent as a user message ${why('system-as-user')}.` });
    }
  }
  return out;
}
