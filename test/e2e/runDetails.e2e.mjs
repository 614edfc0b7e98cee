#!/usr/bin/env node
// End to end, what the run panel shows of a finished run, read in the real UI (code-server in Chromium) after
// "Prompt Lab: Run Prompt" from the palette: a reasoning stream (DeepSeek), a tool-call stream (OpenAI, two parallel
// calls), an error inside a 200 stream (Groq), a run whose log is masked (promptLab.log.redactPII) while the panel
// is not, and a key from apiKeyEnv that is sent but never reaches the webview. Every webview of the session is
// checked for Content Security Policy violations. Deployments point at a local replay server this script starts.
//   node test/e2e/runDetails.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/runDetails/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
/* global window, document -- callbacks that run inside the webview page */
import { e2eMain, openFile, runPaletteCommand, waitFor, REPO_ROOT, logLines } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));
const { expectedOf } = require(path.join(REPO_ROOT, 'out/test/unit/wireOracle.js'));

const server = await startReplayServer();
const ENV_KEY = 'sk-e2e-env-key-4f1c9a7b2d';
const EMAIL = 'ana.silva@example.com';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-details-'));
fs.mkdirSync(path.join(workspace, '.vscode'));
const local = (model, extra = {}) => ({ provider: 'openai-compatible', baseURL: server.baseURL, model, ...extra });
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
  'promptLab.deployments': {
    reasoning: local('replay/deepseek/pai-stream-reasoning-content'),
    tools: local('replay/openai/pysdk-stream-parallel-tool-calls'),
    groq: local('replay/groq/pai-stream-error-event'),
    echo: local('synthetic/echo'),
    keyed: { provider: 'openai', baseURL: server.baseURL, model: 'replay/mistral/vercel-stream-text', apiKeyEnv: 'PROMPT_LAB_E2E_ENV_KEY' },
  },
  'promptLab.log.redactPII': true,
}, null, 2));
const prompt = (name, deployment, content = 'Hello', inputs = undefined) => fs.writeFileSync(path.join(workspace, `${name}.prompt.json`),
  JSON.stringify({ name, deployment, ...(inputs ? { inputs } : {}), messages: [{ role: 'user', content }] }, null, 2));
prompt('reasoning', 'reasoning');
prompt('tools', 'tools');
prompt('groq', 'groq');
prompt('contact', 'echo', 'Write to {{ contact }} about the delay.', { contact: { default: EMAIL } });
prompt('keyed', 'keyed');
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

/**
 * The Content Security Policy violations the browser reports in the console (from any frame of the page), as
 * "message @ url". A listener in the page cannot do it: VS Code writes each webview's document with document.open(),
 * which removes every listener installed before.
 */
const cspViolations = [];

/** From now on, the messages the panel's page receives (listeners survive until the panel's document is rewritten). */
async function watchMessages(frame) {
  await frame.evaluate(() => {
    window.__promptLabReceived = [];
    window.addEventListener('message', (e) => {
      try { window.__promptLabReceived.push(JSON.stringify(e.data)); } catch { window.__promptLabReceived.push(String(e.data)); }
    });
  });
}

/** The content frames (Playwright Frames) of every run panel webview in the page. */
async function panelFrames(page) {
  const frames = [];
  for (const outer of await page.locator('iframe.webview.ready').elementHandles()) {
    const inner = await (await outer.contentFrame())?.$('iframe#active-frame');
    const frame = await inner?.contentFrame();
    if (frame) frames.push(frame);
  }
  return frames;
}

/** The panel frame that shows run `runId`. */
async function frameOfRun(page, runId) {
  return waitFor(async () => {
    for (const frame of await panelFrames(page)) {
      if (await frame.$(`[data-run-id="${runId}"]`).catch(() => null)) return frame;
    }
    return undefined;
  }, 20000, `the panel of run ${runId}`);
}

