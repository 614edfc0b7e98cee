/**
 * The workload of the evaluation benchmark (bench/evaluate.ts), shared by the orchestrator and its worker processes:
 * the prompt, its rows, the messages each row sends, and the simulated server's parameters, so the ideal throughput
 * is computed for exactly the requests sent.
 */
import { answerTokens, chatAnswer, countPromptTokens, type SimulatedParams } from '../test/replay/simulated';
import { DEFAULT_ENGINE_PARAMS, type RequestShape } from '../test/replay/simulatedEngine';

/** The system message of every row. */
export const SYSTEM = 'You are a concise assistant. Answer in plain words.';

/** Row `i`'s question. */
export function question(i: number): string {
  return `Question ${i}: what should I know about subject ${i % 97}? Please explain briefly.`;
}

/** The prompt file of the benchmark (one input, one evaluator every contender runs: the answer restates the question). */
export function promptFileText(): string {
  return JSON.stringify({
    name: 'Evaluation benchmark',
    deployment: 'sim',
    inputs: { question: { required: true } },
    messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: '{{ question }}' }],
    evaluators: [{ name: 'restates', string: { contains: 'you asked' } }],
  });
}

/** The messages row `i` sends. */
export function messages(i: number): { role: 'system' | 'user'; content: string }[] {
  return [{ role: 'system', content: SYSTEM }, { role: 'user', content: question(i) }];
}

/**
 * The simulated server of the throughput table: vLLM's curve and capacity (256), answers of 32–96 tokens, 50× real
 * time, so one worker takes ~20 ms a row and 1,000 rows take seconds to a minute.
 */
export const TABLE_SERVER: Partial<SimulatedParams> = { ...DEFAULT_ENGINE_PARAMS, speedup: 50, completionTokens: { min: 32, max: 96 }, streamIntervalMs: 20 };

/** Each row's prompt and completion tokens as the server counts them. */
export function shapes(rows: number, params: Partial<SimulatedParams>): RequestShape[] {
  const completionTokens = params.completionTokens ?? { min: 32, max: 96 };
  return Array.from({ length: rows }, (_, i) => {
    const m = messages(i);
    return { promptTokens: countPromptTokens(m), completionTokens: answerTokens(chatAnswer(m, { completionTokens })).length };
  });
}
