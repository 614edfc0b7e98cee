/**
 * A deliberately plain reading of a recorded SSE file, independent of the code under test: every `data:`
 * line that holds JSON is a chunk. Used as the oracle for the stream assembly and run tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const WIRE_DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'wire');

/** Every recorded stream, as `<folder>/<file>.sse`. */
export function recordedStreams(): string[] {
  return fs.readdirSync(WIRE_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => fs.readdirSync(path.join(WIRE_DIR, d.name)).filter((f) => f.endsWith('.sse')).map((f) => `${d.name}/${f}`))
    .sort();
}

export function recordedChunks(file: string): Record<string, unknown>[] {
  const chunks: Record<string, unknown>[] = [];
  for (const line of fs.readFileSync(path.join(WIRE_DIR, file), 'utf8').split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') continue;
    try {
      chunks.push(JSON.parse(data) as Record<string, unknown>);
    } catch {
      // not JSON: not a chunk
    }
  }
  return chunks;
}

interface Expected {
  text: string;
  /** Reasoning of choice 0 (`delta.reasoning_content` or `delta.reasoning` strings). */
  reasoning: string;
  finishReason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  /** Index of the first chunk that carries an `error` object (the SDK stops there), or -1. */
  errorAt: number;
}

/**
 * What a correct assembly of `file`'s choice 0 gives. With `upToError`, only the chunks before the first one that
 * carries an `error` (what a client has received when the stream breaks there).
 */
export function expectedOf(file: string, upToError = false): Expected {
  const expected: Expected = { text: '', reasoning: '', finishReason: null, usage: null, errorAt: -1 };
  recordedChunks(file).forEach((chunk, i) => {
    if (chunk.error && expected.errorAt < 0) expected.errorAt = i;
    if (upToError && expected.errorAt >= 0) return;
    const usage = (chunk.usage ?? (chunk.x_groq as { usage?: unknown } | undefined)?.usage) as Expected['usage'] | undefined;
    if (usage) expected.usage = usage;
    for (const choice of (chunk.choices ?? []) as { index?: number; finish_reason?: string | null; delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown } }[]) {
      if ((choice.index ?? 0) !== 0) continue;
      if (choice.finish_reason) expected.finishReason = choice.finish_reason;
      const reasoning = choice.delta?.reasoning_content ?? choice.delta?.reasoning;
      if (typeof reasoning === 'string') expected.reasoning += reasoning;
      const content = choice.delta?.content;
      if (typeof content === 'string') expected.text += content;
      else if (Array.isArray(content)) for (const part of content as { type: string; text?: string }[]) if (part.type === 'text') expected.text += part.text ?? '';
    }
  });
  return expected;
}
