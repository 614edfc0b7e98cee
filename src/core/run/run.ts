/**
 * One run of a prompt: render the messages, stream the chat completion, assemble it, log it.
 * vscode-free: the extension calls it with what it read from settings and SecretStorage, tests and
 * benchmarks call it directly against a local server.
 */
import { APIError, type OpenAI } from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { createClient, type ClientOptions } from '../providers/client';
import type { ResolvedDeployment } from '../providers/deployments';
import { runCostUsd } from '../providers/cost';
import { builtInPrices } from '../providers/prices';
import { IncompleteStreamError, PromptFileError, StreamTimeoutError, describeError, isCancellation, type DescribedError } from '../providers/errors';
import type { PromptFile } from '../format/promptFile';
import { redact } from '../log/redact';
import { SecretScrubber } from '../log/secrets';
import { appendRunRecord, type RunRecord, type RunSource } from '../log/runLog';
import type { FileSystem } from '../platform/fileSystem';
import { StreamAssembler } from './streamAssembly';
import { isRetryable, retryDelayMs, serverRetryDelayMs, sleep } from '../providers/retry';
import { checkStructuredOutput, responseSchema } from './structured';
import type { ChatMessage } from '../template/template';
import type { TemplateRenderer } from '../template/renderer';
import { mediaLimitsOf } from '../providers/mediaLimits';
import { applyRequestRules, ruleFor, ruleHint, type AppliedRule } from '../providers/requestRules';
import { prepareMessages, type MediaAccess, type ResolvedMedia } from './media';

/** Everything a run needs. */
export interface RunRequest {
  /** UUID of the run (also the log record's `id`). */
  runId: string;
  /** Workspace-relative path of the prompt file, forward slashes. */
  promptPath: string;
  prompt: PromptFile;
  /** Renders the messages: the front end's bounded worker (a prompt file comes from someone else's repository). */
  renderer: TemplateRenderer;
  /** Input values (defaults already applied, see `resolveInputs`). */
  inputs: Record<string, unknown>;
  deployment: ResolvedDeployment;
  /** API key, or undefined for a server that needs none. */
  apiKey: string | undefined;
  /** Azure deployments with `"auth": "entra"`: a Microsoft Entra ID bearer token, asked for each request. */
  azureADTokenProvider?: () => Promise<string>;
  /** Aborting it cancels the request; the run then ends as `cancelled` with its partial output. */
  signal?: AbortSignal;
  /** Folder of the run log; undefined to not log (e.g. a benchmark). */
  logDir?: string;
  /** The front end's file system the log is appended through; needed with `logDir` (a run without it logs nothing and says so in `logError`). */
  fs?: FileSystem;
  /** Request timeout in ms when the deployment sets none. */
  timeoutMs?: number;
  /**
   * Mask personal data and secrets (see ./redact) in the inputs, messages, output, other choices, refusal, reasoning
   * and tool call arguments of the logged line (`promptLab.log.redactPII`). The outcome's `record`, which the panel shows, stays unmasked.
   */
  redactPII?: boolean;
  /** Copied to the record: see `RunRecord`. */
  chainId?: string;
  chatId?: string;
  tags?: string[];
  source?: RunSource;
  /**
   * What a 429 before any output does: `retry` (default) waits and asks again within the run, like a 5xx; `return`
   * ends the run at once as an error and says how long the server asked to wait in `RunOutcome.rateLimit`, so an
   * evaluation can pause all of the deployment's requests and lower its concurrency instead.
   */
  rateLimits?: 'retry' | 'return';
  /** Messages sent after the rendered ones (a re-ask after an output failed its schema). */
  followUp?: ChatMessage[];
  /** Attempt number of a re-asked structured output (1 = first), written to the log. */
  attempt?: number;
  /**
   * How image, audio and file inputs are read (the workspace's files, a hash function). Without it a prompt with media
   * parts fails before anything is sent.
   */
  media?: MediaAccess;
}

