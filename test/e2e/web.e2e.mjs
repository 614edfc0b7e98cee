#!/usr/bin/env node
// End to end on the web: Prompt Lab's web build alone, in the web worker extension host of a real VS Code
// (code-server in Chromium). The test installs a copy of the extension whose manifest has only the `browser` entry
// (buildWebOnlyPackage), so no Node extension host can run it, and on a copy of examples/ checks that it runs in the
// web worker host (Running Extensions says so, the Node host's log has no Prompt Lab, the requests carry the page's
// Origin), marks a template variable no input declares, streams a run from a local replay server into the panel,
// takes a rating in the panel, writes both lines into the workspace's .promptlab/runs/ through workspace.fs, and
// shows them in the Runs view; Stop ends a slow run; Evaluate Prompt runs and scores capitals.prompt.json's test data.
//   node test/e2e/web.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/web/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  e2eMain, openFile, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT, logLines, runningExtensionHost,
  nodeHostActivations, stopSlowRun, expectRecordedRun,
} from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer, syntheticText } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const { expectedOf } = require(path.join(REPO_ROOT, 'out/test/unit/wireOracle.js'));
const { parse } = require('jsonc-parser');

const server = await startReplayServer();
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const settingsText = fs.readFileSync(path.join(EXAMPLES, '.vscode', 'settings.json'), 'utf8');
const summarise = parse(fs.readFileSync(path.join(EXAMPLES, 'summarise.prompt.json'), 'utf8'));
const replayModel = parse(settingsText)['promptLab.deployments'][summarise.deployment].model; // replay/<folder>/<stem>
const fixture = `${replayModel.replace(/^replay\//, '')}.sse`;
const expected = expectedOf(fixture);
// The user message as the template renders it with the prompt's defaults (rendered in the web's render Worker).
const renderedUser = `Summarise the following article in at most ${summarise.inputs.max_words.default} words.\n\n<article>\n${summarise.inputs.article.default}\n</article>`;
// The replay server waits this long between the recording's events (34 of them for the OpenAI one), so the panel
// can be seen with part of the text before the whole.
const EVENT_DELAY_MS = 400;

// A copy of examples/ whose deployments reach this script's replay server (the prompt's own deployment slowed down,
// see EVENT_DELAY_MS), plus a prompt with a typo in a variable name and a slow one to stop.
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-web-'));
fs.cpSync(EXAMPLES, workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), settingsText
  .replaceAll('http://127.0.0.1:18931', server.url)
  .replace(`"model": "${replayModel}"`, `"model": "${replayModel}?delayMs=${EVENT_DELAY_MS}"`)
  .replace('"promptLab.deployments": {', `"promptLab.deployments": {
    "slow": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "synthetic/slow?chunks=400&delayMs=50" },`));
fs.writeFileSync(path.join(workspace, 'slow.prompt.json'), JSON.stringify({
  name: 'Slow', deployment: 'slow', messages: [{ role: 'user', content: 'Count slowly.' }],
}, null, 2));
fs.writeFileSync(path.join(workspace, 'typo.prompt.json'), JSON.stringify({
  name: 'Typo', deployment: 'replay-openai', inputs: { topic: { default: 'tea' } },
  messages: [{ role: 'user', content: 'Tell me about {{ topik }}.' }],
}, null, 2));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

const capitals = parse(fs.readFileSync(path.join(EXAMPLES, 'capitals.prompt.json'), 'utf8'));
const capitalRows = fs.readFileSync(path.join(EXAMPLES, capitals.testData), 'utf8').split('\n').filter((l) => l.trim()).length;

/** The evaluation panel's content (a FrameLocator): of the open webviews, the one that holds the grid. */
async function evaluationFrame(page) {
  return waitFor(async () => {
    const count = await page.locator('iframe.webview.ready').count();
    for (let i = count - 1; i >= 0; i--) {
      const frame = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame');
      if (await frame.locator('[data-testid="grid"]').count().catch(() => 0)) return frame;
    }
    return undefined;
  }, 60000, 'the evaluation panel\'s grid');
}

/** Lines of the run log whose `event` is `event` (run lines carry `prompt`; rating lines `runId`). */
function events(dir, event) {
  return logLines(dir).filter((l) => (l.event ?? 'run') === event);
}

