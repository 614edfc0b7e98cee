#!/usr/bin/env node
// End to end in the real UI: the playground in the side bar and "Open Playground in Editor" are one playground.
// Type in the side bar, open it in the editor: the editor page shows it; type in the editor page: the side bar shows
// it. A run started in the editor page streams into both; the editor page comes back after a reload. Open Playground
// then opens where the person chose last (the editor), and Move Playground to Side Bar closes the editor page and takes
// the choice back; after a reload that brought back only the editor page, it shows the side bar's page with the
// editor page's latest edit. Its own replay server (loopback) and temp copy of examples/ with a "fast" deployment.
//   node test/e2e/playgroundEditor.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/playgroundEditor/ (the two pages side by side
// also to media/screenshots/ for the README).
/* global document -- callbacks that run inside the webview page */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { activeTab, e2eMain, openFile, runPaletteCommand, waitFor, REPO_ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer, syntheticText } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const server = await startReplayServer();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-ws-'));
fs.cpSync(path.join(REPO_ROOT, 'examples'), workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
const settingsFile = path.join(workspace, '.vscode', 'settings.json');
fs.writeFileSync(settingsFile, fs.readFileSync(settingsFile, 'utf8').replace('"promptLab.deployments": {', `"promptLab.deployments": {
    "fast": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "synthetic/fast?chunks=300" },`));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

/** The content frame of the playground page shown in `place` ('sideBar' or 'editor': its `<body data-place>`). */
function playgroundFrame(page, place) {
  return waitFor(async () => {
    for (const frame of page.frames()) {
      try {
        const found = await frame.evaluate(() => document.body?.dataset.place !== undefined && document.querySelector('[data-testid="message"]') !== null
          ? document.body.dataset.place : undefined);
        if (found === place) return frame;
      } catch {
        // a frame that went away or is not ours
      }
    }
    return undefined;
  }, 60000, `the playground page in the ${place}`);
}

/** The template of message `i` (0-based) of a playground page. */
const template = (frame, i) => frame.locator('[data-testid="message"]').nth(i).locator('[data-testid="message-content"] textarea');

/** Wait until message `i` of `frame` reads `text`. */
const waitForTemplate = (frame, i, text, what) => waitFor(async () => (await template(frame, i).inputValue().catch(() => '')) === text, 20000, what);

await e2eMain({ name: 'playgroundEditor', workspace }, [
  ['an edit in the side bar shows in the editor page, and an edit there shows in the side bar', async ({ page, artifacts }) => {
    await runPaletteCommand(page, 'Prompt Lab: Open Playground');
    const sideBar = await playgroundFrame(page, 'sideBar');
    await template(sideBar, 1).fill('Typed in the side bar');

    await runPaletteCommand(page, 'Prompt Lab: Open Playground in Editor');
    await activeTab(page, 'Playground').waitFor({ timeout: 30000 });
    const editor = await playgroundFrame(page, 'editor');
    await waitForTemplate(editor, 1, 'Typed in the side bar', 'the side bar\'s edit in the editor page');

    await template(editor, 0).fill('Edited in the editor page.');
    await waitForTemplate(sideBar, 0, 'Edited in the editor page.', 'the editor page\'s edit in the side bar');
    // Both pages still hold both edits (neither sent an old copy back over the other's).
    await waitForTemplate(editor, 1, 'Typed in the side bar', 'the side bar\'s edit kept in the editor page');
    await waitForTemplate(sideBar, 1, 'Typed in the side bar', 'the side bar\'s edit kept in the side bar');
    const shot = path.join(artifacts, 'playground-in-editor.png');
    await page.screenshot({ path: shot });
    // The README shows it.
    fs.mkdirSync(path.join(REPO_ROOT, 'media', 'screenshots'), { recursive: true });
    fs.copyFileSync(shot, path.join(REPO_ROOT, 'media', 'screenshots', 'playground-in-editor.png'));
  }],
  ['a run started in the editor page streams into both pages', async ({ page }) => {
    const editor = await playgroundFrame(page, 'editor');
    const sideBar = await playgroundFrame(page, 'sideBar');
    await editor.locator('[data-testid="deployment"][data-deployment="fast"]').click();
    await editor.locator('[data-testid="run"]').click();
    for (const [frame, where] of [[editor, 'editor page'], [sideBar, 'side bar']]) {
      const column = frame.locator('[data-testid="column"][data-deployment="fast"]');
      await column.and(frame.locator('[data-status="ok"]')).waitFor({ timeout: 30000 });
      const text = await column.locator('[data-testid="run-output"]').textContent();
      if (text !== syntheticText(300)) throw new Error(`the ${where} shows ${text?.length} characters, not the ${syntheticText(300).length} streamed`);
    }
  }],
  ['Open Playground opens where the person chose last; Move Playground to Side Bar takes the choice back', async ({ page }) => {
    const editorTab = page.locator('.tabs-container .tab', { has: page.locator('.label-name', { hasText: /^Playground$/ }) });
    // Another editor in front, then Open Playground: the choice was the editor, so its tab comes forward.
    const prompt = fs.readdirSync(workspace).find((f) => f.endsWith('.prompt.json'));
    if (!prompt) throw new Error('examples/ has no .prompt.json at its top');
    await openFile(page, prompt);
    await runPaletteCommand(page, 'Prompt Lab: Open Playground');
    await activeTab(page, 'Playground').waitFor({ timeout: 30000 });

    await runPaletteCommand(page, 'Prompt Lab: Move Playground to Side Bar');
    await editorTab.first().waitFor({ state: 'detached', timeout: 30000 });
    await playgroundFrame(page, 'sideBar');
    // Open Playground now shows the side bar's page and opens no editor page.
    await runPaletteCommand(page, 'View: Close Primary Side Bar');
    await runPaletteCommand(page, 'Prompt Lab: Open Playground');
    await page.locator('#workbench\\.parts\\.sidebar').waitFor({ state: 'visible', timeout: 30000 });
    await playgroundFrame(page, 'sideBar');
    if (await editorTab.count() !== 0) throw new Error('Open Playground opened an editor page after Move Playground to Side Bar');
  }],
  ['the editor page comes back after a reload, with the playground', async ({ page }) => {
    await runPaletteCommand(page, 'Prompt Lab: Open Playground in Editor');
    await playgroundFrame(page, 'editor');
    // The side bar closed: after the reload only the editor page comes back; the side bar's page is built again only
    // when it is shown, from the webview state it kept from before the reload.
    await runPaletteCommand(page, 'View: Close Primary Side Bar');
    // A mark on the page that the reload must clear: the workbench found after it is a new one.
    await page.evaluate(() => { globalThis.__promptLabBeforeReload = true; });
    await runPaletteCommand(page, 'Developer: Reload Window');
    await waitFor(async () => {
      try {
        return await page.evaluate(() => globalThis.__promptLabBeforeReload !== true && !!document.querySelector('.monaco-workbench'));
      } catch {
        return false; // the page is navigating
      }
    }, 60000, 'a new workbench after the reload');
    const editor = await playgroundFrame(page, 'editor');
    await waitForTemplate(editor, 0, 'Edited in the editor page.', 'the editor page\'s edit after the reload');
  }],
  ['after that reload, Move Playground to Side Bar shows the playground with the editor page\'s latest edit', async ({ page }) => {
    // An edit in the editor page after the reload, then at once the command that closes that page: the side bar's page
    // must show the playground (not stay blank), with that edit, not its own copy from before the reload.
    const editor = await playgroundFrame(page, 'editor');
    await template(editor, 0).fill('Edited after the reload.');
    await runPaletteCommand(page, 'Prompt Lab: Move Playground to Side Bar');
    await page.locator('#workbench\\.parts\\.sidebar').waitFor({ state: 'visible', timeout: 30000 });
    const sideBar = await playgroundFrame(page, 'sideBar');
    await waitForTemplate(sideBar, 0, 'Edited after the reload.', 'the editor page\'s edit in the side bar\'s page after the reload');
  }],
]);
