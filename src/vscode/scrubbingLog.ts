/**
 * The *Prompt Lab* output channel, with every secret Prompt Lab has read (API keys from SecretStorage or the
 * environment, Entra ID tokens) masked before a line is written. VS Code keeps an output channel's lines in a log
 * file on disk, and error details quote server bodies, which can echo a key (see src/core/log/secrets.ts).
 */
import type * as vscode from 'vscode';
import type { SecretScrubber } from '../core/log/secrets';

/** The methods of a LogOutputChannel that write text. */
const WRITERS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

function scrubArgument(scrubber: SecretScrubber, value: unknown): unknown {
  if (typeof value === 'string') return scrubber.scrub(value);
  if (value instanceof Error) {
    const copy = new Error(scrubber.scrub(value.message));
    copy.name = value.name;
    copy.stack = scrubber.scrub(value.stack ?? '');
    return copy;
  }
  return value;
}

/** `channel`, with the text of every write passed through `scrubber` first. Everything else is the channel's own. */
export function scrubbingLog(channel: vscode.LogOutputChannel, scrubber: SecretScrubber): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !WRITERS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args.map((a) => scrubArgument(scrubber, a)));
    },
  });
}
