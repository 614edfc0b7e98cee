/**
 * Assembles streamed chat completion chunks (`chat.completion.chunk`, OpenAI's wire format:
 * https://platform.openai.com/docs/api-reference/chat-streaming) into a result, tolerating what
 * providers do differently (see test/fixtures/wire/SOURCES.md):
 * - Azure's first chunk with `choices: []` and empty `model` (prompt filter results);
 * - usage in a separate final chunk with `choices: []` (OpenAI with `include_usage`), in the finish
 *   chunk (Mistral, DeepSeek), or under `x_groq.usage` (Groq);
 * - extra fields (vLLM `stop_reason`, Mistral `p`, OpenAI `obfuscation`), ignored;
 * - `delta.content` as an array of text/thinking parts (Magistral), reasoning in
 *   `delta.reasoning_content` (DeepSeek) or `delta.reasoning` (Ollama, Groq), kept apart from the answer;
 * - tool calls split across chunks by `index`, or whole in one chunk without `index` (Mistral), with an
 *   empty id (Gemini), or starting at index 1.
 */
import type { TokenUsage } from '../../protocol/runPanel';

/** A tool call as assembled from its fragments. `arguments` is the raw JSON text the model produced. */
export interface AssembledToolCall {
  index: number;
  id: string;
  type: string;
  name: string;
  arguments: string;
}

/** One choice of the completion (`n` > 1 gives several). */
export interface AssembledChoice {
  index: number;
  content: string;
  /** Reasoning/thinking text, shown apart from the answer. */
  reasoning: string;
  refusal: string;
  toolCalls: AssembledToolCall[];
  finishReason: string | null;
}

/** What one chunk added, for the caller that forwards text as it arrives. */
export interface ChunkDelta {
  /** New answer text of choice 0 ('' when none). */
  text: string;
  /** Whether the chunk carried any generated token (text, reasoning, refusal or tool call) of any choice. */
  generated: boolean;
}

/** A loosely typed chunk: providers add and omit fields, so nothing is assumed beyond the wire format's shape. */
type Chunk = Record<string, unknown>;

const NOTHING: ChunkDelta = { text: '', generated: false };

/** Azure's `content_filter_results`: { category: { filtered, severity } }; adds "category (severity)" for each filtered one. */
function addFiltered(into: Set<string>, results: unknown): void {
  if (!results || typeof results !== 'object') return;
  for (const [category, verdict] of Object.entries(results as Record<string, unknown>)) {
    const v = verdict as { filtered?: unknown; severity?: unknown } | null;
    if (v && v.filtered === true) into.add(typeof v.severity === 'string' ? `${category} (${v.severity})` : category);
  }
}

function readUsage(value: unknown): TokenUsage | null {
  if (!value || typeof value !== 'object') return null;
  const u = value as Record<string, unknown>;
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : undefined;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : undefined;
  if (prompt === undefined && completion === undefined) return null;
  const promptTokens = prompt ?? 0;
  const completionTokens = completion ?? 0;
  const total = typeof u.total_tokens === 'number' ? u.total_tokens : promptTokens + completionTokens;
  return { promptTokens, completionTokens, totalTokens: total };
}

/** Accumulates chunks; read the result with the getters once the stream has ended (or failed). */
export class StreamAssembler {
  private readonly choiceList: AssembledChoice[] = [];
  private usageValue: TokenUsage | null = null;
  private modelValue = '';
  private idValue = '';
  private chunkCount = 0;
  private readonly filtered = { prompt: new Set<string>(), output: new Set<string>() };

  /** Add one parsed chunk (the SDK's `ChatCompletionChunk`, or any provider's variant of it). */
  push(chunk: Chunk): ChunkDelta {
    this.chunkCount++;
    if (!this.modelValue && typeof chunk.model === 'string' && chunk.model) this.modelValue = chunk.model;
    if (!this.idValue && typeof chunk.id === 'string' && chunk.id) this.idValue = chunk.id;
    if (chunk.usage) this.usageValue = readUsage(chunk.usage) ?? this.usageValue;
    else if (chunk.x_groq && typeof chunk.x_groq === 'object') this.usageValue = readUsage((chunk.x_groq as Chunk).usage) ?? this.usageValue;

    if (Array.isArray(chunk.prompt_filter_results)) {
      for (const r of chunk.prompt_filter_results as Chunk[]) addFiltered(this.filtered.prompt, r?.content_filter_results);
    }
    const choices = chunk.choices;
    if (!Array.isArray(choices) || choices.length === 0) return NOTHING;
    let text = '';
    let generated = false;
    for (const raw of choices as Chunk[]) {
      const index = typeof raw.index === 'number' ? raw.index : 0;
      const choice = this.choice(index);
      if (typeof raw.finish_reason === 'string' && raw.finish_reason) choice.finishReason = raw.finish_reason;
      if (raw.content_filter_results) addFiltered(this.filtered.output, raw.content_filter_results);
      const delta = (raw.delta ?? raw.message) as Chunk | undefined;
      if (!delta || typeof delta !== 'object') continue;
      const added = this.applyDelta(choice, delta);
      if (added.generated) generated = true;
      if (index === 0) text += added.text;
    }
    return text || generated ? { text, generated } : NOTHING;
  }

