// Helpers for the end-to-end tests (test/e2e/*.e2e.mjs): a real VS Code
// (code-server, see test/rig/) with Prompt Lab linked from this repo, driven
// through headless Chromium with playwright-core.
//
//   import { e2eMain, openFile, runPaletteCommand, webviewFrame } from './helpers.mjs';
//   await e2eMain({ name: 'myTest', workspace: 'examples' }, [
//     ['opens a prompt', async ({ page }) => { await openFile(page, 'hello.prompt.json'); }],
//   ]);
//
// or, lower level, withVSCode({ workspace, env }, async ({ page, server, workspaceDir, artifacts }) => ...).
// Requires `npm run build` (dist/extension.js) and `bash test/rig/setup.sh`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT, rigPaths, defaultCache, startCodeServer, launchBrowser, openWorkbench, installExtension,
  copyWorkspace, makeClock, findPaletteCommand, buildWebOnlyPackage, runPaletteCommand as rigRunPaletteCommand, webviewContent,
} from '../rig/vscode.mjs';

export { REPO_ROOT, findPaletteCommand, makeClock };

/** Name of the running e2e script: test/e2e/runPrompt.e2e.mjs -> runPrompt */
export function scriptName() {
  return path.basename(process.argv[1] || 'e2e').replace(/\.e2e\.mjs$|\.mjs$/, '');
}

/**
 * Start code-server with Prompt Lab installed (a link to this repo), open
 * Chromium on the workbench for a temporary copy of `workspace` (a folder,
 * relative paths are relative to the repo; default examples/), and call
 * fn({ page, context, server, workspaceDir, artifacts, clock }).
 * Saves final.png (fn resolved) or failure.png (fn threw) and code-server.log
 * into .test-artifacts/e2e/<name>/, and always stops Chromium and
 * code-server and deletes the temporary folder. Resolves with fn's result or
 * rejects with its error.
 *
 * Options: env (extra environment for code-server and so the extension
 * host), name (artifact folder; default the script name), workspaceTrust
 * (default false: trust switched off), settings (more user settings),
 * timeoutMs (whole session, default 300000), cache (rig folder), extension
 * (folder to install; default $PROMPT_LAB_E2E_EXTENSION or this repo),
 * extraExtensions (more extension folders, relative to the repo, to link
 * into the session's extensions dir, e.g. test-only ones), extraArgs (more code-server arguments),
 * webOnly (default false, or true when PROMPT_LAB_E2E_WEB_ONLY=1, which runs any
 * e2e script against the web build and names its artifacts `<script>-web`:
 * true installs a copy of `extension` whose manifest has only the `browser`
 * entry, built by buildWebOnlyPackage, so Prompt Lab runs in the web worker
 * extension host; needs the web build in dist/web).
 */
