/**
 * The media a run sent, as both webviews show it: a thumbnail per image, a player per audio clip, a line per file. Only
 * `data:` URIs of the image and audio types the providers take are ever put in a `src` (the CSP allows `data:` for
 * images and media and nothing remote); an `https:` image is shown as a placeholder with its URL, never loaded.
 */
import type { MediaView } from '../../src/protocol/runPanel';
import { h, text } from './dom';

const IMAGE_DATA = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=]+$/;
const AUDIO_DATA = /^data:audio\/(wav|mpeg);base64,[A-Za-z0-9+/=]+$/;
/** Data URIs longer than this are not kept in webview state (the thumbnail is then not restored). */
export const MAX_STORED_DATA_URI = 256 * 1024;

function size(bytes: unknown): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '';
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`;
}

function caption(view: MediaView): string {
  return [text(view.label), text(view.mediaType), size(view.bytes)].filter(Boolean).join(' · ');
}

/** One media item: a thumbnail, a player, or a placeholder that names it. */
export function mediaItem(view: MediaView): HTMLElement {
  const label = `${text(view.kind)} "${text(view.input)}"`;
  const dataUri = text(view.dataUri);
  let body: HTMLElement;
  if (view.kind === 'image' && IMAGE_DATA.test(dataUri)) {
    body = h('img', { class: 'media-thumbnail', src: dataUri, alt: `${label}: ${text(view.label)}`, 'data-testid': 'media-thumbnail' });
  } else if (view.kind === 'audio' && AUDIO_DATA.test(dataUri)) {
    body = h('audio', { controls: '', src: dataUri, 'aria-label': label, 'data-testid': 'media-audio' });
  } else {
    const what = view.url ? `Image at ${text(view.url)} (sent as a URL, not loaded here)` : view.kind === 'file' ? 'File' : `${view.kind === 'image' ? 'Image' : 'Audio'} (not shown)`;
    body = h('div', { class: 'media-placeholder', role: 'img', 'aria-label': `${label}: ${what}`, 'data-testid': 'media-placeholder' }, what);
  }
  return h('figure', { class: 'media-item', 'data-kind': text(view.kind), 'data-input': text(view.input) }, body,
    h('figcaption', { class: 'media-caption' }, `${text(view.input)}: ${caption(view)}`));
}

/** The strip of everything a run sent, or null when it sent no media. */
export function mediaStrip(media: unknown): HTMLElement | null {
  if (!Array.isArray(media) || media.length === 0) return null;
  const views = media.filter((m): m is MediaView => typeof m === 'object' && m !== null && typeof (m as MediaView).kind === 'string');
  if (views.length === 0) return null;
  return h('div', { class: 'media-strip', 'data-testid': 'run-media', role: 'group', 'aria-label': 'Images, audio and files sent' }, ...views.map(mediaItem));
}

/** Media views to keep in webview state: data URIs past MAX_STORED_DATA_URI are dropped. */
export function capMedia<T extends { media?: MediaView[] }>(params: T): T {
  if (!Array.isArray(params.media)) return params;
  return { ...params, media: params.media.map((m) => (typeof m.dataUri === 'string' && m.dataUri.length > MAX_STORED_DATA_URI ? (({ dataUri: _d, ...rest }) => rest)(m) : m)) };
}
