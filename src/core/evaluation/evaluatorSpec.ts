/**
 * The `evaluators` of a prompt file, read from its JSONC tree into typed specs with the spans that diagnostics need.
 * Names follow GitHub's `.prompt.yml` format (github/gh-models `pkg/prompt/prompt.go`: `Evaluator` with `name` and
 * one of `string` {`contains`, `equals`, `startsWith`, `endsWith`}, `llm` {`prompt`, `choices`, `systemPrompt`},
 * `uses`), so such a file converts one to one; Prompt Lab adds `regex`, `json`, `jsonSchema`, an `llm` judge's
 * `deployment` (gh-models' `modelId`) and `passAt`.
 */
import { type Node, findNodeAtLocation, getNodeValue } from 'jsonc-parser';
import type { TextSpan } from '../format/promptFile';

/** The string comparisons, in gh-models' order of precedence when one evaluator sets several (cmd/eval/eval.go). */
export const STRING_OPERATORS = ['equals', 'contains', 'startsWith', 'endsWith'] as const;
export type StringOperator = (typeof STRING_OPERATORS)[number];

/** The built-in judges (`uses: "prompt-lab/<name>"`, also accepted as gh-models' `github/<name>`). */
export const BUILTIN_JUDGES = ['similarity', 'coherence', 'fluency', 'relevance', 'groundedness'] as const;
export type BuiltinJudgeName = (typeof BUILTIN_JUDGES)[number];

/** The keys that choose an evaluator's kind; exactly one per evaluator. */
export const EVALUATOR_KINDS = ['string', 'regex', 'json', 'jsonSchema', 'llm', 'uses'] as const;
export type EvaluatorKind = (typeof EVALUATOR_KINDS)[number];

/** A template inside an evaluator, with the span of its JSON string literal (quotes included) for diagnostics. */
export interface EvaluatorTemplate {
  text: string;
  span: TextSpan;
}

interface SpecBase {
  name: string;
  /** 0-based position in `evaluators`. */
  index: number;
  /** Span of the evaluator's object. */
  span: TextSpan;
}

/** `{ "string": { "contains": "{{ expected }}" } }`. */
export interface StringEvaluatorSpec extends SpecBase {
  kind: 'string';
  operator: StringOperator;
  template: EvaluatorTemplate;
}

/** `{ "regex": { "pattern": "^\\d+$", "flags": "i" } }`: JavaScript regular expression syntax and flags. */
export interface RegexEvaluatorSpec extends SpecBase {
  kind: 'regex';
  pattern: string;
  flags: string;
}

/** `{ "json": true }`: the output parses as JSON. */
export interface JsonEvaluatorSpec extends SpecBase {
  kind: 'json';
}

/** `{ "jsonSchema": { …a JSON Schema… } }`: the output parses as JSON and validates against the schema (Ajv). */
export interface JsonSchemaEvaluatorSpec extends SpecBase {
  kind: 'jsonSchema';
  schema: Record<string, unknown>;
}

/** One answer a judge may give and its score, 0..1. */
export interface JudgeChoice {
  choice: string;
  score: number;
}

/** An LLM judge: `{ "llm": { "deployment"?, "systemPrompt"?, "prompt", "choices", "passAt"? } }`. */
export interface LlmEvaluatorSpec extends SpecBase {
  kind: 'llm';
  /** The judge's deployment key; absent: the prompt's own `deployment`. */
  deployment?: string;
  deploymentSpan?: TextSpan;
  systemPrompt?: EvaluatorTemplate;
  prompt: EvaluatorTemplate;
  choices: JudgeChoice[];
  /** A score at or above it passes; absent: gh-models' rule, a score above 0 passes. */
  passAt?: number;
}

/** A built-in judge: `{ "uses": "prompt-lab/similarity", "deployment"?, "passAt"? }`. */
export interface BuiltinEvaluatorSpec extends SpecBase {
  kind: 'uses';
  uses: string;
  judge: BuiltinJudgeName;
  deployment?: string;
  deploymentSpan?: TextSpan;
  passAt?: number;
}

export type EvaluatorSpec = StringEvaluatorSpec | RegexEvaluatorSpec | JsonEvaluatorSpec | JsonSchemaEvaluatorSpec | LlmEvaluatorSpec | BuiltinEvaluatorSpec;

/** A problem in `evaluators`, at a span of the file. */
export interface EvaluatorProblem {
  message: string;
  span: TextSpan;
}

