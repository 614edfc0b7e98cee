/**
 * `prompt-lab run <file> [--input name=value]… [--inputs-file f.json] [--deployment key] [--json]`: one run, as Run
 * Prompt does it (the core's executeRun, templates rendered in the bounded worker, a structured output re-asked up to
 * the prompt's `retries`), logged to the same run log. The answer streams to stdout; status and figures go to stderr;
 * `--json` prints the run record instead of the text. Ctrl+C cancels the run, which is logged with its partial output.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PromptFile, PromptInput } from '../core/format/promptFile';
import { checkBudget, spending } from '../core/run/budget';
import { executeRun, requestParameters, type RunOutcome, type RunRequest } from '../core/run/run';
import { checkStructuredOutput, reaskMessages, responseSchema } from '../core/run/structured';
import { resolveInputs } from '../core/template/template';
import { nodeFileSystem } from '../node/fileSystem';
import { nodeHasher } from '../node/hash';
import { WorkerRenderer } from '../node/renderWorker';
import { keyValues } from './args';
import { CliError, EXIT_FAILED, EXIT_OK } from './errors';
import type { CliIo, CommonOptions } from './io';
import { loadPrompt, resolveTarget } from './prompts';
import { loadSettings } from './settings';

export interface RunOptions extends CommonOptions {
  input?: string[];
  inputsFile?: string;
  deployment?: string;
  json?: boolean;
  /** Run even when `promptLab.budget` is spent (VS Code asks; a terminal cannot). */
  ignoreBudget?: boolean;
}

/**
 * The value of `--input name=value` for the input's declared type: numbers and booleans parsed, arrays, objects and
 * chat histories read as JSON, anything else the text as given.
 * @throws CliError when the text does not fit the type.
 */
export function inputValue(input: PromptInput | undefined, text: string): unknown {
  const name = input?.name ?? '';
  switch (input?.type) {
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw new CliError(`--input ${name}="${text}": "${name}" is a number.`);
      return n;
    }
    case 'boolean':
      if (!/^(true|false|yes|no|1|0)$/i.test(text.trim())) throw new CliError(`--input ${name}="${text}": "${name}" is true or false.`);
      return /^(true|yes|1)$/i.test(text.trim());
    case 'array':
    case 'object':
    case 'chat_history':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new CliError(`--input ${name}: "${name}" is ${input.type === 'object' ? 'an object' : 'an array'}: give it as JSON, e.g. --input '${name}=${input.type === 'object' ? '{"key": "value"}' : '[…]'}'.`);
      }
    default:
      return text;
  }
}

/**
 * The inputs given on the command line: the `--inputs-file` object first, then each `--input` over it.
 * @throws CliError for a file that is not a JSON object, or a value that does not fit its input.
 */
