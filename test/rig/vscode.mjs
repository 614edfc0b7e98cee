// Prompt Lab test rig: a real VS Code (code-server 4.100.3 = VS Code 1.100.3)
// served to headless Debian Chromium and driven with playwright-core. Works
// offline: everything comes from the npm registry and Debian's apt (see
// setup.sh, which fills the cache folder these helpers read).
//
// Used by runExtensionTests.mjs (integration suites inside the extension
// host), test/e2e/helpers.mjs (UI tests) and the start script (a VS Code for a
// person, on a fixed port).
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RIG_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(RIG_DIR, '..', '..');

/** The cache folder: explicit argument, $PROMPT_LAB_VSCODE_CACHE, or ~/.cache/prompt-lab-vscode. */
export function defaultCache() {
  return process.env.PROMPT_LAB_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'prompt-lab-vscode');
}

/** `--name value` / `--name=value` pairs; repeated `--env` values collect in an array. */
export function parseArgs(argv, defaults = {}) {
  const out = { ...defaults, env: [...(defaults.env || [])] };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    const value = m[2] !== undefined ? m[2] : argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    if (m[1] === 'env') out.env.push(value);
    else out[m[1]] = value;
  }
  return out;
}

/** ["KEY=VALUE", ...] -> { KEY: VALUE } */
export function parseEnvPairs(pairs) {
  const env = {};
  for (const p of pairs || []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--env expects KEY=VALUE, got "${p}"`);
    env[p.slice(0, i)] = p.slice(i + 1);
  }
  return env;
}

export function makeClock(prefix = '') {
  const t0 = Date.now();
  return {
    lap(name) { console.log(`${prefix}[${((Date.now() - t0) / 1000).toFixed(1)}s] ${name}`); },
    seconds() { return (Date.now() - t0) / 1000; },
  };
}

/**
 * Paths of an installed rig (setup.sh CACHE). Throws with the setup command
 * when the cache is not there.
 */
export function rigPaths(cache = defaultCache()) {
  const nodeModules = path.join(path.resolve(cache), 'node', 'node_modules');
  const entry = path.join(nodeModules, 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`${entry} missing: run \`bash test/rig/setup.sh ${cache}\` first`);
  }
  let chromium = process.env.PROMPT_LAB_VSCODE_CHROMIUM;
  if (!chromium) {
    try { chromium = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim(); } catch { /* below */ }
  }
  chromium ||= '/usr/bin/chromium';
  const { chromium: pwChromium } = createRequire(nodeModules + path.sep)('playwright-core');
  return { cache: path.resolve(cache), nodeModules, entry, chromium, pwChromium };
}

/** XDG and temp dirs inside a state dir, so nothing lands in $HOME or /tmp
 *  (VS Code puts its vscode-ipc-*.sock / vscode-git-*.sock in TMPDIR). */
export function xdgEnv(stateDir) {
  const env = {};
  for (const [k, d] of [['XDG_CONFIG_HOME', 'xdg-config'], ['XDG_DATA_HOME', 'xdg-data'], ['XDG_CACHE_HOME', 'xdg-cache'], ['TMPDIR', 'tmp']]) {
    env[k] = path.join(stateDir, d);
    fs.mkdirSync(env[k], { recursive: true });
  }
  return env;
}

/**
 * Link an extension folder into an extensions dir as
 * `<publisher>.<name>-<version>` (for Prompt Lab: prompt-lab.prompt-lab-0.1.0).
 * Older links/folders of the same extension are replaced, so a long-lived
 * extensions dir (the start script's) follows version bumps. Returns the id.
 */
