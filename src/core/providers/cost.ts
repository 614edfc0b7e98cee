import type { TokenUsage } from '../../protocol/runPanel';
import type { Prices } from './deployments';

/**
 * Cost of a run in USD: prompt tokens at `inputPerMillion` plus completion tokens at `outputPerMillion`
 * (both USD per million tokens, as providers publish them). Undefined without usage or prices.
 */
export function runCostUsd(usage: TokenUsage | null, prices: Prices | undefined): number | undefined {
  if (!usage || !prices) return undefined;
  const { inputPerMillion, outputPerMillion } = prices;
  if (typeof inputPerMillion !== 'number' || typeof outputPerMillion !== 'number') return undefined;
  return (usage.promptTokens * inputPerMillion + usage.completionTokens * outputPerMillion) / 1_000_000;
}
