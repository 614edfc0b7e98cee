#!/usr/bin/env node
// End to end, issue 4 in the real UI: a retry counts down in the panel; a stored key is not sent to another
// origin (scheme, port or host) until the person agrees in a modal dialog; the status bar item switches the prompt's deployment; a budget
// warns, then asks before running (last: once spent, every run asks). Deployments point at a local replay server this script starts.
//   node test/e2e/deployments.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/deployments/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { e2eMain, openFile, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT, logLines } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));

const server = await startReplayServer();
// A second server: the same host on another port.
const otherPort = await startReplayServer();
/** Where the keyed deployment's variant moves it: another host, another port, another scheme (nothing listens there). */
const MOVES = {
  host: `http://localhost:${server.port}/v1`,
  port: otherPort.baseURL,
  scheme: `https://127.0.0.1:${server.port}/v1`,
};
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-deployments-'));
/**
 * Workspace settings in `dir`. `moved` (a key of MOVES): the keyed deployment gets a variant of that name that always
 * applies and sends to another origin.
 */
function writeSettings(dir, moved = undefined) {
  const settingsFile = path.join(dir, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(settingsFile, JSON.stringify({
    'promptLab.deployments': {
      limited: { provider: 'openai-compatible', baseURL: server.baseURL, model: `fault/429?times=1&retryAfterMs=2500&key=${randomUUID()}` },
      pricey: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage', prices: { inputPerMillion: 1e6, outputPerMillion: 1e6 } },
      keyed: {
        provider: 'openai', baseURL: server.baseURL, model: 'replay/mistral/vercel-stream-text', apiKeyEnv: 'PROMPT_LAB_E2E_UNSET_KEY',
        ...(moved ? { variants: [{ name: moved, when: {}, baseURL: MOVES[moved] }] } : {}),
      },
      other: {
        provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/vllm/crusoe-vllm-0.24-stream-usage',
        variants: [{ name: 'staging', when: { environment: 'staging' }, model: 'replay/mistral/vercel-stream-text' }],
      },
    },
    // One pricey run costs $44 (14 + 30 tokens at $1 per token): the second warns (88%), the third is over.
    'promptLab.budget': { dailyUsd: 50 },
  }, null, 2));
}
writeSettings(workspace);
const prompt = (name, deployment) => fs.writeFileSync(path.join(workspace, `${name}.prompt.json`), JSON.stringify({ name, deployment, messages: [{ role: 'user', content: 'Hello' }] }, null, 2));
prompt('limited', 'limited');
prompt('pricey', 'pricey');
prompt('keyed', 'keyed');
prompt('switch', 'limited');
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));


/** The modal dialog of the workbench, and a click on its button labelled `label`. */
async function answerDialog(page, text, label) {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text });
  await dialog.waitFor({ timeout: 20000 });
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: label }).first().click();
  await dialog.waitFor({ state: 'detached', timeout: 10000 });
}

async function runAndWait(page, file, status = 'ok') {
  await openFile(page, file);
  await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
  const run = webviewFrame(page).locator(`[data-run-id][data-status="${status}"]`).first();
  await run.waitFor({ timeout: 30000 });
  return run;
}

