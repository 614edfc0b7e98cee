#!/usr/bin/env node
// End to end, from the keyboard: in a prompt file Ctrl+Alt+Enter runs it and Ctrl+Shift+V previews it; in the run
// panel Escape stops a running run (its partial output is logged as cancelled). The deployments point at a local
// replay server this script starts.
//   node test/e2e/keybindings.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/keybindings/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { e2eMain, openFile, webviewFrame, waitFor, REPO_ROOT, logLines, activeTab } from './helpers.mjs';

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
  await e2eMain({ name: 'keybindings', workspace }, [
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
