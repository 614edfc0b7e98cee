/**
 * A stand-in for the VS Code webview around the Run Prompt panel, in real Chromium: a local
 * HTTP server on 127.0.0.1 serves a page under the extension's own CSP (webviewCsp: nonce'd
 * scripts, styles from the server only), a Dark+ theme stylesheet, media/runPanel.css and the webview bundle.
 * `acquireVsCodeApi` records every posted message and keeps state in sessionStorage, so a
 * reload behaves like VS Code hiding and showing the panel. Host messages are delivered with
 * `window.postMessage`, as MessageEvent data, the way VS Code delivers them.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import type { RunFinishedParams, RunStartedParams } from '../../src/protocol/runPanel';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { HostMessage, WebviewMessage } from '../../src/protocol/runPanel';
import { webviewCsp } from '../../src/vscode/webviewPolicy';

function findRepoRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'webview', 'src', 'runPanel', 'main.ts'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRepoRoot(__dirname);
export const screenshotDir = path.join(repoRoot, '.test-artifacts', 'webview');

/** The webviews the harness can load: the run panel, the playground view, the evaluation panel. */
export type WebviewEntry = 'runPanel' | 'playground' | 'evaluation';
const ENTRY_SOURCES: Record<WebviewEntry, string[]> = { runPanel: ['runPanel', 'main.ts'], playground: ['playground', 'main.ts'], evaluation: ['evaluation', 'main.ts'] };

/** Builds the webview bundle exactly as esbuild.mjs does, into a temporary directory. */
async function buildBundle(outDir: string, entry: WebviewEntry): Promise<string> {
  const outfile = path.join(outDir, `${entry}.js`);
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'webview', 'src', ...ENTRY_SOURCES[entry])],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
  });
  return outfile;
}

/** Runs in the page before the bundle: the `acquireVsCodeApi` that VS Code would provide. */
const STUB = `
(() => {
  window.__posted = [];
  window.__postedAt = [];
  window.__violations = [];
  window.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may be called only once');
    acquired = true;
    return Object.freeze({
      postMessage(message) {
        window.__posted.push(JSON.parse(JSON.stringify(message)));
        window.__postedAt.push(performance.now());
      },
      getState() {
        const saved = sessionStorage.getItem('vscode-state');
        return saved === null ? undefined : JSON.parse(saved);
      },
      setState(state) {
        sessionStorage.setItem('vscode-state', JSON.stringify(state));
        return state;
      },
    });
  };
})();
`;

