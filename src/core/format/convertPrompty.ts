/**
 * Microsoft Prompty (`.prompty`) → `.prompt.json`.
 *
 * A `.prompty` file is YAML front matter between `---` lines and a body of messages, each started by a role marker
 * line (`system:`, `user:`, `assistant:`, optionally with attributes `user[name="x"]:`), whose text is a Jinja2
 * template (microsoft/prompty: the v1 runtime's `PromptyChatParser` in runtime/prompty/prompty/parsers.py splits the
 * rendered body at those markers; the v2 spec's fixtures in spec/fixtures/*.prompty). Converted:
 * - `name`, `description` as they are;
 * - the model configuration (v1 `model.configuration` / `model.connection`: `type`, `azure_deployment`,
 *   `azure_endpoint`, `api_version`, `name`; v2 `model.id`, `model.provider`, `model.connection`) → `deployment`: the key
 *   of the entry of `promptLab.deployments` that fits (same provider and model or Azure deployment), else a suggested
 *   entry (returned as `suggestedDeployment`, with `${env:VAR}` keys turned into `apiKeyEnv`);
 * - v1 `model.parameters` and v2 `model.options` (`maxOutputTokens` → `max_tokens`, `topP` → `top_p`, …) → `parameters`;
 * - v1 `inputs` (a map of specs or of sample values) and `sample` (inline or `${file:…}`), v2 `inputs` (a list with
 *   `kind` and `default`) → `inputs`, with `sample` values as defaults; a v2 `thread` input rendered alone on a line
 *   becomes a `chat_history` message there;
 * - the body's messages, each trimmed as Prompty trims them. Jinja2 is mostly Nunjucks; what Nunjucks does not have
 *   (a filter such as `tojson`, a test such as `is none`, Python methods such as `.items()`, tags such as `{% do %}`)
 *   is reported at its line, and the template is kept as written.
 */
import { parse as parseYaml } from 'yaml';
import type { DeploymentConfig } from '../providers/deployments';
import { analyzeTemplate, knownFilters, knownTests, parseTemplateTree, type NjNode } from '../template/templateAnalysis';
import { templateEnvironment } from '../template/template';
import { lineStarts } from './jsonString';
import { ConversionError, jsonValue, noteAt, writeJsonc, type ConversionNote, type ConversionResult, type JsonOut } from './conversion';
import { INPUT_TYPES, type InputType } from './promptFile';

/** What the Prompty conversion may use beyond the file. */
export interface PromptyOptions {
  /** The `promptLab.deployments` setting, to find the deployment that fits the file's model configuration. */
  deployments?: Readonly<Record<string, DeploymentConfig>>;
  /** Reads a file named by `${file:…}` relative to the `.prompty` file's folder; undefined when it is not there. */
  readFile?: (relativePath: string) => string | undefined;
}

/** The `.prompt.json` text, the notes, and the deployment entry to add to the settings when none fitted. */
export interface PromptyConversion extends ConversionResult {
  /** The deployment the prompt names and its suggested settings entry, when no existing deployment fitted. */
  suggestedDeployment?: { key: string; config: DeploymentConfig };
  /** The deployment the prompt names, when one of `promptLab.deployments` fitted. */
  matchedDeployment?: string;
}

/** Role marker lines (Prompty's chat parser roles, any case, optional attributes, optional leading `#`). */
const ROLE_MARKER = /^[ \t]*#?[ \t]*(system|user|assistant|developer|function|tool)[ \t]*(\[[^\]\n]*\])?[ \t]*:[ \t]*$/gim;

/** Jinja2 methods of Python strings and dicts that a Nunjucks template cannot call (JavaScript has no such methods). */
const PYTHON_METHODS = new Set(['items', 'keys', 'values', 'iteritems', 'get', 'upper', 'lower', 'strip', 'lstrip', 'rstrip', 'startswith', 'endswith', 'title', 'capitalize', 'format', 'append', 'update', 'count']);
/** What Nunjucks calls the Jinja2 filters it has under another name. */
const FILTER_EQUIVALENTS: Readonly<Record<string, string>> = { tojson: 'dump' };