export function givenInputs(prompt: PromptFile, options: Pick<RunOptions, 'input' | 'inputsFile'>, cwd: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options.inputsFile !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(fs.readFileSync(path.resolve(cwd, options.inputsFile), 'utf8'));
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(err as Error).message})`;
      throw new CliError(`--inputs-file "${options.inputsFile}" ${why}: give a JSON object of input name → value.`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`--inputs-file "${options.inputsFile}": give a JSON object of input name → value, e.g. {"topic": "whales"}.`);
    Object.assign(out, value);
  }
  for (const [name, text] of Object.entries(keyValues(options.input, '--input'))) out[name] = inputValue(prompt.inputs.get(name), text);
  return out;
}

/** Run `run`; resolves to the exit code: 0 when the run is ok, 1 when it failed or was cancelled. */
export async function runCommand(file: string, options: RunOptions, io: CliIo): Promise<number> {
  const { settings, workspaceFolder } = loadSettings({ cwd: io.cwd, ...(options.workspace !== undefined ? { workspace: options.workspace } : {}), ...(options.settings !== undefined ? { settingsFile: options.settings } : {}), context: keyValues(options.context, '--context') });
  const loaded = loadPrompt(path.resolve(io.cwd, file), io.cwd, workspaceFolder);
  const { prompt } = loaded;
  const target = resolveTarget(prompt, settings, io.env, options.deployment);
  const { deployment } = target;
  const { values, missing } = resolveInputs(prompt, givenInputs(prompt, options, io.cwd));
  if (missing.length > 0) {
    throw new CliError(`${loaded.name}: the input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no value: pass ${missing.map((m) => `--input ${m}=…`).join(' ')} or --inputs-file.`);
  }
  const logDir = path.resolve(workspaceFolder, settings.logDirectory);
  const budget = checkBudget(settings.budget, await spending(nodeFileSystem(), logDir));
  if (budget.level === 'over' && !options.ignoreBudget) throw new CliError(`${budget.message ?? 'The budget is spent.'} Raise "promptLab.budget", or pass --ignore-budget to run anyway.`);
  if (budget.level !== 'ok' && budget.message) io.stderr.write(`prompt-lab: ${budget.message}\n`);

  const renderer = new WorkerRenderer(io.renderWorkerPath);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const base: Omit<RunRequest, 'runId'> = {
      promptPath: loaded.promptPath, prompt, renderer, inputs: values, deployment, apiKey: target.apiKey, signal: controller.signal, logDir, fs: nodeFileSystem(),
      timeoutMs: settings.requestTimeoutMs, redactPII: settings.redactPII, source: 'command',
      media: { fileSystem: nodeFileSystem({ root: workspaceFolder }), root: workspaceFolder, hasher: nodeHasher() },
      ...(prompt.chainId !== undefined ? { chainId: prompt.chainId } : {}),
      ...(prompt.chatId !== undefined ? { chatId: prompt.chatId } : {}),
      ...(prompt.tags.length > 0 ? { tags: prompt.tags } : {}),
    };
    io.stderr.write(`${loaded.name} → ${deployment.key}${deployment.variant !== 'default' ? ` [${deployment.variant}]` : ''} (${deployment.provider}, ${deployment.model}) at ${deployment.baseURL}\n`);
    const schema = responseSchema(requestParameters(prompt, deployment));
    const maxAttempts = schema ? 1 + Math.max(0, Math.min(5, prompt.retries ?? 0)) : 1;
    let outcome = await attempt({ ...base, runId: randomUUID(), ...(maxAttempts > 1 ? { attempt: 1 } : {}) }, options, io);
    for (let n = 2; n <= maxAttempts && schema && outcome.record.status === 'ok' && !controller.signal.aborted; n++) {
      const check = checkStructuredOutput(outcome.record.output, schema);
      if (check.valid) break;
      io.stderr.write(`The output does not match the response schema: asking again (attempt ${n} of ${maxAttempts}).\n`);
      outcome = await attempt({ ...base, runId: randomUUID(), attempt: n, followUp: reaskMessages(outcome.record.output, check) }, options, io);
    }
    if (options.json) io.stdout.write(`${JSON.stringify(outcome.record, null, 2)}\n`);
    return outcome.record.status === 'ok' ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.removeListener('SIGINT', onSigint);
    renderer.dispose();
  }
}

/** One request: the text to stdout as it streams, retries and the figures to stderr. */
async function attempt(request: RunRequest, options: RunOptions, io: CliIo): Promise<RunOutcome> {
  let endedWithNewline = true;
  const outcome = await executeRun(request, {
    onText: (text) => {
      if (options.json) return;
      io.stdout.write(text);
      endedWithNewline = text.endsWith('\n');
    },
    onRetry: (retry) => io.stderr.write(`retry ${retry.attempt}/${retry.maxRetries} in ${retry.delayMs} ms: ${retry.reason}\n`),
  });
  const { record } = outcome;
  if (!options.json && !endedWithNewline) io.stdout.write('\n');
  const usage = record.usage ? `${record.usage.promptTokens} + ${record.usage.completionTokens} tokens` : 'no usage reported';
  const cost = typeof record.costUsd === 'number' ? `, $${record.costUsd.toFixed(6)}` : '';
  io.stderr.write(`${record.status} · ${record.model} · ${usage} · ttft ${record.timing.ttftMs ?? '–'} ms · ${record.timing.latencyMs} ms${cost} · finish_reason ${record.finishReason ?? '–'}\n`);
  if (outcome.error) io.stderr.write(`prompt-lab: ${outcome.error.message}\n`);
  if (outcome.logError) io.stderr.write(`prompt-lab: the run log could not be written: ${outcome.logError.message}\n`);
  else if (outcome.logFile) io.stderr.write(`logged to ${path.relative(io.cwd, outcome.logFile) || outcome.logFile} (run ${record.id})\n`);
  return outcome;
}
