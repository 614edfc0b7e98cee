/**
 * The web entry's pieces in real Chromium (issue 18), the way the web worker extension host runs them:
 * - the bounded renderer on a browser Worker (src/web/webWorkers.ts + src/web/webWorkerMain.ts) renders every
 *   template fixture and example exactly as the in-process renderer does in Node, and meets the same limits as the
 *   Node render worker (test/unit/renderWorker.test.ts): a runaway loop ends at the time limit while the page keeps
 *   running and the next render gets a new worker; an output over the limit is refused naming the message; errors
 *   come back as the same classes;
 * - the regex matcher stops a catastrophic pattern at its limit and does not try it again;
 * - Web Crypto's SHA-256 in the page is node:crypto's;
 * - a request to a server that does not answer CORS fails with the sentence that names CORS and OLLAMA_ORIGINS, while
 *   the same request to the replay server (which answers CORS) streams.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the page.evaluate callbacks run in the page, against its untyped globalThis.lab */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parsePromptFile } from '../../src/core/format/promptFile';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { examplePrompts, templateFixtures } from '../unit/templateFixtures';
import { repoRoot } from './harness';

let browser: Browser;
let page: Page;
let server: http.Server;
let noCors: http.Server;
let replay: ReplayServer;
let tempDir: string;
const pageErrors: string[] = [];

async function bundle(entry: string, outfile: string, format: 'iife'): Promise<void> {
  const { nodeModulesForTheBrowser } = await import(path.join(repoRoot, 'scripts', 'webBundle.mjs')) as { nodeModulesForTheBrowser: esbuild.Plugin };
  await esbuild.build({
    entryPoints: [entry], outfile, bundle: true, platform: 'browser', format, target: 'es2022',
    mainFields: ['browser', 'module', 'main'], plugins: [nodeModulesForTheBrowser], logLevel: 'silent',
  });
}

before(async () => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-web-'));
  await bundle(path.join(repoRoot, 'test', 'webview', 'web', 'page.ts'), path.join(tempDir, 'page.js'), 'iife');
  await bundle(path.join(repoRoot, 'src', 'web', 'webWorkerMain.ts'), path.join(tempDir, 'renderWorker.js'), 'iife');
  fs.writeFileSync(path.join(tempDir, 'index.html'), '<!DOCTYPE html><html><head><script src="/page.js"></script></head><body></body></html>');
  const files: Record<string, string> = { '/': 'index.html', '/page.js': 'page.js', '/renderWorker.js': 'renderWorker.js' };
  server = http.createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html' : 'text/javascript', 'cache-control': 'no-store' });
    fs.createReadStream(path.join(tempDir, file)).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A server that answers, but without CORS headers: what a local Ollama without OLLAMA_ORIGINS does for a page.
  noCors = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  await new Promise<void>((resolve) => noCors.listen(0, '127.0.0.1', resolve));
  replay = await startReplayServer();
  browser = await chromium.launch({
    executablePath: process.env.PROMPT_LAB_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => (globalThis as { lab?: unknown }).lab !== undefined);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => noCors?.close(resolve));
  await replay?.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
  assert.deepEqual(pageErrors, [], 'no uncaught error in the page');
});

/** What a render in the page gave: its messages or texts, or its error's class and fields (errors do not cross). */
type Outcome = { ok: unknown } | { error: { name: string; message: string; limit?: string; messageIndex?: number; line?: number } };