export async function withVSCode(options, fn) {
  const {
    webOnly = process.env.PROMPT_LAB_E2E_WEB_ONLY === '1',
    workspace = 'examples', env = {}, workspaceTrust = false, settings = {},
    timeoutMs = 300000, cache = defaultCache(), extension = process.env.PROMPT_LAB_E2E_EXTENSION || REPO_ROOT,
    extraExtensions = [], extraArgs = [],
  } = options || {};
  const name = (options?.name ?? scriptName()) + (process.env.PROMPT_LAB_E2E_WEB_ONLY === '1' ? '-web' : '');
  const clock = makeClock(`[${name}] `);
  const rig = rigPaths(cache);
  if (!webOnly) {
    const main = JSON.parse(fs.readFileSync(path.join(extension, 'package.json'), 'utf8')).main || 'extension.js';
    if (!fs.existsSync(path.resolve(extension, main))) {
      throw new Error(`${path.resolve(extension, main)} missing: run npm run build first`);
    }
  }
  const artifacts = path.join(REPO_ROOT, '.test-artifacts', 'e2e', name);
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `prompt-lab-e2e-${name}-`));
  const stateDir = path.join(tmp, 'state');
  const extensionsDir = path.join(stateDir, 'extensions');
  const workspaceDir = copyWorkspace(path.resolve(REPO_ROOT, workspace), path.join(tmp, 'workspace'));

  let server; let context; let page;
  let cleaned = false;
  const cleanup = async (failed) => {
    if (cleaned) return;
    cleaned = true;
    if (page) await page.screenshot({ path: path.join(artifacts, failed ? 'failure.png' : 'final.png') }).catch(() => {});
    if (context) await context.close().catch(() => {});
    if (server) {
      await server.stop().catch(() => {});
      try { fs.copyFileSync(server.logFile, path.join(artifacts, 'code-server.log')); } catch { /* none */ }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    console.error(`[${name}] ${sig}: stopping`);
    cleanup(true).finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let timer;
  try {
    // webOnly: a copy whose manifest has only the `browser` entry, so only the web worker extension host can run it.
    const installed = webOnly ? buildWebOnlyPackage(extension, path.join(tmp, 'web-extension')) : extension;
    const ids = [installExtension(installed, extensionsDir),
      ...extraExtensions.map((dir) => installExtension(path.resolve(REPO_ROOT, dir), extensionsDir))];
    server = await startCodeServer({ entry: rig.entry, stateDir, extensionsDir, env, workspaceTrust, settings, extraArgs });
    clock.lap(`code-server ready at ${server.url} with ${ids.join(', ')}`);
    context = await launchBrowser({ ...rig, userDataDir: path.join(stateDir, 'chromium') });
    page = await openWorkbench(context, server.url, workspaceDir);
    clock.lap(`workbench open on ${workspaceDir}`);
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`e2e session timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    const result = await Promise.race([fn({ page, context, server, workspaceDir, artifacts, clock }), timeout]);
    await cleanup(false);
    return result;
  } catch (err) {
    await cleanup(true);
    throw err;
  } finally {
    clearTimeout(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    console.log(`[${name}] artifacts: ${artifacts}`);
  }
}

/**
 * Run named tests one after the other in one VS Code session (withVSCode),
 * print `ok`/`FAIL` per test and the closing line `e2e: N passed, N failed`,
 * and exit the process: 0 if all passed, 1 otherwise. A failed test saves
 * failure-<n>.png and the later tests still run (a rig failure counts as one
 * more failed test). tests: [[title, async (session) => ...], ...]
 */
export async function e2eMain(options, tests) {
  let passed = 0; let failed = 0;
  try {
    await withVSCode(options, async (session) => {
      for (const [i, [title, fn]] of tests.entries()) {
        try {
          await fn(session);
          passed++;
          console.log(`  ok   ${title}`);
        } catch (err) {
          failed++;
          console.log(`  FAIL ${title}\n       ${String((err && err.stack) || err).split('\n').join('\n       ')}`);
          await session.page.screenshot({ path: path.join(session.artifacts, `failure-${i + 1}.png`) }).catch(() => {});
          await session.page.keyboard.press('Escape').catch(() => {});
        }
      }
      if (failed) throw new Error(`${failed} test(s) failed`);
    });
  } catch (err) {
    if (!failed) { failed++; console.log(`  FAIL e2e session: ${(err && err.stack) || err}`); }
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/**
 * Open a workspace file via Quick Open (Ctrl+P, type the path, Enter) and wait
 * until its editor tab is active. File search starts indexing when the
 * workbench opens, so this retries until the file shows in the list.
 */
export async function openFile(page, relativePath, timeoutMs = 60000) {
  const base = path.posix.basename(relativePath.replace(/\\/g, '/'));
  const input = page.locator('.quick-input-widget input.input');
  const row = page.locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: base }) }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Control+P');
    try {
      // A Ctrl+P pressed while another quick input is closing (a password box just answered) can be lost on a busy
      // machine: press it again until Quick Open shows, within the deadline.
      await input.waitFor({ state: 'visible', timeout: 10000 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      continue;
    }
    await input.fill(relativePath);
    try {
      await row.waitFor({ state: 'visible', timeout: 3000 });
      await row.click();
      break;
    } catch {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`Quick Open never listed ${relativePath}`);
      await page.waitForTimeout(1000);
    }
  }
  await activeTab(page, base).waitFor({ state: 'visible', timeout: 20000 });
}

/** The active editor tab whose label is `label` (a Locator). */
export function activeTab(page, label) {
  return page.locator('.tabs-container .tab.active', { has: page.locator('.label-name', { hasText: label }) }).first();
}

/** Run a command by its palette title, e.g. 'Prompt Lab: Run Prompt'. */
export function runPaletteCommand(page, title, timeoutMs = 60000) {
  return rigRunPaletteCommand(page, title, timeoutMs);
}

/** The newest webview's content frame (a FrameLocator). */
export function webviewFrame(page) {
  return webviewContent(page);
}

/**
 * Waits (up to 60 s) for the run panel in `web` (a webview frame) to show a finished `ok` run, and checks it shows the
 * whole recorded text `expected.text` and a replay notice naming `fixture`. Returns the run's locator.
 */
export async function expectRecordedRun(web, expected, fixture) {
  const run = web.locator('[data-run-id][data-status="ok"]').first();
  await run.waitFor({ timeout: 60000 });
  const shown = await run.locator('[data-testid="run-output"]').textContent();
  if (shown !== expected.text) throw new Error(`panel shows ${JSON.stringify(shown?.slice(0, 80))}… (${shown?.length} chars), the recording has ${expected.text.length} chars`);
  const replay = await run.locator('[data-testid="run-replay"]').textContent();
  if (!replay?.includes(fixture)) throw new Error(`no replay notice naming ${fixture}: ${replay}`);
  return run;
}

/** Poll `check` (sync or async, truthy = done) until it passes or timeoutMs. */
export async function waitFor(check, timeoutMs = 20000, what = 'condition') {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every line of the run log under `dir` (a workspace folder), day files in date order. */
export function logLines(dir) {
  const runs = path.join(dir, '.promptlab', 'runs');
  if (!fs.existsSync(runs)) return [];
  return fs.readdirSync(runs).sort().flatMap((f) => fs.readFileSync(path.join(runs, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

/**
 * Runs `slow.prompt.json` of the workspace (a deployment streaming `fullText` slowly), presses the panel's Stop once
 * some text has streamed, and checks what a person is promised: the run ends `cancelled`, the panel keeps a beginning
 * of `fullText`, and the run's log line holds exactly that partial output. `timeoutMs` scales every wait (a loaded
 * machine, the web worker host). Saves `run-cancelled.png` in `artifacts`.
 */
export async function stopSlowRun({ page, workspaceDir, artifacts, fullText, timeoutMs = 20000 }) {
  await openFile(page, 'slow.prompt.json');
  await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
  const web = webviewFrame(page);
  const run = web.locator('[data-run-id][data-status="running"]').first();
  await run.waitFor({ timeout: timeoutMs * 2 });
  const output = run.locator('[data-testid="run-output"]');
  await waitFor(async () => ((await output.textContent()) ?? '').length > 20, timeoutMs, 'some streamed text');
  await run.locator('[data-testid="run-stop"]').click();
  const cancelled = web.locator('[data-run-id][data-status="cancelled"]').first();
  await cancelled.waitFor({ timeout: timeoutMs });
  const partial = (await cancelled.locator('[data-testid="run-output"]').textContent()) ?? '';
  if (!partial || partial.length >= fullText.length || !fullText.startsWith(partial)) throw new Error(`partial output ${partial.length} chars of ${fullText.length}`);
  await page.screenshot({ path: path.join(artifacts, 'run-cancelled.png') });
  const line = await waitFor(() => logLines(workspaceDir).find((r) => (r.event ?? 'run') === 'run' && r.prompt === 'slow.prompt.json'), timeoutMs, 'the cancelled run in the log');
  if (line.status !== 'cancelled' || line.output !== partial) throw new Error(`log: status ${line.status}, ${line.output.length} chars vs panel ${partial.length}`);
}

/**
 * Which extension host runs the extension named `name` (package.json `name`, e.g. 'prompt-lab'), as VS Code's
 * "Developer: Show Running Extensions" editor says it: the text under the extension's name, e.g. 'web worker' for the
 * web worker extension host, or the remote authority ('127.0.0.1:PORT') for code-server's Node extension host.
 * Scrolls the (virtual) list until the row shows; throws when the extension is not running within timeoutMs.
 * Leaves the editor open.
 */
export async function runningExtensionHost(page, name, timeoutMs = 60000) {
  await rigRunPaletteCommand(page, 'Developer: Show Running Extensions', timeoutMs);
  const editor = page.locator('.runtime-extensions-editor');
  await editor.locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
  const row = editor.locator(`.monaco-list-row[aria-label="${name}"]`);
  return waitFor(async () => {
    if (!(await row.count())) {
      // Rows outside the viewport are not in the DOM: scroll down, and back to the top at the end of the list.
      const list = editor.locator('.monaco-list').first();
      const box = await list.boundingBox();
      if (box) {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        const before = await editor.locator('.monaco-list-row').last().getAttribute('data-index');
        await page.mouse.wheel(0, box.height / 2);
        await page.waitForTimeout(100);
        const after = await editor.locator('.monaco-list-row').last().getAttribute('data-index');
        if (before === after) await page.mouse.wheel(0, -100000);
      }
      return undefined;
    }
    const text = ((await row.first().locator('.msg').textContent().catch(() => '')) ?? '').trim();
    return text || undefined;
  }, timeoutMs, `"${name}" in Running Extensions`);
}

/**
 * The ids of the extensions code-server's Node extension host activated (its remoteexthost.log under the session's
 * user data folder `userData`, e.g. the `server.userData` withVSCode passes), lower case, with `ok` true when the log
 * says the host finished its start ("Eager extensions activated"), so an empty list means something.
 */
export function nodeHostActivations(userData) {
  const logs = path.join(userData, 'logs');
  const files = fs.existsSync(logs)
    ? fs.readdirSync(logs, { recursive: true }).map(String).filter((f) => path.basename(f) === 'remoteexthost.log')
    : [];
  const text = files.map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('\n');
  const ids = [...text.matchAll(/ExtensionService#_doActivateExtension ([\w.-]+)/g)].map((m) => m[1].toLowerCase());
  return { ok: text.includes('Eager extensions activated'), ids };
}
