#!/usr/bin/env node
// End to end in the real UI: open the Playground from the palette, write a user message, paste an image into it (the
// person's paste: a ClipboardEvent carrying a PNG file), see its thumbnail, pick a deployment, Run: the column shows
// the thumbnail of what was sent (decoded by the webview from a data: URI, nothing fetched), and the log keeps the
// image part's type, size and hash, not its bytes. Keeps a screenshot (also copied to media/screenshots/ for the
// README). Its own replay server; a temp copy of examples/ with a "vision" deployment.
//   node test/e2e/media.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/media/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { e2eMain, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT, logLines } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const { pngOf } = require(path.join(REPO_ROOT, 'out/test/unit/mediaSamples.js'));

const server = await startReplayServer();
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const settingsText = fs.readFileSync(path.join(EXAMPLES, '.vscode', 'settings.json'), 'utf8');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-media-'));
fs.cpSync(EXAMPLES, workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), settingsText
  .replaceAll('http://127.0.0.1:18931', server.url)
  .replace('"promptLab.deployments": {', `"promptLab.deployments": {
    "vision": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "replay/openai/pysdk-stream-text-usage", "capabilities": ["vision"] },`));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

const png = pngOf(96, 64, [70, 150, 60]);

try {
  await e2eMain({ name: 'media', workspace }, [
    ['an image pasted in the playground is sent, shown as a thumbnail in the column, and logged by its metadata', async ({ page, workspaceDir, artifacts }) => {
      await runPaletteCommand(page, 'Prompt Lab: Open Playground');
      const web = webviewFrame(page);
      const user = web.locator('[data-testid="message"][data-role="user"]').first();
      await user.waitFor({ timeout: 60000 });
      await user.locator('[data-testid="message-content"] textarea').fill('What fruit is in the image?');
      // The person pastes an image copied from elsewhere: the same ClipboardEvent a paste dispatches.
      /* global DataTransfer, ClipboardEvent -- this function runs in the webview (a browser page) */
      await user.locator('[data-testid="message-content"]').evaluate((el, b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'kiwi.png', { type: 'image/png' }));
        el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true, composed: true }));
      }, png.toString('base64'));
      const attached = user.locator('[data-testid="attachment-thumbnail"]');
      await attached.waitFor({ timeout: 20000 });
      await web.locator('[data-testid="deployment"][data-deployment="vision"]').click();
      await web.locator('[data-testid="run"]').click();
      const column = web.locator('[data-testid="column"][data-deployment="vision"]');
      await column.and(web.locator('[data-status="ok"]')).waitFor({ timeout: 30000 });
      const thumbnail = column.locator('[data-testid="media-thumbnail"]');
      await thumbnail.waitFor({ timeout: 10000 });
      const decoded = await waitFor(() => thumbnail.evaluate((img) => (img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)] : undefined)), 10000, 'the thumbnail decoded');
      if (decoded[0] !== 96 || decoded[1] !== 64 || decoded[2] !== 'data:image/png;base64,') throw new Error(`thumbnail ${JSON.stringify(decoded)}`);
      const caption = await column.locator('.media-caption').textContent();
      if (!/image1: inline data · image\/png · /.test(caption ?? '')) throw new Error(`caption: ${caption}`);
      await column.scrollIntoViewIfNeeded();
      const shot = path.join(artifacts, 'playground-image.png');
      await page.screenshot({ path: shot });
      fs.mkdirSync(path.join(REPO_ROOT, 'media', 'screenshots'), { recursive: true });
      fs.copyFileSync(shot, path.join(REPO_ROOT, 'media', 'screenshots', 'playground-image.png'));

      const run = await waitFor(() => logLines(workspaceDir).find((r) => r.event === 'run' && r.source === 'playground'), 20000, 'the playground run in the log');
      const part = run.messages.at(-1).content.find((p) => p.type === 'image');
      const expected = { type: 'image', input: 'image1', source: 'data', mediaType: 'image/png', bytes: png.length, sha256: createHash('sha256').update(png).digest('hex') };
      if (JSON.stringify(part) !== JSON.stringify(expected)) throw new Error(`logged part ${JSON.stringify(part)}`);
      const sent = server.requests.at(-1).body.messages.at(-1).content;
      if (sent[1]?.image_url?.url !== `data:image/png;base64,${png.toString('base64')}`) throw new Error('the request did not carry the pasted image');
    }],
  ]);
} finally {
  await server.close();
}