test('every template fixture and example renders in the browser worker exactly as the in-process renderer renders it in Node', async () => {
  const fixtures = [...templateFixtures(), ...examplePrompts()];
  assert.ok(fixtures.length >= 10, `${fixtures.length} fixtures`);
  const cases: { name: string; text: string; values: Record<string, unknown>; expected: Outcome }[] = [];
  for (const fixture of fixtures) {
    const prompt = parsePromptFile(fixture.text).prompt;
    if (!prompt) continue;
    const values = Object.fromEntries(Object.entries(prompt.inputs ?? {}).map(([name, input]) => [name, (input as { default?: unknown }).default ?? `<${name}>`]));
    let expected: Outcome;
    try {
      expected = { ok: await inProcessRenderer().renderMessages(prompt, values) };
    } catch (err) {
      const e = err as Error & { limit?: string; messageIndex?: number; line?: number };
      expected = { error: { name: e.name, message: e.message } };
    }
    cases.push({ name: fixture.name, text: fixture.text, values, expected });
  }
  const got = await page.evaluate(async (all) => {
    const lab = (globalThis as any).lab;
    const r = new lab.WebWorkerRenderer(lab.start, () => ({ timeoutMs: 10_000, maxOutputChars: 1_000_000, maxHeapMb: 256 }));
    const out: unknown[] = [];
    for (const c of all) {
      try {
        out.push({ ok: await r.renderMessages(lab.parsePromptFile(c.text).prompt, c.values) });
      } catch (e: any) {
        out.push({ error: { name: e.name, message: e.message } });
      }
    }
    const started = r.started;
    r.dispose();
    return { out, started };
  }, cases.map(({ text, values }) => ({ text, values })));
  for (const [i, c] of cases.entries()) assert.deepEqual(got.out[i], c.expected, c.name);
  assert.equal(got.started, 1, 'one worker for all of them');
});

test('a runaway loop ends at the time limit while the page keeps running; the next render gets a new worker', async () => {
  const result = await page.evaluate(async () => {
    const lab = (globalThis as any).lab;
    const r = new lab.WebWorkerRenderer(lab.start, () => ({ timeoutMs: 300, maxOutputChars: 1_000_000, maxHeapMb: 256 }));
    const prompt = lab.parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'fine' }, { role: 'user', content: '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}' }] })).prompt;
    let ticked = false;
    setTimeout(() => { ticked = true; }, 10);
    const t0 = performance.now();
    let error: any;
    try {
      await r.renderMessages(prompt, {});
    } catch (e) {
      error = e;
    }
    const ms = performance.now() - t0;
    const next = await r.renderTemplates(['{{ 1 + 1 }}'], {});
    const started = r.started;
    r.dispose();
    return { name: error?.name, limit: error?.limit, message: error?.message, ms, ticked, next, started };
  });
  assert.equal(result.name, 'RenderLimitError');
  assert.equal(result.limit, 'time');
  assert.match(result.message, /took longer than 300 ms to render/);
  assert.ok(result.ms >= 300 && result.ms < 10_000, `${result.ms} ms`);
  assert.ok(result.ticked, 'the page ran a timer while the worker spun');
  assert.deepEqual(result.next, ['2']);
  assert.equal(result.started, 2);
});

test('an output over the limit is refused naming the message; template errors come back as TemplateError with their position', async () => {
  const result = await page.evaluate(async () => {
    const lab = (globalThis as any).lab;
    const r = new lab.WebWorkerRenderer(lab.start, () => ({ timeoutMs: 2000, maxOutputChars: 10_000, maxHeapMb: 256 }));
    const prompt = (...contents: string[]) => lab.parsePromptFile(JSON.stringify({ messages: contents.map((content) => ({ role: 'user', content })) })).prompt;
    const fields = (e: any) => ({ name: e.name, limit: e.limit, messageIndex: e.messageIndex, line: e.line, message: e.message });
    const output = await r.renderMessages(prompt('small', '{% for i in range(2000) %}0123456789{% endfor %}'), {}).catch(fields);
    const template = await r.renderMessages(prompt('ok', 'Hi {{ nobody }}'), {}).catch(fields);
    const started = r.started;
    r.dispose();
    return { output, template, started };
  });
  assert.equal(result.output.name, 'RenderLimitError');
  assert.equal(result.output.limit, 'output');
  assert.equal(result.output.messageIndex, 1);
  assert.match(result.output.message, /Message 2 rendered to more than 10,000 characters/);
  assert.equal(result.template.name, 'TemplateError');
  assert.equal(result.template.messageIndex, 1);
  assert.equal(result.template.line, 1);
  assert.equal(result.started, 1, 'refusals and template errors keep the worker');
});

