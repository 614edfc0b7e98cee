/**
 * What the run panel shows of a finished run, from its record: the `run/finished` message.
 */
import type { RunFinishedParams } from '../../protocol/runPanel';
import type { DescribedError } from '../providers/errors';
import type { RunRecord } from '../log/runLog';
import { checkStructuredOutput, formatArguments, responseSchema } from './structured';

/** The `run/finished` params of `record` (with the described error, when it failed). */
export function finishedView(record: RunRecord, error?: DescribedError): RunFinishedParams {
  const view: RunFinishedParams = {
    runId: record.id, status: record.status, model: record.model, finishReason: record.finishReason, usage: record.usage,
    ttftMs: record.timing.ttftMs, latencyMs: record.timing.latencyMs, outputLength: record.output.length,
  };
  if (error) view.error = { message: error.message, ...(error.action ? { action: error.action } : {}), ...(error.actionLabel ? { actionLabel: error.actionLabel } : {}), ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}) };
  if (record.costUsd !== undefined) view.costUsd = record.costUsd;
  if (record.reasoning) view.reasoning = record.reasoning;
  if (record.refusal) view.refusal = record.refusal;
  if (record.toolCalls?.length) {
    view.toolCalls = record.toolCalls.map((c) => {
      const formatted = formatArguments(c.arguments);
      return { id: c.id, name: c.name, arguments: formatted.text, valid: formatted.valid };
    });
  }
  if (record.otherChoices?.length) view.otherChoices = record.otherChoices.map((c) => ({ index: c.index, output: c.output, finishReason: c.finishReason }));
  if (record.contentFilter) {
    const parts = [...record.contentFilter.prompt.map((c) => `prompt: ${c}`), ...record.contentFilter.output.map((c) => `output: ${c}`)];
    if (parts.length) view.contentFilter = parts.join(', ');
  }
  const schema = responseSchema(record.parameters);
  if (schema && record.output) view.structured = checkStructuredOutput(record.output, schema);
  if (record.retries) view.retries = record.retries;
  return view;
}
