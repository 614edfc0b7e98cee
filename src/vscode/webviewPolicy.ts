/**
 * The Content Security Policy of Prompt Lab's webviews (the run panel and the playground), in one place so that the
 * webview tests load their pages under the very policy the extension sets. Does not import `vscode`.
 */

/**
 * The policy: nothing by default; images, fonts and styles only from the webview's own resources (`cspSource`,
 * VS Code's `webview.cspSource`), images and sent audio also as data: URIs (nothing from the network: a prompt's
 * https: media URL is shown as text); scripts only with `nonce`. The toolkit (FAST) needs 'unsafe-inline' styles: it
 * probes :focus-visible with a <style> element and vscode-progress-ring has a style attribute.
 * @param cspSource the origin the webview's resources are served from.
 * @param nonce a fresh random value per page ({@link webviewNonce}).
 * @returns the value of the page's `Content-Security-Policy` meta tag.
 */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    'media-src data:',
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** A nonce for a webview's Content-Security-Policy: 16 random bytes, base64 (`crypto.getRandomValues`). */
export function webviewNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