test('a straight prompt renders on the calling thread without starting a worker', async () => {
  const result = await page.evaluate(async () => {
    const lab = (globalThis as any).lab;
    const r = new lab.WebWorkerRenderer(lab.start, () => ({ timeoutMs: 2000, maxOutputChars: 1000, maxHeapMb: 256 }), lab.renderStraightMessages);
    const messages = await r.renderMessages(lab.parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'Hello {{ name }}!' }] })).prompt, { name: 'Ada' });
    const started = r.started;
    r.dispose();
    return { messages, started };
  });
  assert.deepEqual(result.messages, [{ role: 'user', content: 'Hello Ada!' }]);
  assert.equal(result.started, 0);
});

test('the regex matcher matches in the worker, stops a catastrophic pattern at its limit and does not try it again', async () => {
  const result = await page.evaluate(async () => {
    const lab = (globalThis as any).lab;
    const m = new lab.WebWorkerRegexMatcher(lab.start, 300);
    const plain = [await m.test('^a+b$', '', 'aaab'), await m.test('B', 'i', 'abc'), await m.test('x', '', 'abc')];
    const bad = await m.test('[', '', 'x').catch((e: Error) => e.message);
    const evil = '^(a+)+$';
    const t0 = performance.now();
    const first = await m.test(evil, '', `${'a'.repeat(40)}!`).catch((e: Error) => e.message);
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    const again = await m.test(evil, '', 'aaa').catch((e: Error) => e.message);
    const againMs = performance.now() - t1;
    const after = await m.test('ok', '', 'ok');
    m.dispose();
    return { plain, bad, first, firstMs, again, againMs, after };
  });
  assert.deepEqual(result.plain, [true, true, false]);
  assert.match(String(result.bad), /Invalid regular expression|Unterminated character class/);
  assert.match(String(result.first), /took longer than 300 ms and was stopped/);
  assert.ok(result.firstMs >= 300, `${result.firstMs} ms`);
  assert.match(String(result.again), /took longer than 300 ms/);
  assert.ok(result.againMs < 100, `the timed-out pattern failed at once (${result.againMs} ms)`);
  assert.equal(result.after, true);
});

test('Web Crypto in the page gives node:crypto\'s SHA-256', async () => {
  const bytes = Array.from({ length: 10_007 }, (_, i) => (i * 31 + 7) & 0xff);
  const hex = await page.evaluate(async (b) => (globalThis as any).lab.webHasher().sha256(new Uint8Array(b)), bytes);
  assert.equal(hex, createHash('sha256').update(Uint8Array.from(bytes)).digest('hex'));
});

test('a server without CORS fails with the sentence naming CORS and OLLAMA_ORIGINS; the replay server (which answers CORS) streams', async () => {
  const noCorsUrl = `http://127.0.0.1:${(noCors.address() as AddressInfo).port}/v1`;
  const result = await page.evaluate(async ({ blocked, open }) => {
    const lab = (globalThis as any).lab;
    const ask = async (baseURL: string) => {
      // The SDK refuses a page (a `window`) unless told; the web extension host is a worker, which it accepts as is.
      const client = new lab.OpenAI({ baseURL, apiKey: 'k', maxRetries: 0, dangerouslyAllowBrowser: true });
      try {
        let text = '';
        const stream = await client.chat.completions.create({ model: 'replay/openai/pysdk-stream-text-usage', stream: true, messages: [{ role: 'user', content: 'x' }] });
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        return { text };
      } catch (err) {
        return { described: lab.describeError(err, { key: 'local', baseURL, model: 'm' }).message };
      }
    };
    return { blocked: await ask(blocked), open: await ask(open), origin: (globalThis as any).location.origin as string };
  }, { blocked: noCorsUrl, open: replay.baseURL });
  assert.ok('described' in result.blocked, JSON.stringify(result.blocked));
  const sentence = (result.blocked as { described: string }).described;
  assert.match(sentence, new RegExp(`^Could not reach ${noCorsUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(deployment "local"\\): the browser refused the request`));
  assert.ok(sentence.includes(`this page's origin (${result.origin}) (CORS)`), sentence);
  assert.ok(sentence.includes('OLLAMA_ORIGINS'), sentence);
  assert.ok('text' in result.open && (result.open as { text: string }).text.length > 20, JSON.stringify(result.open));
});
