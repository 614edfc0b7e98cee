/**
 * What each provider accepts as media in a chat completion request: the media types of image, audio and file parts
 * and the largest size of one, in bytes. Checked before a request is sent (src/core/run/media.ts) and in the editor,
 * so a file over the limit or of a type the provider refuses is a clear message, not a 400 after the upload.
 *
 * Sources (read 2025):
 * - OpenAI, images: PNG, JPEG, WEBP, non-animated GIF, "up to 50 MB total payload size per request"; Prompt Lab
 *   also holds each image to 20 MB, the per-image limit OpenAI documented before
 *   (https://platform.openai.com/docs/guides/images-vision#image-input-requirements).
 * - OpenAI, audio: `input_audio` takes `wav` and `mp3` (the `format` of ChatCompletionContentPartInputAudio in the
 *   `openai` SDK); no size is documented for it, so the 25 MB of OpenAI's audio uploads
 *   (https://platform.openai.com/docs/guides/speech-to-text) is used.
 * - OpenAI, files: PDF only, "up to 100 pages and 32 MB total content" per request
 *   (https://platform.openai.com/docs/guides/pdf-files).
 * - Mistral: images up to 10 MB, 8 per request (https://docs.mistral.ai/capabilities/vision/).
 * - Groq: base64-encoded images up to 4 MB, images by URL up to 20 MB, 5 per request
 *   (https://console.groq.com/docs/vision).
 * - Every other provider (Azure OpenAI serves OpenAI's models; the OpenAI-compatible servers document no limit of
 *   their own): OpenAI's.
 */
import type { MediaKind } from '../format/promptFile';

/** The limits of one kind of media. */
export interface MediaKindLimit {
  /** Media types accepted, as detected from the bytes (e.g. `image/png`). */
  mediaTypes: readonly string[];
  /** Largest accepted size of one part, in bytes. */
  maxBytes: number;
}

/** Limits of a provider; a kind it does not take at all is absent. */
export type MediaLimits = Readonly<Partial<Record<MediaKind, MediaKindLimit>>> & {
  /** Most media parts in one request, when the provider documents it. */
  maxParts?: number;
};

const MB = 1024 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** OpenAI's limits, the default for providers that document none. */
export const OPENAI_MEDIA_LIMITS: MediaLimits = {
  image: { mediaTypes: IMAGE_TYPES, maxBytes: 20 * MB },
  audio: { mediaTypes: ['audio/wav', 'audio/mpeg'], maxBytes: 25 * MB },
  file: { mediaTypes: ['application/pdf'], maxBytes: 32 * MB },
};

const PROVIDER_MEDIA_LIMITS: Readonly<Record<string, MediaLimits>> = {
  mistral: { image: { mediaTypes: IMAGE_TYPES, maxBytes: 10 * MB }, maxParts: 8 },
  groq: { image: { mediaTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'], maxBytes: 4 * MB }, maxParts: 5 },
};

/** The media limits of `provider` (a ProviderId; unknown ones get OpenAI's). */
export function mediaLimitsOf(provider: string): MediaLimits {
  return PROVIDER_MEDIA_LIMITS[provider] ?? OPENAI_MEDIA_LIMITS;
}

/** "20 MB", "512 KB", "900 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(2))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}
