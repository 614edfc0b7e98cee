/**
 * Snippets for a `.prompt.json` file that need to know the file, which a JSON Schema's `defaultSnippets` cannot:
 * a test data row with the prompt's own inputs, a test data key per input, evaluators with the configured judge
 * deployments, an input for each variable the templates use but nobody declared, a message using the inputs no
 * message uses yet, a few-shot pair. The schema keeps its static ones (a message of each role, an input, a chat
 * history input, testData and evaluators as a whole).
 *
 * Bodies use VS Code's snippet syntax (tab stops `$1`, placeholders `${1:text}`, choices `${1|a,b|}`); the commas
 * the position needs before and after are part of the body, so an accepted snippet leaves valid JSON(C).
 * Evaluators are written in the shape of issue 13 (GitHub's `.prompt.yml` names): `{ name, string | regex | json |
 * jsonSchema | llm | uses }`.
 */
import { type Node, getLocation, parseTree } from 'jsonc-parser';
import type { PromptFile, PromptInput } from './promptFile';

export type SnippetKind = 'testDataRow' | 'testDataKey' | 'evaluator' | 'input' | 'message';

/** One snippet to offer: `body` in snippet syntax replaces the text at [replaceStart, replaceEnd). */
export interface PromptSnippet {
  kind: SnippetKind;
  label: string;
  detail: string;
  body: string;
  replaceStart: number;
  replaceEnd: number;
}

/** What the file does not say but the snippets use. */
export interface SnippetContext {
  /** Keys of `promptLab.deployments` (the judges' choices). */
  deployments: readonly string[];
  /** Variables the templates use that no input declares (from the analysis' `undeclared-variable` diagnostics). */
  undeclared: readonly string[];
  /** Inputs that no message template uses (from the analysis' `unused-input` diagnostics). */
  unused: readonly string[];
}

/** The built-in judges of issue 13, as `uses` names. */
const BUILT_IN_JUDGES = ['similarity', 'coherence', 'fluency', 'relevance', 'groundedness'];

/** `s` escaped for the text of a snippet (outside a placeholder). */
function literal(s: string): string {
  return s.replace(/[\\$}]/g, '\\$&');
}

/** `s` escaped for a snippet choice `${1|a,b|}`. */
function choice(s: string): string {
  return s.replace(/[\\,|$}]/g, '\\$&');
}

/** A JSON string with the snippet's escapes. */
function jsonString(s: string): string {
  return literal(JSON.stringify(s));
}

/** The snippet value of one input in a test data row, by its type, at tab stop `n`. */
function rowValue(input: PromptInput, n: number): string {
  switch (input.type) {
    case 'number': return `\${${n}:0}`;
    case 'boolean': return `\${${n}|true,false|}`;
    case 'array': return `[$${n}]`;
    case 'object': return `{$${n}}`;
    case 'chat_history': return `[{ "role": "user", "content": "$${n}" }]`;
    default: return `"$${n}"`;
  }
}

/** The commas needed around a value inserted at [start, end) of a list (array items or object properties). */
function separators(text: string, start: number, end: number): { before: string; after: string } {
  let i = start - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  let j = end;
  while (j < text.length && /\s/.test(text[j]!)) j++;
  const prev = text[i];
  const next = text[j];
  return {
    before: prev === undefined || prev === '[' || prev === '{' || prev === ',' ? '' : ', ',
    after: next === undefined || next === ']' || next === '}' || next === ',' ? '' : ',',
  };
}

/** The word being typed at `offset` (letters, digits, `-`, `_`): what an accepted snippet replaces. */
function wordAround(text: string, offset: number): { start: number; end: number } {
  let start = offset;
  while (start > 0 && /[\w-]/.test(text[start - 1]!)) start--;
  let end = offset;
  while (end < text.length && /[\w-]/.test(text[end]!)) end++;
  return { start, end };
}

function evaluatorBodies(context: SnippetContext): { label: string; detail: string; body: string }[] {
  const judges = context.deployments.length > 0 ? `"\${2|${context.deployments.map(choice).join(',')}|}"` : '"${2:judge}"';
  return [
    { label: 'Evaluator: contains the expected answer', detail: 'string.contains, ignoring case (gh-models)', body: '{ "name": "${1:mentions-expected}", "string": { "contains": "{{ expected \\}\\}" } }' },
    { label: 'Evaluator: equals the expected answer', detail: 'string.equals, exact', body: '{ "name": "${1:exact-answer}", "string": { "equals": "{{ expected \\}\\}" } }' },
    { label: 'Evaluator: starts with', detail: 'string.startsWith, ignoring case', body: '{ "name": "${1:starts-right}", "string": { "startsWith": "${2:text}" } }' },
    { label: 'Evaluator: matches a regular expression', detail: 'regex (JavaScript syntax)', body: '{ "name": "${1:format}", "regex": { "pattern": "${2:^\\\\\\\\w+\\$}", "flags": "${3:i}" } }' },
    { label: 'Evaluator: valid JSON', detail: 'json', body: '{ "name": "${1:valid-json}", "json": true }' },
    { label: 'Evaluator: JSON matching a schema', detail: 'jsonSchema (checked with Ajv)', body: '{ "name": "${1:matches-schema}", "jsonSchema": { "type": "object", "properties": { "${2:answer}": { "type": "string" } }, "required": ["${2:answer}"] } }' },
    {
      label: 'Evaluator: LLM judge', detail: 'llm: a deployment answers with one of the choices',
      body: `{ "name": "\${1:judge}", "llm": { "deployment": ${judges}, "prompt": "\${3:Does the answer match the expected one? Answer yes or no.}\\\\n\\\\nExpected: {{ expected \\}\\}\\\\nAnswer: {{ completion \\}\\}", "choices": [{ "choice": "yes", "score": 1 }, { "choice": "no", "score": 0 }] } }`,
    },
    { label: 'Evaluator: built-in judge', detail: 'uses: rates 1–5, mapped to 0..1', body: `{ "name": "\${1:quality}", "uses": "prompt-lab/\${2|${BUILT_IN_JUDGES.join(',')}|}" }` },
  ];
}