/** Callbacks as the run progresses. All optional; called synchronously from the stream loop. */
export interface RunObserver {
  /** The messages are rendered and the request is about to be sent. */
  onStarted?(info: {
    startedAt: string; model: string; messages: ChatMessage[]; parameters: Record<string, unknown>;
    /** The media parts sent, with their data URIs (for thumbnails), in order. */
    media?: ResolvedMedia[];
    /** The request rules that changed the request. */
    requestRules?: AppliedRule[];
  }): void;
  /** The server answered; `replayOf` is the `x-prompt-lab-replay` header of Prompt Lab's replay server, else null. */
  onResponded?(replayOf: string | null): void;
  /** New answer text (choice 0), in order; the output is the concatenation. */
  onText?(text: string): void;
  /** A request failed before any output and will be sent again after `delayMs` (retry `attempt` of `maxRetries`). */
  onRetry?(info: { attempt: number; maxRetries: number; delayMs: number; reason: string }): void;
  /** The stream has ended (any status); called before the log line is written, so a view can show the end at once. */
  onEnded?(outcome: Pick<RunOutcome, 'record' | 'error'>): void;
}

/** How a run ended. */
export interface RunOutcome {
  record: RunRecord;
  /** Set when `record.status` is "error". */
  error?: DescribedError;
  /** The log file written, when `logDir` was given and the write succeeded. */
  logFile?: string;
  /** Set when the log line could not be written (the run itself is intact in `record`). */
  logError?: Error;
  /**
   * With `rateLimits: "return"`: the run ended on a 429 before any output; `retryAfterMs` is the wait the server
   * asked for (`retry-after-ms` or `retry-after`), undefined when it named none.
   */
  rateLimit?: { retryAfterMs: number | undefined };
}

function isRateLimit(err: unknown): err is APIError {
  return err instanceof APIError && err.status === 429;
}

/** Response header by which Prompt Lab's replay server names the recorded response it plays. */
export const REPLAY_HEADER = 'x-prompt-lab-replay';

/** Request parameters as sent: deployment defaults, then the prompt's own; `model`, `messages`, `stream` are ours. */
export function requestParameters(prompt: PromptFile, deployment: ResolvedDeployment): Record<string, unknown> {
  const parameters: Record<string, unknown> = { ...deployment.parameters, ...prompt.parameters };
  for (const reserved of ['model', 'messages', 'stream', 'stream_options']) delete parameters[reserved];
  return parameters;
}

/**
 * Run a prompt once and append it to the log. Never throws for a failing request: every outcome, finished,
 * failed or cancelled, comes back as a record (with partial output) and is logged.
 */
