#!/usr/bin/env node
// End to end, as a newcomer meets Prompt Lab: a fresh profile, a folder with no prompt file and no deployment.
//  1. First activation: in a fresh profile the walkthrough opens by itself once, and not again after a reload.
//  2. Help → Get Started (the palette's "Welcome: Open Walkthrough…"): every step's button, pressed in the real
//     walkthrough, does its work and the step is checked: add a local deployment (the replay server, no key), set
//     a key, New Prompt File (summariser), Run Prompt, Rate Last Run, Open Playground. The evaluate step runs
//     promptLab.evaluatePrompt (issue 13): while that command is not contributed the step must stay unchecked and
//     is reported as pending; once it is, pressing the button must check it.
//   node test/e2e/walkthrough.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots (walkthrough.png, new-prompt-file.png, …) go to
// .test-artifacts/e2e/walkthrough/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { withVSCode, openFile, waitFor, REPO_ROOT, logLines, activeTab } from './helpers.mjs';
import { findPaletteCommand } from '../rig/vscode.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const nls = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.nls.json'), 'utf8'));
const evaluateContributed = pkg.contributes.commands.some((c) => c.command === 'promptLab.evaluatePrompt');
const WALKTHROUGH_TITLE = nls['walkthrough.title'];
const MODEL = 'replay/openai/pysdk-stream-text-usage';
const SETTINGS = { 'promptLab.walkthrough.openOnFirstActivation': true };

let passed = 0;
let failed = 0;
async function check(title, fn) {
  try {
    await fn();
    passed++;
    console.log(`  ok   ${title}`);
  } catch (err) {
    failed++;
    console.log(`  FAIL ${title}\n       ${String((err && err.stack) || err).split('\n').join('\n       ')}`);
    throw err;
  }
}

const quickInput = (page) => page.locator('.quick-input-widget');
const quickInputBox = (page) => page.locator('.quick-input-widget input.input');
/** The quick input row whose label contains `text`. */
const quickRow = (page, text) => page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: text }) }).first();

/** Wait for the quick input titled (or prompting) `text`, fill `value` when given, and accept. */
async function answer(page, text, value) {
  await quickInput(page).filter({ hasText: text }).waitFor({ state: 'visible', timeout: 30000 });
  if (value !== undefined) await quickInputBox(page).fill(value);
  await page.keyboard.press('Enter');
}

// The walkthrough re-renders its list when a context key changes: only the visible copy of an element counts.
const step = (page, id) => page.locator(`button.getting-started-step[data-step-id$="#${id}"]:visible`);
const stepDone = (page, id) => page.locator(`[data-done-step-id$="#${id}"]`);

async function isChecked(page, id) {
  return (await stepDone(page, id).getAttribute('aria-checked')) === 'true';
}

/** Open the step (unless VS Code already opened it: an expanded step's header is disabled) and press its button. */
async function pressStepButton(page, id) {
  const header = step(page, id);
  await header.waitFor({ state: 'visible', timeout: 10000 });
  if ((await header.getAttribute('aria-expanded')) !== 'true') {
    // VS Code may expand it itself meanwhile (after the step before it was checked): then the click finds it disabled.
    await header.click({ timeout: 10000 }).catch(async (err) => {
      if ((await header.getAttribute('aria-expanded')) !== 'true') throw err;
    });
  }
  const button = page.locator(`[x-step-description-for$="#${id}"] .button-container .monaco-button:visible`).first();
  await button.waitFor({ state: 'visible', timeout: 10000 });
  // VS Code enables a step's button once the step's context keys are read; on a loaded machine that took over 10 s once.
  await button.click({ timeout: 30000 });
}

/**
 * Press the step's button and pick `label` in the quick pick it opens. Selecting a step loads its media in a webview,
 * and a quick pick that opens meanwhile can lose the focus and close: then the button is pressed again (3 tries).
 */
