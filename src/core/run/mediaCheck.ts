/**
 * The editor's check of what a prompt's media inputs hold: each default that names a workspace file or a data: URI is
 * read and checked as a run would check it (type from the bytes, the provider's limits), without hashing or sending
 * anything, and a problem is a `media-input` error at the default value. Runs after the synchronous analysis
 * (../template/analyze.ts), which checks the values' form.
 */
import type { MediaPart, PromptFile } from '../format/promptFile';
import type { MediaLimits } from '../providers/mediaLimits';
import type { PromptDiagnostic } from '../template/analyze';
import { MediaError, mediaSourceOf, resolveMedia, type MediaAccess } from './media';

/** Hashing is not needed to check. */
const NO_HASH = { sha256: () => Promise.resolve('') };

/**
 * The `media-input` errors of `prompt`'s media inputs under `limits`: a file that is missing, outside the workspace, of
 * a type the provider does not take or over its size. Values whose form is wrong are left to the analysis.
 */
export async function checkMediaInputs(prompt: PromptFile, access: Omit<MediaAccess, 'hasher'>, limits: MediaLimits): Promise<PromptDiagnostic[]> {
  const out: PromptDiagnostic[] = [];
  const seen = new Set<string>();
  const parts = prompt.messages.flatMap((m) => (m.kind === 'parts' ? m.parts.filter((p): p is MediaPart => p.type !== 'text') : []));
  for (const part of parts) {
    if (seen.has(part.input)) continue;
    seen.add(part.input);
    const input = prompt.inputs.get(part.input);
    if (!input?.hasDefault) continue;
    const source = mediaSourceOf(input.default, part.type);
    if (source.kind !== 'path' && source.kind !== 'data') continue;
    try {
      await resolveMedia(part, input.default, { ...access, hasher: NO_HASH }, limits);
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      const at = input.defaultSpan ?? input.span;
      out.push({ code: 'media-input', severity: 'error', start: at.offset, end: at.offset + at.length, data: { name: input.name }, message: err.message });
    }
  }
  return out;
}
