/**
 * Media in a run: the value of an `image`, `audio` or `file` input read, checked and turned into the chat completions
 * API's content parts. The bytes are read here, never by the template renderer, and never logged: a logged part keeps
 * where the media came from, its media type, its size and its SHA-256 (see `ChatMediaPart`).
 *
 * A value is one of:
 * - a workspace-relative path (`photos/cat.png`), read through the front end's {@link FileSystem} confined to the
 *   workspace folder: a prompt file comes from someone else's repository, so `../../.ssh/id_rsa`, an absolute path or a
 *   link that leads outside is refused;
 * - an `https:` URL, passed to the provider as it is (images only: the API takes audio and files as data). Prompt Lab
 *   never fetches it, so it has no media type, size or hash;
 * - a `data:` URI (`data:image/png;base64,…`), decoded here.
 * Any other scheme (`file:`, `http:`…) is refused. The media type is detected from the bytes with `file-type`, never
 * taken from a file name or a `data:` URI's declared type, and checked against the provider's limits
 * (../providers/mediaLimits.ts).
 */
import { fileTypeFromBuffer } from 'file-type/core';
import { base64ToUint8Array, uint8ArrayToBase64 } from 'uint8array-extras';
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { MediaKind } from '../format/promptFile';
import { checkWorkspaceRelativePath, isFileSystemError, joinPath, type FileSystem } from '../platform/fileSystem';
import type { Hasher } from '../platform/hash';
import { formatBytes, type MediaLimits } from '../providers/mediaLimits';
import type { ChatContentPart, ChatMediaPart, ChatMessage } from '../template/template';

/** What a run needs to read media: the workspace's files and a hash function (each front end supplies them). */
export interface MediaAccess {
  /** Reads files; confined to `root` (src/node/fileSystem.ts with `root`). */
  fileSystem: FileSystem;
  /** The workspace folder that relative paths are read from. */
  root: string;
  hasher: Hasher;
}

/** An input's media value that cannot be sent: not a path, URL or data URI, unreadable, too large, of a refused type. */
export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(readonly input: string, message: string) {
    super(message);
  }
}

/** How a value names its media (before anything is read). */
export type MediaSource =
  | { kind: 'path'; path: string }
  | { kind: 'url'; url: string }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'invalid'; reason: string };

const KIND_WORDS: Record<MediaKind, string> = { image: 'an image', audio: 'audio', file: 'a file' };

/**
 * Where `value` (an input's value) takes its media from, without reading anything. `kind` decides whether a URL is
 * allowed (images only).
 */
