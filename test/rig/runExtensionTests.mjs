#!/usr/bin/env node
// Run the integration suites inside the real (Node) extension host of
// code-server: the extensionDevelopmentPath + extensionTestsPath contract of
// @vscode/test-electron, without Electron (which cannot be downloaded here).
//
//   node test/rig/runExtensionTests.mjs --extension . --tests out/test/integration/index.js \
//       [--workspace DIR] [--timeout SEC] [--artifacts DIR] [--env KEY=VALUE ...] \
//       [--trust true|false] [--cache DIR] [--open FILE]
//
// --tests: the module whose exported run() returns a Promise.
// --workspace: opened folder; default a temporary copy of <repo>/examples
//   (a copy always, so tests never dirty the repo).
// --env: environment for the tests (set on code-server; the extension host
//   inherits it). Repeatable.
// --trust false: enable workspace trust so the folder opens untrusted (the tests see PROMPT_LAB_TEST_TRUST=untrusted)
//   (default true = trust switched off, everything allowed). Checked: with
//   --trust false the tests see vscode.workspace.isTrusted === false (the web
//   workbench does not auto-trust a test window).
// --open: a file of the workspace (relative path) open in an editor when the
//   window starts, as a restored editor would be (the workbench's openFile payload).
// --artifacts: where code-server.log, the renderer logs and a timeout
//   screenshot go (default .test-artifacts/integration).
//
// How it works: the web workbench reads a `payload` query parameter
// ([["extensionDevelopmentPath", URI], ["extensionTestsPath", URI]] with
// vscode-remote://HOST:PORT/abs/path URIs); the remote extension host runs the
// tests, the workbench then calls window.codeAutomationExit(code) (exposed
// here with Playwright), and whatever the extension host logs, mocha's
// reporter included, arrives through window.codeAutomationLog.
// Exit code: 0 when run() resolved, 1 when it rejected, timed out or the rig
// failed. code-server and Chromium are always stopped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import {
  REPO_ROOT, parseArgs, parseEnvPairs, makeClock, rigPaths, startCodeServer, launchBrowser,
  openWorkbench, copyWorkspace, defaultCache,
} from './vscode.mjs';

// Workbench chatter that is not from the tests.
const NOISE = [/^Resolv(ing|ed) connection token/, /^Creating a socket/, /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/, /^\[Service Worker\]/, /^ChatSessionStore:/];

const opts = parseArgs(process.argv.slice(2), { timeout: '300', trust: 'true', extension: '.' });
if (!opts.tests) {
  console.error('usage: runExtensionTests.mjs --extension DIR --tests FILE [--workspace DIR] [--timeout SEC] [--artifacts DIR] [--env K=V ...] [--trust true|false]');
  process.exit(2);
}
const extension = path.resolve(opts.extension);
const tests = path.resolve(opts.tests);
const env = parseEnvPairs(opts.env);
const workspaceTrust = !['true', '1', 'yes', 'on'].includes(String(opts.trust).toLowerCase());
// Tells the suites which session this is: the restricted suite runs, and insists on an untrusted window, only here.
env.PROMPT_LAB_TEST_TRUST = workspaceTrust ? 'untrusted' : 'trusted';
if (!fs.existsSync(tests)) { console.error(`${tests} missing (run npm run build:tests)`); process.exit(1); }

const clock = makeClock('[integration] ');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-ext-tests-'));
const stateDir = path.join(tmp, 'state');
const artifacts = path.resolve(opts.artifacts || path.join(REPO_ROOT, '.test-artifacts', 'integration'));
fs.mkdirSync(artifacts, { recursive: true });
const workspace = copyWorkspace(opts.workspace ? path.resolve(opts.workspace) : path.join(REPO_ROOT, 'examples'),
  path.join(tmp, 'workspace'));

let server; let context; let code = 1; let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (context) await context.close().catch(() => {});
  if (server) {
    await server.stop().catch(() => {});
    try { fs.copyFileSync(server.logFile, path.join(artifacts, 'code-server.log')); } catch { /* no log */ }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { console.error(`[integration] ${sig}: stopping`); cleanup().finally(() => process.exit(1)); });
}

try {
  const rig = rigPaths(opts.cache || defaultCache());
  console.log(`[integration] extension ${extension}; tests ${tests}; workspace ${workspace} (copy of ${opts.workspace || 'examples'})${workspaceTrust ? '; workspace trust on' : ''}`);
  server = await startCodeServer({ entry: rig.entry, stateDir, extensionsDir: path.join(stateDir, 'extensions'), env, workspaceTrust });
  clock.lap(`code-server ready at ${server.url}`);
  context = await launchBrowser({ ...rig, userDataDir: path.join(stateDir, 'chromium') });
  const page = context.pages()[0] || await context.newPage();
  let finish;
  const finished = new Promise((r) => { finish = r; });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = util.format(...(Array.isArray(args) ? args : [args]));
    if (NOISE.some((re) => re.test(line))) return;
    (type === 'error' ? console.error : console.log)(line);
  });
  await page.exposeFunction('codeAutomationExit', (exitCode, logs) => {
    for (const l of logs || []) { // renderer log files, handy when something breaks
      const dest = path.join(artifacts, 'logs', String(l.relativePath || 'log').replace(/\.\./g, '_'));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, l.contents || '');
    }
    finish(exitCode);
  });
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extension)], ['extensionTestsPath', remote(tests)]];
  if (opts.open) payload.push(['openFile', remote(path.join(workspace, opts.open))]);
  await openWorkbench(context, server.url, workspace, `&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  clock.lap('workbench up; tests running in the extension host');
  let timer;
  const timeout = new Promise((r) => { timer = setTimeout(() => r('timeout'), Number(opts.timeout) * 1000); });
  const result = await Promise.race([finished, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    console.error(`[integration] FAILED: no codeAutomationExit within ${opts.timeout}s`);
    console.log('integration: 0 passed, 1 failed (timeout)');
    await page.screenshot({ path: path.join(artifacts, 'timeout.png') }).catch(() => {});
  } else {
    code = Number(result) === 0 ? 0 : 1;
    clock.lap(`extension host reported exit code ${result}`);
  }
} catch (err) {
  console.error(`[integration] FAILED: ${(err && err.stack) || err}`);
} finally {
  await cleanup();
  console.log(`[integration] artifacts: ${artifacts}`);
}
process.exit(code);
