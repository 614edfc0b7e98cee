/**
 * Rendering of a prompt's messages with Nunjucks, sandboxed.
 *
 * Three layers, each enough on its own for what it covers:
 * 1. **The compiler only sees allowed trees.** A template is parsed, its tree is checked by ./policy.ts (an
 *    allowlist of node types; every name a plain identifier; no includes, imports, async tags or extensions), and
 *    exactly that tree is compiled. Nunjucks pastes names into the JavaScript it generates, so this is what keeps a
 *    template from writing code (see policy.ts for the paths).
 * 2. **Lookups never reach the host.** Member and variable lookups never return `constructor`, `__proto__`,
 *    `prototype` or the other accessor keys, never return inherited members of `Object.prototype`, and never return
 *    the `Function` constructors, `Object`, `globalThis`, `process` or `require`
 *    (`{{ range.constructor("return process")() }}` returns Node's `process` in stock Nunjucks 3.2.4).
 * 3. **Bounded work.** `range` is bounded, and front ends render in a worker with time, memory and output limits
 *    (./renderer.ts, src/node/renderWorker.ts).
 * No loader is configured. Autoescape is off (prompts are not HTML) and outputting an undefined variable is an error.
 */
import * as nunjucks from 'nunjucks';
import * as transformer from 'nunjucks/src/transformer';
import type { ChatHistoryMessage, ImageDetail, MediaKind, PromptFile, TemplateRole, TemplateSyntax } from '../format/promptFile';
import { checkTemplateTree } from './policy';
import { InputValueError, TemplateError } from './errors';
import { renderGithubTemplate } from './githubTemplate';

export { InputValueError, TemplateError } from './errors';

/**
 * A chat message as sent in a chat completion request (`messages[]`), and as logged. `content` is the rendered text,
 * or, for a message written as parts, its parts: text rendered, media as references (never the bytes; the run reads
 * and sends them, see ../run/media.ts).
 */
export interface ChatMessage {
  role: TemplateRole | 'tool';
  content: string | ChatContentPart[];
  name?: string;
}

/** A rendered text part. */
export interface ChatTextPart {
  type: 'text';
  text: string;
}

/**
 * A media part as rendered (`type`, `input`, `detail`) and, once the run resolved the input's value, as sent and logged:
 * where the bytes came from (`path` in the workspace, `url`, or an inline `data:` URI), their media type (from the bytes),
 * their size in bytes and SHA-256 (hex). A URL is passed to the provider as it is, so it has no type, size or hash.
 */
export interface ChatMediaPart {
  type: MediaKind;
  /** Name of the input that holds the media. */
  input: string;
  detail?: ImageDetail;
  source?: 'path' | 'url' | 'data';
  /** Workspace-relative path (source `path`). */
  path?: string;
  /** The `https:` URL (source `url`). */
  url?: string;
  /** e.g. `image/png`, detected from the bytes. */
  mediaType?: string;
  /** Size in bytes. */
  bytes?: number;
  /** SHA-256 of the bytes, lowercase hex. */
  sha256?: string;
}

export type ChatContentPart = ChatTextPart | ChatMediaPart;

/** The text of a message: its content, or its text parts joined by blank lines (media parts left out). */
export function messageText(message: Pick<ChatMessage, 'content'>): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.filter((p): p is ChatTextPart => p.type === 'text').map((p) => p.text).join('\n\n');
}

/** Keys a template may never read: they lead from data to constructors and so to the host. */
const BLOCKED_KEYS = new Set([
  'constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__',
  '__lookupGetter__', '__lookupSetter__', 'caller', 'callee', 'arguments',
]);

const FORBIDDEN_VALUES = new Set<unknown>([
  Function,
  Object.getPrototypeOf(async function () {}).constructor,
  Object.getPrototypeOf(function* () {}).constructor,
  Object.getPrototypeOf(async function* () {}).constructor,
  Object,
  globalThis,
  // Never handed to a template where they exist (Node); absent in a web worker, where typeof keeps this safe.
  // eslint-disable-next-line no-restricted-globals
  typeof process === 'undefined' ? undefined : process,
  // eslint-disable-next-line no-restricted-globals
  typeof require === 'undefined' ? undefined : require,
].filter((v) => v !== undefined));

