/**
 * A small built-in price table, in USD per million tokens (input, output), for common models. A deployment's own
 * `prices` always win. Prices change: the table says when it was read and where.
 *
 * Sources, read 2025-08-20: OpenAI https://openai.com/api/pricing/ (standard tier, uncached input);
 * Mistral https://mistral.ai/pricing#api-pricing.
 */
import type { Prices } from './deployments';

/** When the table was read. */
export const PRICE_TABLE_DATE = '2025-08-20';

/** Model name (or prefix of dated snapshots, e.g. "gpt-4o" for "gpt-4o-2024-08-06") → prices. */
export const PRICE_TABLE: Readonly<Record<string, Prices>> = {
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'o3': { inputPerMillion: 2, outputPerMillion: 8 },
  'o3-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'mistral-large-latest': { inputPerMillion: 2, outputPerMillion: 6 },
  'mistral-medium-latest': { inputPerMillion: 0.4, outputPerMillion: 2 },
  'mistral-small-latest': { inputPerMillion: 0.1, outputPerMillion: 0.3 },
};

/**
 * Built-in prices of `model`: an exact entry, else the longest entry that `model` extends with "-…"
 * (dated snapshots), so "gpt-4o-mini-2024-07-18" finds "gpt-4o-mini", not "gpt-4o". Undefined when unknown.
 */
export function builtInPrices(model: string): Prices | undefined {
  const name = model.toLowerCase().replace(/^.*\//, '');
  if (PRICE_TABLE[name]) return PRICE_TABLE[name];
  let best: string | undefined;
  for (const key of Object.keys(PRICE_TABLE)) {
    if (name.startsWith(`${key}-`) && /^-\d{4}-\d{2}-\d{2}$|^-\d{4}$/.test(name.slice(key.length)) && (!best || key.length > best.length)) best = key;
  }
  return best ? PRICE_TABLE[best] : undefined;
}