export function installExtension(extDir, extensionsDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`;
  fs.mkdirSync(extensionsDir, { recursive: true });
  for (const entry of fs.readdirSync(extensionsDir)) {
    if (entry.toLowerCase().startsWith(`${id.toLowerCase()}-`)) {
      fs.rmSync(path.join(extensionsDir, entry), { recursive: true, force: true });
    }
  }
  // VS Code keeps a list of installed extensions in extensions.json; drop our
  // entry from it so the linked folder is rescanned rather than a stale one.
  const list = path.join(extensionsDir, 'extensions.json');
  if (fs.existsSync(list)) {
    try {
      const entries = JSON.parse(fs.readFileSync(list, 'utf8'));
      const kept = entries.filter((e) => String(e?.identifier?.id).toLowerCase() !== id.toLowerCase());
      fs.writeFileSync(list, JSON.stringify(kept));
    } catch { fs.rmSync(list, { force: true }); }
  }
  fs.symlinkSync(path.resolve(extDir), path.join(extensionsDir, `${id}-${pkg.version}`), 'dir');
  return id;
}

/** User settings that keep the workbench quiet and offline-friendly. */
export const DEFAULT_SETTINGS = Object.freeze({
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  // No walkthrough opening by itself (VS Code's for a new extension, Prompt Lab's on its first activation); the
  // walkthrough's own test turns Prompt Lab's on.
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'promptLab.walkthrough.openOnFirstActivation': false,
});

/**
 * Start code-server with private user-data/extensions/XDG dirs under
 * `stateDir`. Resolves once /healthz answers, with { url, port, child, stop(),
 * logFile }.
 *
 *  - entry: code-server's out/node/entry.js (rigPaths().entry)
 *  - env: extra environment; the extension host inherits it
 *  - port: fixed port (default 0 = random free port); host (default 127.0.0.1)
 *  - workspaceTrust: false (default) disables workspace trust altogether;
 *    true enables it, so a folder opens untrusted (restricted mode) unless
 *    the person trusts it (no startup prompt, the banner/status shows it)
 *  - settings: more user settings. With a long-lived stateDir, settings a
 *    person changed are kept; only `settings` and the trust switch override them.
 *  - log: 'file' (default, into stateDir/code-server.log) or 'inherit'
 *  - extraArgs: more code-server arguments, appended as given. Only options
 *    code-server itself knows (`--help`); it exits on others, e.g. 4.100.3
 *    has no `--disable-extension`.
 */
export async function startCodeServer({
  entry, stateDir, extensionsDir, env = {}, port = 0, host = '127.0.0.1',
  workspaceTrust = false, settings = {}, timeoutMs = 60000, log = 'file', extraArgs = [],
}) {
  stateDir = path.resolve(stateDir);
  extensionsDir = path.resolve(extensionsDir || path.join(stateDir, 'extensions'));
  const userData = path.join(stateDir, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userData, 'User', 'settings.json');
  let existing = {};
  try { existing = JSON.parse(fs.readFileSync(settingsFile, 'utf8')); } catch { /* new or not plain JSON */ }
  const trust = workspaceTrust
    ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false }
    : { 'security.workspace.trust.enabled': false };
  fs.writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...existing, ...trust, ...settings }, null, 2));
  // Own config file so nothing is written to ~/.config/code-server.
  const config = path.join(stateDir, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: ${host}:${port}\nauth: none\ncert: false\n`);
  const logFile = path.join(stateDir, 'code-server.log');
  const logFd = fs.openSync(logFile, 'a');
  const args = [entry,
    '--config', config, '--auth', 'none', '--bind-addr', `${host}:${port}`,
    '--user-data-dir', userData, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check',
    '--disable-getting-started-override', '--disable-proxy', '--ignore-last-opened'];
  if (!workspaceTrust) args.push('--disable-workspace-trust');
  args.push(...extraArgs);
  const child = spawn(process.execPath, args, {
    detached: true, // own process group: stop() ends the server and its extension/pty hosts together
    stdio: ['ignore', 'pipe', 'pipe'],
    // EXTENSIONS_GALLERY={} switches off the (unreachable) Open VSX marketplace.
    env: { ...process.env, ...xdgEnv(stateDir), EXTENSIONS_GALLERY: '{}', ...env },
  });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => child.once('exit', r));
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await done;
      clearTimeout(t);
    }
    // extension host / pty host / file watcher children left in the group, if any
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* none left */ }
    try { fs.closeSync(logFd); } catch { /* closed */ }
  };
  const actualPort = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not listen within ${timeoutMs} ms; see ${logFile}`)), timeoutMs);
    const onData = (d) => {
      try { fs.writeSync(logFd, d); } catch { /* log closed after stop() */ }
      if (log === 'inherit') process.stderr.write(d);
      if (buf !== null) {
        buf += d.toString();
        const m = /HTTP server listening on https?:\/\/[^:\s]+:(\d+)/.exec(buf);
        if (m) { buf = null; clearTimeout(timer); resolve(Number(m[1])); }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}); see ${logFile}`)); });
  }).catch(async (e) => { await stop(); throw e; });
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`;
  for (const deadline = Date.now() + timeoutMs; ;) {
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error('code-server /healthz never answered'); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port: actualPort, child, stop, logFile, extensionsDir, userData };
}

/** Headless Debian Chromium (persistent profile in userDataDir); every request
 *  to a host other than loopback is aborted. Returns the browser context. */
export async function launchBrowser({ pwChromium, chromium, userDataDir, headless = true }) {
  const context = await pwChromium.launchPersistentContext(userDataDir, {
    executablePath: chromium,
    env: { ...process.env, ...xdgEnv(path.dirname(userDataDir)) },
    headless,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.hostname === 'localhost') return route.continue();
    return route.abort();
  });
  return context;
}

/** Open the workbench on `folder` and wait for its DOM. Returns the page. */
export async function openWorkbench(context, baseUrl, folder, query = '') {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${baseUrl}/?folder=${encodeURIComponent(folder)}${query}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  return page;
}

function exactPaletteRow(page, title) {
  const exactly = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  return page.locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactly }) }).first();
}

function paletteRow(page, title) {
  return page.locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: title }) }).first();
}

/**
 * Open the command palette on `title` and wait for its row. The palette
 * snapshots the command list when it opens, and extension contributions
 * arrive a few seconds after the workbench DOM, so retry (F1, type, look for
 * the row) until it shows; a palette that closed before the typing is opened again. Resolves with the row locator, palette still open.
 */
export async function findPaletteCommand(page, title, timeoutMs = 60000) {
  const input = page.locator('.quick-input-widget input.input');
  const row = paletteRow(page, title);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    try {
      // The palette can close again between opening and typing (another quick input closing takes it along): then
      // the fill fails fast and the loop opens it again, instead of waiting 30 s on an input that is gone.
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      await row.waitFor({ state: 'visible', timeout: 2000 });
      // "Prompt Lab: Open Playground" is also in "Prompt Lab: Open Playground in Editor", which may be listed first
      // (recently used): the row whose label is exactly the title wins.
      const exact = exactPaletteRow(page, title);
      return (await exact.count()) > 0 ? exact : row;
    } catch {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`command "${title}" never appeared in the palette`);
      await page.waitForTimeout(1000);
    }
  }
}

/** Run a command by its palette title ("Category: Title"). */
export async function runPaletteCommand(page, title, timeoutMs = 60000) {
  const row = await findPaletteCommand(page, title, timeoutMs);
  await row.click();
}

/**
 * The content of the newest webview: outer <iframe class="webview ready">
 * (code-server's .../webview/browser/pre/index.html) holding
 * <iframe id="active-frame"> with the extension's HTML. A FrameLocator.
 */
export function webviewContent(page) {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
}

/** pids of processes whose command line mentions `needle` (leak checks). */
export function processesMatching(needle) {
  const out = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(Number(pid));
    } catch { /* gone */ }
  }
  return out;
}

/** Copy a workspace folder to `dest`, leaving out run logs and node_modules. */
export function copyWorkspace(src, dest) {
  fs.mkdirSync(dest, { recursive: true });
  if (src && fs.existsSync(src)) {
    fs.cpSync(src, dest, {
      recursive: true,
      filter: (p) => !/(^|[\\/])(\.promptlab|node_modules|\.git)$/.test(p),
    });
  }
  return dest;
}

/**
 * Make a copy of the extension at `extDir` that VS Code can only run in its web worker extension host: the
 * manifest without `main` (and without `bin`, the CLI), so a Node extension host has nothing to load, plus what the
 * manifest and the web bundle use: `dist/<sub>` for each of `distFolders` (default the web bundle and the webviews),
 * media/, l10n/, schemas/, package.nls*.json and README/CHANGELOG/LICENSE. Throws when the manifest has no `browser`
 * entry or its file is missing (run `npm run build`). Returns `dest` (created, or emptied first).
 */
export function buildWebOnlyPackage(extDir, dest, { distFolders = ['web', 'webview'] } = {}) {
  const pkg = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
  if (!pkg.browser) throw new Error(`${path.join(extDir, 'package.json')} has no "browser" entry: no web build to test`);
  const browserEntry = path.resolve(extDir, pkg.browser);
  const entryFile = fs.existsSync(browserEntry) ? browserEntry : `${browserEntry}.js`;
  if (!fs.existsSync(entryFile)) throw new Error(`${browserEntry} missing: run npm run build first`);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  const { main: _main, bin: _bin, ...webOnly } = pkg;
  fs.writeFileSync(path.join(dest, 'package.json'), JSON.stringify(webOnly, null, 2));
  const copy = (rel) => {
    const from = path.join(extDir, rel);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dest, rel), { recursive: true, dereference: true });
  };
  for (const sub of distFolders) copy(path.join('dist', sub));
  for (const rel of ['media', 'l10n', 'schemas', 'README.md', 'CHANGELOG.md', 'LICENSE']) copy(rel);
  for (const f of fs.readdirSync(extDir)) if (/^package\.nls(\.[\w-]+)?\.json$/.test(f)) copy(f);
  const copiedEntry = path.join(dest, path.relative(extDir, entryFile));
  if (!fs.existsSync(copiedEntry)) throw new Error(`the browser entry ${pkg.browser} is outside dist/{${distFolders.join(',')}}: pass distFolders`);
  return dest;
}