export async function executeRun(request: RunRequest, observer: RunObserver = {}): Promise<RunOutcome> {
  const { deployment } = request;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const assembler = new StreamAssembler();
  let parameters = requestParameters(request.prompt, deployment);
  let messages: ChatMessage[] = [];
  let applied: AppliedRule[] = [];
  let ttftMs: number | null = null;
  let replayOf: string | null = null;
  let failure: unknown;
  let retries = 0;
  // The key and any Entra ID token this run sends are masked in everything it reports and logs (../log/secrets.ts).
  const secrets = new SecretScrubber([request.apiKey]);
  // The signal the SDK gets: aborted when the stream goes silent too long (`timedOut`) or when the caller's signal
  // aborts. The caller's signal only gets a listener, removed once the run is over, so a long-lived caller signal (an
  // evaluation's) holds nothing of finished runs. Not AbortSignal.any: Node 20 keeps a combined signal with an 'abort'
  // listener (the SDK adds one and never removes it) alive until a source aborts, and aborting the run's own signal at
  // the end to release it built a DOMException with a stack trace per run (~7% of an evaluation's CPU time).
  const own = new AbortController();
  let timedOut = false;
  const callerSignal = request.signal;
  const onCallerAbort = (): void => own.abort(callerSignal?.reason);
  if (callerSignal?.aborted) own.abort(callerSignal.reason);
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  try {
    // A message that could not be read is not in prompt.messages: sending the rest would be a different prompt.
    const unreadable = request.prompt.messageProblems[0];
    if (unreadable !== undefined) throw new PromptFileError(unreadable);
    const rendered = [...await request.renderer.renderMessages(request.prompt, request.inputs), ...(request.followUp ?? [])];
    // Media bytes are read here, outside the renderer; the log keeps their path or URL, type, size and hash.
    const prepared = await prepareMessages(rendered, request.inputs, request.media, mediaLimitsOf(deployment.provider));
    const ruled = applyRequestRules(deployment.model, deployment.provider, { parameters, messages: prepared.wire }, deployment.requestRules);
    applied = ruled.applied;
    parameters = ruled.parameters;
    // A rule may change a message's role (system-as-user): the log says what was sent.
    messages = prepared.logged.map((m, i) => {
      const role = ruled.messages[i]?.role;
      return role && role !== m.role ? { ...m, role: role as ChatMessage['role'] } : m;
    });
    const wireMessages = ruled.messages;
    observer.onStarted?.({ startedAt, model: deployment.model, messages, parameters, media: prepared.media, requestRules: applied });
    const clientOptions: ClientOptions = { apiKey: request.apiKey };
    const tokenProvider = request.azureADTokenProvider;
    if (tokenProvider) {
      clientOptions.azureADTokenProvider = async () => {
        const token = await tokenProvider();
        secrets.add(token);
        return token;
      };
    }
    if (request.timeoutMs !== undefined) clientOptions.timeoutMs = request.timeoutMs;
    const client: OpenAI = createClient(deployment, clientOptions);
    const body = {
      ...parameters,
      model: deployment.model,
      messages: wireMessages,
      stream: true,
      ...(deployment.streamUsage ? { stream_options: { include_usage: true } } : {}),
    } as ChatCompletionCreateParamsStreaming;
    // A stream that goes silent for the timeout is abandoned as an error (the SDK's own timeout ends at the headers).
    const idleMs = deployment.timeoutMs ?? request.timeoutMs ?? 600_000;
    // One timer that, when it fires, checks the last activity and sleeps again for what is left: a chunk only
    // records the time, it never re-arms a timer (20,000 chunks would mean 20,000 timers).
    let lastActivity = 0;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const check = (): void => {
      const quiet = performance.now() - lastActivity;
      if (quiet >= idleMs) {
        timedOut = true;
        own.abort();
      } else idleTimer = setTimeout(check, idleMs - quiet);
    };
    const watch = (): void => {
      lastActivity = performance.now();
      idleTimer ??= setTimeout(check, idleMs);
    };
    const requestOptions = { signal: own.signal };
    const policy = deployment.retry;
    for (;;) {
      try {
        watch();
        const { data: stream, response } = await client.chat.completions.create(body, requestOptions).withResponse();
        replayOf = response.headers.get(REPLAY_HEADER);
        observer.onResponded?.(replayOf);
        for await (const chunk of stream) {
          lastActivity = performance.now();
          const delta = assembler.push(chunk as unknown as Record<string, unknown>);
          if (delta.generated && ttftMs === null) ttftMs = performance.now() - t0;
          if (delta.text) observer.onText?.(delta.text);
        }
        break;
      } catch (err) {
        clearTimeout(idleTimer);
        idleTimer = undefined;
        if (timedOut) break;
        // Only what failed before any output is asked again: text already shown is never repeated.
        if (request.rateLimits === 'return' && isRateLimit(err)) throw err;
        if (assembler.chunks > 0 || retries >= policy.maxRetries || !isRetryable(err) || request.signal?.aborted) throw err;
        retries++;
        const delayMs = retryDelayMs(err, retries, policy);
        observer.onRetry?.({ attempt: retries, maxRetries: policy.maxRetries, delayMs, reason: secrets.scrub(describeError(err, deployment).message) });
        await sleep(delayMs, request.signal);
        if (request.signal?.aborted) break;
      }
    }
    clearTimeout(idleTimer);
    if (timedOut && !request.signal?.aborted) {
      failure = new StreamTimeoutError(idleMs);
    } else if (!request.signal?.aborted && assembler.choices.every((c) => c.finishReason === null)) {
      // The SDK ends quietly when the connection closes without [DONE]: without a finish_reason the output may be cut.
      failure = new IncompleteStreamError(assembler.chunks);
    }
  } catch (err) {
    failure = err;
  }
  const latencyMs = performance.now() - t0;
  // The SDK ends a stream's iteration quietly when its signal aborts, so a Stop shows as an aborted signal.
  const cancelled = request.signal?.aborted === true || (failure !== undefined && isCancellation(failure));
  const described = failure !== undefined && !cancelled ? secrets.scrubValue(describeError(failure, deployment)) : undefined;
  // A 400 that a request rule would have prevented says which rule, and how to get it applied.
  if (described && failure instanceof APIError && failure.status === 400) {
    const rule = ruleFor({ param: failure.param, code: failure.code, message: failure.message }, applied.map((a) => a.name));
    if (rule) described.message = `${described.message} ${ruleHint(rule, deployment.key)}`;
  }

  const record: RunRecord = {
    event: 'run',
    id: request.runId,
    prompt: request.promptPath,
    deployment: deployment.key,
    provider: deployment.provider,
    model: assembler.model || deployment.model,
    inputs: request.inputs,
    messages,
    parameters,
    output: assembler.text,
    finishReason: assembler.finishReason,
    usage: assembler.usage,
    timing: { startedAt, ttftMs: ttftMs === null ? null : round(ttftMs), latencyMs: round(latencyMs) },
    status: cancelled ? 'cancelled' : failure === undefined ? 'ok' : 'error',
  };
  // What was asked, beside what answered: the model as sent, the variant and the context values that chose it, the rules.
  record.requestModel = deployment.model;
  record.variant = deployment.variant;
  if (deployment.chosenBy && Object.keys(deployment.chosenBy).length > 0) record.context = { ...deployment.chosenBy };
  if (applied.length > 0) record.requestRules = applied.map((a) => a.name);
  if (described) {
    record.error = { message: described.message };
    if (described.httpStatus !== undefined) record.error.httpStatus = described.httpStatus;
  }
  const choice = assembler.choices[0];
  if (choice?.reasoning) record.reasoning = choice.reasoning;
  if (choice?.toolCalls.length) record.toolCalls = choice.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  if (replayOf) record.replayOf = replayOf;
  if (retries > 0) record.retries = retries;
  if (choice?.refusal) record.refusal = choice.refusal;
  const others = assembler.choices.filter((c) => c.index !== 0);
  if (others.length) record.otherChoices = others.map((c) => ({ index: c.index, output: c.content, finishReason: c.finishReason }));
  const filtered = assembler.contentFilter;
  if (filtered.prompt.length || filtered.output.length) record.contentFilter = filtered;
  if (request.attempt !== undefined) record.attempt = request.attempt;
  const schema = responseSchema(parameters);
  if (schema && record.status === 'ok') record.schemaValid = checkStructuredOutput(record.output, schema).valid;
  // The built-in table prices real calls; a replay costs nothing unless the deployment names its own prices.
  const prices = deployment.prices ?? (replayOf ? undefined : builtInPrices(record.model) ?? builtInPrices(deployment.model));
  const cost = runCostUsd(record.usage, prices);
  if (cost !== undefined) record.costUsd = cost;
  if (request.chainId !== undefined) record.chainId = request.chainId;
  if (request.chatId !== undefined) record.chatId = request.chatId;
  if (request.tags !== undefined) record.tags = [...request.tags];
  if (request.source !== undefined) record.source = request.source;

  // The request is over: the caller's signal lets go of this run.
  callerSignal?.removeEventListener('abort', onCallerAbort);
  const outcome: RunOutcome = { record: secrets.scrubValue(record) };
  if (described) outcome.error = described;
  if (request.rateLimits === 'return' && !cancelled && isRateLimit(failure) && assembler.chunks === 0) {
    outcome.rateLimit = { retryAfterMs: serverRetryDelayMs(failure.headers) };
  }
  observer.onEnded?.(outcome);
  if (request.logDir) {
    try {
      if (!request.fs) throw new Error('The run was not logged: no file system was given to write the log through.');
      outcome.logFile = await appendRunRecord(request.fs, request.logDir, request.redactPII ? redactRecord(outcome.record) : outcome.record);
    } catch (err) {
      outcome.logError = err instanceof Error ? err : new Error(String(err));
    }
  }
  return outcome;
}

/**
 * A copy of `record` with personal data and secrets masked in what the prompt and the model said; the names of the
 * inputs that masking changed go to `maskedInputs`.
 */
export function redactRecord(record: RunRecord): RunRecord {
  const inputs = redact(record.inputs);
  const maskedInputs = Object.keys(record.inputs).filter((name) => JSON.stringify(inputs[name]) !== JSON.stringify(record.inputs[name]));
  const masked: RunRecord = { ...record, inputs, messages: redact(record.messages), output: redact(record.output) };
  if (maskedInputs.length > 0) masked.maskedInputs = maskedInputs;
  if (record.reasoning !== undefined) masked.reasoning = redact(record.reasoning);
  if (record.toolCalls !== undefined) masked.toolCalls = record.toolCalls.map((c) => ({ ...c, arguments: redact(c.arguments) }));
  // With n > 1 the other choices are outputs as much as choice 0; a refusal is the model's words too.
  if (record.otherChoices !== undefined) masked.otherChoices = record.otherChoices.map((c) => ({ ...c, output: redact(c.output) }));
  if (record.refusal !== undefined) masked.refusal = redact(record.refusal);
  return masked;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
