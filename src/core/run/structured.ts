/**
 * Structured output: a prompt whose `parameters.response_format` is `{ "type": "json_schema", "json_schema":
 * { "name", "schema", "strict"? } }` (OpenAI's format: https://platform.openai.com/docs/guides/structured-outputs)
 * gets its output parsed and validated against the schema with Ajv (JSON Schema draft-07 / 2019-09 keywords),
 * and tool calls get their arguments parsed, so the panel can show formatted JSON and mark where it fails.
 */
import Ajv, { type ValidateFunction } from 'ajv';

/** One place the output does not match: a JSON Pointer into the output ("" for the root) and why. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** The outcome of checking an output against the prompt's schema. */
export interface StructuredCheck {
  /** The output parsed as JSON and printed with 2-space indentation, when it parses. */
  formatted?: string;
  valid: boolean;
  /** Why it is not valid: a parse error or schema problems. */
  problems: SchemaProblem[];
}

/** The JSON Schema of `response_format`, when it is a json_schema format with an object schema. */
export function responseSchema(parameters: Record<string, unknown>): Record<string, unknown> | undefined {
  const format = parameters.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (!format || format.type !== 'json_schema') return undefined;
  const schema = format.json_schema?.schema;
  return schema && typeof schema === 'object' && !Array.isArray(schema) ? (schema as Record<string, unknown>) : undefined;
}

let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction | Error>();

function validator(schema: Record<string, unknown>): ValidateFunction | Error {
  let fn = compiled.get(schema);
  if (!fn) {
    ajv ??= new Ajv({ allErrors: true, strict: false });
    try {
      fn = ajv.compile(schema);
    } catch (err) {
      fn = err instanceof Error ? err : new Error(String(err));
    }
    compiled.set(schema, fn);
  }
  return fn;
}

/** Parse `output` as JSON and validate it against `schema` (a schema that does not compile is reported as a problem). */
export function checkStructuredOutput(output: string, schema: Record<string, unknown>): StructuredCheck {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch (err) {
    return { valid: false, problems: [{ path: '', message: `The output is not JSON: ${(err as Error).message}` }] };
  }
  const formatted = JSON.stringify(value, null, 2);
  const validate = validator(schema);
  if (validate instanceof Error) return { formatted, valid: false, problems: [{ path: '', message: `The schema in response_format does not compile: ${validate.message}` }] };
  if (validate(value)) return { formatted, valid: true, problems: [] };
  const problems = (validate.errors ?? []).map((e) => ({
    path: e.instancePath,
    message: `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? `: "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : ''}`,
  }));
  return { formatted, valid: false, problems };
}

/** Tool call arguments parsed and pretty-printed, or kept as they came and marked invalid. */
export function formatArguments(text: string): { text: string; valid: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(text === '' ? '{}' : text), null, 2), valid: true };
  } catch {
    return { text, valid: false };
  }
}

/**
 * The follow-up messages that ask again after an output failed its schema: the model's answer, then what was wrong.
 */
export function reaskMessages(output: string, check: StructuredCheck): { role: 'assistant' | 'user'; content: string }[] {
  const problems = check.problems.map((p) => `- ${p.message}`).join('\n');
  return [
    { role: 'assistant', content: output },
    { role: 'user', content: `That answer does not match the required JSON schema:\n${problems}\nAnswer again with only JSON that matches the schema.` },
  ];
}