/** Runs `file` from the palette; resolves with its log line and the panel frame showing it, once it is finished there. */
async function runPrompt(page, workspaceDir, file) {
  const before = new Set(logLines(workspaceDir).map((r) => r.id));
  await openFile(page, file);
  await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
  const line = await waitFor(() => logLines(workspaceDir).find((r) => r.event === 'run' && r.prompt === file && !before.has(r.id)), 30000, `the run of ${file}`);
  const frame = await frameOfRun(page, line.id);
  const run = frame.locator(`[data-run-id="${line.id}"]`);
  await frame.locator(`[data-run-id="${line.id}"]:not([data-status="running"])`).waitFor({ timeout: 20000 });
  return { line, frame, run };
}

const text = async (locator) => (await locator.textContent()) ?? '';
function check(condition, message) {
  if (!condition) throw new Error(message);
}

try {
  await e2eMain({ name: 'runDetails', workspace, env: { PROMPT_LAB_E2E_ENV_KEY: ENV_KEY } }, [
    ['a reasoning stream (DeepSeek): the answer, and the reasoning apart from it in a collapsed section', async ({ page, workspaceDir, artifacts }) => {
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${message.text()} @ ${message.location().url}`);
      });
      const expected = expectedOf('deepseek/pai-stream-reasoning-content.sse');
      check(expected.reasoning.length > 100, 'the recording has reasoning');
      const { run } = await runPrompt(page, workspaceDir, 'reasoning.prompt.json');
      check(await run.getAttribute('data-status') === 'ok', `status ${await run.getAttribute('data-status')}`);
      check(await text(run.locator('[data-testid="run-output"]')) === expected.text, 'the answer is the recording\'s');
      const section = run.locator('[data-testid="run-reasoning"]');
      check(await section.getAttribute('open') === null, 'the reasoning starts collapsed');
      await section.locator('summary').click();
      const shown = section.locator('pre');
      await shown.waitFor({ state: 'visible', timeout: 5000 });
      check(await text(shown) === expected.reasoning, `reasoning shown: ${(await text(shown)).slice(0, 80)}…`);
      check(!(await text(run.locator('[data-testid="run-output"]'))).includes(expected.reasoning.slice(0, 40)), 'the reasoning is not in the answer');
      await page.screenshot({ path: path.join(artifacts, 'reasoning.png') });
    }],
    ['a tool-call stream (OpenAI): both calls with their names, ids and pretty-printed arguments', async ({ page, workspaceDir, artifacts }) => {
      const { line, run } = await runPrompt(page, workspaceDir, 'tools.prompt.json');
      check(line.toolCalls?.length === 2, `logged calls: ${JSON.stringify(line.toolCalls)}`);
      const items = run.locator('[data-testid="tool-call"]');
      await items.first().waitFor({ timeout: 10000 });
      check(await items.count() === 2, `${await items.count()} calls shown`);
      for (let i = 0; i < 2; i++) {
        const call = line.toolCalls[i];
        const item = items.nth(i);
        check(await text(item.locator('[data-testid="tool-call-name"]')) === call.name, `call ${i} name`);
        check(await text(item.locator('[data-testid="tool-call-id"]')) === call.id, `call ${i} id`);
        const args = await text(item.locator('[data-testid="tool-call-args"]'));
        check(args === JSON.stringify(JSON.parse(call.arguments), null, 2), `call ${i} arguments shown as ${JSON.stringify(args)}`);
        check(await item.getAttribute('data-valid') === 'true', `call ${i} is valid`);
      }
      check(JSON.stringify(line.toolCalls.map((c) => c.name)) === '["GetWeatherArgs","get_stock_price"]', 'the recording\'s calls');
      await page.screenshot({ path: path.join(artifacts, 'tool-calls.png') });
    }],
    ['an error inside a 200 stream (Groq): the sentence, Run Again, and the reasoning received before it', async ({ page, workspaceDir, artifacts }) => {
      const before = expectedOf('groq/pai-stream-error-event.sse', true);
      const { line, run } = await runPrompt(page, workspaceDir, 'groq.prompt.json');
      check(line.status === 'error', `logged ${line.status}`);
      check(await run.getAttribute('data-status') === 'error', 'the panel shows an error');
      const message = await text(run.locator('[data-testid="run-error-message"]'));
      check(/^The server reported an error during the stream \(deployment "groq"\): Tool call validation failed: .*not allowed\]\.$/.test(message), `error shown: ${message}`);
      check(message === line.error.message, 'the panel and the log say the same');
      check(await run.locator('[data-testid="run-error-action"]', { hasText: 'Run Again' }).isVisible(), 'Run Again is offered');
      await run.locator('[data-testid="run-reasoning"] summary').click();
      check(await text(run.locator('[data-testid="run-reasoning"] pre')) === before.reasoning, 'the reasoning up to the error');
      await page.screenshot({ path: path.join(artifacts, 'stream-error.png') });
    }],
    ['with redactPII on, the panel shows the address and the log line has [EMAIL]', async ({ page, workspaceDir }) => {
      const { line, run } = await runPrompt(page, workspaceDir, 'contact.prompt.json');
      const said = `Write to ${EMAIL} about the delay.`;
      check(await text(run.locator('[data-testid="run-output"]')) === said, `panel: ${await text(run.locator('[data-testid="run-output"]'))}`);
      check(line.output === 'Write to [EMAIL] about the delay.', `log output: ${line.output}`);
      check(line.inputs.contact === '[EMAIL]' && line.messages[0].content === 'Write to [EMAIL] about the delay.', `log: ${JSON.stringify(line.inputs)}`);
      check(JSON.stringify(line.maskedInputs) === '["contact"]', `maskedInputs ${JSON.stringify(line.maskedInputs)}`);
      const logged = fs.readdirSync(path.join(workspaceDir, '.promptlab', 'runs')).map((f) => fs.readFileSync(path.join(workspaceDir, '.promptlab', 'runs', f), 'utf8')).join('');
      check(!logged.includes(EMAIL), 'the address is in the log');
    }],
    ['a key from apiKeyEnv is sent, and never reaches the webview', async ({ page, workspaceDir }) => {
      // The first run makes the panel; the second is watched from its first message on.
      const first = await runPrompt(page, workspaceDir, 'keyed.prompt.json');
      check(first.line.status === 'ok', `logged ${first.line.status}: ${first.line.error?.message}`);
      await watchMessages(first.frame);
      const before = server.requests.length;
      const { line, frame } = await runPrompt(page, workspaceDir, 'keyed.prompt.json');
      check(frame === first.frame, 'the same panel');
      const sent = server.requests.slice(before).filter((r) => r.method === 'POST');
      check(sent.length === 1 && sent[0].headers.authorization === `Bearer ${ENV_KEY}`, `sent ${sent.map((r) => r.headers.authorization)}`);
      // Everything the panel's page was sent for the run, and everything it shows of both runs.
      const received = await frame.evaluate(() => window.__promptLabReceived);
      check(['run/started', 'run/delta', 'run/finished'].every((m) => received.some((r) => r.includes(`"${m}"`) && r.includes(line.id))), `the watch saw the run's messages: ${received.map((r) => r.slice(0, 40)).join(' | ')}`);
      const html = await frame.evaluate(() => document.documentElement.outerHTML);
      check(html.includes(line.id) && html.includes(first.line.id), 'the page shows both runs');
      for (const [where, value] of [['messages', received.join('\n')], ['page', html]]) {
        check(!value.includes(ENV_KEY), `the key is in the webview's ${where}`);
      }
      check(!JSON.stringify(logLines(workspaceDir)).includes(ENV_KEY), 'the key is in the log');
    }],
    ['no webview of the session reported a Content Security Policy violation', async ({ page }) => {
      check((await panelFrames(page)).length >= 5, 'the run panels are open');
      check(cspViolations.length === 0, `CSP violations: ${cspViolations.join('; ')}`);
    }],
  ]);
} finally {
  await server.close();
}
