/**
 * Values of the CLI's options, checked: commander splits the command line, these turn each option's text into a
 * value or a {@link CliError} (exit 2) that says what was expected. Pure functions, so unit tests reach every case.
 */
import { CliError } from './errors';

/** A shard of the test rows: `index` (0-based) of `count`; the rows `index`, `index + count`, `index + 2·count`… */
export interface Shard {
  index: number;
  count: number;
}

/**
 * `--shard i/n`: the i-th of n shards, i from 0 to n − 1 (a CI matrix index), e.g. `0/4` … `3/4`.
 * @throws CliError for anything else (`5/4`, `1/0`, `a/b`, `4/4`).
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new CliError(`--shard "${text}": write i/n, the shard index from 0 and the number of shards, e.g. --shard 0/4.`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new CliError(`--shard "${text}": the number of shards must be at least 1.`);
  if (index >= count) throw new CliError(`--shard "${text}": the index must be from 0 to ${count - 1} for ${count} shard${count > 1 ? 's' : ''}.`);
  return { index, count };
}

/** Whether the row at 0-based `rowIndex` belongs to `shard` (every `count`-th row from `index`). */
export function inShard(rowIndex: number, shard: Shard | undefined): boolean {
  return shard === undefined || rowIndex % shard.count === shard.index;
}

/**
 * `name=value` (`--input`, `--context`): split at the first `=`; the value may be empty and may contain `=`.
 * @throws CliError when there is no `=` or the name is empty.
 */
export function parseKeyValue(text: string, option: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`${option} "${text}": write name=value, e.g. ${option} ${option === '--context' ? 'environment=staging' : 'topic=whales'}.`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

/** Every `name=value` of a repeated option into one record (a later name wins). */
export function keyValues(texts: readonly string[] | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of texts ?? []) {
    const [k, v] = parseKeyValue(text, option);
    out[k] = v;
  }
  return out;
}

/**
 * `--fail-under rate`: the pass rate (0–1, or a percentage such as `80%`) at or above which `eval` exits 0.
 * @throws CliError for anything else.
 */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!m || !(value >= 0 && value <= 1)) throw new CliError(`--fail-under "${text}": give a pass rate from 0 to 1, or a percentage, e.g. 0.9 or 90%.`);
  return value;
}

/**
 * A whole number from `min` to `max` (`--concurrency`).
 * @throws CliError otherwise.
 */
export function parseWholeNumber(text: string, option: string, min: number, max: number): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new CliError(`${option} "${text}": give a whole number from ${min} to ${max}.`);
  return value;
}

/**
 * The environment variable that holds a deployment's key in a terminal when it names no `apiKeyEnv`:
 * `PROMPT_LAB_API_KEY_` and the key uppercased, every character other than A–Z and 0–9 made `_`
 * (`azure-gpt4o` → `PROMPT_LAB_API_KEY_AZURE_GPT4O`, `openai/gpt-4o` → `PROMPT_LAB_API_KEY_OPENAI_GPT_4O`).
 */
export function apiKeyVariable(deploymentKey: string): string {
  return `PROMPT_LAB_API_KEY_${deploymentKey.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