function spanOf(node: Node): TextSpan {
  return { offset: node.offset, length: node.length };
}

function templateAt(node: Node | undefined): EvaluatorTemplate | undefined {
  return node?.type === 'string' ? { text: node.value as string, span: spanOf(node) } : undefined;
}

function passAtOf(parent: Node, name: string, problems: EvaluatorProblem[]): number | undefined {
  const node = findNodeAtLocation(parent, ['passAt']);
  if (!node) return undefined;
  if (node.type === 'number' && (node.value as number) >= 0 && (node.value as number) <= 1) return node.value as number;
  problems.push({ message: `Evaluator "${name}": "passAt" must be a score from 0 to 1 (a score at or above it passes).`, span: spanOf(node) });
  return undefined;
}

function deploymentOf(parent: Node, name: string, problems: EvaluatorProblem[]): { deployment?: string; deploymentSpan?: TextSpan } {
  const node = findNodeAtLocation(parent, ['deployment']);
  if (!node) return {};
  if (node.type === 'string' && node.value !== '') return { deployment: node.value as string, deploymentSpan: spanOf(node) };
  problems.push({ message: `Evaluator "${name}": "deployment" must name a key of "promptLab.deployments".`, span: spanOf(node) });
  return {};
}

/** The built-in judge that `uses` names (`prompt-lab/<name>` or `github/<name>`), if any. */
export function builtinJudgeOf(uses: string): BuiltinJudgeName | undefined {
  const m = /^(?:prompt-lab|github)\/([a-z]+)$/.exec(uses);
  const name = m?.[1];
  return name && (BUILTIN_JUDGES as readonly string[]).includes(name) ? (name as BuiltinJudgeName) : undefined;
}

/**
 * Read `evaluators` (the array node) into specs. An evaluator that cannot be used is left out and explained in
 * `problems`; names must be unique (the log keys results by name).
 */
export function parseEvaluators(node: Node): { evaluators: EvaluatorSpec[]; problems: EvaluatorProblem[] } {
  const evaluators: EvaluatorSpec[] = [];
  const problems: EvaluatorProblem[] = [];
  if (node.type !== 'array') {
    problems.push({ message: '"evaluators" must be an array, e.g. [{ "name": "mentions-answer", "string": { "contains": "{{ expected }}" } }].', span: spanOf(node) });
    return { evaluators, problems };
  }
  const names = new Set<string>();
  (node.children ?? []).forEach((item, index) => {
    if (item.type !== 'object') {
      problems.push({ message: `Evaluator ${index + 1} must be an object with "name" and one of ${EVALUATOR_KINDS.join(', ')}.`, span: spanOf(item) });
      return;
    }
    const nameNode = findNodeAtLocation(item, ['name']);
    if (nameNode?.type !== 'string' || nameNode.value === '') {
      problems.push({ message: `Evaluator ${index + 1} needs a "name": a non-empty string that labels its results.`, span: spanOf(nameNode ?? item) });
      return;
    }
    const name = nameNode.value as string;
    if (names.has(name)) {
      problems.push({ message: `Two evaluators are named "${name}": give each its own name (results are kept by name).`, span: spanOf(nameNode) });
      return;
    }
    names.add(name);
    const kinds = EVALUATOR_KINDS.filter((k) => findNodeAtLocation(item, [k]) !== undefined);
    if (kinds.length !== 1) {
      problems.push({
        message: kinds.length === 0
          ? `Evaluator "${name}" needs one of ${EVALUATOR_KINDS.map((k) => `"${k}"`).join(', ')}.`
          : `Evaluator "${name}" has several kinds (${kinds.join(', ')}): keep one, or split it into several evaluators.`,
        span: spanOf(item),
      });
      return;
    }
    const kind = kinds[0] as EvaluatorKind;
    const body = findNodeAtLocation(item, [kind]) as Node;
    const base = { name, index, span: spanOf(item) };
    const spec = readKind(kind, body, item, base, problems);
    if (spec) evaluators.push(spec);
  });
  return { evaluators, problems };
}

