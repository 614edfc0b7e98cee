/**
 * When and how long to wait before asking again. A run retries only what failed before any output arrived
 * (a 429, a 5xx, a connection that could not be made or was dropped before the first chunk): a stream that
 * breaks midway keeps its partial output instead, so the panel never shows text twice.
 *
 * Delays: exponential backoff with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/),
 * unless the server says how long to wait with `retry-after-ms` (OpenAI, Azure) or `retry-after`
 * (seconds or an HTTP date, RFC 9110 §10.2.3), which wins.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

/** Retry settings of a deployment. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: no retry). */
  maxRetries: number;
  /** First backoff ceiling in ms; doubles each retry. */
  baseDelayMs: number;
  /** Longest wait in ms, whatever the server asks. */
  maxDelayMs: number;
}

/** Two retries, 0.5 s then 1 s ceilings, never more than a minute. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 60_000 };

/** Whether `err` is worth another attempt: 408, 409, 429, 5xx, or a connection failure (not a timeout of ours, not a cancel). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof APIConnectionTimeoutError) return false;
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError) return err.status === 408 || err.status === 409 || err.status === 429 || (err.status !== undefined && err.status >= 500);
  return false;
}

/** The wait the server asked for, in ms, from `retry-after-ms` or `retry-after`; undefined when it did not say. */
export function serverRetryDelayMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(after.trim())) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before retry number `retry` (1-based), in ms: the server's word when it gave one, else a
 * random wait up to `baseDelayMs * 2^(retry-1)`; never more than `maxDelayMs`.
 */
export function retryDelayMs(err: unknown, retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const fromServer = err instanceof APIError ? serverRetryDelayMs(err.headers) : undefined;
  const delay = fromServer ?? random() * policy.baseDelayMs * 2 ** (retry - 1);
  return Math.min(policy.maxDelayMs, Math.round(delay));
}

/** Wait `ms`, or less if `signal` aborts (then resolves early; the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