/** Prompty types and kinds → Prompt Lab input types. */
const TYPES: Readonly<Record<string, InputType>> = { string: 'string', number: 'number', integer: 'number', float: 'number', boolean: 'boolean', object: 'object', array: 'array', list: 'array', thread: 'chat_history' };

/** v2 `model.options` → request parameters. */
const OPTIONS: Readonly<Record<string, string>> = {
  temperature: 'temperature', maxOutputTokens: 'max_tokens', topP: 'top_p', frequencyPenalty: 'frequency_penalty', presencePenalty: 'presence_penalty',
  seed: 'seed', stopSequences: 'stop',
};

interface InputSpec {
  description?: string;
  type?: InputType;
  value?: unknown;
  hasValue: boolean;
}

function typeOfValue(value: unknown): InputType | undefined {
  if (Array.isArray(value)) return 'array';
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') return 'object';
  return (['string', 'number', 'boolean'] as const).find((t) => t === typeof value);
}

const ENV_REF = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}$/;
const FILE_REF = /^\$\{file:(.+)\}$/;

/**
 * Convert the text of a `.prompty` file to `.prompt.json` text.
 * @throws ConversionError when the file has no front matter or its YAML does not parse (the message names the line).
 */
export function promptyToJson(text: string, options: PromptyOptions = {}): PromptyConversion {
  const match = /^(\uFEFF?\s*---[ \t]*\r?\n)([\s\S]*?\r?\n)?[ \t]*---[ \t]*(\r?\n|$)/.exec(text);
  if (!match) throw new ConversionError('The .prompty file has no front matter: it must start with a --- line, the YAML settings, and another --- line.', 1);
  const frontStart = (match[1] ?? '').length;
  const frontText = match[2] ?? '';
  const bodyStart = match[0].length;
  let front: Record<string, unknown>;
  try {
    front = (parseYaml(frontText) ?? {}) as Record<string, unknown>;
  } catch (err) {
    const linePos = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new ConversionError(`The .prompty front matter is not valid YAML: ${String((err as Error).message).split('\n')[0]}`, linePos !== undefined ? linePos + 1 : undefined);
  }
  if (typeof front !== 'object' || front === null || Array.isArray(front)) throw new ConversionError('The .prompty front matter must be a YAML mapping (name, model, inputs…).', 2);
  const notes: ConversionNote[] = [];
  const frontKeyAt = (key: string): number | undefined => {
    const at = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`, 'm').exec(frontText);
    return at ? frontStart + at.index : undefined;
  };
  const note = (severity: ConversionNote['severity'], message: string, key?: string) => {
    const offset = key ? frontKeyAt(key) : undefined;
    notes.push(offset !== undefined ? noteAt(text, severity, message, offset) : { severity, message });
  };

  /** A `${file:…}` value read through `readFile` (JSON), or the value itself; undefined (noted) when unreadable. */
  const resolveFile = (value: unknown, what: string, key: string): unknown => {
    if (typeof value !== 'string') return value;
    const ref = FILE_REF.exec(value.trim());
    if (!ref) return value;
    const content = options.readFile?.(ref[1] as string);
    if (content === undefined) {
      note('warning', `${what} is "${value}", a file that cannot be read next to the .prompty; it is left out.`, key);
      return undefined;
    }
    try {
      return JSON.parse(content) as unknown;
    } catch {
      note('warning', `${what} is "${value}", which is not JSON; it is left out.`, key);
      return undefined;
    }
  };

  // Inputs: v2 a list of { name, kind, default }, v1 a map of name → spec or name → sample value; then `sample`.
  const specs = new Map<string, InputSpec>();
  const inputs = resolveFile(front.inputs, '"inputs"', 'inputs');
  const specKeys = new Set(['type', 'kind', 'description', 'default', 'sample', 'required', 'name']);
  const addSpec = (name: string, spec: Record<string, unknown>) => {
    const out: InputSpec = { hasValue: false };
    if (typeof spec.description === 'string') out.description = spec.description.trim();
    const declared = TYPES[String(spec.type ?? spec.kind ?? '')];
    if (declared) out.type = declared;
    for (const field of ['sample', 'default']) {
      if (Object.prototype.hasOwnProperty.call(spec, field) && !out.hasValue) {
        const value = resolveFile(spec[field], `The ${field} of input "${name}"`, 'inputs');
        if (value !== undefined) Object.assign(out, { value, hasValue: true });
      }
    }
    specs.set(name, out);
  };
  if (Array.isArray(inputs)) {
    for (const spec of inputs) if (spec && typeof spec === 'object' && typeof (spec as { name?: unknown }).name === 'string') addSpec((spec as { name: string }).name, spec as Record<string, unknown>);
  } else if (inputs && typeof inputs === 'object') {
    for (const [name, value] of Object.entries(inputs as Record<string, unknown>)) {
      const isSpec = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => specKeys.has(k));
      addSpec(name, isSpec ? value as Record<string, unknown> : { sample: value });
    }
  }
  const sample = resolveFile(front.sample, '"sample"', 'sample');
  if (sample && typeof sample === 'object' && !Array.isArray(sample)) {
    for (const [name, raw] of Object.entries(sample as Record<string, unknown>)) {
      const value = resolveFile(raw, `The sample of "${name}"`, 'sample');
      if (value === undefined) continue;
      specs.set(name, { ...(specs.get(name) ?? { hasValue: false }), value, hasValue: true });
    }
  }

  // Messages, from the body.
  const body = text.slice(bodyStart);
  const markers = [...body.matchAll(ROLE_MARKER)];
  type Part = { role: string; content: string; offset: number };
  const parts: Part[] = [];
  const pushPart = (role: string, from: number, to: number) => {
    const raw = body.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    parts.push({ role, content: raw.trim(), offset: bodyStart + from + lead });
  };
  const beforeFirst = body.slice(0, markers[0]?.index ?? body.length);
  if (beforeFirst.trim()) {
    pushPart('system', 0, markers[0]?.index ?? body.length);
    notes.push(noteAt(text, 'info', 'The text before the first role marker becomes a system message.', bodyStart + (beforeFirst.length - beforeFirst.trimStart().length)));
  }
  markers.forEach((m, i) => {
    const role = (m[1] as string).toLowerCase();
    if (m[2]) notes.push(noteAt(text, 'warning', `The attributes ${m[2]} of a "${role}:" marker have no place in a .prompt.json and are left out.`, bodyStart + (m.index ?? 0)));
    pushPart(role, (m.index ?? 0) + m[0].length, markers[i + 1]?.index ?? body.length);
  });
  if (parts.length === 0) throw new ConversionError('The .prompty body holds no message: write a role marker line such as "system:" and the text after it.', positionLine(text, bodyStart));

  const env = templateEnvironment();
  const filters = knownFilters(env);
  const tests = knownTests(env);
  const used = new Map<string, { looped: boolean; tested: boolean }>();
  let unreadable = false;
  const messages: JsonOut[] = [];
  const threads = new Set([...specs].filter(([, s]) => s.type === 'chat_history').map(([n]) => n));
  for (const part of parts) {
    if (part.role === 'function' || part.role === 'tool') {
      notes.push(noteAt(text, 'error', `A "${part.role}:" message has no place in a .prompt.json (roles: system, developer, user, assistant); it is left out.`, part.offset));
      continue;
    }
    // A thread input alone on a line: the conversation's messages go there (Prompty v2 threads).
    const pieces = splitThreads(part, threads);
    for (const piece of pieces) {
      if ('thread' in piece) {
        messages.push({ kind: 'object', entries: [{ key: 'role', value: jsonValue('chat_history') }, { key: 'input', value: jsonValue(piece.thread) }] });
        used.set(piece.thread, { looped: true, tested: false });
        continue;
      }
      if (!checkJinja(text, piece, filters, tests, notes, used)) unreadable = true;
      if (piece.content === '') continue;
      messages.push({ kind: 'object', entries: [{ key: 'role', value: jsonValue(piece.role) }, { key: 'content', value: jsonValue(piece.content) }] });
    }
  }

  // Inputs: the declared ones, then the ones the templates use without a declaration.
  const inputEntries: { key: string; value: JsonOut }[] = [];
  for (const [name, spec] of specs) {
    const input: Record<string, unknown> = {};
    if (spec.description) input.description = spec.description;
    let type = spec.type;
    if (type && spec.hasValue && type !== 'chat_history' && typeOfValue(spec.value) !== type) {
      note('info', `Input "${name}" is declared ${type} but its sample is ${typeOfValue(spec.value) ?? 'empty'}: the type is left out.`, 'inputs');
      type = undefined;
    }
    if (type === 'chat_history' && spec.hasValue && !Array.isArray(spec.value)) type = undefined;
    if (type) input.type = type;
    if (spec.hasValue) input.default = spec.value;
    else input.default = type === 'chat_history' || type === 'array' ? [] : '';
    if (!spec.hasValue) note('info', `Input "${name}" has no sample or default: it is declared with an empty default, as Jinja2 renders a missing value as nothing.`, 'inputs');
    if (!used.has(name) && !unreadable) note('warning', `Input "${name}" is declared but no message uses it.`, front.sample && !front.inputs ? 'sample' : 'inputs');
    inputEntries.push({ key: name, value: jsonValue(input) });
  }
  for (const [name, use] of used) {
    if (specs.has(name)) continue;
    if (use.tested) {
      inputEntries.push({ key: name, value: jsonValue({ description: 'Used by the .prompty without sample data and tested with `is defined`: optional.' }) });
    } else {
      inputEntries.push({ key: name, value: jsonValue({ default: use.looped ? [] : '' }) });
      notes.push({ severity: 'info', message: `"${name}" is used without sample data: it is declared with an empty default (${use.looped ? '[]' : '""'}), as Jinja2 renders a missing value as nothing.` });
    }
  }

  // Model configuration → a deployment; parameters.
  const model = (front.model ?? {}) as Record<string, unknown>;
  const parameters: Record<string, unknown> = {};
  const rawParameters = resolveFile(model.parameters, '"model.parameters"', 'model');
  for (const [key, value] of Object.entries((rawParameters ?? {}) as Record<string, unknown>)) {
    const resolved = resolveFile(value, `Model parameter "${key}"`, 'model');
    if (resolved !== undefined) parameters[key] = resolved;
  }
  for (const [key, value] of Object.entries((model.options ?? {}) as Record<string, unknown>)) {
    const name = OPTIONS[key];
    if (name) parameters[name] = value;
    else note('warning', `Model option "${key}" has no Prompt Lab equivalent; it is left out.`, 'model');
  }
  if (front.tools !== undefined) note('warning', '"tools" is not converted: a .prompt.json has no tool definitions (OpenAI\'s "tools" can go in "parameters").', 'tools');
  if (Array.isArray(parameters.tools) === false && parameters.tools !== undefined) delete parameters.tools;
  const { key: deploymentKey, suggested, matched } = deploymentFor(model, options.deployments ?? {}, (severity, message) => note(severity, message, 'model'));

  const entries: { key: string; value: JsonOut }[] = [];
  if (typeof front.name === 'string') entries.push({ key: 'name', value: jsonValue(front.name) });
  if (typeof front.description === 'string' && front.description.trim()) entries.push({ key: 'description', value: jsonValue(front.description.trim()) });
  if (deploymentKey) entries.push({ key: 'deployment', value: jsonValue(deploymentKey) });
  if (Object.keys(parameters).length) entries.push({ key: 'parameters', value: jsonValue(parameters) });
  entries.push({ key: 'inputs', value: { kind: 'object', entries: inputEntries } });
  entries.push({ key: 'messages', value: { kind: 'array', items: messages } });
  const known = new Set(['name', 'description', 'model', 'inputs', 'sample', 'tools', 'authors', 'metadata', 'template', 'version', 'outputs']);
  for (const key of Object.keys(front)) if (!known.has(key)) note('warning', `"${key}" has no place in a .prompt.json and is left out.`, key);
  const result: PromptyConversion = { text: writeJsonc({ kind: 'object', entries }), notes };
  if (suggested && deploymentKey) result.suggestedDeployment = { key: deploymentKey, config: suggested };
  if (matched) result.matchedDeployment = matched;
  return result;
}

function positionLine(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** A message split where a thread input stands alone on a line. */
function splitThreads(part: { role: string; content: string; offset: number }, threads: ReadonlySet<string>): ({ role: string; content: string; offset: number } | { thread: string })[] {
  if (threads.size === 0) return [part];
  const out: ({ role: string; content: string; offset: number } | { thread: string })[] = [];
  const re = /^[ \t]*\{\{-?\s*([A-Za-z_]\w*)\s*-?\}\}[ \t]*$/gm;
  let last = 0;
  for (const m of part.content.matchAll(re)) {
    const name = m[1] as string;
    if (!threads.has(name)) continue;
    const before = part.content.slice(last, m.index);
    out.push({ role: part.role, content: before.trim(), offset: part.offset + last + (before.length - before.trimStart().length) });
    out.push({ thread: name });
    last = (m.index ?? 0) + m[0].length;
  }
  const rest = part.content.slice(last);
  out.push({ role: part.role, content: rest.trim(), offset: part.offset + last + (rest.length - rest.trimStart().length) });
  return out;
}

/**
 * Reports the Jinja2 of one message that Nunjucks does not have, at its line; records the variables it uses.
 * @returns false when the template does not parse as Nunjucks (so its variables are unknown).
 */
function checkJinja(text: string, part: { content: string; offset: number }, filters: ReadonlySet<string>, tests: ReadonlySet<string>, notes: ConversionNote[], used: Map<string, { looped: boolean; tested: boolean }>): boolean {
  const { content, offset } = part;
  const at = (index: number) => offset + index;
  const analysis = analyzeTemplate(content);
  if (analysis.error) {
    notes.push(noteAt(text, 'error', `Jinja2 that Nunjucks cannot read: ${analysis.error.message}. The template is kept as written.`, at(analysis.error.start), analysis.error.end - analysis.error.start));
    return false;
  }
  for (const f of analysis.filters) {
    if (filters.has(f.name)) continue;
    const equivalent = FILTER_EQUIVALENTS[f.name];
    notes.push(noteAt(text, 'error', `The Jinja2 filter "${f.name}" does not exist in Nunjucks${equivalent ? `; its equivalent is "${equivalent}"` : ''}. The template is kept as written.`, at(f.start), f.name.length));
  }
  for (const use of analysis.uses) {
    const looped = new RegExp(`\\{%-?\\s*for\\s+[\\w\\s,]+\\s+in\\s+${use.name}\\b`).test(content);
    const tested = new RegExp(`(?<![\\w.])${use.name}\\s+is\\s+(not\\s+)?defined`).test(content);
    const previous = used.get(use.name);
    used.set(use.name, { looped: looped || (previous?.looped ?? false), tested: tested && (previous?.tested ?? true) });
  }
  // Tests and Python methods: from the parse tree.
  let root: NjNode;
  try {
    root = parseTemplateTree(content);
  } catch {
    return false;
  }
  const starts = lineStarts(content);
  const index = (node: NjNode) => Math.min(content.length, (starts[node.lineno] ?? 0) + node.colno);
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || typeof (node as NjNode).typename !== 'string') return;
    const n = node as NjNode;
    if (n.typename === 'Is') {
      const right = n.right as NjNode | undefined;
      const name = right ? String(right.typename === 'FunCall' ? (right.name as NjNode | undefined)?.value : right.value) : '';
      if (!tests.has(name)) notes.push(noteAt(text, 'error', `The Jinja2 test "is ${name === 'null' ? 'none' : name}" does not exist in Nunjucks. The template is kept as written.`, at(index(right ?? n))));
    }
    if (n.typename === 'FunCall') {
      const callee = n.name as NjNode | undefined;
      const method = callee?.typename === 'LookupVal' ? (callee.val as NjNode | undefined) : undefined;
      if (method?.typename === 'Literal' && PYTHON_METHODS.has(String(method.value))) {
        notes.push(noteAt(text, 'error', `".${String(method.value)}()" is a Python method that Nunjucks templates cannot call. The template is kept as written.`, at(index(method))));
      }
    }
    for (const field of n.fields ?? []) {
      const value = n[field];
      if (Array.isArray(value)) value.forEach(walk);
      else walk(value);
    }
  };
  walk(root);
  return true;
}

/** The deployment that fits a Prompty model configuration, or a suggested one. */
function deploymentFor(model: Record<string, unknown>, deployments: Readonly<Record<string, DeploymentConfig>>, note: (severity: ConversionNote['severity'], message: string) => void): { key?: string; suggested?: DeploymentConfig; matched?: string } {
  const configuration = { ...((model.connection ?? {}) as Record<string, unknown>), ...((model.configuration ?? {}) as Record<string, unknown>) };
  const literal = (value: unknown): string | undefined => (typeof value === 'string' && !value.includes('${') ? value : undefined);
  const env = (value: unknown): string | undefined => (typeof value === 'string' ? ENV_REF.exec(value.trim())?.[1] : undefined);
  const type = String(configuration.type ?? model.provider ?? '').toLowerCase();
  const azureDeployment = literal(configuration.azure_deployment) ?? (type.startsWith('azure') ? literal(model.id) ?? literal(configuration.name) : undefined);
  const azure = type.startsWith('azure') || azureDeployment !== undefined || configuration.azure_endpoint !== undefined;
  const modelName = azure ? azureDeployment : literal(configuration.name) ?? literal(model.id);
  const endpoint = literal(configuration.azure_endpoint) ?? (azure ? literal(configuration.endpoint) : undefined);
  if (!modelName) {
    note('warning', 'The model configuration names no model or Azure deployment: the .prompt.json names no deployment; add "deployment".');
    return {};
  }
  const fits = (config: DeploymentConfig): boolean => {
    const provider = config.provider ?? (config.endpoint ? 'azure' : config.baseURL ? 'openai-compatible' : 'openai');
    if (azure) return provider === 'azure' && (config.deployment ?? config.model) === modelName && (!endpoint || (config.endpoint ?? '').replace(/\/+$/, '') === endpoint.replace(/\/+$/, ''));
    return provider !== 'azure' && config.model === modelName && (!type || type === provider || (type === 'openai' && provider === 'openai'));
  };
  const matched = Object.keys(deployments).find((key) => deployments[key] && fits(deployments[key] as DeploymentConfig));
  if (matched) {
    note('info', `The model configuration (${azure ? 'Azure deployment' : 'model'} "${modelName}") fits the deployment "${matched}" of promptLab.deployments.`);
    return { key: matched, matched };
  }
  const suggested: DeploymentConfig = azure
    ? { provider: 'azure', endpoint: endpoint ?? 'https://YOUR-RESOURCE.openai.azure.com', deployment: modelName }
    : { provider: 'openai', model: modelName };
  const apiVersion = literal(configuration.api_version);
  if (azure && apiVersion) suggested.apiVersion = apiVersion;
  const keyEnv = env(configuration.api_key) ?? env(configuration.apiKey);
  if (keyEnv) suggested.apiKeyEnv = keyEnv;
  const openaiBase = !azure ? literal(configuration.endpoint) ?? literal(configuration.base_url) : undefined;
  if (openaiBase) suggested.baseURL = openaiBase;
  let key = modelName;
  for (let n = 2; Object.prototype.hasOwnProperty.call(deployments, key); n++) key = `${modelName}-${n}`;
  const missing = azure && !endpoint ? ` Its endpoint comes from ${env(configuration.azure_endpoint) ? `the environment variable ${env(configuration.azure_endpoint)}` : 'the environment'} in Prompty: set "endpoint".` : '';
  note('info', `No deployment of promptLab.deployments fits the model configuration (${azure ? 'Azure deployment' : 'model'} "${modelName}"): the prompt names "${key}"; add it to promptLab.deployments: ${JSON.stringify(suggested)}.${missing}`);
  return { key, suggested };
}

/** Prompt Lab's input types, for tests. */
export const PROMPT_LAB_INPUT_TYPES = INPUT_TYPES;
