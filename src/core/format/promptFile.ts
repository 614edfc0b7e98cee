/**
 * The `.prompt.json` format: JSONC parsed with positions.
 *
 * A prompt file holds `name`, `description`, `deployment` (a key of `promptLab.deployments`),
 * `parameters` (passed through to the chat completion request), `inputs` (name → description,
 * default, required, type) and `messages` (`{role, content}` with a Nunjucks template as content, or
 * `{role: "chat_history", input}` naming an input whose value is an array of messages).
 * The JSON Schema in schemas/prompt.schema.json describes the same format for VS Code's JSON support;
 * this module checks only what the run needs and keeps the offsets that later analysis maps back to.
 */
import { type Node, type ParseError, parseTree, printParseErrorCode, getNodeValue, findNodeAtLocation } from 'jsonc-parser';
import { positionFinder, type Position } from './text';
import { treeAfterEdit } from './treeAfterEdit';

/** Roles whose `content` is a template. */
export const TEMPLATE_ROLES = ['system', 'developer', 'user', 'assistant'] as const;
export type TemplateRole = (typeof TEMPLATE_ROLES)[number];

/**
 * How a prompt's templates are written: `nunjucks` (`.prompt.json`, the default) or `github` (`.prompt.yml`: GitHub
 * Models' rules, where `{{name}}` is replaced by its value and anything else stays as written; see
 * src/core/template/githubTemplate.ts).
 */
export type TemplateSyntax = 'nunjucks' | 'github';

/**
 * Types an input may declare. `chat_history` is an array of `{role, content}` messages; `image`, `audio` and `file` (a
 * PDF) hold a workspace-relative path, an `https:` URL or a `data:` URI, sent as a content part (see ../run/media.ts).
 */
export const INPUT_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'chat_history', 'image', 'audio', 'file'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

/** A character range of the prompt file: `offset` and `length` in UTF-16 code units. */
export interface TextSpan {
  offset: number;
  length: number;
}

/** A message whose content is a Nunjucks template. */
export interface TemplateMessage {
  kind: 'template';
  index: number;
  role: TemplateRole;
  /** The template text (the JSON string value, escapes decoded). */
  content: string;
  name?: string;
  /** Span of the JSON string literal holding `content`, quotes included. */
  contentSpan: TextSpan;
}

/** A `{ "role": "chat_history", "input": "history" }` slot that expands to the input's messages. */
export interface ChatHistoryMessage {
  kind: 'chat_history';
  index: number;
  input: string;
  span: TextSpan;
}

/** Media a content part can carry, each from an input of the same type. */
export const MEDIA_KINDS = ['image', 'audio', 'file'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** Values of an image part's `detail` (OpenAI's `image_url.detail`). */
export const IMAGE_DETAILS = ['low', 'high', 'auto'] as const;
export type ImageDetail = (typeof IMAGE_DETAILS)[number];

/** `{ "type": "text", "text": "<template>" }`: a template rendered like a message's content. */
export interface TextPart {
  type: 'text';
  /** The template text (escapes decoded). */
  text: string;
  /** Span of the JSON string literal holding `text`, quotes included. */
  textSpan: TextSpan;
}

/** `{ "type": "image" | "audio" | "file", "input": "<input name>", "detail"? }`: media from an input's value. */
export interface MediaPart {
  type: MediaKind;
  input: string;
  /** Images only: how closely the model looks (`low`, `high`, `auto`). */
  detail?: ImageDetail;
  /** Span of the part's object. */
  span: TextSpan;
}

export type ContentPart = TextPart | MediaPart;

/** A message whose `content` is an array of parts: text templates and media from inputs. */
export interface PartsMessage {
  kind: 'parts';
  index: number;
  role: TemplateRole;
  parts: ContentPart[];
  name?: string;
  /** Span of the `content` array. */
  contentSpan: TextSpan;
}

export type PromptMessage = TemplateMessage | ChatHistoryMessage | PartsMessage;

