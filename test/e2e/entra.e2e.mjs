#!/usr/bin/env node
// End to end, Azure with `"auth": "entra"` in the real UI: the bearer token comes from VS Code's own
// authentication API (getSession('microsoft', [cognitiveservices scope], { createIfNone: true })). This machine
// cannot sign in to Microsoft, so the session runs with the built-in vscode.microsoft-authentication disabled and
// a test-only extension (test/fixtures/fake-microsoft-auth) registering a provider under the id `microsoft` whose
// sessions carry a fixed token. Run Prompt from the palette; VS Code asks for consent in a modal ("The extension
// 'Prompt Lab' wants to sign in using Microsoft (test)"): Allow; the run ends ok, the replay server saw
// `Authorization: Bearer <token>` and no `api-key`, and the token is not in the run log.
//   node test/e2e/entra.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/entra/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { e2eMain, openFile, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));

const TOKEN = `entra-test-token-${randomUUID()}`;
const EXPECTED = 'Capital of Denmark.';
const server = await startReplayServer();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-entra-'));
fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
  'promptLab.deployments': {
    'azure-entra': {
      provider: 'azure', endpoint: server.url, deployment: 'replay/azure/vercel-model-router-stream-usage',
      apiVersion: '2024-10-21', auth: 'entra',
    },
  },
}, null, 2));
fs.writeFileSync(path.join(workspace, 'entra.prompt.json'), JSON.stringify({
  name: 'Entra', deployment: 'azure-entra', messages: [{ role: 'user', content: 'What is Copenhagen?' }],
}, null, 2));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

function logText(dir) {
  const runs = path.join(dir, '.promptlab', 'runs');
  if (!fs.existsSync(runs)) return '';
  return fs.readdirSync(runs).map((f) => fs.readFileSync(path.join(runs, f), 'utf8')).join('');
}
const logLines = (dir) => logText(dir).split('\n').filter(Boolean).map((l) => JSON.parse(l));

try {
  await e2eMain({
    name: 'entra', workspace,
    // code-server 4.100.3 rejects `--disable-extension` ("Unknown option"), so the built-in
    // vscode.microsoft-authentication stays installed. It activates only on onAuthenticationRequest:microsoft,
    // and VS Code fires that only while no provider is registered under the id; the fake one activates on
    // startup ("*") and registers first, so getSession reaches it. The consent dialog names its label.
    extraExtensions: ['test/fixtures/fake-microsoft-auth'],
    env: { PROMPT_LAB_FAKE_ENTRA_TOKEN: TOKEN },
  }, [
    ['auth "entra": consent to sign in with VS Code\'s microsoft provider, then Bearer <token> and no api-key', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'entra.prompt.json');
      const before = server.requests.length;
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'wants to sign in using Microsoft (test)' });
      await dialog.waitFor({ timeout: 30000 });
      const said = (await dialog.textContent()) ?? '';
      if (!said.includes('Prompt Lab')) throw new Error(`consent dialog: ${said}`);
      await page.screenshot({ path: path.join(artifacts, 'consent.png') });
      await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Allow' }).first().click();
      await dialog.waitFor({ state: 'detached', timeout: 10000 });
      const run = webviewFrame(page).locator('[data-run-id][data-status="ok"]').first();
      await run.waitFor({ timeout: 30000 });
      const shown = await run.locator('[data-testid="run-output"]').textContent();
      if (shown !== EXPECTED) throw new Error(`panel shows ${JSON.stringify(shown)}`);
      await page.screenshot({ path: path.join(artifacts, 'run-panel.png') });
      const line = await waitFor(() => logLines(workspaceDir).find((r) => r.prompt === 'entra.prompt.json'), 10000, 'the log line');
      if (line.status !== 'ok' || line.output !== EXPECTED) throw new Error(`log line: ${JSON.stringify(line).slice(0, 300)}`);
      const posts = server.requests.slice(before).filter((r) => r.method === 'POST');
      const sent = posts[posts.length - 1];
      if (!sent) throw new Error('the replay server got no POST');
      if (!sent.url?.includes('/openai/deployments/')) throw new Error(`not an Azure request: ${sent.url}`);
      if (sent.headers.authorization !== `Bearer ${TOKEN}`) throw new Error(`authorization sent: ${sent.headers.authorization}; headers ${JSON.stringify(sent.headers)}`);
      if ('api-key' in sent.headers) throw new Error(`api-key sent: ${sent.headers['api-key']}`);
      if (logText(workspaceDir).includes(TOKEN)) throw new Error('the token is in the run log');
    }],
  ]);
} finally {
  await server.close();
}