try {
  await e2eMain({ name: 'web', workspace, webOnly: true }, [
    ['a template variable no input declares is marked in the Problems panel and the editor', async ({ page, artifacts }) => {
      await openFile(page, 'typo.prompt.json');
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel').waitFor({ timeout: 20000 });
      const problem = page.locator('.markers-panel .monaco-list-row', { hasText: '"topik" is used in message 1 but not declared' }).first();
      await problem.waitFor({ timeout: 60000 });
      // The squiggle under the variable in the editor.
      await page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning').first().waitFor({ timeout: 20000 });
      await page.screenshot({ path: path.join(artifacts, 'diagnostic.png') });
    }],
    ['Prompt Lab runs in the web worker extension host and not in the Node one', async ({ page, server: codeServer, artifacts }) => {
      const host = await runningExtensionHost(page, 'prompt-lab');
      await page.screenshot({ path: path.join(artifacts, 'running-extensions.png') });
      if (host !== 'web worker') throw new Error(`Running Extensions shows Prompt Lab in "${host}", not in the web worker`);
      // The Node extension host started (its log says so), and Prompt Lab is not among what it activated.
      const node = await waitFor(() => { const a = nodeHostActivations(codeServer.userData); return a.ok && a; }, 60000, 'the Node extension host to finish its start');
      if (node.ids.some((id) => id.startsWith('prompt-lab.'))) throw new Error(`the Node extension host activated ${node.ids.join(', ')}`);
      await page.keyboard.press('Control+W');
    }],
    ['Run Prompt renders the template, streams the recorded text into the panel and writes the run line through workspace.fs', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'summarise.prompt.json');
      const before = server.requests.length;
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      const web = webviewFrame(page);
      // Part of the text while the replay is still sending: the text arrives as a stream, not at the end.
      const running = web.locator('[data-run-id][data-status="running"]').first();
      await running.waitFor({ timeout: 60000 });
      const partial = await waitFor(async () => {
        const t = (await running.locator('[data-testid="run-output"]').textContent({ timeout: 2000 }).catch(() => '')) ?? '';
        return t.length > 0 && t;
      }, 30000, 'streamed text in the running run');
      if (partial.length >= expected.text.length || !expected.text.startsWith(partial)) {
        throw new Error(`while running, the panel shows ${partial.length} chars, not a beginning of the ${expected.text.length} recorded`);
      }
      await page.screenshot({ path: path.join(artifacts, 'run-streaming.png') });
      const run = await expectRecordedRun(web, expected, fixture);
      await page.screenshot({ path: path.join(artifacts, 'run-panel.png') });
      // The request came from the browser (a fetch from the page's origin), not from a Node process.
      const sent = server.requests.slice(before).find((r) => r.method === 'POST');
      if (!sent) throw new Error('the replay server got no request');
      if (sent.body?.model !== `${replayModel}?delayMs=${EVENT_DELAY_MS}`) throw new Error(`request for model ${sent.body?.model}`);
      if (!sent.headers.origin?.startsWith('http://127.0.0.1:')) throw new Error(`request without the page's Origin (${sent.headers.origin}): not sent by the browser`);
      const user = sent.body.messages?.find((m) => m.role === 'user')?.content;
      if (user !== renderedUser) throw new Error(`the request's user message is not the rendered template: ${JSON.stringify(user).slice(0, 200)}`);
      const runId = await run.getAttribute('data-run-id');
      const line = await waitFor(() => events(workspaceDir, 'run').find((r) => r.id === runId), 20000, `the run line of ${runId} in .promptlab/runs/`);
      if (line.prompt !== 'summarise.prompt.json' || line.status !== 'ok' || line.output !== expected.text || line.replayOf !== fixture) {
        throw new Error(`run line: ${JSON.stringify(line).slice(0, 300)}`);
      }
      if (line.usage?.completionTokens !== expected.usage?.completion_tokens) throw new Error(`logged usage ${JSON.stringify(line.usage)}`);
    }],
    ['👍 and a score in the panel are written as rating lines through workspace.fs', async ({ page, workspaceDir, artifacts }) => {
      const web = webviewFrame(page);
      const run = web.locator('[data-run-id][data-status="ok"]').first();
      await run.waitFor({ timeout: 20000 });
      const runId = await run.getAttribute('data-run-id');
      const status = run.locator('[data-testid="rating-status"]');
      await run.locator('[data-testid="rate-up"]').click();
      await waitFor(async () => (await status.textContent())?.startsWith('Saved'), 30000, '"Saved" after 👍');
      const up = await waitFor(() => events(workspaceDir, 'rating').find((r) => r.runId === runId), 20000, 'the 👍 rating line');
      if (up.thumb !== 'up' || up.score !== undefined) throw new Error(`rating line: ${JSON.stringify(up)}`);
      await run.locator('[data-testid="rate-score"]').fill('0.8');
      await run.locator('[data-testid="rate-save"]').click();
      const scored = await waitFor(() => events(workspaceDir, 'rating').find((r) => r.runId === runId && r.score !== undefined), 20000, 'the scored rating line');
      if (scored.thumb !== 'up' || scored.score !== 0.8) throw new Error(`scored rating line: ${JSON.stringify(scored)}`);
      await page.screenshot({ path: path.join(artifacts, 'rated.png') });
    }],
    ['the Runs view reads the log back: the run with 👍 and its score', async ({ page, artifacts }) => {
      const pane = page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: 'Runs' }) }).first();
      if (!(await pane.isVisible())) {
        // Clicking the icon of the container already shown would close the side bar: only when the pane is not visible.
        await page.locator('.activitybar .action-item .action-label[aria-label^="Prompt Lab"]').first().click({ timeout: 30000 });
      }
      await pane.waitFor({ state: 'visible', timeout: 20000 });
      const promptRow = pane.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: 'summarise.prompt.json' }) }).first();
      await promptRow.waitFor({ state: 'visible', timeout: 30000 });
      if ((await promptRow.getAttribute('aria-expanded')) !== 'true') await promptRow.click();
      const runRow = pane.locator('.monaco-list-row[aria-level="2"] .label-description', { hasText: '👍 score 0.8' }).first();
      await runRow.waitFor({ state: 'visible', timeout: 30000 });
      const description = await runRow.textContent();
      if (!description?.startsWith('replay-openai · ok · 👍 score 0.8')) throw new Error(`Runs row: ${description}`);
      await page.screenshot({ path: path.join(artifacts, 'runs-view.png') });
    }],
    ['Stop ends a slow run; the partial output stays in the panel and the log', async ({ page, workspaceDir, artifacts }) => {
      await stopSlowRun({ page, workspaceDir, artifacts, fullText: syntheticText(400), timeoutMs: 30000 });
    }],
    ['Evaluate Prompt: every row runs, concurrently, and is scored by its evaluators (regex in the web Worker, LLM judges)', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'capitals.prompt.json');
      const title = page.locator('.quick-input-widget .quick-input-title', { hasText: `Evaluate "${capitals.name}" (${capitalRows} rows)` });
      // The pick comes up after the prompt file and its test data are read; a palette click lost to a busy workbench
      // (the pick never shows) is retried.
      await waitFor(async () => {
        await runPaletteCommand(page, 'Prompt Lab: Evaluate Prompt');
        return title.waitFor({ state: 'visible', timeout: 20000 }).then(() => true, () => page.keyboard.press('Escape').then(() => false));
      }, 120000, 'the deployments pick of Evaluate Prompt');
      await page.locator('.quick-input-widget input.input').press('Enter'); // the prompt's own deployment, preselected
      await title.waitFor({ state: 'hidden', timeout: 20000 });
      const web = await evaluationFrame(page);
      const status = web.locator('[data-testid="status"]');
      const done = await waitFor(async () => {
        const t = ((await status.textContent().catch(() => '')) ?? '').trim();
        if (/^Cancelled/.test(t)) throw new Error(`the evaluation ended cancelled: ${t}`);
        return /^Complete · /.test(t) && t;
      }, 240000, 'the evaluation to complete');
      await page.screenshot({ path: path.join(artifacts, 'evaluation.png') });
      if (!done.startsWith(`Complete · ${capitalRows} of ${capitalRows} cells`)) throw new Error(`the grid says ${done}`);
      const record = await waitFor(() => events(workspaceDir, 'evaluation').find((l) => l.prompt === 'capitals.prompt.json' && l.status === 'complete'), 30000, 'the evaluation line');
      if (record.rows !== capitalRows) throw new Error(`evaluation line: ${JSON.stringify(record).slice(0, 300)}`);
      const lines = logLines(workspaceDir);
      const cells = lines.filter((l) => l.event === 'run' && l.evaluationId === record.id && l.source !== 'judge');
      if (cells.length !== capitalRows) throw new Error(`${cells.length} cell run lines, expected ${capitalRows}`);
      const notOk = cells.filter((c) => c.status !== 'ok');
      if (notOk.length) throw new Error(`${notOk.length} cells did not run: ${JSON.stringify(notOk[0]).slice(0, 300)}`);
      for (const c of cells) {
        const names = (c.evaluations ?? []).map((e) => e.name).sort().join(',');
        if (names !== capitals.evaluators.map((e) => e.name).sort().join(',')) throw new Error(`row ${c.testIndex} was scored by ${names}`);
        const regex = c.evaluations.find((e) => e.name === 'one-sentence');
        if (regex.passed !== true) throw new Error(`the regex evaluator on row ${c.testIndex}: ${JSON.stringify(regex)}`);
      }
      const judgeRuns = lines.filter((l) => l.event === 'run' && l.source === 'judge' && cells.some((c) => c.id === l.runId));
      if (judgeRuns.length === 0) throw new Error('no judge run is logged for the LLM evaluators');
      // Concurrency: the requests overlapped (the deployment allows 16 in flight).
      const inFlight = server.simulated.stats.maxInFlight['simulated/chat'] ?? 0;
      console.log(`       (most simulated/chat requests in flight at once: ${inFlight})`);
      if (inFlight < 2) throw new Error(`at most ${inFlight} request in flight: the evaluation ran one row at a time`);
    }],
  ]);
} finally {
  await server.close();
}