/** One declared input. */
export interface PromptInput {
  name: string;
  description?: string;
  /** Whether `default` is present (a default may legitimately be `null` or `""`). */
  hasDefault: boolean;
  default?: unknown;
  required: boolean;
  type?: InputType;
  span: TextSpan;
  /** Span of the `default` value, when there is one (media checks mark it). */
  defaultSpan?: TextSpan;
}

/** A parsed prompt file. Fields absent from the file are absent here. */
export interface PromptFile {
  name?: string;
  description?: string;
  deployment?: string;
  /**
   * A model id `publisher/name` (GitHub Models' naming, e.g. `openai/gpt-4o`), used when `deployment` is absent: it
   * resolves through the `promptLab.models` setting, else to GitHub Models (see src/core/providers/models.ts).
   */
  model?: string;
  /** How the templates are written; absent means `nunjucks`. */
  templateSyntax?: TemplateSyntax;
  parameters: Record<string, unknown>;
  inputs: Map<string, PromptInput>;
  messages: PromptMessage[];
  tags: string[];
  /** From `"metadata": { "chainId" }`: groups the runs of one multi-step workflow (copied to the run log). */
  chainId?: string;
  /** From `"metadata": { "chatId" }`: groups the turns of one conversation (copied to the run log). */
  chatId?: string;
  /** With a json_schema response_format: how many times to ask again when the output does not match (0–5). */
  retries?: number;
  /**
   * Messages that could not be read (not an object, no usable role, content that is not a string…), one sentence
   * each. They are not in `messages`, so a run must not go ahead without them: `executeRun` fails with the first.
   */
  messageProblems: string[];
}

/** A problem found while parsing, with its position (line and character are 0-based). */
export interface PromptProblem {
  /** `message-shape`: a message that cannot be sent as it is (also in `PromptFile.messageProblems`). */
  code: 'jsonc-syntax' | 'yaml-syntax' | 'prompt-structure' | 'message-shape';
  message: string;
  span: TextSpan;
  start: Position;
}

/** Result of {@link parsePromptFile}: `prompt` is null when the file cannot be used at all. */
export interface ParsedPromptFile {
  prompt: PromptFile | null;
  problems: PromptProblem[];
  /** The JSONC syntax tree (undefined when the text is empty). */
  tree: Node | undefined;
}

/** The position of a document offset; built on first use, so a file without problems never pays for it. */
type Locate = (offset: number) => Position;

function problem(locate: Locate, code: PromptProblem['code'], message: string, offset: number, length: number): PromptProblem {
  return { code, message, span: { offset, length }, start: locate(offset) };
}

function spanOf(node: Node): TextSpan {
  return { offset: node.offset, length: node.length };
}

const SYNTAX_HINT: Partial<Record<string, string>> = {
  CommaExpected: 'a comma is missing between two entries',
  PropertyNameExpected: 'a property name in double quotes is expected',
  ValueExpected: 'a value is expected',
  ColonExpected: 'a colon is expected after the property name',
  CloseBraceExpected: 'a closing } is missing',
  CloseBracketExpected: 'a closing ] is missing',
  EndOfFileExpected: 'there is text after the end of the JSON value',
  UnexpectedEndOfString: 'a string is not closed with "',
  InvalidEscapeCharacter: 'a string has an invalid escape (use \\n, \\", \\\\, \\uXXXX)',
  InvalidCharacter: 'a character is not allowed here (control characters must be escaped in strings)',
};

/** An earlier version of the same document, parsed without syntax errors: its text and tree. */
export interface PreviousParse {
  text: string;
  tree: Node;
}

/**
 * Parse the text of a `.prompt.json` file (JSONC: comments and trailing commas allowed).
 *
 * Never throws. Syntax errors come back as `jsonc-syntax` problems with their position; a file that
 * parses but cannot be run (no `messages` array, a message without a role…) gets `prompt-structure`
 * problems. `prompt` is null when there is a syntax error or no usable `messages` array.
 * With `previous` (an earlier version that parsed cleanly), an edit inside one string value reuses its tree
 * (./treeAfterEdit.ts) instead of parsing the whole text again; the result is the same.
 */
