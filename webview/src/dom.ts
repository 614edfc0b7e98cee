/** Small DOM helpers: build elements from text, never from HTML strings. */

type Child = Node | string | null | undefined | false;

/** Creates `tag` with attributes and children; strings become text nodes (never parsed as HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string>,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Record<string, string>, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** A `<vscode-button>` with a visible label and an aria-label. */
export function button(label: string, attrs: Record<string, string>, onClick: () => void): HTMLElement {
  const element = h('vscode-button', { 'aria-label': label, ...attrs }, label);
  element.addEventListener('click', () => {
    if (!element.hasAttribute('disabled')) onClick();
  });
  return element;
}

/** Text for a number that may be missing: `—` when it is not a finite number. */
export function formatNumber(value: unknown, unit = ''): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value)}${unit}` : '—';
}

export function formatCost(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 6 : 4)}`;
}

/** Local wall-clock time of an ISO timestamp, or the string itself when it does not parse. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
}

/** `String(value)` for strings, '' for anything else (messages are checked only loosely). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
