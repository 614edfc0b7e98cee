#!/usr/bin/env node
// End to end in an untrusted workspace (restricted mode): Prompt Lab still checks prompt files, but does not
// run them, because workspace settings could send an API key to a host of their choosing.
//   node test/e2e/untrusted.e2e.mjs   (after npm run build and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/untrusted/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { e2eMain, openFile, REPO_ROOT } from './helpers.mjs';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-untrusted-'));
fs.cpSync(path.join(REPO_ROOT, 'examples'), workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
fs.writeFileSync(path.join(workspace, 'typo.prompt.json'), JSON.stringify({
  name: 'Typo', deployment: 'replay-openai', inputs: { topic: { default: 'tea' } },
  messages: [{ role: 'user', content: 'Tell me about {{ topik }}.' }],
}, null, 2));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

await e2eMain({ name: 'untrusted', workspace, workspaceTrust: true }, [
  ['the window is in restricted mode and Prompt Lab still marks template mistakes', async ({ page, artifacts }) => {
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30000 });
    await openFile(page, 'typo.prompt.json');
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: '"topik" is used in message 1 but not declared' }).first();
    await problem.waitFor({ timeout: 30000 });
    const rows = await page.locator('.markers-panel .monaco-list-row').allTextContents();
    if (rows.some((r) => /No deployment/.test(r))) throw new Error(`a deployment is reported missing although workspace settings are only withheld: ${rows.join(' | ')}`);
    await page.screenshot({ path: path.join(artifacts, 'restricted-diagnostics.png') });
  }],
  ['Run Prompt is not offered in the palette', async ({ page }) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill('>Prompt Lab');
    // Other Prompt Lab commands show, so the list is complete when Run Prompt is checked for.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Prompt Lab: Set API Key' }).first().waitFor({ timeout: 30000 });
    const labels = await page.locator('.quick-input-list .monaco-list-row').allTextContents();
    await page.keyboard.press('Escape');
    if (labels.some((l) => l.includes('Run Prompt'))) throw new Error(`the palette offers Run Prompt: ${labels.join(' | ')}`);
  }],
  ['the CodeLens "Run" explains why nothing runs', async ({ page, artifacts, workspaceDir }) => {
    await openFile(page, 'typo.prompt.json');
    await page.locator('.contentWidgets .codelens-decoration a', { hasText: 'Run' }).first().click();
    await page.locator('.notifications-toasts', { hasText: 'does not run prompts in an untrusted workspace' }).waitFor({ timeout: 20000 });
    await page.screenshot({ path: path.join(artifacts, 'restricted-run.png') });
    if (fs.existsSync(path.join(workspaceDir, '.promptlab'))) throw new Error('something was logged');
  }],
]);
