/**
 * GitHub Models' `.prompt.yml` format, read into Prompt Lab's prompt model with positions.
 *
 * The fields are those of github/gh-models `pkg/prompt/prompt.go` (`File`): `name`, `description`, `model`
 * (`publisher/name`), `modelParameters` (`maxTokens`, `temperature`, `topP`), `responseFormat` (`text`,
 * `json_object`, `json_schema`), `jsonSchema` (a JSON string holding `name` and `schema`, required with
 * `json_schema`), `messages` (`role`: system, user or assistant in any case; `content`: a template in GitHub's
 * rules), `testData` (rows: name → value) and `evaluators`. The file format is documented at
 * https://docs.github.com/github-models/use-github-models/storing-prompts-in-github-repositories#supported-file-format.
 *
 * In the model: `modelParameters` become the chat completion `parameters` (`max_tokens`, `temperature`, `top_p`),
 * `responseFormat`/`jsonSchema` become `parameters.response_format`, the keys of the `testData` rows become the
 * inputs (in order of first appearance; the first row's values are their defaults, so Run Prompt runs the first
 * case as it is), and `templateSyntax` is `github`. `testData` becomes the prompt's inline test data and `evaluators`
 * its evaluator specs, as a `.prompt.json`'s are, so the evaluation engine runs a `.prompt.yml` as gh models eval does.
 */
