#!/usr/bin/env node
// End to end, the way a person rates a run: in a real VS Code (code-server in Chromium) on a copy of examples/, run
// summarise.prompt.json from the palette, click 👍 in the panel, set a score and save it; the rating lines are in the
// log and the Runs view of the Prompt Lab activity bar container shows 👍 and the score on the run's row. Then
// "Prompt Lab: Rate Last Run" from the palette (👎) updates the open panel and the tree. The deployments point at a
// local replay server this script starts.
//   node test/e2e/ratings.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/ratings/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { e2eMain, openFile, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT, logLines } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));

const server = await startReplayServer();
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-ws-'));
fs.cpSync(EXAMPLES, workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
const settings = path.join(workspace, '.vscode', 'settings.json');
fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8').replaceAll('http://127.0.0.1:18931', server.url));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));


/** The newest rating line of run `id` in the log (the last line written wins a tie of `at`). */
function newestRating(dir, id) {
  return logLines(dir).filter((l) => l.event === 'rating' && l.runId === id).sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
}

/**
 * The run `runId` in the run panel (a Locator). Other webviews (the Playground view in the same container) may be
 * newer than the panel, so look in each webview for the run.
 */
async function runInPanel(page, runId) {
  return waitFor(async () => {
    const count = await page.locator('iframe.webview.ready').count();
    for (let i = count - 1; i >= 0; i--) {
      const run = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame').locator(`[data-run-id="${runId}"]`).first();
      if (await run.count().catch(() => 0)) return run;
    }
    return undefined;
  }, 20000, `run ${runId} in a webview`);
}

/** Open the Prompt Lab container from the activity bar; resolves with the Runs view's pane (a Locator). */
async function openRunsView(page) {
  const pane = page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: 'Runs' }) }).first();
  if (await pane.isVisible()) return pane;
  // Clicking the icon of the container already shown would close the side bar: only when the Runs pane is not visible.
  const icon = page.locator('.activitybar .action-item .action-label[aria-label^="Prompt Lab"]').first();
  try {
    await icon.click({ timeout: 30000 });
  } catch {
    await runPaletteCommand(page, 'View: Show Prompt Lab');
  }
  await pane.waitFor({ state: 'visible', timeout: 20000 });
  return pane;
}

/** The description texts of the Runs tree rows under `prompt` (expanding it), read from the DOM. */
async function runRows(page, pane, prompt) {
  const promptRow = pane.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: prompt }) }).first();
  await promptRow.waitFor({ state: 'visible', timeout: 20000 });
  if ((await promptRow.getAttribute('aria-expanded')) !== 'true') await promptRow.click();
  const rows = pane.locator('.monaco-list-row[aria-level="2"]');
  await rows.first().waitFor({ state: 'visible', timeout: 20000 });
  return rows.locator('.label-description').allTextContents();
}

try {
  await e2eMain({ name: 'ratings', workspace }, [
    ['👍 and a score from the panel are logged and show in the Runs view', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'summarise.prompt.json');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      const web = webviewFrame(page);
      const run = web.locator('[data-run-id][data-status="ok"]').first();
      await run.waitFor({ timeout: 60000 });
      const runId = await run.getAttribute('data-run-id');
      const status = run.locator('[data-testid="rating-status"]');

      await run.locator('[data-testid="rate-up"]').click();
      await waitFor(async () => (await status.textContent())?.startsWith('Saved'), 20000, '"Saved" after 👍');
      const up = await waitFor(() => newestRating(workspaceDir, runId), 10000, 'the 👍 rating line');
      if (up.thumb !== 'up' || up.score !== undefined) throw new Error(`first rating line: ${JSON.stringify(up)}`);

      await run.locator('[data-testid="rate-score"]').fill('0.8');
      await run.locator('[data-testid="rate-save"]').click();
      await waitFor(async () => (await status.textContent())?.startsWith('Saved'), 20000, '"Saved" after the score');
      const scored = await waitFor(() => { const r = newestRating(workspaceDir, runId); return r?.score !== undefined && r; }, 10000, 'the scored rating line');
      if (scored.thumb !== 'up' || scored.score !== 0.8) throw new Error(`newest rating line: ${JSON.stringify(scored)}`);
      await page.screenshot({ path: path.join(artifacts, 'rated-panel.png') });

      const pane = await openRunsView(page);
      const descriptions = await waitFor(async () => {
        const texts = await runRows(page, pane, 'summarise.prompt.json');
        return texts.some((t) => t.includes('👍 score 0.8')) && texts;
      }, 20000, 'a Runs row with 👍 score 0.8');
      if (!descriptions[0]?.startsWith('replay-openai · ok · 👍 score 0.8')) throw new Error(`Runs rows: ${JSON.stringify(descriptions)}`);
      await page.screenshot({ path: path.join(artifacts, 'runs-view.png') });
    }],
    ['Rate Last Run from the palette (👎) updates the panel, the log and the tree', async ({ page, workspaceDir, artifacts }) => {
      const runId = logLines(workspaceDir).filter((l) => l.event === 'run').at(-1)?.id;
      await runPaletteCommand(page, 'Prompt Lab: Rate Last Run');
      const pick = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: '👎' }) }).first();
      await pick.waitFor({ state: 'visible', timeout: 20000 });
      await pick.click();
      const down = await waitFor(() => { const r = newestRating(workspaceDir, runId); return r?.thumb === 'down' && r; }, 10000, 'the 👎 rating line');
      if (down.score !== undefined) throw new Error(`Rate Last Run logged ${JSON.stringify(down)}`);
      const run = await runInPanel(page, runId);
      await waitFor(async () => (await run.locator('[data-testid="rate-down"]').getAttribute('aria-pressed')) === 'true', 20000, 'the panel showing 👎');
      const pane = await openRunsView(page);
      await waitFor(async () => (await runRows(page, pane, 'summarise.prompt.json'))[0]?.includes('👎'), 20000, 'the Runs row showing 👎');
      await page.screenshot({ path: path.join(artifacts, 'rate-last-run.png') });
    }],
  ]);
} finally {
  await server.close();
}