function readKind(kind: EvaluatorKind, body: Node, item: Node, base: SpecBase, problems: EvaluatorProblem[]): EvaluatorSpec | undefined {
  const { name } = base;
  const fail = (message: string, at: Node = body): undefined => {
    problems.push({ message: `Evaluator "${name}": ${message}`, span: spanOf(at) });
    return undefined;
  };
  switch (kind) {
    case 'string': {
      if (body.type !== 'object') return fail('"string" must be an object such as { "contains": "{{ expected }}" }.');
      // gh-models treats an empty string as unset and checks the first set one in this order.
      for (const operator of STRING_OPERATORS) {
        const template = templateAt(findNodeAtLocation(body, [operator]));
        if (template && template.text !== '') return { ...base, kind, operator, template };
      }
      return fail(`"string" needs one of ${STRING_OPERATORS.map((o) => `"${o}"`).join(', ')} with a non-empty string.`);
    }
    case 'regex': {
      const patternNode = body.type === 'object' ? findNodeAtLocation(body, ['pattern']) : undefined;
      if (patternNode?.type !== 'string') return fail('"regex" must be { "pattern": "…", "flags"?: "i" } (JavaScript regular expression syntax).');
      const flagsNode = findNodeAtLocation(body, ['flags']);
      if (flagsNode && flagsNode.type !== 'string') return fail('"flags" must be a string of JavaScript flags such as "i" or "ms".', flagsNode);
      const pattern = patternNode.value as string;
      const flags = (flagsNode?.value as string | undefined) ?? '';
      try {
        new RegExp(pattern, flags);
      } catch (err) {
        return fail(`the regular expression does not compile: ${(err as Error).message}.`, flagsNode && /flag/i.test((err as Error).message) ? flagsNode : patternNode);
      }
      return { ...base, kind, pattern, flags };
    }
    case 'json':
      if (body.type !== 'boolean' || body.value !== true) return fail('"json" must be true (the output parses as JSON).');
      return { ...base, kind };
    case 'jsonSchema':
      if (body.type !== 'object') return fail('"jsonSchema" must be a JSON Schema object, e.g. { "type": "object", "required": ["answer"] }.');
      return { ...base, kind, schema: getNodeValue(body) as Record<string, unknown> };
    case 'llm': {
      if (body.type !== 'object') return fail('"llm" must be { "prompt", "choices": [{ "choice", "score" }], "deployment"?, "systemPrompt"? }.');
      const prompt = templateAt(findNodeAtLocation(body, ['prompt']));
      if (!prompt || prompt.text.trim() === '') return fail('"llm" needs "prompt": a template over the row, {{ completion }} (the output) and {{ expected }}.');
      const choicesNode = findNodeAtLocation(body, ['choices']);
      const choices: JudgeChoice[] = [];
      for (const c of choicesNode?.type === 'array' ? choicesNode.children ?? [] : []) {
        const choice = findNodeAtLocation(c, ['choice']);
        const score = findNodeAtLocation(c, ['score']);
        if (c.type !== 'object' || choice?.type !== 'string' || choice.value === '' || score?.type !== 'number' || (score.value as number) < 0 || (score.value as number) > 1) {
          return fail('each choice must be { "choice": "<what the judge answers>", "score": <0 to 1> }.', c);
        }
        choices.push({ choice: choice.value as string, score: score.value as number });
      }
      if (choices.length === 0) return fail('"llm" needs "choices": a non-empty array of { "choice", "score" }.', choicesNode ?? body);
      const spec: LlmEvaluatorSpec = { ...base, kind, prompt, choices, ...deploymentOf(body, name, problems) };
      const systemNode = findNodeAtLocation(body, ['systemPrompt']);
      if (systemNode) {
        const systemPrompt = templateAt(systemNode);
        if (!systemPrompt) return fail('"systemPrompt" must be a string.', systemNode);
        spec.systemPrompt = systemPrompt;
      }
      const passAt = passAtOf(body, name, problems);
      if (passAt !== undefined) spec.passAt = passAt;
      return spec;
    }
    case 'uses': {
      if (body.type !== 'string') return fail(`"uses" must name a built-in judge: ${BUILTIN_JUDGES.map((j) => `"prompt-lab/${j}"`).join(', ')}.`);
      const uses = body.value as string;
      const judge = builtinJudgeOf(uses);
      if (!judge) return fail(`"${uses}" is not a built-in judge; use one of ${BUILTIN_JUDGES.map((j) => `"prompt-lab/${j}"`).join(', ')} (or the same names under "github/").`);
      const spec: BuiltinEvaluatorSpec = { ...base, kind, uses, judge, ...deploymentOf(item, name, problems) };
      const passAt = passAtOf(item, name, problems);
      if (passAt !== undefined) spec.passAt = passAt;
      return spec;
    }
  }
}
