/**
 * Runs for the panel tests that come out of the product's own path: `executeRun` streams a recorded response from
 * the replay server (test/replay) through the real `openai` SDK, and `finishedView` (src/core/run/runView.ts) makes
 * the `run/finished` message the extension would post. The deltas are what the run reported with `onText`.
 */
import { after } from 'node:test';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { resolveDeployment } from '../../src/core/providers/deployments';
import type { DescribedError } from '../../src/core/providers/errors';
import type { RunRecord } from '../../src/core/log/runLog';
import { executeRun } from '../../src/core/run/run';
import { finishedView } from '../../src/core/run/runView';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import type { RunFinishedParams } from '../../src/protocol/runPanel';
import { startReplayServer, type ReplayServer } from '../replay/server';

let server: Promise<ReplayServer> | undefined;
after(async () => {
  await (await server)?.close();
});

/** A run as the panel receives it. */
export interface RecordedRun {
  deltas: string[];
  record: RunRecord;
  error?: DescribedError;
  /** `finishedView(record, error)`: the run/finished message. */
  finished: RunFinishedParams;
}

/**
 * Run `model` (a replay model such as `replay/deepseek/pai-stream-reasoning-content`, or `synthetic/echo`) once, as
 * run `runId`. `parameters` go into the prompt file (e.g. a `response_format`), `content` is its user message.
 * `edit` may change the record before the view is made of it (what no recording has, e.g. a tool call cut short).
 */
export async function recordedRun(
  runId: string,
  model: string,
  options: { parameters?: Record<string, unknown>; content?: string; edit?: (record: RunRecord) => void } = {},
): Promise<RecordedRun> {
  server ??= startReplayServer();
  const { baseURL } = await server;
  const prompt = parsePromptFile(JSON.stringify({
    parameters: options.parameters ?? {},
    messages: [{ role: 'user', content: options.content ?? 'Hello' }],
  })).prompt as PromptFile;
  const deployment = resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL, model } });
  const deltas: string[] = [];
  const outcome = await executeRun(
    { runId, promptPath: 'p.prompt.json', prompt, renderer: inProcessRenderer(), inputs: {}, deployment, apiKey: undefined },
    { onText: (text) => deltas.push(text) },
  );
  options.edit?.(outcome.record);
  const finished = finishedView(outcome.record, outcome.error);
  return { deltas, record: outcome.record, ...(outcome.error ? { error: outcome.error } : {}), finished };
}