export function parsePromptFile(text: string, previous?: PreviousParse): ParsedPromptFile {
  const errors: ParseError[] = [];
  let finder: Locate | undefined;
  const locate: Locate = (offset) => (finder ??= positionFinder(text))(offset);
  let tree: Node | undefined = previous ? treeAfterEdit(previous.text, previous.tree, text) : undefined;
  try {
    tree ??= parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  } catch (err) {
    // jsonc-parser recurses per nesting level: thousands of nested arrays or objects overflow the stack.
    if (!(err instanceof RangeError)) throw err;
    return { prompt: null, problems: [problem(locate, 'jsonc-syntax', 'The file is nested too deeply to read.', 0, Math.min(1, text.length))], tree: undefined };
  }
  const problems: PromptProblem[] = errors.map((e) => {
    const code = printParseErrorCode(e.error);
    const hint = SYNTAX_HINT[code] ?? code;
    const at = locate(e.offset);
    return problem(locate, 'jsonc-syntax', `Malformed JSONC at line ${at.line + 1}, column ${at.character + 1}: ${hint}.`, e.offset, Math.max(e.length, 1));
  });
  if (problems.length > 0) return { prompt: null, problems, tree };
  if (!tree || tree.type !== 'object') {
    problems.push(problem(locate, 'prompt-structure', 'A prompt file must be a JSON object with a "messages" array.', tree?.offset ?? 0, tree?.length ?? 1));
    return { prompt: null, problems, tree };
  }

  const str = (path: string): string | undefined => {
    const node = findNodeAtLocation(tree, [path]);
    if (!node) return undefined;
    if (node.type !== 'string') {
      problems.push(problem(locate, 'prompt-structure', `"${path}" must be a string.`, node.offset, node.length));
      return undefined;
    }
    return node.value as string;
  };

  const prompt: PromptFile = { parameters: {}, inputs: new Map(), messages: [], tags: [], messageProblems: [] };
  const name = str('name');
  if (name !== undefined) prompt.name = name;
  const description = str('description');
  if (description !== undefined) prompt.description = description;
  const deployment = str('deployment');
  if (deployment !== undefined) prompt.deployment = deployment;
  const model = str('model');
  if (model !== undefined) prompt.model = model;

  const parametersNode = findNodeAtLocation(tree, ['parameters']);
  if (parametersNode) {
    if (parametersNode.type === 'object') prompt.parameters = getNodeValue(parametersNode) as Record<string, unknown>;
    else problems.push(problem(locate, 'prompt-structure', '"parameters" must be an object, e.g. { "temperature": 0.2 }.', parametersNode.offset, parametersNode.length));
  }

  const retriesNode = findNodeAtLocation(tree, ['retries']);
  if (retriesNode?.type === 'number' && Number.isInteger(retriesNode.value) && (retriesNode.value as number) >= 0) prompt.retries = retriesNode.value as number;
  const tagsNode = findNodeAtLocation(tree, ['tags']);
  if (tagsNode?.type === 'array') prompt.tags = (getNodeValue(tagsNode) as unknown[]).filter((t): t is string => typeof t === 'string');
  for (const key of ['chainId', 'chatId'] as const) {
    const idNode = findNodeAtLocation(tree, ['metadata', key]);
    if (idNode?.type === 'string' && idNode.value !== '') prompt[key] = idNode.value as string;
  }

  readInputs(locate, tree, prompt, problems);
  const usable = readMessages(locate, tree, prompt, problems);
  return { prompt: usable ? prompt : null, problems, tree };
}