function childAt(node: Node | undefined, key: string): Node | undefined {
  return node?.type === 'object' ? node.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1] : undefined;
}

/**
 * The snippets that fit at `offset` of the prompt file `text` (with `prompt` as parsed from it). Empty where none
 * fits, e.g. inside a string or a number.
 */
export function snippetsAt(text: string, offset: number, prompt: PromptFile | null, context: SnippetContext): PromptSnippet[] {
  const location = getLocation(text, offset);
  const path = location.path;
  let word = wordAround(text, offset);
  const previous = location.previousNode;
  if (previous && (previous.type === 'string' || previous.type === 'property') && location.isAtPropertyKey && text[previous.offset] === '"') {
    // A key being typed inside its quotes: the snippet replaces the whole string.
    word = { start: previous.offset, end: previous.offset + previous.length };
  } else if (previous && previous.type !== 'property' && !(previous.offset >= word.start && previous.offset + previous.length <= word.end)) {
    // Inside a string, a number or a literal that is not the word being typed: nothing to insert there.
    return [];
  }
  const inputs = prompt ? [...prompt.inputs.values()] : [];
  const out: PromptSnippet[] = [];
  const add = (kind: SnippetKind, label: string, detail: string, body: string) => {
    const { before, after } = separators(text, word.start, word.end);
    out.push({ kind, label, detail, body: `${before}${body}${after}`, replaceStart: word.start, replaceEnd: word.end });
  };
  const [top, second, third] = path;
  const atItem = path.length === 2 && typeof second === 'number' && !location.isAtPropertyKey;

  if (top === 'testData' && atItem) {
    const fields = inputs.map((input, i) => `${jsonString(input.name)}: ${rowValue(input, i + 1)}`);
    fields.push(`"expected": "$${inputs.length + 1}"`);
    add('testDataRow', 'Test data row', `the inputs (${inputs.map((i) => i.name).join(', ') || 'none yet'}) and expected`, `{ ${fields.join(', ')} }`);
  }
  if (top === 'testData' && typeof second === 'number' && path.length === 3 && location.isAtPropertyKey && typeof third === 'string') {
    const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
    const row = root ? childAt(root, 'testData')?.children?.[second] : undefined;
    const taken = new Set((row?.children ?? []).map((p) => String(p.children?.[0]?.value)));
    for (const [i, input] of inputs.entries()) {
      if (taken.has(input.name)) continue;
      add('testDataKey', input.name, `input${input.type ? ` (${input.type})` : ''}${input.description ? `: ${input.description}` : ''}`, `${jsonString(input.name)}: ${rowValue(input, i + 1).replace(/\$\{?\d+/g, (m) => m.replace(/\d+/, '1'))}`);
    }
    if (!taken.has('expected')) add('testDataKey', 'expected', 'what the evaluators compare the output with', '"expected": "$1"');
  }
  if (top === 'evaluators' && atItem) {
    for (const e of evaluatorBodies(context)) add('evaluator', e.label, e.detail, e.body);
  }
  if (top === 'inputs' && path.length === 2 && location.isAtPropertyKey) {
    const declared = new Set(inputs.map((i) => i.name));
    for (const name of context.undeclared) {
      if (declared.has(name)) continue;
      add('input', `Input "${name}"`, 'declare a variable the templates use', `${jsonString(name)}: { "type": "\${1|string,number,boolean,array,object|}", "description": "$2", "default": \${3:""} }`);
    }
  }
  if (top === 'messages' && atItem) {
    if (context.unused.length > 0) {
      const uses = context.unused.map((name) => `{{ ${literal(name).replace(/\}/g, '\\}')} \\}\\}`).join('\\\\n');
      add('message', 'User message with the unused inputs', `uses ${context.unused.join(', ')}`, `{ "role": "user", "content": "$1${uses}" }`);
    }
    add('message', 'Few-shot example', 'a user message and the assistant\'s answer to imitate', '{ "role": "user", "content": "${1:example question}" },\n{ "role": "assistant", "content": "${2:the answer to imitate}" }');
  }
  return out;
}
