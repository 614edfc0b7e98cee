#!/usr/bin/env node
// End to end, the way a person evaluates a prompt (issue 13): in a real VS Code (code-server in Chromium) on a copy of
// examples/, open capitals.prompt.json (test data in data/capitals.jsonl; string, regex, LLM-judge and built-in-judge
// evaluators), run "Prompt Lab: Evaluate Prompt" from the palette, tick a second deployment in the multi-select pick
// (the prompt's own, sim-chat, comes ticked), watch the evaluation panel's grid fill and its throughput chart draw,
// check the log holds a run line per cell and one evaluation line whose figures the grid shows, keep the failing rows
// with the filter, open a failing cell in the run panel and rate it +1 there: the rating line lands in the workspace's
// run log and the grid's cell shows it. The deployments reach the simulated inference server of the replay server this
// script starts (examples/.vscode/settings.json's 127.0.0.1:18931 rewritten to its port); sim-judge answers the judges.
//
// The second deployment evaluated is a second simulated chat model added to the copy's settings, not sim-judge: a
// judge model answers "What is the capital of …?" with a rating, so every row would have a failing sim-judge cell and
// the failing filter would keep every row (nothing to check). For the same reason the copy's test data gains rows of
// countries whose name holds their capital (Singapore, Tunisia, …): the simulated chat model restates the question,
// so those can pass every evaluator, and the filter has rows to leave out.
//   node test/e2e/evaluatePrompt.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/evaluatePrompt/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { e2eMain, openFile, runPaletteCommand, waitFor, REPO_ROOT, logLines } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const { parse } = require('jsonc-parser');

const PROMPT = 'capitals.prompt.json';
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const prompt = parse(fs.readFileSync(path.join(EXAMPLES, PROMPT), 'utf8'));
if (prompt.deployment !== 'sim-chat' || typeof prompt.testData !== 'string' || !prompt.testData.endsWith('.jsonl')) {
  throw new Error(`examples/${PROMPT} is no longer the evaluated example this test expects (deployment ${prompt.deployment}, testData ${JSON.stringify(prompt.testData)})`);
}
// Rows that can pass: the capital is in the country's name, so the restated question contains it.
const EXTRA_ROWS = ['Singapore', 'Luxembourg', 'Monaco', 'San Marino', 'Vatican City', 'Djibouti', ['Tunisia', 'Tunis']]
  .map((c) => (Array.isArray(c) ? { country: c[0], expected: c[1] } : { country: c, expected: c }));
const exampleRows = fs.readFileSync(path.join(EXAMPLES, prompt.testData), 'utf8').split('\n').filter((l) => l.trim()).length;
const ROWS = exampleRows + EXTRA_ROWS.length;
const DEPLOYMENTS = ['sim-chat', 'sim-chat-b'];
const CELLS = ROWS * DEPLOYMENTS.length;

