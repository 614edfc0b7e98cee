#!/usr/bin/env node
// End to end, the way a person does it: open examples/ in a real VS Code (code-server in Chromium), open
// summarise.prompt.json, run "Prompt Lab: Run Prompt" from the palette, read the streamed text in the
// panel and compare it with the recorded stream, check the log line; then stop a slow run with the
// panel's Stop button. The deployments point at a local replay server this script starts.
//   node test/e2e/runPrompt.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/runPrompt/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { e2eMain, openFile, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT, logLines, stopSlowRun, expectRecordedRun } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer, syntheticText } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const { expectedOf } = require(path.join(REPO_ROOT, 'out/test/unit/wireOracle.js'));
const { parse } = require('jsonc-parser');

const server = await startReplayServer();
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const settingsText = fs.readFileSync(path.join(EXAMPLES, '.vscode', 'settings.json'), 'utf8');
const deployments = parse(settingsText)['promptLab.deployments'];
const summarise = parse(fs.readFileSync(path.join(EXAMPLES, 'summarise.prompt.json'), 'utf8'));
const replayModel = deployments[summarise.deployment].model; // replay/<folder>/<stem>
const fixture = `${replayModel.replace(/^replay\//, '')}.sse`;
const expected = expectedOf(fixture);

// A copy of examples/ whose deployments reach this script's replay server, plus a slow one to stop.
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-ws-'));
fs.cpSync(EXAMPLES, workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}.promptlab`) });
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), settingsText
  .replaceAll('http://127.0.0.1:18931', server.url)
  .replace('"promptLab.deployments": {', `"promptLab.deployments": {
    "slow": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "synthetic/slow?chunks=400&delayMs=50" },
    "keyed": { "provider": "openai-compatible", "baseURL": "${server.baseURL}", "model": "replay/mistral/vercel-stream-text", "apiKeyEnv": "PROMPT_LAB_E2E_UNSET_KEY" },`));
fs.writeFileSync(path.join(workspace, 'ask.prompt.json'), JSON.stringify({
  name: 'Ask', deployment: 'replay-mistral', inputs: { city: { description: 'The city to ask about', required: true } },
  messages: [{ role: 'user', content: 'Tell me about {{ city }}.' }],
}, null, 2));
fs.writeFileSync(path.join(workspace, 'keyed.prompt.json'), JSON.stringify({
  name: 'Keyed', deployment: 'keyed', messages: [{ role: 'user', content: 'Hello' }],
}, null, 2));
fs.writeFileSync(path.join(workspace, 'slow.prompt.json'), JSON.stringify({
  name: 'Slow', deployment: 'slow', messages: [{ role: 'user', content: 'Count slowly.' }],
}, null, 2));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));


try {
  await e2eMain({ name: 'runPrompt', workspace }, [
    ['palette → Run Prompt streams the recorded text into the panel and logs the run', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'summarise.prompt.json');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      const web = webviewFrame(page);
      const run = await expectRecordedRun(web, expected, fixture);
      const completion = (await run.locator('[data-testid="metric-completion-tokens"]').textContent())?.trim();
      if (!completion?.includes(String(expected.usage?.completion_tokens))) throw new Error(`completion tokens shown: ${completion}`);
      // Figures, not the "—" of a missing one: the ms the log line holds, the recording's finish reason and model.
      const line0 = await waitFor(() => logLines(workspaceDir).find((r) => r.prompt === 'summarise.prompt.json'), 10000, 'the log line');
      const metric = async (id) => (await run.locator(`[data-testid="${id}"]`).textContent())?.trim();
      if (await metric('metric-ttft') !== `${Math.round(line0.timing.ttftMs)} ms`) throw new Error(`ttft shown: ${await metric('metric-ttft')}, logged ${line0.timing.ttftMs}`);
      if (await metric('metric-latency') !== `${Math.round(line0.timing.latencyMs)} ms`) throw new Error(`latency shown: ${await metric('metric-latency')}, logged ${line0.timing.latencyMs}`);
      if (await metric('metric-finish-reason') !== expected.finishReason) throw new Error(`finish reason shown: ${await metric('metric-finish-reason')}`);
      if (await metric('metric-prompt-tokens') !== String(expected.usage?.prompt_tokens)) throw new Error(`prompt tokens shown: ${await metric('metric-prompt-tokens')}`);
      if (await metric('metric-model') !== line0.model) throw new Error(`model shown: ${await metric('metric-model')}, logged ${line0.model}`);
      await page.screenshot({ path: path.join(artifacts, 'run-panel.png') });
      const line = await waitFor(() => logLines(workspaceDir).find((r) => r.prompt === 'summarise.prompt.json'), 10000, 'the log line');
      if (line.output !== expected.text || line.status !== 'ok' || line.replayOf !== fixture) throw new Error(`log line: ${JSON.stringify(line).slice(0, 300)}`);
      if (line.usage?.completionTokens !== expected.usage?.completion_tokens) throw new Error(`log usage ${JSON.stringify(line.usage)}`);
    }],
    ['Stop cancels a slow run; the partial output stays in the panel and the log', async ({ page, workspaceDir, artifacts }) => {
      await stopSlowRun({ page, workspaceDir, artifacts, fullText: syntheticText(400) });
    }],
    ['a required input without a default is asked for; Escape cancels without a run', async ({ page, workspaceDir }) => {
      await openFile(page, 'ask.prompt.json');
      const box = page.locator('.quick-input-widget input.input');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      await page.locator('.quick-input-widget', { hasText: 'The city to ask about' }).waitFor({ timeout: 20000 });
      await page.keyboard.press('Escape');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      await page.locator('.quick-input-widget', { hasText: 'The city to ask about' }).waitFor({ timeout: 20000 });
      await box.fill('Lisbon');
      await page.keyboard.press('Enter');
      const line = await waitFor(() => logLines(workspaceDir).find((r) => r.prompt === 'ask.prompt.json'), 30000, 'the run with the typed input');
      if (line.inputs.city !== 'Lisbon' || line.messages[0].content !== 'Tell me about Lisbon.') throw new Error(`logged ${JSON.stringify(line.inputs)} ${JSON.stringify(line.messages)}`);
      const runs = logLines(workspaceDir).filter((r) => r.prompt === 'ask.prompt.json');
      if (runs.length !== 1) throw new Error(`${runs.length} runs logged; Escape must not run`);
    }],
    ['a missing key shows "Set API Key" in the panel; the key typed there is used by the next run', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'keyed.prompt.json');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      const web = webviewFrame(page);
      const failed = web.locator('[data-run-id][data-status="error"]').first();
      await failed.waitFor({ timeout: 30000 });
      const message = await failed.locator('[data-testid="run-error-message"]').textContent();
      if (!/needs an API key/.test(message ?? '')) throw new Error(`error shown: ${message}`);
      await page.screenshot({ path: path.join(artifacts, 'missing-key.png') });
      await failed.locator('[data-testid="run-error-action"]', { hasText: 'Set API Key' }).click();
      const box = page.locator('.quick-input-widget input.input');
      await page.locator('.quick-input-widget', { hasText: 'API key for "keyed"' }).waitFor({ timeout: 20000 });
      if ((await box.getAttribute('type')) !== 'password') throw new Error('the key box is not a password box');
      await box.fill('sk-e2e-typed-key');
      await page.keyboard.press('Enter');
      await openFile(page, 'keyed.prompt.json');
      const before = server.requests.length;
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      await web.locator('[data-run-id][data-status="ok"]').first().waitFor({ timeout: 30000 });
      const sent = server.requests.slice(before).find((r) => r.method === 'POST');
      if (sent?.headers.authorization !== 'Bearer sk-e2e-typed-key') throw new Error(`authorization sent: ${sent?.headers.authorization}`);
      const logged = fs.readdirSync(path.join(workspaceDir, '.promptlab', 'runs')).map((f) => fs.readFileSync(path.join(workspaceDir, '.promptlab', 'runs', f), 'utf8')).join('');
      if (logged.includes('sk-e2e-typed-key')) throw new Error('the key is in the run log');
    }],
  ]);
} finally {
  await server.close();
}
