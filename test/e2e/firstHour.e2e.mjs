#!/usr/bin/env node
// End to end, the first hour's pieces outside the walkthrough (test/e2e/walkthrough.e2e.mjs has that):
//  - File → New File… offers New Prompt File; the chat starting point opens with its first template selected, and
//    the language status shows its deployment and no problems;
//  - from the keyboard: in a prompt file Ctrl+Alt+Enter runs it and Ctrl+Shift+V previews it; in the run panel
//    Escape stops a running run (its partial output is logged as cancelled).
// The deployments point at a local replay server this script starts.
//   node test/e2e/firstHour.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/firstHour/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { e2eMain, openFile, webviewFrame, waitFor, REPO_ROOT, logLines, activeTab, runPaletteCommand, findPaletteCommand } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));

const server = await startReplayServer();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-keys-'));
fs.mkdirSync(path.join(workspace, '.vscode'));
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
  'promptLab.deployments': {
    replay: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage' },
    slow: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'synthetic/slow?chunks=400&delayMs=50' },
  },
}, null, 2));
fs.writeFileSync(path.join(workspace, 'hello.prompt.json'), JSON.stringify({
  name: 'Hello', deployment: 'replay', inputs: { who: { default: 'the world' } }, messages: [{ role: 'user', content: 'Say hello to {{ who }}.' }],
}, null, 2));
fs.writeFileSync(path.join(workspace, 'slow.prompt.json'), JSON.stringify({
  name: 'Slow', deployment: 'slow', messages: [{ role: 'user', content: 'Count slowly.' }],
}, null, 2));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

/** Click into the text of the active editor, so the keys go to it. */
async function focusEditor(page) {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
}

try {
  await e2eMain({ name: 'firstHour', workspace }, [
    ['File → New File… → New Prompt File: the chat starting point, its template selected, no problems', async ({ page, workspaceDir, artifacts }) => {
      // Prompt Lab's contributions arrive a few seconds after the workbench: its command in the palette says they are in.
      await findPaletteCommand(page, 'Prompt Lab: New Prompt File');
      await page.keyboard.press('Escape');
      await runPaletteCommand(page, 'Create: New File...'); // File → New File…
      const entry = page.locator('.quick-input-list .monaco-list-row', { hasText: 'New Prompt File' }).first();
      await entry.waitFor({ timeout: 30000 });
      if (!(await entry.textContent())?.includes('Prompt Lab')) throw new Error('the New File entry does not say it is Prompt Lab\'s');
      await page.screenshot({ path: path.join(artifacts, 'file-new-file.png') });
      await entry.click();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Chat with history' }).first().click({ timeout: 20000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'replay' }).first().click({ timeout: 20000 }); // two deployments: which one
      await page.locator('.quick-input-widget', { hasText: 'New Prompt File: name' }).waitFor({ timeout: 20000 });
      await page.keyboard.press('Enter');
      await activeTab(page, 'chat.prompt.json').waitFor({ timeout: 20000 });
      const text = fs.readFileSync(path.join(workspaceDir, 'chat.prompt.json'), 'utf8');
      if (!text.includes('"deployment": "replay"')) throw new Error(`the file names no deployment "replay":\n${text}`);
      // The first template is selected: the status bar says how many characters.
      const template = 'You are a friendly travel assistant. Give practical, concrete answers.';
      await page.locator('.statusbar-item', { hasText: `(${template.length} selected)` }).first().waitFor({ timeout: 20000 });
      // The language status: the deployment, and no problems (VS Code's JSON support and Prompt Lab's checks).
      await page.locator('[id="status.languageStatus"]').hover();
      const hover = page.locator('.monaco-hover');
      await hover.filter({ hasText: 'replay' }).first().waitFor({ timeout: 20000 });
      await hover.filter({ hasText: 'No problems' }).first().waitFor({ timeout: 20000 });
      await page.screenshot({ path: path.join(artifacts, 'language-status.png') });
      await page.keyboard.press('Escape');
    }],
    ['Ctrl+Alt+Enter in a prompt file runs it', async ({ page, workspaceDir }) => {
      await openFile(page, 'hello.prompt.json');
      await focusEditor(page);
      await page.keyboard.press('Control+Alt+Enter');
      await webviewFrame(page).locator('[data-run-id][data-status="ok"]').first().waitFor({ timeout: 60000 });
      const line = await waitFor(() => logLines(workspaceDir).find((r) => r.event === 'run' && r.prompt === 'hello.prompt.json'), 10000, 'the run in the log');
      if (line.messages[0].content !== 'Say hello to the world.') throw new Error(`logged ${JSON.stringify(line.messages)}`);
    }],
    ['Ctrl+Shift+V in a prompt file opens the rendered preview', async ({ page }) => {
      await openFile(page, 'hello.prompt.json');
      await focusEditor(page);
      await page.keyboard.press('Control+Shift+V');
      const preview = page.locator('.tabs-container .tab', { hasText: 'hello' }).filter({ hasNotText: 'hello.prompt.json' }).first();
      await preview.waitFor({ timeout: 30000 });
      await page.locator('.editor-instance .view-lines', { hasText: 'Say hello to the world.' }).first().waitFor({ timeout: 30000 });
    }],
    ['Escape in the run panel stops the running run; its partial output is logged as cancelled', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'slow.prompt.json');
      await activeTab(page, 'slow.prompt.json').waitFor({ timeout: 10000 });
      await focusEditor(page);
      await page.keyboard.press('Control+Alt+Enter');
      const web = webviewFrame(page);
      const run = web.locator('[data-run-id][data-status="running"]').first();
      await run.waitFor({ timeout: 30000 });
      const output = run.locator('[data-testid="run-output"]');
      await waitFor(async () => ((await output.textContent()) ?? '').length > 20, 20000, 'some streamed text');
      await output.click(); // the panel takes the keyboard focus; it tells the host, which turns the keybinding on
      const cancelled = web.locator('[data-run-id][data-status="cancelled"]').first();
      await waitFor(async () => {
        await page.keyboard.press('Escape');
        return cancelled.waitFor({ timeout: 1000 }).then(() => true, () => false);
      }, 15000, 'the run to stop on Escape');
      await page.screenshot({ path: path.join(artifacts, 'stopped-with-escape.png') });
      const line = await waitFor(() => logLines(workspaceDir).find((r) => r.event === 'run' && r.prompt === 'slow.prompt.json'), 10000, 'the cancelled run in the log');
      if (line.status !== 'cancelled' || !line.output) throw new Error(`log: status ${line.status}, ${line.output?.length} chars`);
    }],
  ]);
} finally {
  await server.close();
}