// The simulated server's clock at half speed: ~30 rows of up to 60 tokens (the prompt's max_tokens) at up to 16 in
// flight, plus their judges, take seconds even on an idle machine, so the panel opens while cells are still running
// and the chart gets its one-second throughput samples.
const server = await startReplayServer({ simulated: { speedup: 0.5 } });
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-ws-'));
fs.cpSync(EXAMPLES, workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
const settingsFile = path.join(workspace, '.vscode', 'settings.json');
const settingsText = fs.readFileSync(settingsFile, 'utf8');
if (!settingsText.includes('http://127.0.0.1:18931')) throw new Error('examples/.vscode/settings.json no longer names the local endpoint');
fs.writeFileSync(settingsFile, settingsText.replaceAll('http://127.0.0.1:18931', server.url).replace('"promptLab.deployments": {', `"promptLab.deployments": {
    "sim-chat-b": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "simulated/chat?d=b", "maxConcurrency": 16 },`));
const dataFile = path.join(workspace, prompt.testData);
fs.writeFileSync(dataFile, `${fs.readFileSync(dataFile, 'utf8').trimEnd()}\n${EXTRA_ROWS.map((r) => JSON.stringify(r)).join('\n')}\n`);
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

/** A row of the open quick pick by its label (a Locator). */
function pickRow(page, label) {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
}

/** Whether a row of a multi-select quick pick is ticked. */
async function ticked(row) {
  const box = row.locator('input[type="checkbox"], [role="checkbox"]').first();
  if (await box.count()) {
    const checked = await box.evaluate((el) => (el.tagName === 'INPUT' ? el.checked : el.getAttribute('aria-checked') === 'true'));
    return checked;
  }
  return (await row.getAttribute('aria-checked')) === 'true';
}

/** Every webview's content frame, newest last (the run panel and the evaluation panel are both open). */
async function webviewFrames(page) {
  const count = await page.locator('iframe.webview.ready').count();
  return Array.from({ length: count }, (_, i) => page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame'));
}

/** The evaluation panel's content (a FrameLocator): the webview that holds the grid. */
async function evaluationFrame(page) {
  return waitFor(async () => {
    for (const frame of (await webviewFrames(page)).reverse()) {
      if (await frame.locator('[data-testid="grid"]').count().catch(() => 0)) return frame;
    }
    return undefined;
  }, 60000, 'the evaluation panel\'s grid');
}

let evaluationId;
let failingRunId;

try {
  await e2eMain({ name: 'evaluatePrompt', workspace }, [
    ['palette → Evaluate Prompt, two deployments ticked in the pick: the grid fills live, the chart draws, the log holds every cell', async ({ page, workspaceDir, artifacts, clock }) => {
      await openFile(page, PROMPT);
      const before = server.simulated.stats.arrivals.length;
      const title = page.locator('.quick-input-widget .quick-input-title', { hasText: `Evaluate "${prompt.name}" (${ROWS} rows)` });
      // The pick comes up after the prompt file and its test data are read; a palette click lost to a busy workbench
      // (the pick never shows) is retried.
      await waitFor(async () => {
        await runPaletteCommand(page, 'Prompt Lab: Evaluate Prompt');
        return title.waitFor({ state: 'visible', timeout: 20000 }).then(() => true, () => page.keyboard.press('Escape').then(() => false));
      }, 120000, 'the deployments pick of Evaluate Prompt');
      if (server.simulated.stats.arrivals.length !== before) throw new Error('requests were sent before the deployments were picked');

      const chat = pickRow(page, 'sim-chat');
      const second = pickRow(page, 'sim-chat-b');
      await chat.waitFor({ timeout: 20000 });
      if (!(await ticked(chat))) throw new Error(`the prompt's own deployment sim-chat is not preselected: ${await chat.evaluate((el) => el.outerHTML)}`);
      for (const key of ['sim-chat-b', 'sim-judge', 'replay-openai']) {
        if (await ticked(pickRow(page, key))) throw new Error(`${key} is ticked before it was picked`);
      }
      const listed = await page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name').allTextContents();
      for (const key of ['sim-chat-b', 'sim-judge', 'replay-openai', 'ollama']) if (!listed.includes(key)) throw new Error(`the pick lists ${listed}, not every configured deployment`);
      // A click on the row ticks it in a multi-select pick; clicked again only if the first click was lost.
      await waitFor(async () => {
        if (await ticked(second)) return true;
        await second.click();
        return ticked(second);
      }, 20000, 'sim-chat-b ticked');
      if (!(await ticked(chat))) throw new Error('ticking sim-chat-b unticked sim-chat');
      await page.screenshot({ path: path.join(artifacts, 'deployments-pick.png') });
      await page.locator('.quick-input-widget input.input').press('Enter');
      await title.waitFor({ state: 'hidden', timeout: 20000 });
      clock.lap('deployments picked');

      await page.locator('.tabs-container .tab', { hasText: `Evaluation: ${prompt.name}` }).first().waitFor({ timeout: 60000 });
      const web = await evaluationFrame(page);
      const status = web.locator('[data-testid="status"]');
      const statusText = async () => (await status.textContent().catch(() => '')) ?? '';
      // Live: the panel shows cells as they finish, not only the final grid (the simulated server takes seconds).
      const seen = new Set();
      const first = await waitFor(async () => {
        const t = await statusText();
        const m = /^(Running|Complete) · (\d+) of (\d+) cells/.exec(t);
        if (m) seen.add(`${m[1]} ${m[2]}`);
        return m && Number(m[3]) === CELLS ? m : undefined;
      }, 60000, `the grid's status over ${CELLS} cells`);
      const headers = await web.locator('.head-cell[data-deployment] .deployment-name').allTextContents();
      if ([...headers].sort().join(',') !== DEPLOYMENTS.join(',')) throw new Error(`grid columns: ${headers}`);
      if (first[1] === 'Running') await page.screenshot({ path: path.join(artifacts, 'evaluation-running.png') });

      // The throughput chart: shown from the first one-second sample, drawn by uPlot on a canvas.
      const chart = web.locator('[data-testid="chart"]');
      await chart.waitFor({ state: 'visible', timeout: 60000 });
      await chart.locator('[data-testid="chart-plot"] canvas').first().waitFor({ state: 'visible', timeout: 20000 });
      const chartWhileRunning = (await statusText()).startsWith('Running');
      const legend = await chart.textContent();
      for (const d of DEPLOYMENTS) if (!legend?.includes(`${d} tokens/s`)) throw new Error(`the chart's legend does not name ${d}: ${legend}`);
      await chart.screenshot({ path: path.join(artifacts, 'evaluation-chart.png') });
      clock.lap(`chart shown${chartWhileRunning ? ' while running' : ' (evaluation already complete)'}`);

      const done = await waitFor(async () => {
        const t = await statusText();
        const m = /^(Running|Complete|Cancelled) · (\d+) of (\d+) cells · (\d+) passed, (\d+) failed, (\d+) errors/.exec(t);
        if (m) seen.add(`${m[1]} ${m[2]}`);
        if (m && m[1] === 'Cancelled') throw new Error(`the evaluation ended cancelled: ${t}`);
        return m && m[1] === 'Complete' ? m : undefined;
      }, 240000, 'the evaluation to complete');
      if (Number(done[2]) !== CELLS) throw new Error(`complete with ${done[2]} of ${CELLS} cells`);
      const partial = [...seen].filter((v) => /^Running ([1-9]\d*)$/.test(v) && Number(v.split(' ')[1]) < CELLS);
      if (partial.length === 0) throw new Error(`the grid never showed a partly done evaluation (statuses seen: ${[...seen].join(', ')})`);
      clock.lap(`complete; statuses seen: ${[...seen].join(', ')}`);
      await page.screenshot({ path: path.join(artifacts, 'evaluation-grid.png') });

      // The log: a run line per cell, judge runs linked to them, one evaluation line with the figures the grid shows.
      const record = await waitFor(() => logLines(workspaceDir).find((l) => l.event === 'evaluation' && l.prompt === PROMPT), 30000, 'the evaluation line');
      evaluationId = record.id;
      if (record.status !== 'complete' || record.rows !== ROWS) throw new Error(`evaluation line: ${JSON.stringify(record).slice(0, 400)}`);
      if (Object.keys(record.deployments).sort().join(',') !== DEPLOYMENTS.join(',')) throw new Error(`evaluated on ${Object.keys(record.deployments)}`);
      const lines = logLines(workspaceDir);
      const cells = lines.filter((l) => l.event === 'run' && l.evaluationId === evaluationId && l.source !== 'judge');
      if (cells.length !== CELLS) throw new Error(`${cells.length} cell run lines, expected ${CELLS}`);
      for (const d of DEPLOYMENTS) {
        const indexes = cells.filter((c) => c.deployment === d).map((c) => c.testIndex).sort((a, b) => a - b);
        if (indexes.join(',') !== Array.from({ length: ROWS }, (_, i) => i).join(',')) throw new Error(`${d} ran rows ${indexes}`);
      }
      const judgeRuns = lines.filter((l) => l.event === 'run' && l.source === 'judge' && cells.some((c) => c.id === l.runId));
      if (judgeRuns.length === 0) throw new Error('no judge run is logged for the LLM evaluators');
      const passed = cells.filter((c) => c.status === 'ok' && c.evaluations?.length === prompt.evaluators.length && c.evaluations.every((e) => e.passed === true)).length;
      const totals = Object.values(record.deployments).reduce((s, d) => ({ passed: s.passed + d.passed, failed: s.failed + d.failed, errors: s.errors + d.errors }), { passed: 0, failed: 0, errors: 0 });
      if (passed !== totals.passed || Number(done[4]) !== totals.passed || Number(done[5]) !== totals.failed || Number(done[6]) !== totals.errors) {
        throw new Error(`grid says ${done[0]}; the evaluation line ${JSON.stringify(totals)}; cells passing every evaluator in the log: ${passed}`);
      }
      if (totals.failed + totals.errors === 0) throw new Error('no cell failed: nothing for the failing filter to keep');
      if (totals.passed === 0) throw new Error(`no cell passed (the rows added for that: ${EXTRA_ROWS.map((r) => r.country)}): nothing for the failing filter to leave out`);
      const shownRates = await web.locator('.head-cell[data-deployment] [data-testid="pass-rate"]').allTextContents();
      const loggedRates = headers.map((d) => `pass ${(record.deployments[d].passRate * 100).toFixed(1)}%`);
      if (shownRates.join('|') !== loggedRates.join('|')) throw new Error(`headers show ${shownRates}, the log has ${loggedRates}`);
      const served = server.simulated.stats.arrivals.length - before;
      if (served < CELLS + judgeRuns.length) throw new Error(`the simulated server saw ${served} requests for ${CELLS} cells and ${judgeRuns.length} judge runs`);
    }],
    ['the filter keeps the failing rows; a failing cell opens in the run panel; +1 there writes a rating line the grid shows', async ({ page, workspaceDir, artifacts }) => {
      if (!evaluationId) throw new Error('the evaluation of the first test did not complete');
      const cells = logLines(workspaceDir).filter((l) => l.event === 'run' && l.evaluationId === evaluationId && l.source !== 'judge');
      const ok = (c) => c.status === 'ok' && (c.evaluations ?? []).every((e) => e.passed === true);
      const failingRows = new Set(cells.filter((c) => !ok(c)).map((c) => c.testIndex));
      if (failingRows.size === 0 || failingRows.size === ROWS) throw new Error(`${failingRows.size} of ${ROWS} rows fail: the filter has nothing to show or nothing to leave out`);
      await page.locator('.tabs-container .tab', { hasText: `Evaluation: ${prompt.name}` }).first().click();
      const web = await evaluationFrame(page);
      const status = web.locator('[data-testid="status"]');
      await web.locator('[data-testid="filter"]').selectOption('failing');
      await waitFor(async () => (await status.textContent())?.endsWith(`showing ${failingRows.size} of ${ROWS} rows`), 20000, `${failingRows.size} failing rows shown`);
      const shown = await web.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r) => ({
        index: Number(r.getAttribute('data-test-index')),
        outcomes: [...r.querySelectorAll('[data-testid="cell"]')].map((c) => c.getAttribute('data-outcome')),
      })));
      if (shown.length === 0) throw new Error('no row drawn with the failing filter');
      for (const r of shown) {
        if (!failingRows.has(r.index) || !r.outcomes.some((o) => o === 'failed' || o === 'error')) throw new Error(`row ${r.index} (${r.outcomes}) is shown with the failing filter; failing rows: ${[...failingRows]}`);
      }
      await page.screenshot({ path: path.join(artifacts, 'evaluation-grid-failing.png') });
      // Only the rows in view are drawn, so the passing row is looked for by name: the search finds it among all rows,
      // the failing filter leaves it out.
      const passing = cells.find((c) => ok(c) && !failingRows.has(c.testIndex));
      const country = passing.inputs.country;
      const search = web.locator('[data-testid="search"]');
      const drawnIndexes = () => web.locator('[data-testid="row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-test-index'))));
      await search.fill(country);
      await waitFor(async () => (await status.textContent())?.endsWith(`showing 0 of ${ROWS} rows`), 20000, `no failing row found by "${country}"`);
      await web.locator('[data-testid="empty-state"]').waitFor({ state: 'visible', timeout: 20000 });
      await web.locator('[data-testid="filter"]').selectOption('all');
      await waitFor(async () => (await drawnIndexes()).includes(passing.testIndex) && (await status.textContent())?.endsWith(`showing 1 of ${ROWS} rows`), 20000, `row ${passing.testIndex} (${country}) found by the search among all rows`);
      await search.fill('');
      await web.locator('[data-testid="filter"]').selectOption('failing');
      await waitFor(async () => (await status.textContent())?.endsWith(`showing ${failingRows.size} of ${ROWS} rows`), 20000, `${failingRows.size} failing rows shown again`);

      const cell = web.locator('[data-testid="cell"][data-outcome="failed"], [data-testid="cell"][data-outcome="error"]').first();
      failingRunId = await cell.getAttribute('data-run-id');
      const logged = cells.find((c) => c.id === failingRunId);
      if (!logged || ok(logged)) throw new Error(`the cell clicked (run ${failingRunId}) is not a failing cell of the log`);
      await cell.locator('[data-testid="cell-output"]').click();
      // The run panel opens beside the grid; its run element carries data-status (the grid's cells do not).
      const run = await waitFor(async () => {
        for (const frame of (await webviewFrames(page)).reverse()) {
          const r = frame.locator(`[data-run-id="${failingRunId}"][data-status]`).first();
          if (await r.count().catch(() => 0)) return r;
        }
        return undefined;
      }, 60000, `run ${failingRunId} in the run panel`);
      const output = (await run.locator('[data-testid="run-output"]').textContent())?.trim();
      if (logged.status === 'ok' && output !== logged.output.trim()) throw new Error(`the run panel shows ${JSON.stringify(output?.slice(0, 80))}, the log ${JSON.stringify(logged.output.slice(0, 80))}`);

      const ratingsBefore = logLines(workspaceDir).filter((l) => l.event === 'rating').length;
      await run.locator('[data-testid="rate-up"]').click();
      const rating = await waitFor(() => logLines(workspaceDir).find((l) => l.event === 'rating' && l.runId === failingRunId), 30000, 'the rating line in the run log');
      if (rating.thumb !== 'up') throw new Error(`rating line: ${JSON.stringify(rating)}`);
      const ratings = logLines(workspaceDir).filter((l) => l.event === 'rating');
      if (ratings.length !== ratingsBefore + 1) throw new Error(`${ratings.length - ratingsBefore} rating lines written for one +1`);
      await waitFor(async () => (await run.locator('[data-testid="rate-up"]').getAttribute('aria-pressed')) === 'true', 20000, 'the run panel showing +1');
      await page.screenshot({ path: path.join(artifacts, 'cell-rated-in-run-panel.png') });
      // The grid hears of the rating made in the run panel.
      const gridCell = web.locator(`[data-testid="cell"][data-run-id="${failingRunId}"]`);
      await waitFor(async () => (await gridCell.locator('[data-action="up"]').getAttribute('aria-pressed').catch(() => null)) === 'true', 30000, 'the grid\'s cell showing +1');
    }],
  ]);
} finally {
  await server.close();
}