/** True when the sandbox never lets a template read `key` (see BLOCKED_KEYS). */
export function isBlockedKey(key: string): boolean {
  return BLOCKED_KEYS.has(key);
}

function isSafeValue(value: unknown): boolean {
  return !FORBIDDEN_VALUES.has(value);
}

/** True when `key` on `obj` is an inherited member of Object.prototype (toString, valueOf…), not data. */
function isObjectPrototypeMember(obj: unknown, key: string): boolean {
  if (obj === null || typeof obj !== 'object') return false;
  return !Object.prototype.hasOwnProperty.call(obj, key) && key in Object.prototype;
}

interface NunjucksRuntime {
  memberLookup(obj: unknown, key: unknown): unknown;
  contextOrFrameLookup(context: { lookup(name: string): unknown }, frame: { lookup(name: string): unknown }, name: string): unknown;
}

let sandboxInstalled = false;

/**
 * Replace Nunjucks' two lookup functions with checked ones. Compiled templates call them through the
 * runtime module object, so this covers every template. esbuild bundles a private copy of Nunjucks
 * into the extension, so no other extension's Nunjucks is touched.
 */
function installSandbox(): void {
  if (sandboxInstalled) return;
  sandboxInstalled = true;
  const runtime = (nunjucks as unknown as { runtime: NunjucksRuntime }).runtime;
  runtime.memberLookup = (obj: unknown, key: unknown): unknown => {
    if (obj === undefined || obj === null) return undefined;
    const name = String(key);
    if (BLOCKED_KEYS.has(name) || isObjectPrototypeMember(obj, name)) return undefined;
    const target = obj as Record<string, unknown>;
    const value = target[name];
    if (!isSafeValue(value)) return undefined;
    if (typeof value === 'function') {
      return (...args: unknown[]): unknown => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        return isSafeValue(result) ? result : undefined;
      };
    }
    return value;
  };
  runtime.contextOrFrameLookup = (context, frame, name) => {
    if (BLOCKED_KEYS.has(name) || name in Object.prototype) return undefined;
    const fromFrame = frame.lookup(name);
    const value = fromFrame !== undefined ? fromFrame : context.lookup(name);
    return isSafeValue(value) ? value : undefined;
  };
}

/** Largest list `range()` may build in a template. */
export const MAX_RANGE_LENGTH = 100_000;

function boundedRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) return [];
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length > MAX_RANGE_LENGTH) throw new Error(`range() would build ${length} items; the limit is ${MAX_RANGE_LENGTH}.`);
  return Array.from({ length }, (_, i) => start + i * step);
}

let environment: nunjucks.Environment | undefined;

/** The shared sandboxed environment: no loaders, autoescape off, undefined output is an error. */
export function templateEnvironment(): nunjucks.Environment {
  if (!environment) {
    installSandbox();
    environment = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: true });
    environment.addGlobal('range', boundedRange);
  }
  return environment;
}

/** Nunjucks wraps messages as "(path) [Line 2, Column 5]\n  Template render error: …"; keep the sentence. */
function cleanNunjucksMessage(message: string): { detail: string; line?: number; column?: number } {
  const position = /\[Line (\d+), Column (\d+)\]/.exec(message);
  const detail = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^\(.*\)( \[Line \d+, Column \d+\])?$/.test(l))
    .map((l) => l.replace(/^(Template render error: )?(\(.*?\) )?(\[Line \d+, Column \d+\] )?/, '').replace(/^Error: /, ''))
    .filter(Boolean)
    .join(' ');
  const out: { detail: string; line?: number; column?: number } = { detail: detail || message };
  if (position) {
    out.line = Number(position[1]);
    out.column = Number(position[2]);
  }
  return out;
}