try {
  await e2eMain({ name: 'deployments', workspace }, [
    ['a 429 with retry-after shows a countdown in the panel, then the answer', async ({ page, artifacts }) => {
      await openFile(page, 'limited.prompt.json');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      const web = webviewFrame(page);
      const retrying = web.locator('[data-testid="run-retrying"]').first();
      await retrying.waitFor({ timeout: 20000 });
      const text = await retrying.textContent();
      if (!/Retrying in [23] s \(1\/2\)/.test(text ?? '')) throw new Error(`retry shown as "${text}"`);
      await page.screenshot({ path: path.join(artifacts, 'retrying.png') });
      const done = web.locator('[data-run-id][data-status="ok"]').first();
      await done.waitFor({ timeout: 20000 });
      const retries = await done.locator('[data-testid="run-retries"]').textContent();
      if (!/retried 1 time/.test(retries ?? '')) throw new Error(`after the run: "${retries}"`);
    }],
    ['a stored key goes to another host only after the person agrees', async ({ page, workspaceDir }) => {
      // (The session runs on a copy of `workspace`: settings are rewritten in the copy.)
      await openFile(page, 'keyed.prompt.json');
      await runPaletteCommand(page, 'Prompt Lab: Set API Key');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'keyed' }).first().click();
      await page.locator('.quick-input-widget', { hasText: 'API key for "keyed"' }).waitFor({ timeout: 20000 });
      await page.locator('.quick-input-widget input.input').fill('sk-e2e-origin-bound');
      await page.keyboard.press('Enter');
      await openFile(page, 'keyed.prompt.json');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      await waitFor(() => logLines(workspaceDir).some((r) => r.prompt === 'keyed.prompt.json' && r.status === 'ok'), 20000, 'the keyed run');
      const first = server.requests.filter((r) => r.method === 'POST').at(-1);
      if (first.headers.authorization !== 'Bearer sk-e2e-origin-bound') throw new Error(`the key was not sent to its first host: ${first.headers.authorization}`);
      // The workspace now points the deployment at another origin: the same host over https, the same host on another
      // port, another host. Each time the person is asked, naming the new origin; Cancel sends nothing. The status
      // bar shows the variant once VS Code has read the new settings.
      const before = server.requests.length;
      for (const moved of ['scheme', 'port', 'host']) {
        writeSettings(workspaceDir, moved);
        await page.locator('.statusbar-item', { hasText: `keyed · ${moved}` }).first().waitFor({ timeout: 30000 });
        await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
        await answerDialog(page, `now sends requests to ${new URL(MOVES[moved]).origin}`, 'Cancel');
      }
      // Then the person agrees: the key goes to the new host. A request the cancelled runs had sent would have gone
      // out as their dialogs closed, before this one opened.
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      await answerDialog(page, `now sends requests to http://localhost:${server.port}`, 'Send Key');
      const allowed = await waitFor(() => logLines(workspaceDir).filter((r) => r.prompt === 'keyed.prompt.json' && r.status === 'ok')[1], 20000, 'the run the person allowed');
      await webviewFrame(page).locator(`[data-run-id="${allowed.id}"][data-status="ok"]`).waitFor({ timeout: 20000 });
      const sent = server.requests.slice(before).filter((r) => r.method === 'POST');
      if (sent.length !== 1) throw new Error(`${sent.length} requests after the three Cancels and one Send Key`);
      if (otherPort.requests.length !== 0) throw new Error('a request went to the other port although the person said no');
      if (logLines(workspaceDir).filter((r) => r.prompt === 'keyed.prompt.json').length !== 2) throw new Error('a cancelled run was logged');
      if (sent[0].headers.host !== `localhost:${server.port}` || sent[0].headers.authorization !== 'Bearer sk-e2e-origin-bound') throw new Error(`sent to ${sent[0].headers.host} with ${sent[0].headers.authorization}`);
      if (logLines(workspaceDir).some((r) => JSON.stringify(r).includes('sk-e2e-origin-bound'))) throw new Error('the key is in the log');
    }],
    ['the status bar shows the deployment; clicking it switches the prompt\'s deployment, then the context', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'switch.prompt.json');
      const item = page.locator('.statusbar-item', { hasText: 'limited' }).first();
      await item.waitFor({ timeout: 20000 });
      await page.screenshot({ path: path.join(artifacts, 'status-bar.png') });
      await item.click();
      await page.locator('.quick-input-widget', { hasText: 'context and deployment' }).waitFor({ timeout: 10000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'other' }).first().click();
      await page.locator('.statusbar-item', { hasText: 'other' }).first().waitFor({ timeout: 20000 });
      await page.keyboard.press('Control+S');
      await waitFor(() => JSON.parse(fs.readFileSync(path.join(workspaceDir, 'switch.prompt.json'), 'utf8')).deployment === 'other', 10000, 'the file to name "other"');
      // And the context: pick "environment" then "staging"; the status bar shows the variant, the setting holds it.
      await page.locator('.statusbar-item', { hasText: 'other' }).first().click();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'environment' }).first().click();
      await page.locator('.quick-input-widget', { hasText: 'Context: environment' }).waitFor({ timeout: 10000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'staging' }).first().click();
      await page.locator('.statusbar-item', { hasText: 'other · staging' }).first().waitFor({ timeout: 20000 });
      const settings = fs.readFileSync(path.join(workspaceDir, '.vscode', 'settings.json'), 'utf8');
      if (!/"promptLab\.context":\s*\{\s*"environment":\s*"staging"/.test(settings)) throw new Error(`settings after the switch: ${settings.slice(0, 400)}`);
      await page.screenshot({ path: path.join(artifacts, 'status-bar-variant.png') });
    }],
    ['the budget: a warning past 80% of the daily limit, then a question before running past it', async ({ page, workspaceDir, artifacts }) => {
      const pricey = () => logLines(workspaceDir).filter((r) => r.prompt === 'pricey.prompt.json');
      await runAndWait(page, 'pricey.prompt.json');
      await waitFor(() => pricey().length === 1, 10000, 'the first run logged');
      if (pricey()[0].costUsd !== 44) throw new Error(`cost ${pricey()[0].costUsd}`);
      const second = await runAndWait(page, 'pricey.prompt.json');
      const notice = await second.locator('[data-testid="run-notice"]').textContent();
      if (!/88% of the daily budget is spent: \$44\.00 of \$50\.00/.test(notice ?? '')) throw new Error(`notice: ${notice}`);
      await page.screenshot({ path: path.join(artifacts, 'budget-warning.png') });
      await waitFor(() => pricey().length === 2, 10000, 'the second run logged');
      const before = server.requests.length;
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      await answerDialog(page, 'The daily budget is spent: $88.00 of $50.00', 'Cancel');
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      await answerDialog(page, 'The daily budget is spent', 'Run Anyway');
      // Once the allowed run is shown finished, a run the Cancel had let through (sent as its dialog closed, before
      // this one opened) would be logged and counted too.
      const allowed = await waitFor(() => pricey()[2], 20000, 'the run the person allowed');
      await webviewFrame(page).locator(`[data-run-id="${allowed.id}"][data-status="ok"]`).waitFor({ timeout: 20000 });
      if (pricey().length !== 3) throw new Error(`${pricey().length} pricey runs logged: a run went out although the person cancelled`);
      const sent = server.requests.slice(before).filter((r) => r.method === 'POST').length;
      if (sent !== 1) throw new Error(`${sent} requests for one allowed run`);
    }],
  ]);
} finally {
  await server.close();
  await otherPort.close();
}