function readInputs(locate: Locate, tree: Node, prompt: PromptFile, problems: PromptProblem[]): void {
  const inputsNode = findNodeAtLocation(tree, ['inputs']);
  if (!inputsNode) return;
  if (inputsNode.type !== 'object') {
    problems.push(problem(locate, 'prompt-structure', '"inputs" must be an object: input name → { "description", "default", "required", "type" }.', inputsNode.offset, inputsNode.length));
    return;
  }
  for (const property of inputsNode.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (!keyNode || !valueNode) continue;
    const name = keyNode.value as string;
    const input: PromptInput = { name, hasDefault: false, required: false, span: spanOf(keyNode) };
    if (valueNode.type !== 'object') {
      problems.push(problem(locate, 'prompt-structure', `Input "${name}" must be an object such as { "default": "…" }.`, valueNode.offset, valueNode.length));
      prompt.inputs.set(name, input);
      continue;
    }
    const value = getNodeValue(valueNode) as Record<string, unknown>;
    if (typeof value.description === 'string') input.description = value.description;
    if (Object.prototype.hasOwnProperty.call(value, 'default')) {
      input.hasDefault = true;
      input.default = value.default;
      const defaultNode = findNodeAtLocation(valueNode, ['default']);
      if (defaultNode) input.defaultSpan = spanOf(defaultNode);
    }
    input.required = value.required === true;
    if (typeof value.type === 'string' && (INPUT_TYPES as readonly string[]).includes(value.type)) input.type = value.type as InputType;
    prompt.inputs.set(name, input);
  }
}

/** Reads `messages` into `prompt`; false when there is no usable (non-empty) array. */
function readMessages(locate: Locate, tree: Node, prompt: PromptFile, problems: PromptProblem[]): boolean {
  const messagesNode = findNodeAtLocation(tree, ['messages']);
  if (!messagesNode || messagesNode.type !== 'array') {
    const at = messagesNode ?? tree;
    problems.push(problem(locate, 'prompt-structure', 'A prompt file needs a "messages" array, e.g. [{ "role": "user", "content": "Hello {{ name }}" }].', at.offset, messagesNode ? at.length : 1));
    return false;
  }
  const unusable = (message: string, at: Node): void => {
    problems.push(problem(locate, 'message-shape', message, at.offset, at.length));
    prompt.messageProblems.push(message);
  };
  (messagesNode.children ?? []).forEach((node, index) => {
    if (node.type !== 'object') {
      unusable(`Message ${index + 1} must be an object with "role" and "content".`, node);
      return;
    }
    const roleNode = findNodeAtLocation(node, ['role']);
    const role = roleNode?.type === 'string' ? (roleNode.value as string) : undefined;
    if (role === 'chat_history') {
      const inputNode = findNodeAtLocation(node, ['input']);
      if (inputNode?.type !== 'string') {
        unusable(`Message ${index + 1} has role "chat_history" and needs "input": the name of the input holding the messages.`, node);
        return;
      }
      prompt.messages.push({ kind: 'chat_history', index, input: inputNode.value as string, span: spanOf(node) });
      return;
    }
    if (!role || !(TEMPLATE_ROLES as readonly string[]).includes(role)) {
      unusable(`Message ${index + 1} needs a "role": one of system, developer, user, assistant, chat_history.`, roleNode ?? node);
      return;
    }
    const contentNode = findNodeAtLocation(node, ['content']);
    if (contentNode?.type === 'array') {
      const parts = readParts(contentNode, index, role as TemplateRole, prompt, unusable);
      if (!parts) return;
      const message: PartsMessage = { kind: 'parts', index, role: role as TemplateRole, parts, contentSpan: spanOf(contentNode) };
      const nameNode = findNodeAtLocation(node, ['name']);
      if (nameNode?.type === 'string') message.name = nameNode.value as string;
      prompt.messages.push(message);
      return;
    }
    if (contentNode?.type !== 'string') {
      unusable(`Message ${index + 1} needs "content": a string (a Nunjucks template), or an array of parts such as [{ "type": "text", "text": "…" }, { "type": "image", "input": "photo" }].`, contentNode ?? node);
      return;
    }
    const message: TemplateMessage = { kind: 'template', index, role: role as TemplateRole, content: contentNode.value as string, contentSpan: spanOf(contentNode) };
    const nameNode = findNodeAtLocation(node, ['name']);
    if (nameNode?.type === 'string') message.name = nameNode.value as string;
    prompt.messages.push(message);
  });
  if ((messagesNode.children ?? []).length === 0) {
    problems.push(problem(locate, 'prompt-structure', 'A prompt file needs at least one message in "messages".', messagesNode.offset, messagesNode.length));
    return false;
  }
  return true;
}