  private choice(index: number): AssembledChoice {
    let choice = this.choiceList[index];
    if (!choice) {
      choice = { index, content: '', reasoning: '', refusal: '', toolCalls: [], finishReason: null };
      this.choiceList[index] = choice;
    }
    return choice;
  }

  private applyDelta(choice: AssembledChoice, delta: Chunk): ChunkDelta {
    let text = '';
    let generated = false;
    const content = delta.content;
    if (typeof content === 'string') {
      text = content;
    } else if (Array.isArray(content)) {
      for (const part of content as Chunk[]) {
        if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
        else if (part?.type === 'thinking') {
          const thinking = part.thinking;
          const t = typeof thinking === 'string' ? thinking
            : Array.isArray(thinking) ? (thinking as Chunk[]).map((p) => (typeof p?.text === 'string' ? p.text : '')).join('') : '';
          if (t) {
            choice.reasoning += t;
            generated = true;
          }
        }
      }
    }
    if (text) {
      choice.content += text;
      generated = true;
    }
    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : typeof delta.reasoning === 'string' ? delta.reasoning : '';
    if (reasoning) {
      choice.reasoning += reasoning;
      generated = true;
    }
    if (typeof delta.refusal === 'string' && delta.refusal) {
      choice.refusal += delta.refusal;
      generated = true;
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const fragment of delta.tool_calls as Chunk[]) if (this.applyToolCall(choice, fragment)) generated = true;
    }
    return { text, generated };
  }

  private applyToolCall(choice: AssembledChoice, fragment: Chunk): boolean {
    const fn = (fragment.function ?? {}) as Chunk;
    const id = typeof fragment.id === 'string' ? fragment.id : '';
    let call: AssembledToolCall | undefined;
    if (typeof fragment.index === 'number') {
      call = choice.toolCalls.find((c) => c.index === fragment.index);
    } else if (id) {
      call = choice.toolCalls.find((c) => c.id === id);
    }
    if (!call) {
      const index = typeof fragment.index === 'number' ? fragment.index : choice.toolCalls.length;
      call = { index, id, type: typeof fragment.type === 'string' ? fragment.type : 'function', name: '', arguments: '' };
      choice.toolCalls.push(call);
    }
    if (!call.id && id) call.id = id;
    if (typeof fn.name === 'string' && fn.name && !call.name) call.name = fn.name;
    if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
    return true;
  }

  /** Choices by index (sparse indices are compacted). */
  get choices(): AssembledChoice[] {
    return this.choiceList.filter(Boolean);
  }
  /** Answer text of choice 0. */
  get text(): string {
    return this.choiceList[0]?.content ?? '';
  }
  /** finish_reason of choice 0, or null while none arrived. */
  get finishReason(): string | null {
    return this.choiceList[0]?.finishReason ?? null;
  }
  /** Usage from whichever chunk carried it (the last one wins), or null. */
  get usage(): TokenUsage | null {
    return this.usageValue;
  }
  /** Model the server reported (the first non-empty `model`), or ''. */
  get model(): string {
    return this.modelValue;
  }
  /** Completion id the server reported, or ''. */
  get id(): string {
    return this.idValue;
  }
  /**
   * Azure content filter categories that filtered something (e.g. "hate (high)"), in the prompt or the output.
   * A finish_reason "content_filter" without details counts as "output".
   */
  get contentFilter(): { prompt: string[]; output: string[] } {
    const output = [...this.filtered.output];
    if (output.length === 0 && this.choiceList.some((c) => c?.finishReason === 'content_filter')) output.push('content_filter');
    return { prompt: [...this.filtered.prompt], output };
  }
  /** Number of chunks pushed. */
  get chunks(): number {
    return this.chunkCount;
  }
}
