#!/usr/bin/env node
// The main job: a real VS Code (code-server) with Prompt Lab loaded on examples/, and the local replay
// endpoint the examples' deployments point at (http://127.0.0.1:18931/v1; it replays recorded responses,
// no network). By default it also runs summarise.prompt.json once through the real UI in headless Chromium
// (palette → "Prompt Lab: Run Prompt"), prints what the panel shows and saves a screenshot, then keeps
// serving until Ctrl-C so you can open the printed URL in a browser.
//   bash scripts/start.sh [--port 8080] [--no-demo] [--once]
// --no-demo: skip the headless run. --once: exit after the headless run (exit code 1 if it failed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  REPO_ROOT, defaultCache, installExtension, launchBrowser, openWorkbench, parseArgs, rigPaths, runPaletteCommand, startCodeServer, webviewContent,
} from '../test/rig/vscode.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer, DEFAULT_CLI_PORT } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  if (i >= 0) argv.splice(i, 1);
  return i >= 0;
};
const demo = !flag('--no-demo');
const once = flag('--once');
const opts = parseArgs(argv, { port: '8080' });
const examples = path.join(REPO_ROOT, 'examples');
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-start-'));
const artifacts = path.join(REPO_ROOT, '.test-artifacts', 'start');
fs.mkdirSync(artifacts, { recursive: true });

let replay; let server; let context;
async function stop(code) {
  if (context) await context.close().catch(() => {});
  if (server) await server.stop().catch(() => {});
  if (replay) await replay.close().catch(() => {});
  fs.rmSync(stateDir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  replay = await startReplayServer({ port: DEFAULT_CLI_PORT });
} catch (err) {
  console.error(`Could not start the replay endpoint on 127.0.0.1:${DEFAULT_CLI_PORT} (${err.code ?? err.message}). Is another "start" running? Stop it, or free the port.`);
  process.exit(1);
}
console.log(`Local endpoint: ${replay.baseURL} — replays recorded responses (test/fixtures/wire), no network.`);

const rig = rigPaths(defaultCache());
const extensionsDir = path.join(stateDir, 'extensions');
fs.mkdirSync(extensionsDir, { recursive: true });
installExtension(REPO_ROOT, extensionsDir);
server = await startCodeServer({ entry: rig.entry, stateDir, extensionsDir, port: Number(opts.port) }).catch(async (err) => {
  console.error(`Could not start VS Code (code-server) on 127.0.0.1:${opts.port}: ${err.message}. Try --port 0 for any free port.`);
  await stop(1);
});
const url = `${server.url}/?folder=${encodeURIComponent(examples)}`;
console.log(`VS Code with Prompt Lab: ${url}`);

let ok = true;
if (demo) {
  try {
    context = await launchBrowser({ ...rig, userDataDir: path.join(stateDir, 'chromium') });
    const page = await openWorkbench(context, server.url, examples);
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input.input').fill('summarise.prompt.json');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 60000 });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'summarise.prompt.json' }).waitFor({ timeout: 30000 });
    await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
    const run = webviewContent(page).locator('[data-run-id]:not([data-status="running"])').first();
    await run.waitFor({ timeout: 60000 });
    const status = await run.getAttribute('data-status');
    const output = await run.locator('[data-testid="run-output"]').textContent();
    const screenshot = path.join(artifacts, 'run-panel.png');
    await page.screenshot({ path: screenshot });
    console.log(`Ran summarise.prompt.json in VS Code: status ${status}; the panel shows:\n  ${output?.replace(/\n/g, '\n  ')}`);
    console.log(`Screenshot: ${path.relative(process.cwd(), screenshot)}; run log: examples/.promptlab/runs/`);
    ok = status === 'ok';
    await context.close();
    context = undefined;
  } catch (err) {
    ok = false;
    console.error(`The headless run failed: ${err.message}`);
  }
}
if (once) await stop(ok ? 0 : 1);
console.log(`Open ${url} in a browser, open a .prompt.json and run "Prompt Lab: Run Prompt". Ctrl-C stops.`);