const PART_TYPES = ['text', ...MEDIA_KINDS] as const;

/** "an image", "an audio", "a file". */
function withArticle(kind: MediaKind): string {
  return kind === 'file' ? 'a file' : `an ${kind}`;
}

/**
 * The parts of a `content` array, or undefined when one of them cannot be sent as written: each such part is reported
 * (through `unusable`, at the part) so the run refuses the message instead of sending it without the part. Media parts
 * must name a declared input of their type (or of no type) and belong to a user message (OpenAI's chat completions API
 * takes image, audio and file parts only in user messages: https://platform.openai.com/docs/api-reference/chat/create).
 */
function readParts(contentNode: Node, index: number, role: TemplateRole, prompt: PromptFile, unusable: (message: string, at: Node) => void): ContentPart[] | undefined {
  const parts: ContentPart[] = [];
  let ok = true;
  const fail = (message: string, at: Node): void => {
    ok = false;
    unusable(message, at);
  };
  const items = contentNode.children ?? [];
  if (items.length === 0) {
    fail(`Message ${index + 1} has an empty "content" array: add a part such as { "type": "text", "text": "…" }.`, contentNode);
    return undefined;
  }
  items.forEach((item, j) => {
    const where = `Part ${j + 1} of message ${index + 1}`;
    if (item.type !== 'object') {
      fail(`${where} must be an object such as { "type": "text", "text": "…" } or { "type": "image", "input": "photo" }.`, item);
      return;
    }
    const typeNode = findNodeAtLocation(item, ['type']);
    const type = typeNode?.type === 'string' ? (typeNode.value as string) : undefined;
    if (!type || !(PART_TYPES as readonly string[]).includes(type)) {
      fail(`${where} has ${type === undefined ? 'no "type"' : `the type "${type}"`}: use "text", "image", "audio" or "file".`, typeNode ?? item);
      return;
    }
    if (type === 'text') {
      const textNode = findNodeAtLocation(item, ['text']);
      if (textNode?.type !== 'string') {
        fail(`${where} is a text part and needs "text": a string (a Nunjucks template).`, textNode ?? item);
        return;
      }
      parts.push({ type: 'text', text: textNode.value as string, textSpan: spanOf(textNode) });
      return;
    }
    const kind = type as MediaKind;
    const inputNode = findNodeAtLocation(item, ['input']);
    if (inputNode?.type !== 'string') {
      fail(`${where} is ${withArticle(kind)} part and needs "input": the name of an input of type "${kind}".`, inputNode ?? item);
      return;
    }
    const name = inputNode.value as string;
    const input = prompt.inputs.get(name);
    if (!input) {
      fail(`${where} names the input "${name}", which is not declared: add it under "inputs" with "type": "${kind}" and a path, https: URL or data: URI as its default.`, inputNode);
      return;
    }
    if (input.type !== undefined && input.type !== kind) {
      fail(`${where} is ${withArticle(kind)} part, but the input "${name}" has the type "${input.type}": give it "type": "${kind}".`, inputNode);
      return;
    }
    if (role !== 'user') {
      fail(`${where} is ${withArticle(kind)} part in ${role === 'assistant' ? 'an' : 'a'} ${role} message: images, audio and files can only be sent in user messages.`, item);
      return;
    }
    const part: MediaPart = { type: kind, input: name, span: spanOf(item) };
    const detailNode = findNodeAtLocation(item, ['detail']);
    if (detailNode) {
      const detail = detailNode.type === 'string' ? (detailNode.value as string) : undefined;
      if (kind !== 'image' || !detail || !(IMAGE_DETAILS as readonly string[]).includes(detail)) {
        fail(kind === 'image'
          ? `${where} has "detail" ${JSON.stringify(getNodeValue(detailNode))}: use "low", "high" or "auto".`
          : `${where} is ${withArticle(kind)} part: only image parts take "detail".`, detailNode);
        return;
      }
      part.detail = detail as ImageDetail;
    }
    parts.push(part);
  });
  return ok ? parts : undefined;
}