/** 1-based line and column of `offset` in `source`. */
function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/**
 * Nunjucks gives no position for some errors: an unknown filter (raised while compiling) and a tag or
 * expression left open at the end of the template. Place those where they are: at the filter's name, or at
 * the end of the template.
 */
function locateUnplaced(detail: string, source: string): { line: number; column: number } | undefined {
  const filter = /filter not found: (\S+)/.exec(detail);
  if (filter?.[1]) {
    const name = filter[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const at = new RegExp(`\\|\\s*(${name})\\b`).exec(source);
    if (at) return lineColumn(source, at.index + at[0].length - (at[1]?.length ?? 0));
  }
  if (/end of file|expected (variable|block) end/.test(detail)) return lineColumn(source, source.length);
  return undefined;
}

function toTemplateError(err: unknown, messageIndex: number, source: string): TemplateError {
  const e = err as { message?: string; lineno?: number; colno?: number };
  const cleaned = cleanNunjucksMessage(String(e?.message ?? err));
  let line = typeof e?.lineno === 'number' ? e.lineno : cleaned.line;
  let column = typeof e?.colno === 'number' ? e.colno : cleaned.column;
  if (line === undefined) {
    const placed = locateUnplaced(cleaned.detail, source);
    line = placed?.line;
    column = placed?.column;
  }
  return new TemplateError(cleaned.detail, messageIndex, line, column);
}

/** Compiled templates by message index and source, so running a prompt again does not compile it again. */
const compiled = new Map<string, nunjucks.Template>();
const MAX_COMPILED = 500;

interface NunjucksCompiler {
  compile(node: unknown): void;
  getCode(): string;
}
const { parser, compiler } = nunjucks as unknown as {
  parser: { parse(src: string, extensions: unknown[], opts: unknown): unknown };
  compiler: { Compiler: new (templateName: string, throwOnUndefined: boolean) => NunjucksCompiler };
};

/**
 * The JavaScript Nunjucks generates for `source` (as `message <messageIndex + 1>`), after the parse tree passed the
 * policy. Nunjucks' own `Template` would parse the source again by itself; compiling here and handing it the code
 * means the tree that was checked is the tree that runs. Exported for the tests that inspect the generated code.
 * @throws TemplateError when the policy refuses the tree; Nunjucks' errors for a template that does not parse.
 */
export function compileToCode(source: string, messageIndex: number): string {
  const env = templateEnvironment();
  const name = `message ${messageIndex + 1}`;
  const tree = parser.parse(source, [], (env as unknown as { opts: unknown }).opts);
  // The transformer only rewrites async constructs and blocks, which the policy refuses; the transformed tree
  // is checked, as it is the one compiled.
  const transformed = transformer.transform(tree, [], name);
  const violation = checkTemplateTree(transformed);
  if (violation) throw new TemplateError(violation.message, messageIndex, violation.lineno + 1, violation.colno + 1);
  const c = new compiler.Compiler(name, true);
  c.compile(transformed);
  return c.getCode();
}

function compile(source: string, messageIndex: number): nunjucks.Template {
  const key = `${messageIndex}\u0000${source}`;
  let template = compiled.get(key);
  if (!template) {
    const props = new Function(compileToCode(source, messageIndex))() as Record<string, unknown>;
    template = new nunjucks.Template({ type: 'code', obj: props } as unknown as string, templateEnvironment(), `message ${messageIndex + 1}`, true);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, template);
  }
  return template;
}

/**
 * Render one template string with `variables`, written in `syntax`: Nunjucks (sandboxed, as above), or GitHub
 * Models' rules (`{{name}}` replaced, anything else as written; see ./githubTemplate.ts), which never fail.
 * @throws TemplateError (with `messageIndex`) when a Nunjucks template does not compile or render.
 */
export function renderTemplate(source: string, variables: Record<string, unknown>, messageIndex = 0, syntax: TemplateSyntax = 'nunjucks'): string {
  if (syntax === 'github') return renderGithubTemplate(source, variables);
  let template: nunjucks.Template;
  try {
    template = compile(source, messageIndex);
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    throw toTemplateError(err, messageIndex, source);
  }
  try {
    return template.render(variables);
  } catch (err) {
    throw toTemplateError(err, messageIndex, source);
  }
}

