#!/usr/bin/env node
// End to end in the real UI: open the Playground view from the palette, type a message with a variable, give
// it a value, pick a fast and a slow deployment, run: both columns stream, the fast one finishes while the
// slow one still runs; stop the slow one, rate the fast one, check the log (source "playground"), keep
// screenshots of the narrow (side bar) and wide (widened side bar) layouts, and save as a prompt file that
// opens without problems. Its own replay server; a temp copy of examples/ with "fast" and "slow" deployments.
//   node test/e2e/playground.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/playground/.
/* global document -- callbacks that run inside the workbench page */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { activeTab, e2eMain, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT, logLines } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer, syntheticText } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));

const server = await startReplayServer();
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const settingsText = fs.readFileSync(path.join(EXAMPLES, '.vscode', 'settings.json'), 'utf8');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-ws-'));
fs.cpSync(EXAMPLES, workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), settingsText
  .replaceAll('http://127.0.0.1:18931', server.url)
  .replace('"promptLab.deployments": {', `"promptLab.deployments": {
    "fast": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "synthetic/fast?chunks=200" },
    "slow": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "synthetic/slow?chunks=400&delayMs=50" },`)
  .replace(/\}\s*$/, ',\n  "promptLab.budget": { "dailyUsd": 1000 }\n}\n'));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));


