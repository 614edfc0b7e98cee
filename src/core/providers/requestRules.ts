/**
 * Request rules: what some models reject that others accept, fixed when the request is built instead of failing with
 * a 400 at run time. One table, next to the provider defaults (./providers.ts); each rule names its source and, where
 * a public recording exists, the recorded error body it prevents (test/fixtures/wire; SOURCES.md says where each comes
 * from). A rule applies to the models its `models` pattern recognises (the model name as sent, after routing; a
 * `publisher/` prefix such as GitHub Models' `openai/o3-mini` is ignored), and to any deployment that names it in
 * `requestRules` (an Azure deployment whose name says nothing of its model). Applied rules are shown in Preview
 * Rendered, warned about in the editor, and logged with the run (`requestRules`).
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

/** What a rule works on: the request's parameters (no `model`, `messages`, `stream`) and its messages. */
export interface RuleRequest {
  parameters: Record<string, unknown>;
  messages: ChatCompletionMessageParam[];
}

/** An error body's fields a rule recognises (OpenAI's `{ error: { message, type, param, code } }`). */
export interface RuleErrorFields {
  param?: unknown;
  code?: unknown;
  message?: unknown;
}

/** One rule of the table. */
export interface RequestRule {
  /** Stable name, logged in `requestRules` and accepted in a deployment's `requestRules`. */
  name: string;
  /** What it does, in one sentence (Preview Rendered, the README). */
  summary: string;
  /** Where the model's behaviour is documented. */
  source: string;
  /**
   * The recorded error body it prevents, relative to test/fixtures/wire, when a public recording exists (the unit
   * test sends the unfixed request's error through the rule's `prevents` check).
   */
  recorded?: string;
  /** Models it applies to by name. */
  models: RegExp;
  /** Providers it is limited to (all when absent). */
  providers?: readonly string[];
  /**
   * Change `request` in place; returns one sentence per change (empty when there was nothing to change, and the rule
   * is then not reported as applied).
   */
  apply(request: RuleRequest): string[];
  /** Whether an error body is the one this rule prevents. */
  prevents(error: RuleErrorFields): boolean;
  /** What the person can do when the rule did not apply (said in the 400's message). */
  fix: string;
}

/**
 * OpenAI's reasoning models: o1, o3, o4-mini and the gpt-5 family, except the gpt-5 chat models
 * (https://platform.openai.com/docs/guides/reasoning).
 */
const REASONING_MODELS = /^(o1|o3|o4-mini)(-|$)|^gpt-5(?!(\.\d+)?-chat)/i;

/**
 * Sampling parameters the reasoning models reject ("Unsupported parameter" or "Unsupported value … Only the default (1)
 * value is supported"): https://platform.openai.com/docs/guides/reasoning#limitations (temperature, top_p,
 * presence_penalty, frequency_penalty, logprobs, top_logprobs, logit_bias).
 */
const REASONING_REJECTED = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs', 'logit_bias'] as const;

function isUnsupported(error: RuleErrorFields): boolean {
  return error.code === 'unsupported_parameter' || error.code === 'unsupported_value';
}