function pageHtml(origin: string, nonce: string, entry: WebviewEntry): string {
  // The extension's own policy (src/vscode/webviewPolicy.ts), with the server's origin as cspSource.
  const csp = webviewCsp(origin, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${origin}/harness/dark-plus.css">
<link rel="stylesheet" href="${origin}/media/${entry}.css">
<title>Run Prompt</title>
<script nonce="${nonce}">${STUB}</script>
</head>
<body class="vscode-dark">
<div id="app"></div>
<script nonce="${nonce}" src="${origin}/dist/webview/${entry}.js"></script>
</body>
</html>`;
}

/** Shape of the harness globals, for code that runs in the page (the test tsconfig has no DOM lib). */
interface PageGlobals {
  __posted: WebviewMessage[];
  __postedAt: number[];
  __violations: string[];
  postMessage(message: unknown, targetOrigin: string): void;
  sessionStorage: { getItem(key: string): string | null };
  performance: { now(): number };
  setTimeout(callback: () => void, ms: number): unknown;
  requestAnimationFrame(callback: () => void): unknown;
  document: { querySelector(selector: string): { textContent: string | null } | null };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class Harness {
  private constructor(
    private readonly browser: Browser,
    private readonly server: http.Server,
    private readonly tempDir: string,
    readonly origin: string,
  ) {}

  static async start(entry: WebviewEntry = 'runPanel'): Promise<Harness> {
    const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-webview-'));
    const bundle = await buildBundle(tempDir, entry);
    const files: Record<string, [string, string]> = {
      [`/dist/webview/${entry}.js`]: [bundle, 'text/javascript'],
      [`/media/${entry}.css`]: [path.join(repoRoot, 'media', `${entry}.css`), 'text/css'],
      '/harness/dark-plus.css': [path.join(repoRoot, 'test', 'webview', 'harness', 'dark-plus.css'), 'text/css'],
    };
    // A bundle that imports a stylesheet (the evaluation panel: uPlot's) gets it beside the script, as esbuild.mjs writes it.
    const bundledStyle = bundle.replace(/\.js$/, '.css');
    if (fs.existsSync(bundledStyle)) files[`/dist/webview/${entry}.css`] = [bundledStyle, 'text/css'];
    let origin = '';
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/') {
        const nonce = randomBytes(16).toString('base64');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(pageHtml(origin, nonce, entry));
        return;
      }
      const file = files[url.pathname];
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': `${file[1]}; charset=utf-8`, 'cache-control': 'no-store' });
      fs.createReadStream(file[0]).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: process.env.PROMPT_LAB_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    return new Harness(browser, server, tempDir, origin);
  }

  /** A fresh page (own context, own sessionStorage) with the panel loaded and `ready` posted. */
  async open(viewport = { width: 760, height: 560 }): Promise<PanelPage> {
    const context = await this.browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme: 'dark' });
    const page = await context.newPage();
    const panel = new PanelPage(page);
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || LOOPBACK.has(url.hostname)) return route.continue();
      panel.blocked.push(url.href);
      return route.abort();
    });
    await page.goto(this.origin + '/');
    await panel.waitForPosted('ready');
    return panel;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.tempDir, { recursive: true, force: true });
  }
}

export class PanelPage {
  /** Uncaught errors and console errors in the page. */
  readonly errors: string[] = [];
  /** Requests to anything but loopback, aborted. */
  readonly blocked: string[] = [];

  constructor(readonly page: Page) {
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console: ${message.text()}`);
    });
  }

  /** Delivers a host message the way VS Code does: as the data of a MessageEvent on window. */
  async send(message: HostMessage): Promise<void> {
    await this.sendRaw(message);
  }

  async sendRaw(...messages: unknown[]): Promise<void> {
    await this.page.evaluate((all) => {
      const w = globalThis as unknown as PageGlobals;
      for (const message of all) w.postMessage(message, '*');
    }, messages);
  }

  async posted(): Promise<WebviewMessage[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).__posted);
  }

  /** Waits for the webview to post `method` (for `runId`, if given) and returns that message. */
  async waitForPosted<M extends WebviewMessage['method']>(
    method: M,
    runId?: string,
  ): Promise<Extract<WebviewMessage, { method: M }>> {
    const handle = await this.page.waitForFunction(
      ([m, id]) =>
        (globalThis as unknown as PageGlobals).__posted.find(
          (p) => p.method === m && (id === undefined || ('runId' in p.params && p.params.runId === id)),
        ),
      [method, runId] as const,
    );
    return (await handle.jsonValue()) as Extract<WebviewMessage, { method: M }>;
  }

  async violations(): Promise<string[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobals).__violations);
  }

  /** The state the panel last saved with setState. */
  async savedState(): Promise<unknown> {
    return this.page.evaluate(() => {
      const saved = (globalThis as unknown as PageGlobals).sessionStorage.getItem('vscode-state');
      return saved === null ? undefined : (JSON.parse(saved) as unknown);
    });
  }

  run(runId: string): Locator {
    return this.page.locator(`[data-run-id="${runId}"]`);
  }

  /** The exact textContent of a run's output. */
  async output(runId: string): Promise<string> {
    return (await this.run(runId).locator('[data-testid="run-output"]').textContent()) ?? '';
  }
}

export type { PageGlobals };

/**
 * Register the hooks every webview test file needs (node:test): one Harness for the file (the run panel's, or
 * `entry`'s), and after each test a check that the page it opened had no page errors, no CSP violations and no request
 * off the machine.
 * @returns `open(viewport?)`: a new page of the webview, checked after the test.
 */
export function useRunPanelHarness(entry: WebviewEntry = 'runPanel'): (viewport?: { width: number; height: number }) => Promise<PanelPage> {
  let harness: Harness | undefined;
  let current: PanelPage | undefined;
  before(async () => {
    harness = await Harness.start(entry);
  });
  after(async () => {
    await harness?.close();
  });
  afterEach(async () => {
    if (!current) return;
    const panel = current;
    current = undefined;
    const violations = await panel.violations();
    await panel.page.context().close();
    assert.deepEqual(panel.errors, [], 'page errors');
    assert.deepEqual(violations, [], 'CSP violations');
    assert.deepEqual(panel.blocked, [], 'requests to non-loopback hosts');
  });
  return async (viewport) => {
    if (!harness) throw new Error('the harness is not started');
    current = await harness.open(viewport);
    return current;
  };
}

/** A `run/started` message for the panel tests, `overrides` on top. */
export function startedParams(runId: string, overrides: Partial<RunStartedParams> = {}): RunStartedParams {
  return {
    runId,
    promptName: 'summarize-ticket',
    promptPath: 'prompts/summarize-ticket.prompt.json',
    deployment: 'replay-openai',
    provider: 'openai',
    model: 'gpt-4o-mini',
    baseURL: 'http://127.0.0.1:4100/v1',
    startedAt: '2025-05-01T09:30:12.000Z',
    ...overrides,
  };
}

/** A `run/finished` message (status ok) for the panel tests, `overrides` on top. */
export function finishedParams(runId: string, outputLength: number, overrides: Partial<RunFinishedParams> = {}): RunFinishedParams {
  return {
    runId,
    status: 'ok',
    model: 'gpt-4o-mini-2024-07-18',
    finishReason: 'stop',
    usage: { promptTokens: 31, completionTokens: 87, totalTokens: 118 },
    ttftMs: 212,
    latencyMs: 1843,
    outputLength,
    ...overrides,
  };
}