async function pressAndPick(page, id, title, label, onShown = async () => {}) {
  for (let attempt = 1; ; attempt++) {
    await pressStepButton(page, id);
    try {
      await quickInput(page).filter({ hasText: title }).waitFor({ state: 'visible', timeout: 15000 });
      await onShown();
      await quickRow(page, label).click({ timeout: 5000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await page.keyboard.press('Escape');
    }
  }
}

async function waitChecked(page, id, timeoutMs = 30000) {
  await page.locator(`[data-done-step-id$="#${id}"][aria-checked="true"]`).waitFor({ state: 'attached', timeout: timeoutMs });
}

/** Everything the Prompt Lab output channel wrote in the sessions of this code-server (its log files). */
function promptLabLog(userData) {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return '';
  return fs.readdirSync(logs, { recursive: true }).map(String).filter((f) => f.endsWith('Prompt Lab.log'))
    .map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('\n');
}

/** The walkthrough tab (the Welcome editor showing Prompt Lab's walkthrough). */
function walkthroughTitle(page) {
  return page.locator('.gettingStartedContainer .getting-started-category .category-title, .gettingStartedContainer h2', { hasText: WALKTHROUGH_TITLE }).first();
}

const server = await startReplayServer();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-walkthrough-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
try {
  // --- 1. first activation: a workspace with a prompt file activates Prompt Lab at start-up ---
  const withPrompt = path.join(tmp, 'with-prompt');
  fs.mkdirSync(withPrompt, { recursive: true });
  fs.writeFileSync(path.join(withPrompt, 'hello.prompt.json'), JSON.stringify({ name: 'Hello', messages: [{ role: 'user', content: 'Hi' }] }, null, 2));
  await withVSCode({ name: 'walkthrough-first', workspace: withPrompt, settings: SETTINGS }, async ({ page, server: vscodeServer, workspaceDir }) => {
    await check('the first activation opens the walkthrough by itself', async () => {
      await waitFor(() => promptLabLog(vscodeServer.userData).includes('first activation: opening the walkthrough'), 60000, 'the opening in the Prompt Lab log');
      await walkthroughTitle(page).waitFor({ state: 'visible', timeout: 60000 });
      await page.locator(`button.getting-started-step[data-step-id$="#deployment"]`).waitFor({ state: 'visible', timeout: 10000 });
    });
    await check('after closing it and reloading, it does not open again', async () => {
      await page.keyboard.press('Control+K');
      await page.keyboard.press('W'); // Close All Editors (Ctrl+K W)
      await walkthroughTitle(page).waitFor({ state: 'detached', timeout: 10000 });
      await page.goto(`${vscodeServer.url}/?folder=${encodeURIComponent(workspaceDir)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
      // Prompt Lab logs its decision when it activates; that line, not a wait, says it is made.
      await waitFor(() => promptLabLog(vscodeServer.userData).includes('shown on an earlier activation: not opened again'), 60000, 'the decision in the Prompt Lab log');
      await openFile(page, 'hello.prompt.json');
      await activeTab(page, 'hello.prompt.json').waitFor({ timeout: 5000 });
      // (VS Code may restore the Welcome editor it had; on the first day it then shows its own first walkthrough.)
      const tabs = await page.locator('.tabs-container .tab .label-name').allTextContents();
      if (tabs.some((t) => /Prompt Lab/.test(t))) throw new Error(`Prompt Lab's walkthrough opened again: ${JSON.stringify(tabs)}`);
    });
  });

  // --- 2. every step from Help → Get Started, in a folder with nothing in it ---
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty, { recursive: true });
  fs.writeFileSync(path.join(empty, 'NOTES.md'), '# Notes\n');
  await withVSCode({ name: 'walkthrough', workspace: empty, settings: SETTINGS, timeoutMs: 420000 }, async ({ page, workspaceDir, artifacts }) => {
    await check('Help → Get Started lists the walkthrough and opens it', async () => {
      const row = await findPaletteCommand(page, 'Welcome: Open Walkthrough...');
      await row.click();
      await quickRow(page, WALKTHROUGH_TITLE).waitFor({ state: 'visible', timeout: 30000 });
      await quickRow(page, WALKTHROUGH_TITLE).click();
      await walkthroughTitle(page).waitFor({ state: 'visible', timeout: 30000 });
      for (const id of ['deployment', 'apiKey', 'createPrompt', 'runPrompt', 'rate', 'evaluate', 'playground']) {
        if (await isChecked(page, id)) throw new Error(`step ${id} is checked before anything was done`);
      }
      await page.screenshot({ path: path.join(artifacts, 'walkthrough-start.png') });
    });

    await check('Add Deployment: a local server, its models listed, no key; the step is checked', async () => {
      await pressAndPick(page, 'deployment', 'Add Deployment', 'Another OpenAI-compatible server');
      await answer(page, 'Base URL', server.baseURL);
      await quickInput(page).locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: 20000 }); // the models the replay server lists
      await quickInputBox(page).fill(MODEL);
      await quickRow(page, MODEL).waitFor({ state: 'visible', timeout: 20000 });
      await page.keyboard.press('Enter');
      await answer(page, 'Name of the deployment');
      await waitChecked(page, 'deployment');
      const settings = fs.readFileSync(path.join(workspaceDir, '.vscode', 'settings.json'), 'utf8');
      const deployments = JSON.parse(settings)['promptLab.deployments'];
      if (deployments?.local?.model !== MODEL || deployments.local.baseURL !== server.baseURL) throw new Error(`settings.json: ${settings}`);
    });

    await check('a server on this machine needs no key: the key step is checked; Set API Key still stores one', async () => {
      await waitChecked(page, 'apiKey');
      await pressAndPick(page, 'apiKey', 'Set API Key', 'local');
      await answer(page, 'API key for "local"', 'sk-walkthrough');
      await page.locator('.notifications-toasts', { hasText: 'API key of "local" stored' }).waitFor({ timeout: 20000 });
    });

    await check('New Prompt File: the summariser, in a group beside the walkthrough; the step is checked', async () => {
      await pressAndPick(page, 'createPrompt', 'New Prompt File', 'Summariser', () => page.screenshot({ path: path.join(artifacts, 'new-prompt-file.png') }));
      await answer(page, 'New Prompt File: name');
      await activeTab(page, 'summarise.prompt.json').waitFor({ timeout: 20000 });
      await waitChecked(page, 'createPrompt');
      const text = fs.readFileSync(path.join(workspaceDir, 'summarise.prompt.json'), 'utf8');
      if (!text.includes('"deployment": "local"')) throw new Error(`the new file names no deployment "local":\n${text}`);
    });

    await check('Run Prompt runs the new file on the local deployment; the step is checked', async () => {
      await pressStepButton(page, 'runPrompt');
      // Any frame, not the newest webview: the walkthrough's Markdown media is a webview too, and VS Code may recreate
      // it after the run panel's, so the newest one is not always the panel.
      await waitFor(async () => {
        for (const frame of page.frames()) {
          if (await frame.locator('[data-run-id][data-status="ok"]').count().catch(() => 0)) return true;
        }
        return false;
      }, 60000, 'an ok run in the run panel');
      await waitChecked(page, 'runPrompt');
      const line = await waitFor(() => logLines(workspaceDir).find((r) => r.event === 'run' && r.prompt === 'summarise.prompt.json'), 10000, 'the run in the log');
      if (line.status !== 'ok' || line.deployment !== 'local') throw new Error(`logged ${JSON.stringify(line).slice(0, 200)}`);
    });

    await check('Rate Last Run: thumbs up; the step is checked and the rating logged', async () => {
      await pressAndPick(page, 'rate', 'Rate the last run', '👍');
      await waitChecked(page, 'rate');
      await waitFor(() => logLines(workspaceDir).find((r) => r.event === 'rating' && r.thumb === 'up'), 10000, 'the rating in the log');
    });

    await check(evaluateContributed ? 'Evaluate Prompt: the step is checked when the command runs' : 'Evaluate Prompt: pending issue 13 (promptLab.evaluatePrompt not contributed), so the step stays unchecked', async () => {
      if (!evaluateContributed) {
        if (await isChecked(page, 'evaluate')) throw new Error('the evaluate step is checked although promptLab.evaluatePrompt does not exist');
        console.log('       pending: promptLab.evaluatePrompt (issue 13) is not contributed yet');
        return;
      }
      await pressStepButton(page, 'evaluate');
      await waitChecked(page, 'evaluate');
      await page.keyboard.press('Escape'); // the deployments pick, if it asks
    });

    await check('Open Playground shows the view; the step is checked', async () => {
      await pressStepButton(page, 'playground');
      await page.locator('.pane-header', { hasText: 'Playground' }).first().waitFor({ state: 'visible', timeout: 20000 });
      await waitChecked(page, 'playground');
      for (const id of ['deployment', 'apiKey', 'createPrompt', 'runPrompt', 'rate', 'playground']) {
        if (!(await isChecked(page, id))) throw new Error(`step ${id} is not checked at the end`);
      }
      // Tall enough for the whole list of steps, each with its check.
      await page.setViewportSize({ width: 1400, height: 1300 });
      await page.locator(`[data-done-step-id$="#deployment"]`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(artifacts, 'walkthrough.png') });
    });
  });
} catch (err) {
  if (!failed) {
    failed++;
    console.log(`  FAIL e2e session: ${(err && err.stack) || err}`);
  }
} finally {
  await server.close();
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
