/**
 * Running evaluators on one cell's output. The rules follow gh-models (github/gh-models `cmd/eval/eval.go`,
 * `runStringEvaluator` and `runLLMEvaluator`), so a `.prompt.yml` evaluates the same here:
 *
 * - every evaluator sees the output trimmed of surrounding whitespace (gh-models trims the model's response);
 * - `equals` compares exactly, case included; `contains`, `startsWith` and `endsWith` ignore case (both sides
 *   lower-cased); templates render over the row first, so `"contains": "{{ expected }}"` works; score 1 or 0;
 * - an LLM judge's answer, trimmed and lower-cased, is matched to the choices in order, the first choice it contains
 *   winning; its score is the result, and it passes when above 0 (or at or above `passAt`, which Prompt Lab adds).
 *
 * Prompt Lab differs from gh-models where gh-models loses information: a judge answer that is exactly one choice
 * matches that choice before the containment rule is tried (gh-models would let an earlier choice "good" win over an
 * answer "not good"), and an answer that matches no choice is an evaluator error carrying the judge's text, not a
 * silent score of 0. Every template renders through the front end's {@link TemplateRenderer}.
 */
import type { PromptFile, TemplateMessage, TemplateSyntax } from '../format/promptFile';
import type { EvaluatorResult } from '../log/runLog';
import { checkStructuredOutput } from '../run/structured';
import type { TemplateRenderer } from '../template/renderer';
import { messageText, type ChatMessage } from '../template/template';
import { BUILTIN_JUDGE_PROMPTS } from './builtinJudges';
import type { EvaluatorSpec, JudgeChoice, LlmEvaluatorSpec, BuiltinEvaluatorSpec, RegexEvaluatorSpec } from './evaluatorSpec';
import type { TestRow } from './testData';

/** A judge's request: the judge's deployment key (undefined: the prompt names none), its messages as templates and their values. */
export interface JudgeRequest {
  evaluator: string;
  deployment: string | undefined;
  /** A prompt of the judge's messages (system prompt, then the prompt), whose contents are templates over `values`. */
  prompt: PromptFile;
  values: Record<string, unknown>;
}

/** What a judge run gave: its text (choice 0's output), its run id, and how it ended. */
export interface JudgeAnswer {
  status: 'ok' | 'error' | 'cancelled';
  text: string;
  runId: string;
  /** Why the run failed, when it did. */
  error?: string;
}

/** Sends a judge request (the evaluation engine logs it as a run with `source: "judge"`). */
export type Judge = (request: JudgeRequest) => Promise<JudgeAnswer>;

/** What evaluators need of a cell. */
export interface CellToEvaluate {
  /** The cell's output, as the model sent it. */
  output: string;
  row: TestRow;
  /** The input values the cell ran with (defaults applied). */
  inputs: Record<string, unknown>;
  /** The messages as sent (built-in judges read the question and the context from them). */
  messages: readonly ChatMessage[];
}

/**
 * Runs a `regex` evaluator's match away from the caller's thread, bounded in time: a pattern comes from someone else's
 * prompt file, and one that backtracks catastrophically (`^(a+)+$` on a long output) would otherwise hold the thread
 * for minutes. The Node front ends pass src/node/regexWorker.ts.
 */
export interface RegexMatcher {
  /**
   * Whether `new RegExp(pattern, flags).test(text)`.
   * @throws Error (a sentence) when the match takes longer than the matcher's limit or the pattern does not compile.
   */
  test(pattern: string, flags: string, text: string): Promise<boolean>;
}

/** What running evaluators needs besides the cell. */
export interface EvaluatorEnvironment {
  renderer: TemplateRenderer;
  /** Where `regex` evaluators match; in this thread when absent (unbounded: only for trusted patterns and tests). */
  regex?: RegexMatcher;
  judge: Judge;
  /** The prompt's own deployment: judges that name none use it. */
  promptDeployment: string | undefined;
  /**
   * The prompt file's template syntax. `github` (a `.prompt.yml`): string evaluator templates and an `llm` judge's
   * prompts follow GitHub's rules, as gh-models templates them (cmd/eval/eval.go: `templateString`), so an unknown
   * name stays as written. The built-in judges' own prompts are always Nunjucks.
   */
  syntax?: TemplateSyntax;
}