export function mediaSourceOf(value: unknown, kind: MediaKind): MediaSource {
  if (typeof value !== 'string' || value.trim() === '') {
    return { kind: 'invalid', reason: `needs a workspace-relative path${kind === 'image' ? ', an https: URL' : ''} or a data: URI as its value` };
  }
  const text = value.trim();
  if (/^data:/i.test(text)) {
    const comma = text.indexOf(',');
    if (comma < 0) return { kind: 'invalid', reason: 'is a data: URI without data (no ",")' };
    const header = text.slice(5, comma);
    const body = text.slice(comma + 1);
    try {
      const bytes = /;base64$/i.test(header) ? base64ToUint8Array(body.replace(/\s+/g, '')) : new TextEncoder().encode(decodeURIComponent(body));
      return { kind: 'data', bytes };
    } catch {
      return { kind: 'invalid', reason: 'is a data: URI whose data does not decode' };
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(text);
  if (scheme) {
    if (scheme[1]?.toLowerCase() !== 'https') {
      return { kind: 'invalid', reason: `is a ${scheme[1]}: URL; Prompt Lab sends only https: URLs, workspace files and data: URIs` };
    }
    if (kind !== 'image') return { kind: 'invalid', reason: `is a URL; ${KIND_WORDS[kind]} input needs a workspace file or a data: URI (the API takes ${kind} as data, and Prompt Lab never downloads a URL)` };
    try {
      return { kind: 'url', url: new URL(text).toString() };
    } catch {
      return { kind: 'invalid', reason: 'is not a valid URL' };
    }
  }
  const checked = checkWorkspaceRelativePath(text, KIND_WORDS[kind]);
  if ('error' in checked) return { kind: 'invalid', reason: `is not usable: ${checked.error}` };
  return { kind: 'path', path: checked.path };
}

/** Media read and checked: the part as logged, and what goes on the wire. */
export interface ResolvedMedia {
  /** The part with its source, media type, size and hash (what the log keeps). */
  part: ChatMediaPart;
  /** `data:<type>;base64,…` of the bytes; absent for a URL. */
  dataUri?: string;
}

/**
 * Read and check the media of `part` from `value`: its bytes (file or data URI), their type from the bytes, the
 * provider's limits, the SHA-256.
 * @throws MediaError with a sentence that names the input and says what to do.
 */
export async function resolveMedia(part: Pick<ChatMediaPart, 'type' | 'input' | 'detail'>, value: unknown, access: MediaAccess, limits: MediaLimits): Promise<ResolvedMedia> {
  const { input, type: kind } = part;
  const base: ChatMediaPart = { type: kind, input, ...(part.detail ? { detail: part.detail } : {}) };
  const source = mediaSourceOf(value, kind);
  const fail = (sentence: string): never => {
    throw new MediaError(input, `The ${kind} input "${input}" ${sentence}.`);
  };
  if (source.kind === 'invalid') return fail(source.reason);
  if (source.kind === 'url') return { part: { ...base, source: 'url', url: source.url } };
  let bytes: Uint8Array;
  if (source.kind === 'data') {
    bytes = source.bytes;
  } else {
    try {
      bytes = await access.fileSystem.readFile(joinPath(access.root, source.path));
    } catch (err) {
      // By name: the front end's FileSystem may come from another bundle's copy of ../platform/fileSystem.ts.
      const code = isFileSystemError(err) ? err.code : undefined;
      return fail(code === 'not-found' ? `names "${source.path}", which is not in the workspace`
        : code === 'outside' ? `names "${source.path}", which leads outside the workspace folder (a link?); Prompt Lab reads only files inside it`
          : `names "${source.path}", which cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const detected = await detectMediaType(bytes);
  const limit = limits[kind];
  if (!limit) fail(`cannot be sent: this provider takes no ${kind} parts`);
  const allowed = limit?.mediaTypes ?? [];
  if (!detected || !allowed.includes(detected)) {
    fail(`${detected ? `holds ${detected}` : 'holds data of no known media type'}; this provider takes ${allowed.join(', ')} ${kind === 'file' ? 'files' : kind}`);
  }
  if (limit && bytes.length > limit.maxBytes) fail(`is ${formatBytes(bytes.length)}; this provider takes at most ${formatBytes(limit.maxBytes)} per ${kind}`);
  const mediaType = detected as string;
  const sha256 = await access.hasher.sha256(bytes);
  const logged: ChatMediaPart = { ...base, source: source.kind, ...(source.kind === 'path' ? { path: source.path } : {}), mediaType, bytes: bytes.length, sha256 };
  return { part: logged, dataUri: `data:${mediaType};base64,${uint8ArrayToBase64(bytes)}` };
}

/**
 * The media type of `bytes` from their content (`file-type`'s signatures), normalised to the names the providers use
 * (`audio/wav` for WAVE); undefined when the bytes match no known type.
 */
export async function detectMediaType(bytes: Uint8Array): Promise<string | undefined> {
  const found = await fileTypeFromBuffer(bytes);
  if (!found) return undefined;
  return found.mime === 'audio/vnd.wave' || found.mime === 'audio/x-wav' ? 'audio/wav' : found.mime;
}

/** The wire messages and the logged ones of a run whose messages may hold media parts. */
export interface PreparedMessages {
  /** As logged: media parts with their metadata, no bytes. */
  logged: ChatMessage[];
  /** As sent in `messages` of the request. */
  wire: ChatCompletionMessageParam[];
  /** Each media part sent, with its data URI (for the views), in order. */
  media: ResolvedMedia[];
}

/**
 * Resolve every media part of `messages` from `inputs` and build the request's messages: `image_url` (a data URI for
 * bytes, the URL as given), `input_audio` (base64 and `wav`/`mp3`), `file` (a PDF as a data URI with its file name).
 * Messages without parts pass through unchanged.
 * @throws MediaError for a value that cannot be sent, or when there is media and no `access` (a front end that reads no files).
 */
export async function prepareMessages(messages: readonly ChatMessage[], inputs: Record<string, unknown>, access: MediaAccess | undefined, limits: MediaLimits): Promise<PreparedMessages> {
  const logged: ChatMessage[] = [];
  const wire: ChatCompletionMessageParam[] = [];
  const media: ResolvedMedia[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') {
      logged.push(message);
      wire.push(message as ChatCompletionMessageParam);
      continue;
    }
    const loggedParts: ChatContentPart[] = [];
    const wireParts: ChatCompletionContentPart[] = [];
    for (const part of message.content) {
      if (part.type === 'text') {
        loggedParts.push(part);
        wireParts.push({ type: 'text', text: part.text });
        continue;
      }
      if (!access) throw new MediaError(part.input, `The ${part.type} input "${part.input}" cannot be sent from here: this front end reads no files.`);
      const resolved = await resolveMedia(part, inputs[part.input], access, limits);
      media.push(resolved);
      if (limits.maxParts !== undefined && media.length > limits.maxParts) {
        throw new MediaError(part.input, `The prompt sends ${media.length} media parts; this provider takes at most ${limits.maxParts} in one request.`);
      }
      loggedParts.push(resolved.part);
      wireParts.push(wirePart(resolved));
    }
    const loggedMessage: ChatMessage = { ...message, content: loggedParts };
    logged.push(loggedMessage);
    wire.push({ ...message, content: wireParts } as ChatCompletionMessageParam);
  }
  return { logged, wire, media };
}

/** The chat completions content part of resolved media. */
function wirePart({ part, dataUri }: ResolvedMedia): ChatCompletionContentPart {
  switch (part.type) {
    case 'image':
      return { type: 'image_url', image_url: { url: part.url ?? (dataUri as string), ...(part.detail ? { detail: part.detail } : {}) } };
    case 'audio':
      return { type: 'input_audio', input_audio: { data: (dataUri as string).slice((dataUri as string).indexOf(',') + 1), format: part.mediaType === 'audio/mpeg' ? 'mp3' : 'wav' } };
    case 'file':
      return { type: 'file', file: { file_data: dataUri as string, filename: part.path?.split('/').pop() ?? `${part.input}.pdf` } };
  }
}

/**
 * The logged media parts of `messages` whose file changed since: read again now, their SHA-256 differs (or they are
 * gone). For Re-run, which sends the files as they are now and says which changed.
 */
export async function changedMedia(messages: readonly ChatMessage[], access: MediaAccess): Promise<{ input: string; path: string; reason: 'changed' | 'missing' }[]> {
  const changed: { input: string; path: string; reason: 'changed' | 'missing' }[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'text' || part.source !== 'path' || !part.path || !part.sha256) continue;
      let bytes: Uint8Array;
      try {
        bytes = await access.fileSystem.readFile(joinPath(access.root, part.path));
      } catch {
        changed.push({ input: part.input, path: part.path, reason: 'missing' });
        continue;
      }
      if (await access.hasher.sha256(bytes) !== part.sha256) changed.push({ input: part.input, path: part.path, reason: 'changed' });
    }
  }
  return changed;
}
