/**
 * Straight templates: text and plain lookups (`{{ city }}`, `{{ customer.name }}`) and nothing else. Most prompts'
 * messages are that, and nothing in them can loop, recurse, call or allocate beyond the text and the values
 * themselves, so a front end may render them on its own thread instead of paying its bounded worker's round trip
 * (src/node/renderWorker.ts; on a busy machine that round trip is a large part of a run's time to first token).
 *
 * The template is parsed by Nunjucks' own parser (the tokenizing, whitespace control and literals are Nunjucks'), and
 * rendered from that tree only when every lookup meets a plain value: a string, a number or a boolean, held as an own
 * data property of the values or of a plain object in them. Anything else (a tag, a filter, an operator, a missing or
 * non-primitive value, a name the sandbox refuses) is not straight: the caller renders the prompt the ordinary way,
 * and so gets exactly the result or error that way gives. test/unit/straightTemplates.test.ts checks that a straight
 * render always equals the sandboxed Nunjucks render.
 */
import * as nunjucks from 'nunjucks';
import type { PromptFile } from '../format/promptFile';
import { isPlainName } from './policy';
import { isBlockedKey, type ChatContentPart, type ChatMessage } from './template';

/** A straight template, ready to fill: its text pieces and, between them, the paths of its lookups. */
type Plan = readonly (string | readonly string[])[];

/** Templates longer than this (UTF-16 code units) are left to the worker: a straight template is short. */
export const MAX_STRAIGHT_CHARS = 64 * 1024;

/** Plans by template source (`null`: not straight), so a prompt run again is not parsed again. */
const plans = new Map<string, Plan | null>();
const MAX_PLANS = 500;

interface ParsedNode {
  typename: string;
  value?: unknown;
  children?: ParsedNode[];
  target?: ParsedNode;
  val?: ParsedNode;
}

const { parser } = nunjucks as unknown as { parser: { parse(src: string, extensions: unknown[], opts: unknown): ParsedNode } };
/** The options the sandboxed environment parses with (autoescape off, throwOnUndefined; see ./template.ts). */
const PARSE_OPTIONS = { autoescape: false, throwOnUndefined: true };

/** A name the policy takes and the sandbox's lookups do not refuse. */
function isReadableName(name: unknown): name is string {
  return isPlainName(name) && !isBlockedKey(name);
}

/** The path a lookup reads (`customer.name` → ["customer", "name"]), or undefined when it is not a plain lookup. */
function lookupPath(node: ParsedNode): string[] | undefined {
  if (node.typename === 'Symbol') return isReadableName(node.value) ? [node.value] : undefined;
  if (node.typename !== 'LookupVal' || !node.target || !node.val) return undefined;
  const key = node.val;
  if (key.typename !== 'Literal' || !isReadableName(key.value)) return undefined;
  const target = lookupPath(node.target);
  return target && [...target, key.value];
}

/** The plan of `source`, or null when it is not straight. */
function planOf(source: string): Plan | null {
  // Text alone (no "{{", "{%", "{#", nor a "#}" that Nunjucks' lexer refuses): the common system message.
  if (!/\{[{%#]|#\}/.test(source)) return [source];
  if (source.length > MAX_STRAIGHT_CHARS) return null;
  let root: ParsedNode;
  try {
    root = parser.parse(source, [], PARSE_OPTIONS);
  } catch {
    return null;
  }
  const plan: (string | string[])[] = [];
  for (const output of root.children ?? []) {
    if (output.typename !== 'Output') return null;
    for (const child of output.children ?? []) {
      if (child.typename === 'TemplateData') {
        if (typeof child.value !== 'string') return null;
        if (child.value !== '') plan.push(child.value);
        continue;
      }
      const path = lookupPath(child);
      if (!path) return null;
      plan.push(path);
    }
  }
  return plan;
}

function cachedPlan(source: string): Plan | null {
  let plan = plans.get(source);
  if (plan === undefined) {
    plan = planOf(source);
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(source, plan);
  }
  return plan;
}

/** An own, enumerable data property of a plain object (what the sandbox's lookups read as data), else undefined. */
function ownValue(holder: unknown, key: string): { value: unknown } | undefined {
  if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) return undefined;
  const proto = Object.getPrototypeOf(holder) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(holder, key);
  return descriptor && descriptor.enumerable && 'value' in descriptor ? { value: descriptor.value as unknown } : undefined;
}

/**
 * `plan` filled from `values`, or undefined when a lookup does not meet a string, number or boolean, or when the text
 * grows past `maxChars` (checked piece by piece, so `{{ big }}` written ten thousand times stops at the limit instead
 * of building a string of ten thousand copies on the calling thread; the ordinary render then reports the limit).
 */
function fill(plan: Plan, values: Record<string, unknown>, maxChars: number): string | undefined {
  let out = '';
  for (const piece of plan) {
    if (out.length > maxChars) return undefined;
    if (typeof piece === 'string') {
      out += piece;
      continue;
    }
    let holder: unknown = values;
    for (const key of piece) {
      const found = ownValue(holder, key);
      if (!found) return undefined;
      holder = found.value;
    }
    if (typeof holder !== 'string' && typeof holder !== 'number' && typeof holder !== 'boolean') return undefined;
    out += String(holder);
  }
  return out.length > maxChars ? undefined : out;
}

/**
 * `source` rendered with `values` when it is a straight template, its lookups meet plain values and the text is at
 * most `maxChars` UTF-16 code units (default: no limit), else undefined.
 */
export function renderStraightTemplate(source: string, values: Record<string, unknown>, maxChars = Number.MAX_SAFE_INTEGER): string | undefined {
  const plan = cachedPlan(source);
  return plan ? fill(plan, values, maxChars) : undefined;
}

/**
 * Every message of `prompt` rendered as `renderMessages` (./template.ts) renders it, when all its templates are
 * straight and Nunjucks syntax, it has no chat history slot and no message is longer than `maxOutputChars`;
 * undefined otherwise (render it the ordinary way, which reports a message over the limit with its index).
 */
export function renderStraightMessages(prompt: Pick<PromptFile, 'messages' | 'templateSyntax'>, values: Record<string, unknown>, maxOutputChars: number): ChatMessage[] | undefined {
  if (prompt.templateSyntax !== undefined && prompt.templateSyntax !== 'nunjucks') return undefined;
  const out: ChatMessage[] = [];
  for (const message of prompt.messages) {
    if (message.kind === 'chat_history') return undefined;
    if (message.kind === 'parts') {
      const parts: ChatContentPart[] = [];
      for (const part of message.parts) {
        if (part.type !== 'text') {
          parts.push({ type: part.type, input: part.input, ...(part.detail ? { detail: part.detail } : {}) });
          continue;
        }
        const text = renderStraightTemplate(part.text, values, maxOutputChars);
        if (text === undefined) return undefined;
        parts.push({ type: 'text', text });
      }
      const rendered: ChatMessage = { role: message.role, content: parts };
      if (message.name !== undefined) rendered.name = message.name;
      out.push(rendered);
      continue;
    }
    const content = renderStraightTemplate(message.content, values, maxOutputChars);
    if (content === undefined) return undefined;
    const rendered: ChatMessage = { role: message.role, content };
    if (message.name !== undefined) rendered.name = message.name;
    out.push(rendered);
  }
  return out;
}