/** The values string evaluator templates render with: the inputs (defaults applied) and the row's own fields. */
export function rowValues(cell: Pick<CellToEvaluate, 'row' | 'inputs'>): Record<string, unknown> {
  return { ...cell.inputs, ...cell.row.values };
}

/** Whether an LLM judge's score passes: at or above `passAt` when set, else above 0 (gh-models' rule). */
export function scorePasses(score: number, passAt: number | undefined): boolean {
  return passAt === undefined ? score > 0 : score >= passAt;
}

/**
 * The choice a judge's answer names: the choice the trimmed, lower-cased answer equals, else the first choice (in
 * order) it contains (gh-models' rule); undefined when none.
 */
export function matchChoice(answer: string, choices: readonly JudgeChoice[]): JudgeChoice | undefined {
  const text = answer.trim().toLowerCase();
  return choices.find((c) => c.choice.trim().toLowerCase() === text) ?? choices.find((c) => text.includes(c.choice.toLowerCase()));
}

function failure(name: string, error: string): EvaluatorResult {
  return { name, score: null, passed: false, error };
}

function message(err: unknown): string {
  // A TemplateError's `detail` is the sentence without "Template error in message 1", which would mislead here.
  const detail = (err as { detail?: unknown; line?: unknown; column?: unknown } | null)?.detail;
  if (typeof detail === 'string') {
    const { line, column } = err as { line?: number; column?: number };
    return `${detail}${line !== undefined ? ` (line ${line}${column !== undefined ? `, column ${column}` : ''})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const regexCache = new WeakMap<RegexEvaluatorSpec, RegExp>();

/**
 * Run one evaluator. Never throws: a template that fails, a schema that does not compile, a judge that fails or
 * answers with no choice give a result with `error` set (the cell then counts as an error).
 */
export async function runEvaluator(spec: EvaluatorSpec, cell: CellToEvaluate, env: EvaluatorEnvironment): Promise<EvaluatorResult> {
  const name = spec.name;
  const output = cell.output.trim();
  switch (spec.kind) {
    case 'string': {
      let expected: string;
      try {
        [expected = ''] = await env.renderer.renderTemplates([spec.template.text], rowValues(cell), env.syntax ? { syntax: env.syntax } : undefined);
      } catch (err) {
        return failure(name, `The "${spec.operator}" template does not render for this row: ${message(err)}`);
      }
      const passed = compareStrings(spec.operator, output, expected);
      const what = { equals: 'Expected exact match', contains: 'Expected to contain', startsWith: 'Expected to start with', endsWith: 'Expected to end with' }[spec.operator];
      return { name, score: passed ? 1 : 0, passed, details: `${what}: '${expected}'` };
    }
    case 'regex': {
      let passed: boolean;
      if (env.regex) {
        try {
          passed = await env.regex.test(spec.pattern, spec.flags, output);
        } catch (err) {
          return failure(name, message(err));
        }
      } else {
        let re = regexCache.get(spec);
        if (!re) {
          re = new RegExp(spec.pattern, spec.flags);
          regexCache.set(spec, re);
        }
        re.lastIndex = 0;
        passed = re.test(output);
      }
      return { name, score: passed ? 1 : 0, passed, details: `Expected to match /${spec.pattern}/${spec.flags}` };
    }
    case 'json': {
      try {
        JSON.parse(output);
        return { name, score: 1, passed: true, details: 'The output parses as JSON' };
      } catch (err) {
        const fenced = /^```/.test(output) ? ' (it is wrapped in a Markdown code fence)' : '';
        return { name, score: 0, passed: false, details: `The output is not JSON${fenced}: ${message(err)}` };
      }
    }
    case 'jsonSchema': {
      const check = checkStructuredOutput(output, spec.schema);
      const compileError = check.problems.find((p) => p.message.startsWith('The schema in response_format does not compile'));
      if (compileError) return failure(name, compileError.message.replace('The schema in response_format', 'The jsonSchema'));
      if (check.valid) return { name, score: 1, passed: true, details: 'The output matches the schema' };
      const problems = check.problems.slice(0, 3).map((p) => p.message).join('; ');
      return { name, score: 0, passed: false, details: `The output does not match the schema: ${problems}` };
    }
    case 'llm':
    case 'uses':
      return runJudge(spec, cell, env);
  }
}

/** gh-models' string comparison (cmd/eval/eval.go `runStringEvaluator`): `equals` exact, the others case-insensitive. */
export function compareStrings(operator: 'equals' | 'contains' | 'startsWith' | 'endsWith', output: string, expected: string): boolean {
  if (operator === 'equals') return output === expected;
  const o = output.toLowerCase();
  const e = expected.toLowerCase();
  return operator === 'contains' ? o.includes(e) : operator === 'startsWith' ? o.startsWith(e) : o.endsWith(e);
}

function templateMessage(index: number, role: 'system' | 'user', content: string): TemplateMessage {
  return { kind: 'template', index, role, content, contentSpan: { offset: 0, length: 0 } };
}

/** The judge's messages as a prompt: its system prompt (if any), then its prompt; both templates. */
export function judgePrompt(systemPrompt: string | undefined, prompt: string, syntax?: TemplateSyntax): PromptFile {
  const messages = systemPrompt === undefined ? [templateMessage(0, 'user', prompt)] : [templateMessage(0, 'system', systemPrompt), templateMessage(1, 'user', prompt)];
  return { parameters: {}, inputs: new Map(), messages, tags: [], evaluators: [], messageProblems: [], ...(syntax ? { templateSyntax: syntax } : {}) };
}

/** The last user message as sent, and the text of the messages before it (for built-in judges). */
function questionAndContext(messages: readonly ChatMessage[]): { query: string | undefined; before: string } {
  let last = -1;
  messages.forEach((m, i) => {
    if (m.role === 'user') last = i;
  });
  if (last < 0) return { query: undefined, before: '' };
  const last_ = messages[last];
  return { query: last_ ? messageText(last_) : undefined, before: messages.slice(0, last).map((m) => messageText(m)).join('\n\n') };
}

async function runJudge(spec: LlmEvaluatorSpec | BuiltinEvaluatorSpec, cell: CellToEvaluate, env: EvaluatorEnvironment): Promise<EvaluatorResult> {
  const name = spec.name;
  const values: Record<string, unknown> = { ...rowValues(cell), completion: cell.output.trim() };
  let prompt: PromptFile;
  let choices: readonly JudgeChoice[];
  if (spec.kind === 'llm') {
    if (cell.row.values.expected !== undefined) values.expected = cell.row.values.expected;
    prompt = judgePrompt(spec.systemPrompt?.text, spec.prompt.text, env.syntax);
    choices = spec.choices;
  } else {
    const judge = BUILTIN_JUDGE_PROMPTS[spec.judge];
    const { query, before } = questionAndContext(cell.messages);
    const context = cell.row.values.context ?? (before === '' ? undefined : before);
    Object.assign(values, { query, context, expected: cell.row.values.expected });
    const missing = judge.needs.find((v) => values[v] === undefined || values[v] === null);
    if (missing) {
      const why = missing === 'expected' ? 'the row has no "expected" field' : missing === 'context' ? 'the row has no "context" field and the prompt sends nothing before its user message' : 'the prompt sends no user message';
      return failure(name, `${spec.uses} needs "${missing}": ${why}.`);
    }
    prompt = judgePrompt(judge.systemPrompt, judge.prompt);
    choices = judge.choices;
  }
  const deployment = spec.deployment ?? env.promptDeployment;
  const answer = await env.judge({ evaluator: name, deployment, prompt, values });
  if (answer.status === 'cancelled') return failure(name, 'cancelled');
  if (answer.status === 'error') return failure(name, `The judge run failed: ${answer.error ?? 'unknown error'}`);
  const choice = matchChoice(answer.text, choices);
  if (!choice) {
    return failure(name, `The judge answered "${answer.text.trim().slice(0, 500)}", which matches none of the choices ${choices.map((c) => `"${c.choice}"`).join(', ')}.`);
  }
  return { name, score: choice.score, passed: scorePasses(choice.score, spec.passAt), details: `The judge answered "${answer.text.trim().slice(0, 200)}": choice "${choice.choice}"` };
}