import { type Node, findNodeAtLocation, getNodeValue, parseTree, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { positionFinder } from './text';
import type { InlineTestRow, ParsedPromptFile, PromptFile, PromptInput, PromptProblem, TemplateMessage, TemplateRole, TextSpan } from './promptFile';
import { parseYamlTree, type YamlNode, type YamlTree } from './yamlTree';
import { YamlStringMap } from './yamlString';
import { parseEvaluators } from '../evaluation/evaluatorSpec';

/** Top-level fields of a `.prompt.yml` (gh-models `pkg/prompt/prompt.go`, `File`). */
export const PROMPT_YAML_FIELDS = ['name', 'description', 'model', 'modelParameters', 'responseFormat', 'jsonSchema', 'messages', 'testData', 'evaluators'] as const;
/** Fields of `modelParameters` (gh-models `ModelParameters`). */
export const MODEL_PARAMETER_FIELDS = ['maxTokens', 'temperature', 'topP'] as const;
/** `modelParameters` field → chat completion request parameter. */
export const MODEL_PARAMETER_NAMES: Readonly<Record<(typeof MODEL_PARAMETER_FIELDS)[number], string>> = { maxTokens: 'max_tokens', temperature: 'temperature', topP: 'top_p' };
/** Values of `responseFormat` (gh-models `validateResponseFormat`). */
export const RESPONSE_FORMATS = ['text', 'json_object', 'json_schema'] as const;
/** Roles GitHub accepts, compared without case (gh-models `GetAzureChatMessageRole`). */
export const GITHUB_ROLES = ['system', 'user', 'assistant'] as const;

/** A problem of a `.prompt.yml` beyond its structure, reported by the analysis as a diagnostic. */
export interface PromptYamlIssue {
  code: 'unknown-field' | 'invalid-response-format' | 'invalid-json-schema' | 'invalid-evaluator';
  severity: 'error' | 'warning';
  message: string;
  span: TextSpan;
}

/** {@link parsePromptYaml}'s result: the prompt file model, its problems, the tree, and what else the analysis needs. */
export interface ParsedPromptYaml extends ParsedPromptFile {
  tree: YamlNode | undefined;
  issues: PromptYamlIssue[];
  yaml: YamlTree;
}

function spanOf(node: Node): TextSpan {
  return { offset: node.offset, length: node.length };
}

/** The text a scalar gives a Go string field: a string as it is, a number or boolean as written, null as "". */
function scalarText(text: string, node: Node): string | undefined {
  if (node.type === 'string') return node.value as string;
  if (node.type === 'number' || node.type === 'boolean') return text.slice(node.offset, node.offset + node.length);
  if (node.type === 'null') return '';
  return undefined;
}

/** The position map of a string scalar node (exact through quotes, escapes and block scalars). */
export function yamlStringMap(text: string, node: Node): YamlStringMap | undefined {
  const scalar = (node as YamlNode).scalar;
  return scalar && typeof node.value === 'string' ? new YamlStringMap(text, scalar, node.value) : undefined;
}

/**
 * Parse the text of a `.prompt.yml` file. Never throws. YAML syntax errors come back as `yaml-syntax` problems,
 * fields of the wrong shape as `prompt-structure` problems (gh-models refuses such a file), fields GitHub does not
 * know and response format mistakes as `issues`. `prompt` is null when there is a syntax error or no usable
 * `messages` array.
 */
export function parsePromptYaml(text: string): ParsedPromptYaml {
  const yaml = parseYamlTree(text);
  const tree = yaml.tree;
  let finder: ((offset: number) => { line: number; character: number }) | undefined;
  const locate = (offset: number) => (finder ??= positionFinder(text))(offset);
  const problems: PromptProblem[] = [];
  const issues: PromptYamlIssue[] = [];
  const problem = (code: PromptProblem['code'], message: string, span: TextSpan) => problems.push({ code, message, span, start: locate(span.offset) });
  const result = (prompt: PromptFile | null): ParsedPromptYaml => ({ prompt, problems, tree, issues, yaml });
  for (const e of yaml.errors) {
    const at = locate(e.span.offset);
    problem('yaml-syntax', `Malformed YAML at line ${at.line + 1}, column ${at.character + 1}: ${e.message}.`, e.span);
  }
  if (problems.length > 0) return result(null);
  if (!tree || tree.type !== 'object') {
    problem('prompt-structure', 'A .prompt.yml file must be a YAML mapping with a "messages" list.', tree ? spanOf(tree) : { offset: 0, length: Math.min(1, text.length) });
    return result(null);
  }

  const prompt: PromptFile = { parameters: {}, inputs: new Map(), messages: [], tags: [], templateSyntax: 'github', messageProblems: [], evaluators: [] };
  for (const property of tree.children ?? []) {
    const key = property.children?.[0];
    if (key && !(PROMPT_YAML_FIELDS as readonly string[]).includes(String(key.value))) {
      issues.push({ code: 'unknown-field', severity: 'warning', span: spanOf(key), message: `"${String(key.value)}" is not a field of a .prompt.yml file; GitHub ignores it. Fields: ${PROMPT_YAML_FIELDS.join(', ')}.` });
    }
  }
  const stringField = (name: 'name' | 'description' | 'model'): void => {
    const node = findNodeAtLocation(tree, [name]);
    if (!node) return;
    const value = scalarText(text, node);
    if (value === undefined) problem('prompt-structure', `"${name}" must be a text.`, spanOf(node));
    else prompt[name] = value;
  };
  stringField('name');
  stringField('description');
  stringField('model');

  readModelParameters(tree, prompt, problem, issues);
  readResponseFormat(text, tree, prompt, problem, issues);
  readTestData(tree, prompt, problem);
  const evaluators = findNodeAtLocation(tree, ['evaluators']);
  if (evaluators && evaluators.type !== 'array' && evaluators.type !== 'null') problem('prompt-structure', '"evaluators" must be a list of { name, string | llm | uses }.', spanOf(evaluators));
  else if (evaluators?.type === 'array') readEvaluators(evaluators, prompt, issues);
  const usable = readMessages(text, tree, prompt, problem);
  return result(usable ? prompt : null);
}

type Report = (code: PromptProblem['code'], message: string, span: TextSpan) => void;

function readModelParameters(tree: Node, prompt: PromptFile, problem: Report, issues: PromptYamlIssue[]): void {
  const node = findNodeAtLocation(tree, ['modelParameters']);
  if (!node || node.type === 'null') return;
  if (node.type !== 'object') {
    problem('prompt-structure', '"modelParameters" must be a mapping: maxTokens, temperature, topP.', spanOf(node));
    return;
  }
  for (const property of node.children ?? []) {
    const [key, value] = property.children ?? [];
    if (!key || !value) continue;
    const name = String(key.value);
    if (!(MODEL_PARAMETER_FIELDS as readonly string[]).includes(name)) {
      const hint = Object.entries(MODEL_PARAMETER_NAMES).find(([, wire]) => wire === name)?.[0];
      issues.push({ code: 'unknown-field', severity: 'warning', span: spanOf(key), message: `"${name}" is not a modelParameters field; GitHub ignores it.${hint ? ` Write "${hint}".` : ''} Fields: ${MODEL_PARAMETER_FIELDS.join(', ')}.` });
      continue;
    }
    if (value.type === 'null') continue;
    if (value.type !== 'number') {
      problem('prompt-structure', `"modelParameters.${name}" must be a number.`, spanOf(value));
      continue;
    }
    prompt.parameters[MODEL_PARAMETER_NAMES[name as (typeof MODEL_PARAMETER_FIELDS)[number]]] = value.value as number;
  }
}

function readResponseFormat(text: string, tree: Node, prompt: PromptFile, problem: Report, issues: PromptYamlIssue[]): void {
  const formatNode = findNodeAtLocation(tree, ['responseFormat']);
  const schemaNode = findNodeAtLocation(tree, ['jsonSchema']);
  let schema: Record<string, unknown> | undefined;
  if (schemaNode && schemaNode.type !== 'null') {
    if (schemaNode.type !== 'string') {
      issues.push({ code: 'invalid-json-schema', severity: 'error', span: spanOf(schemaNode), message: '"jsonSchema" must be a JSON string (e.g. a `|` block holding { "name": …, "schema": … }), not YAML: GitHub reads it as JSON.' });
    } else {
      schema = parseJsonSchema(text, schemaNode, issues);
    }
  }
  if (!formatNode || formatNode.type === 'null') return;
  const format = scalarText(text, formatNode);
  if (format === undefined || !(RESPONSE_FORMATS as readonly string[]).includes(format)) {
    issues.push({ code: 'invalid-response-format', severity: 'error', span: spanOf(formatNode), message: `"responseFormat" must be text, json_object or json_schema${format !== undefined ? `, not "${format}"` : ''}.` });
    return;
  }
  if (format !== 'json_schema') {
    prompt.parameters.response_format = { type: format };
    return;
  }
  if (!schemaNode || schemaNode.type === 'null') {
    issues.push({ code: 'invalid-response-format', severity: 'error', span: spanOf(formatNode), message: '"responseFormat: json_schema" needs "jsonSchema": a JSON string with "name" and "schema".' });
    return;
  }
  if (schema) {
    const missing = ['name', 'schema'].filter((k) => !Object.prototype.hasOwnProperty.call(schema, k));
    if (missing.length) issues.push({ code: 'invalid-json-schema', severity: 'error', span: spanOf(schemaNode), message: `"jsonSchema" must contain ${missing.map((m) => `"${m}"`).join(' and ')} (gh-models refuses the file without).` });
    else prompt.parameters.response_format = { type: 'json_schema', json_schema: schema };
  }
}

const JSON_HINTS: Partial<Record<string, string>> = {
  CommaExpected: 'a comma is missing', PropertyNameExpected: 'a property name in double quotes is expected', ValueExpected: 'a value is expected',
  ColonExpected: 'a colon is expected', CloseBraceExpected: 'a closing } is missing', CloseBracketExpected: 'a closing ] is missing',
  EndOfFileExpected: 'there is text after the JSON value', InvalidCommentToken: 'JSON allows no comments', UnexpectedEndOfString: 'a string is not closed',
};

/** The JSON object in a `jsonSchema` string, or undefined with an issue at the exact character JSON fails at. */
function parseJsonSchema(text: string, node: Node, issues: PromptYamlIssue[]): Record<string, unknown> | undefined {
  const source = node.value as string;
  const errors: ParseError[] = [];
  const root = parseTree(source, errors, { disallowComments: true, allowTrailingComma: false });
  const map = yamlStringMap(text, node);
  const at = (index: number, length: number): TextSpan => {
    if (!map) return spanOf(node);
    const start = map.toDocument(index);
    return { offset: start, length: Math.max(1, map.toDocument(index + Math.max(1, length)) - start) };
  };
  if (errors.length > 0) {
    const e = errors[0] as ParseError;
    const code = printParseErrorCode(e.error);
    issues.push({ code: 'invalid-json-schema', severity: 'error', span: at(e.offset, e.length), message: `"jsonSchema" is not valid JSON: ${JSON_HINTS[code] ?? code}.` });
    return undefined;
  }
  if (!root || root.type !== 'object') {
    issues.push({ code: 'invalid-json-schema', severity: 'error', span: spanOf(node), message: '"jsonSchema" must hold a JSON object with "name" and "schema".' });
    return undefined;
  }
  return JSON.parse(JSON.stringify(getNodeValue(root))) as Record<string, unknown>;
}

/**
 * `evaluators` into the prompt's evaluator specs, as a `.prompt.json`'s are read (the names are gh-models' own), with
 * an `llm` judge's `modelId` (gh-models `LLMEvaluator.ModelID`) as its deployment: a model id that `promptLab.models`
 * maps, or GitHub Models serves. An evaluator that cannot be used is an `invalid-evaluator` error at its place.
 */
function readEvaluators(node: Node, prompt: PromptFile, issues: PromptYamlIssue[]): void {
  const read = parseEvaluators(node);
  const modelIds = new Map<string, string>();
  for (const item of node.children ?? []) {
    const name = findNodeAtLocation(item, ['name']);
    const modelId = findNodeAtLocation(item, ['llm', 'modelId']);
    if (name?.type === 'string' && modelId?.type === 'string' && modelId.value !== '') modelIds.set(name.value as string, modelId.value as string);
  }
  prompt.evaluators = read.evaluators.map((e) => {
    const modelId = e.kind === 'llm' && e.deployment === undefined ? modelIds.get(e.name) : undefined;
    return modelId !== undefined ? { ...e, deployment: modelId } : e;
  });
  for (const p of read.problems) issues.push({ code: 'invalid-evaluator', severity: 'error', message: p.message, span: p.span });
}

function readTestData(tree: Node, prompt: PromptFile, problem: Report): void {
  const node = findNodeAtLocation(tree, ['testData']);
  if (!node || node.type === 'null') return;
  if (node.type !== 'array') {
    problem('prompt-structure', '"testData" must be a list of rows, each a mapping of variable name → value.', spanOf(node));
    return;
  }
  const rows: InlineTestRow[] = [];
  (node.children ?? []).forEach((row, index) => {
    if (row.type !== 'object') {
      problem('prompt-structure', `Row ${index + 1} of "testData" must be a mapping of variable name → value.`, spanOf(row));
      return;
    }
    const keys = new Map<string, TextSpan>();
    for (const property of row.children ?? []) {
      const keyNode = property.children?.[0];
      if (keyNode) keys.set(String(keyNode.value), spanOf(keyNode));
    }
    rows.push({ index, values: JSON.parse(JSON.stringify(getNodeValue(row) ?? {})) as Record<string, unknown>, span: spanOf(row), keys });
    for (const property of row.children ?? []) {
      const [key, value] = property.children ?? [];
      if (!key || !value) continue;
      const name = String(key.value);
      let input = prompt.inputs.get(name);
      if (!input) {
        input = { name, hasDefault: false, required: false, span: spanOf(key) } satisfies PromptInput;
        prompt.inputs.set(name, input);
      }
      if (index === 0) {
        input.hasDefault = true;
        input.default = JSON.parse(JSON.stringify(getNodeValue(value) ?? null)) as unknown;
      }
    }
  });
  prompt.testData = { kind: 'inline', rows, span: spanOf(node) };
}

/** Reads `messages`; false when there is no usable (non-empty) list. */
function readMessages(text: string, tree: Node, prompt: PromptFile, problem: Report): boolean {
  const node = findNodeAtLocation(tree, ['messages']);
  if (!node || node.type !== 'array') {
    problem('prompt-structure', 'A .prompt.yml file needs a "messages" list, e.g. `- role: user` with `content: "Hello {{name}}"`.', node ? spanOf(node) : { offset: tree.offset, length: Math.min(1, tree.length) });
    return false;
  }
  // A message that cannot be read is left out of prompt.messages and named in messageProblems: a run refuses it.
  const unusable = (message: string, span?: TextSpan): void => {
    if (span) problem('prompt-structure', message, span);
    prompt.messageProblems.push(message);
  };
  (node.children ?? []).forEach((item, index) => {
    if (item.type !== 'object') {
      unusable(`Message ${index + 1} must be a mapping with "role" and "content".`, spanOf(item));
      return;
    }
    const roleNode = findNodeAtLocation(item, ['role']);
    const role = roleNode ? scalarText(text, roleNode)?.toLowerCase() : undefined;
    if (!role || !(GITHUB_ROLES as readonly string[]).includes(role)) {
      // An unknown role is the analysis' `unknown-role`; a missing one is a structure problem.
      unusable(roleNode ? `Message ${index + 1} has an unknown role: use system, user or assistant.` : `Message ${index + 1} needs a "role": system, user or assistant.`, roleNode ? undefined : spanOf(item));
      return;
    }
    const contentNode = findNodeAtLocation(item, ['content']);
    const content = contentNode ? scalarText(text, contentNode) : undefined;
    if (!contentNode || content === undefined) {
      unusable(`Message ${index + 1} needs "content": a text (a template in GitHub's {{name}} rules).`, contentNode ? spanOf(contentNode) : spanOf(item));
      return;
    }
    const message: TemplateMessage = { kind: 'template', index, role: role as TemplateRole, content, contentSpan: spanOf(contentNode) };
    prompt.messages.push(message);
  });
  if ((node.children ?? []).length === 0) {
    problem('prompt-structure', 'A .prompt.yml file needs at least one message in "messages".', spanOf(node));
    return false;
  }
  return true;
}
