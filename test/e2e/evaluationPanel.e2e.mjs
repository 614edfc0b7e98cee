#!/usr/bin/env node
// End to end, the way a person reads an evaluation's results: an evaluation of a 20-row prompt on two deployments of
// the local replay server's simulated inference server is run first (through the core's evaluatePrompt, into the copy
// workspace's log as the Evaluate Prompt command logs it); then, in a real VS Code (code-server in Chromium), the prompt
// file is opened and "Prompt Lab: Show Evaluation Results" shows the grid; the filter keeps the failing rows; a click
// on a cell opens its run in the run panel; +1 on a cell writes a rating line.
//   node test/e2e/evaluationPanel.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/evaluationPanel/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { e2eMain, openFile, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT, logLines } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const { evaluatePrompt } = require(path.join(REPO_ROOT, 'out/src/core/evaluation/evaluate.js'));
const { loadTestData } = require(path.join(REPO_ROOT, 'out/src/core/evaluation/testData.js'));
const { parsePromptDocument } = require(path.join(REPO_ROOT, 'out/src/core/format/parse.js'));
const { resolveDeployment } = require(path.join(REPO_ROOT, 'out/src/core/providers/deployments.js'));
const { inProcessRenderer } = require(path.join(REPO_ROOT, 'out/src/core/template/inProcessRenderer.js'));
const { nodeFileSystem } = require(path.join(REPO_ROOT, 'out/src/node/fileSystem.js'));

const ROWS = 20;
const PROMPT = 'eval-panel.prompt.json';
const server = await startReplayServer({ simulated: { speedup: 40, completionTokens: { min: 8, max: 24 } } });
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-ws-'));
fs.cpSync(EXAMPLES, workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
const settings = path.join(workspace, '.vscode', 'settings.json');
fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8').replaceAll('http://127.0.0.1:18931', server.url));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

// The prompt: answers restate the question; "even-topic" passes on even rows only, so half the cells fail.
const promptText = JSON.stringify({
  name: 'Ticket topics',
  deployment: 'replay-openai',
  inputs: { question: { required: true }, topic: { default: 'nothing' } },
  messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: '{{ question }}' }],
  testData: Array.from({ length: ROWS }, (_, i) => ({ question: `Question number ${i} about topic${i}`, topic: `topic${i}`, expected: `about topic${i}` })),
  evaluators: [
    { name: 'mentions-topic', string: { contains: '{{ topic }}' } },
    { name: 'even-topic', regex: { pattern: 'topic\\d*[02468]\\b' } },
  ],
}, null, 2);
fs.writeFileSync(path.join(workspace, PROMPT), promptText);

/** Runs the evaluation into `dir`'s log (the rig's copy of the workspace leaves logs out, so it runs in the session). */
async function evaluateInto(dir) {
  const prompt = parsePromptDocument(PROMPT, promptText).prompt;
  const loaded = await loadTestData(prompt, { fs: nodeFileSystem(), workspaceFolder: dir });
  const outcome = await evaluatePrompt({
    evaluationId: randomUUID(), promptPath: PROMPT, prompt, rows: loaded.rows, renderer: inProcessRenderer(), fs: nodeFileSystem(),
    logDir: path.join(dir, '.promptlab', 'runs'), sampleIntervalMs: 0,
    targets: ['sim-a', 'sim-b'].map((key) => ({ deployment: resolveDeployment(key, { [key]: { provider: 'openai-compatible', baseURL: server.baseURL, model: `simulated/chat?d=${key}` } }), apiKey: undefined })),
  });
  if (outcome.record.deployments['sim-a']?.passRate !== 0.5) throw new Error(`the evaluation did not come out as planned: ${JSON.stringify(outcome.record.deployments)}`);
}

try {
  await e2eMain({ name: 'evaluationPanel', workspace }, [
    ['Show Evaluation Results shows the grid of the latest evaluation; the filter keeps the failing rows', async ({ page, workspaceDir, artifacts }) => {
      await evaluateInto(workspaceDir);
      await openFile(page, PROMPT);
      await runPaletteCommand(page, 'Prompt Lab: Show Evaluation Results');
      await page.locator('.tabs-container .tab', { hasText: 'Evaluation: Ticket topics' }).first().waitFor({ timeout: 30000 });
      const web = webviewFrame(page);
      const status = web.locator('[data-testid="status"]');
      await waitFor(async () => (await status.textContent())?.startsWith(`Complete · ${ROWS * 2} of ${ROWS * 2} cells`), 30000, 'the grid of 40 cells');
      const headers = await web.locator('.head-cell[data-deployment] .deployment-name').allTextContents();
      if (headers.join(',') !== 'sim-a,sim-b') throw new Error(`columns: ${headers}`);
      const passRate = await web.locator('[data-testid="pass-rate"]').first().textContent();
      if (passRate !== 'pass 50.0%') throw new Error(`header: ${passRate}`);
      await page.screenshot({ path: path.join(artifacts, 'evaluation-grid.png') });

      await web.locator('[data-testid="filter"]').selectOption('failing');
      await waitFor(async () => (await status.textContent())?.includes(`showing ${ROWS / 2} of ${ROWS} rows`), 20000, 'the failing rows only');
      const indexes = await web.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-test-index'))));
      if (indexes.length === 0 || indexes.some((i) => i % 2 === 0)) throw new Error(`rows shown with the failing filter: ${indexes}`);
      await page.screenshot({ path: path.join(artifacts, 'evaluation-grid-failing.png') });
    }],
    ['a click on a cell opens its run in the run panel; +1 on a cell writes a rating line', async ({ page, workspaceDir, artifacts }) => {
      const web = webviewFrame(page);
      const cell = web.locator('[data-testid="cell"][data-deployment="sim-b"]').first();
      const runId = await cell.getAttribute('data-run-id');
      await cell.locator('[data-action="up"]').click();
      const rating = await waitFor(() => logLines(workspaceDir).find((l) => l.event === 'rating' && l.runId === runId), 20000, 'the rating line');
      if (rating.thumb !== 'up') throw new Error(`rating line: ${JSON.stringify(rating)}`);
      await waitFor(async () => (await cell.locator('[data-action="up"]').getAttribute('aria-pressed')) === 'true', 20000, '+1 shown as pressed');

      await cell.locator('[data-testid="cell-output"]').click();
      // The run panel opens beside the grid: its run element carries data-status, the grid's cells do not.
      await waitFor(async () => {
        const count = await page.locator('iframe.webview.ready').count();
        for (let i = 0; i < count; i++) {
          const run = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame').locator(`[data-run-id="${runId}"][data-status="ok"]`);
          if (await run.count().catch(() => 0)) return true;
        }
        return false;
      }, 30000, `run ${runId} in the run panel`);
      await page.screenshot({ path: path.join(artifacts, 'cell-in-run-panel.png') });
    }],
  ]);
} finally {
  await server.close();
}