const HISTORY_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function expandChatHistory(slot: ChatHistoryMessage, value: unknown): ChatMessage[] {
  if (value === undefined) throw new InputValueError(slot.input, `Message ${slot.index + 1} expands the chat history input "${slot.input}", which has no value: declare it under "inputs" with a default array of messages.`);
  if (!Array.isArray(value)) throw new InputValueError(slot.input, `Input "${slot.input}" must be an array of { "role", "content" } messages to fill the chat history of message ${slot.index + 1}.`);
  return value.map((item: unknown, i): ChatMessage => {
    const m = item as { role?: unknown; content?: unknown; name?: unknown } | null;
    if (!m || typeof m !== 'object' || typeof m.role !== 'string' || !HISTORY_ROLES.has(m.role) || typeof m.content !== 'string') {
      throw new InputValueError(slot.input, `Item ${i + 1} of input "${slot.input}" must be { "role": "user" | "assistant" | "system", "content": "…" }.`);
    }
    const out: ChatMessage = { role: m.role as ChatMessage['role'], content: m.content };
    if (typeof m.name === 'string') out.name = m.name;
    return out;
  });
}

/** Hooks of {@link renderMessages}: where it is, and a check of each rendered text (which may throw). */
export interface RenderHooks {
  /** Called before message `messageIndex` (0-based, as in the prompt file) is rendered or expanded. */
  onMessage?(messageIndex: number): void;
  /** Called with each rendered template; throwing stops the render (an output limit). */
  checkOutput?(text: string, messageIndex: number): void;
}

/**
 * Render every message of `prompt` with the input values, expanding `chat_history` slots. The templates are
 * read in the prompt's `templateSyntax` (Nunjucks unless the file says otherwise).
 * @returns the messages of the chat completion request, in order.
 * @throws TemplateError for a template that fails; InputValueError for a chat history that is not an array of
 * messages; whatever `hooks.checkOutput` throws.
 */
export function renderMessages(prompt: Pick<PromptFile, 'messages' | 'templateSyntax'>, values: Record<string, unknown>, hooks: RenderHooks = {}): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of prompt.messages) {
    hooks.onMessage?.(message.index);
    if (message.kind === 'chat_history') {
      out.push(...expandChatHistory(message, values[message.input]));
      continue;
    }
    if (message.kind === 'parts') {
      const parts: ChatContentPart[] = message.parts.map((part) => {
        if (part.type !== 'text') return { type: part.type, input: part.input, ...(part.detail ? { detail: part.detail } : {}) };
        const text = renderTemplate(part.text, values, message.index, prompt.templateSyntax);
        hooks.checkOutput?.(text, message.index);
        return { type: 'text', text };
      });
      const rendered: ChatMessage = { role: message.role, content: parts };
      if (message.name !== undefined) rendered.name = message.name;
      out.push(rendered);
      continue;
    }
    const content = renderTemplate(message.content, values, message.index, prompt.templateSyntax);
    hooks.checkOutput?.(content, message.index);
    const rendered: ChatMessage = { role: message.role, content };
    if (message.name !== undefined) rendered.name = message.name;
    out.push(rendered);
  }
  return out;
}

/** Input values for a run: given values first, then defaults. `missing` lists required inputs with neither. */
export interface ResolvedInputs {
  values: Record<string, unknown>;
  missing: string[];
}

/** Combine a prompt's input defaults with values given for this run (given values win). */
export function resolveInputs(prompt: PromptFile, given: Record<string, unknown> = {}): ResolvedInputs {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const input of prompt.inputs.values()) {
    if (Object.prototype.hasOwnProperty.call(given, input.name)) values[input.name] = given[input.name];
    else if (input.hasDefault) values[input.name] = input.default;
    else if (input.required) missing.push(input.name);
  }
  for (const [name, value] of Object.entries(given)) if (!(name in values)) values[name] = value;
  return { values, missing };
}