try {
  await e2eMain({ name: 'playground', workspace }, [
    ['the playground runs a template on two deployments side by side; stop, rate, log', async ({ page, workspaceDir, artifacts }) => {
      await runPaletteCommand(page, 'Prompt Lab: Open Playground');
      const web = webviewFrame(page);
      const messages = web.locator('[data-testid="message"]');
      await messages.nth(1).waitFor({ timeout: 60000 });
      await messages.nth(1).locator('[data-testid="message-content"] textarea').fill('Say hello to {{ name }}.');
      const variable = web.locator('[data-testid="variable"][data-variable="name"]');
      await variable.waitFor({ timeout: 20000 });
      await variable.locator('input').fill('Ada');
      await web.locator('[data-testid="deployment"][data-deployment="fast"]').click();
      await web.locator('[data-testid="deployment"][data-deployment="slow"]').click();
      await web.locator('[data-testid="run"]').click();
      const fast = web.locator('[data-testid="column"][data-deployment="fast"]');
      const slow = web.locator('[data-testid="column"][data-deployment="slow"]');
      await fast.and(web.locator('[data-status="ok"]')).waitFor({ timeout: 30000 });
      if ((await slow.getAttribute('data-status')) !== 'running') throw new Error(`slow is ${await slow.getAttribute('data-status')} when fast finished`);
      const fastText = await fast.locator('[data-testid="run-output"]').textContent();
      if (fastText !== syntheticText(200)) throw new Error(`fast shows ${fastText?.length} chars, expected ${syntheticText(200).length}`);
      // Numbers, not the "—" of a missing figure: the synthetic stream reports 1 prompt and 200 completion tokens.
      for (const id of ['metric-ttft', 'metric-latency']) {
        const shown = (await fast.locator(`[data-testid="${id}"]`).textContent())?.trim() ?? '';
        if (!/^\d+ ms$/.test(shown)) throw new Error(`${id} shows "${shown}"`);
      }
      const tokens = (await fast.locator('[data-testid="metric-tokens"]').textContent())?.trim();
      if (tokens !== '1 in, 200 out') throw new Error(`metric-tokens shows "${tokens}"`);
      await waitFor(async () => ((await slow.locator('[data-testid="run-output"]').textContent()) ?? '').length > 20, 20000, 'slow text');
      await fast.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(artifacts, 'narrow-side-bar.png') });
      await slow.locator('[data-testid="column-stop"]').click();
      await slow.and(web.locator('[data-status="cancelled"]')).waitFor({ timeout: 20000 });
      await fast.locator('[data-testid="rate-up"]').click();
      await fast.locator('[data-testid="rating-status"]', { hasText: 'Rating saved.' }).waitFor({ timeout: 20000 });

      const lines = await waitFor(() => {
        const all = logLines(workspaceDir);
        return all.filter((r) => r.event === 'run' || r.event === undefined).length >= 2 && all.some((r) => r.event === 'rating') ? all : undefined;
      }, 20000, 'two runs and a rating in the log');
      const runs = lines.filter((r) => r.source === 'playground');
      const fastRun = runs.find((r) => r.deployment === 'fast');
      const slowRun = runs.find((r) => r.deployment === 'slow');
      if (!fastRun || fastRun.status !== 'ok' || fastRun.prompt !== 'playground' || fastRun.messages.at(-1).content !== 'Say hello to Ada.') throw new Error(`fast run logged: ${JSON.stringify(fastRun).slice(0, 300)}`);
      if (!slowRun || slowRun.status !== 'cancelled') throw new Error(`slow run logged: ${JSON.stringify(slowRun).slice(0, 200)}`);
      const rating = lines.find((r) => r.event === 'rating');
      if (rating.runId !== fastRun.id || rating.thumb !== 'up') throw new Error(`rating logged: ${JSON.stringify(rating)}`);
    }],
    ['a widened side bar puts the columns side by side', async ({ page, artifacts }) => {
      const sidebar = page.locator('#workbench\\.parts\\.sidebar');
      const box = await sidebar.boundingBox();
      if (!box) throw new Error('no side bar');
      await page.mouse.move(box.x + box.width + 1, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width + 700, box.y + box.height / 2, { steps: 10 });
      await page.mouse.up();
      const web = webviewFrame(page);
      const columns = web.locator('[data-testid="column"]');
      await waitFor(async () => {
        const tops = await columns.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
        return tops.length === 2 && tops[0] === tops[1];
      }, 10000, 'the two columns on one row');
      await page.screenshot({ path: path.join(artifacts, 'wide-side-bar.png') });
    }],
    ['Save as .prompt.json writes a valid prompt file and opens it without problems', async ({ page, workspaceDir }) => {
      const web = webviewFrame(page);
      await web.locator('[data-testid="save"]').click();
      const input = page.locator('.quick-input-widget input.input');
      await input.waitFor({ state: 'visible', timeout: 20000 });
      const target = path.join(workspaceDir, 'greeting.prompt.json');
      // The save dialog fills in its default name after it shows: wait for it, or it overwrites what is typed.
      await waitFor(async () => (await input.inputValue()).endsWith('.prompt.json'), 20000, 'the save dialog\'s default name');
      await input.fill(target);
      await waitFor(async () => (await input.inputValue()) === target, 5000, 'the typed path');
      await page.keyboard.press('Enter');
      await activeTab(page, 'greeting.prompt.json').waitFor({ timeout: 20000 });
      const saved = JSON.parse(fs.readFileSync(target, 'utf8'));
      if (saved.inputs?.name?.default !== 'Ada' || saved.deployment !== 'fast') throw new Error(`saved ${JSON.stringify(saved)}`);
      await web.locator('[data-testid="run-status"]', { hasText: 'Saved as greeting.prompt.json' }).waitFor({ timeout: 10000 });
      // Prompt Lab's diagnostics for the file: none. Zero rows prove nothing until the checks have run, so first an
      // edit they must flag (an undeclared variable in the message) shows up in the Problems view, then the edit is
      // taken back and saved, and the flag goes: the view then holds the checks of the file as saved.
      const savedText = fs.readFileSync(target, 'utf8');
      await runPaletteCommand(page, 'View: Focus Problems');
      await page.locator('.markers-panel').waitFor({ timeout: 20000 });
      const rows = page.locator('.markers-panel .monaco-tl-row', { hasText: 'greeting.prompt.json' });
      const flagged = page.locator('.markers-panel .monaco-tl-row', { hasText: 'nobody' });
      const replace = async (from, to) => {
        await page.locator('.tabs-container .tab', { hasText: 'greeting.prompt.json' }).first().click();
        await page.keyboard.press('Control+F');
        await page.keyboard.insertText(from);
        await page.keyboard.press('Escape'); // the match stays selected
        await page.keyboard.insertText(to); // one edit (typing would auto-close the braces)
      };
      await replace('Say hello to', 'Say hello to {{ nobody }} and');
      await flagged.first().waitFor({ timeout: 20000 });
      await replace('Say hello to {{ nobody }} and', 'Say hello to');
      await page.keyboard.press('Control+S');
      await flagged.first().waitFor({ state: 'detached', timeout: 20000 });
      await waitFor(() => fs.readFileSync(target, 'utf8') === savedText, 10000, 'the file as Save as wrote it');
      if (await rows.count() !== 0) throw new Error(`${await rows.count()} problem rows for greeting.prompt.json: ${await rows.allTextContents()}`);
    }],
    ['the playground survives reloading the window', async ({ page }) => {
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
      await runPaletteCommand(page, 'Prompt Lab: Open Playground');
      const web = webviewFrame(page);
      const message = web.locator('[data-testid="message"]').nth(1).locator('[data-testid="message-content"] textarea');
      await message.waitFor({ timeout: 60000 });
      await waitFor(async () => (await message.inputValue()) === 'Say hello to {{ name }}.', 20000, 'the message typed before the reload');
      const value = await web.locator('[data-testid="variable"][data-variable="name"] input').inputValue();
      if (value !== 'Ada') throw new Error(`the variable's value after the reload: "${value}"`);
    }],
    ['past the daily budget, the playground asks once for all its columns', async ({ page, workspaceDir }) => {
      // Today's spending: a logged run that cost more than the $1,000 budget.
      const now = new Date().toISOString();
      const logDir = path.join(workspaceDir, '.promptlab', 'runs');
      fs.mkdirSync(logDir, { recursive: true });
      fs.appendFileSync(path.join(logDir, `${now.slice(0, 10)}.jsonl`), `${JSON.stringify({
        event: 'run', id: 'spent', prompt: 'spent.prompt.json', deployment: 'fast', provider: 'openai-compatible', model: 'm', inputs: {}, messages: [],
        parameters: {}, output: '', finishReason: 'stop', usage: null, timing: { startedAt: now, ttftMs: null, latencyMs: 1 }, status: 'ok', costUsd: 5000,
      })}\n`);
      const web = webviewFrame(page);
      for (const key of ['fast', 'slow']) {
        const box = web.locator(`[data-testid="deployment"][data-deployment="${key}"]`);
        if (!(await box.evaluate((el) => el.checked))) await box.click();
      }
      const played = () => logLines(workspaceDir).filter((r) => r.source === 'playground').length;
      const before = played();
      await web.locator('[data-testid="run"]').click();
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'The daily budget is spent' });
      await dialog.waitFor({ timeout: 20000 });
      const question = await dialog.textContent();
      if (!/on fast, slow anyway\?/.test(question ?? '')) throw new Error(`the question: ${question}`);
      await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Run Anyway' }).first().click();
      await dialog.waitFor({ state: 'detached', timeout: 10000 });
      await waitFor(() => played() >= before + 2, 30000, 'both columns run and logged');
      const dialogs = await page.locator('.monaco-dialog-box').count();
      if (dialogs !== 0) throw new Error(`${dialogs} more budget question(s) after the first`);
    }],
  ]);
} finally {
  await server.close();
}