/** The rules, in the order they are applied. */
export const REQUEST_RULES: readonly RequestRule[] = [
  {
    name: 'max-completion-tokens',
    summary: 'sends "max_tokens" as "max_completion_tokens", which OpenAI\'s reasoning models require',
    source: 'https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_tokens',
    recorded: 'openai/error-400-unsupported-parameter.json',
    models: REASONING_MODELS,
    apply({ parameters }) {
      if (!('max_tokens' in parameters)) return [];
      if (!('max_completion_tokens' in parameters)) parameters.max_completion_tokens = parameters.max_tokens;
      delete parameters.max_tokens;
      return ['"max_tokens" is sent as "max_completion_tokens".'];
    },
    prevents: (e) => e.param === 'max_tokens' && isUnsupported(e),
    fix: 'write "max_completion_tokens" instead of "max_tokens"',
  },
  {
    name: 'reasoning-sampling',
    summary: `leaves out the sampling parameters OpenAI's reasoning models reject (${REASONING_REJECTED.join(', ')}); "reasoning_effort" is sent`,
    source: 'https://platform.openai.com/docs/guides/reasoning',
    models: REASONING_MODELS,
    apply({ parameters }) {
      const dropped = REASONING_REJECTED.filter((name) => name in parameters);
      for (const name of dropped) delete parameters[name];
      return dropped.length > 0 ? [`${dropped.map((d) => `"${d}"`).join(', ')} ${dropped.length === 1 ? 'is' : 'are'} left out: this model rejects ${dropped.length === 1 ? 'it' : 'them'}.`] : [];
    },
    prevents: (e) => typeof e.param === 'string' && (REASONING_REJECTED as readonly string[]).includes(e.param) && isUnsupported(e),
    fix: 'remove the sampling parameters (temperature, top_p, penalties, logprobs, logit_bias) and use "reasoning_effort"',
  },
  {
    name: 'system-as-user',
    summary: 'sends system and developer messages as user messages to o1-mini and o1-preview, which take neither',
    source: 'https://platform.openai.com/docs/guides/reasoning (o1-mini and o1-preview: no system or developer messages)',
    recorded: 'openai/error-400-unsupported-value.json',
    models: /^o1-(mini|preview)(-|$)/i,
    apply({ messages }) {
      let moved = 0;
      for (const message of messages) {
        if (message.role !== 'system' && message.role !== 'developer') continue;
        (message as { role: string }).role = 'user';
        moved++;
      }
      return moved > 0 ? [`${moved} system or developer message${moved === 1 ? ' is' : 's are'} sent as user message${moved === 1 ? '' : 's'}.`] : [];
    },
    prevents: (e) => typeof e.param === 'string' && /^messages\[\d+\]\.role$/.test(e.param) && e.code === 'unsupported_value',
    fix: 'write the system message as a user message',
  },
  {
    name: 'json-object-as-schema',
    summary: 'sends "response_format": { "type": "json_object" } in the "json_schema" form, which Scaleway\'s Qwen3 models require (llmax does the same)',
    source: 'llmax (delos-llmax) README, "Note spéciale pour le modèle Qwen"; https://www.scaleway.com/en/docs/generative-apis/how-to/use-structured-outputs/',
    models: /qwen3/i,
    providers: ['scaleway'],
    apply({ parameters }) {
      const format = parameters.response_format as { type?: unknown } | undefined;
      if (!format || format.type !== 'json_object') return [];
      parameters.response_format = { type: 'json_schema', json_schema: { name: 'json_object', schema: { type: 'object' } } };
      return ['"response_format" json_object is sent as a json_schema of any object.'];
    },
    prevents: (e) => typeof e.message === 'string' && /json_object/.test(e.message) && /json_schema/.test(e.message),
    fix: 'write "response_format" as { "type": "json_schema", "json_schema": { "name": "…", "schema": { "type": "object" } } }',
  },
];

/** A rule as applied to one request. */
export interface AppliedRule {
  name: string;
  /** What it changed, one sentence each. */
  changes: string[];
}

/** The model name a rule matches: without a `publisher/` prefix. */
function bareModel(model: string): string {
  return model.slice(model.lastIndexOf('/') + 1);
}

/** The rules that apply to a request for `model` on `provider`, with those a deployment names in `forced`. */
export function rulesFor(model: string, provider: string, forced: readonly string[] = []): RequestRule[] {
  const bare = bareModel(model);
  return REQUEST_RULES.filter((rule) => forced.includes(rule.name)
    || (rule.models.test(bare) && (rule.providers === undefined || rule.providers.includes(provider))));
}

/**
 * Apply the rules for `model` on `provider` (and those `forced`) to copies of the request's parameters and messages.
 * @returns the request as it is sent, and the rules that changed something, in order.
 */
export function applyRequestRules(model: string, provider: string, request: RuleRequest, forced: readonly string[] = []): RuleRequest & { applied: AppliedRule[] } {
  const out: RuleRequest = { parameters: structuredClone(request.parameters), messages: request.messages.map((m) => ({ ...m })) };
  const applied: AppliedRule[] = [];
  for (const rule of rulesFor(model, provider, forced)) {
    const changes = rule.apply(out);
    if (changes.length > 0) applied.push({ name: rule.name, changes });
  }
  return { ...out, applied };
}

/**
 * The rule that would have prevented an error whose body has these fields, when one did not apply: its name and fix,
 * for the error message ("The \"max-completion-tokens\" rule prevents this: …").
 */
export function ruleFor(error: RuleErrorFields, applied: readonly string[] = []): RequestRule | undefined {
  return REQUEST_RULES.find((rule) => !applied.includes(rule.name) && rule.prevents(error));
}

/** The sentence added to a 400 that a rule would have prevented. */
export function ruleHint(rule: RequestRule, deploymentKey: string): string {
  return `The request rule "${rule.name}" prevents this error: ${rule.fix}, or add "requestRules": ["${rule.name}"] to the deployment "${deploymentKey}" so Prompt Lab applies it to this model.`;
}
