#!/usr/bin/env node
// End to end, a GitHub Models `.prompt.yml` run with Run Prompt in the real UI, its token from VS Code's own `github`
// sign-in (getSession('github', ['read:user'], { createIfNone: true })), as the `github` preset does when neither a
// stored key nor GITHUB_TOKEN exists. This machine cannot sign in to GitHub, so the session registers a test-only
// provider under the id `github` (test/fixtures/fake-microsoft-auth, whose sessions carry a fixed token) before the
// built-in one activates. The `.prompt.yml` names `model: openai/gpt-4o`, which `promptLab.models` maps to a `github`
// deployment whose `baseURL` is the local replay server. VS Code asks for consent in a modal; Allow; the run ends ok,
// the server saw `Authorization: Bearer <token>`, and the token is in no file of the workspace.
//   node test/e2e/githubModels.e2e.mjs   (after npm run build, npm run build:tests and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; screenshots go to .test-artifacts/e2e/githubModels/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { e2eMain, openFile, runPaletteCommand, webviewFrame, waitFor, REPO_ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { startReplayServer } = require(path.join(REPO_ROOT, 'out/test/replay/server.js'));

const TOKEN = `github-test-token-${randomUUID()}`;
const server = await startReplayServer();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-e2e-github-'));
fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
  'promptLab.deployments': {
    gh: { provider: 'github', baseURL: `${server.baseURL}`, model: 'replay/openai/pysdk-stream-text-usage' },
  },
  'promptLab.models': { 'openai/gpt-4o': 'gh' },
}, null, 2));
fs.writeFileSync(path.join(workspace, 'capital.prompt.yml'), [
  'name: Capital',
  'description: A GitHub Models prompt file, run by Prompt Lab',
  'model: openai/gpt-4o',
  'modelParameters:',
  '  temperature: 0',
  'messages:',
  '  - role: system',
  '    content: Answer in one word.',
  '  - role: user',
  '    content: What is the capital of {{country}}?',
  'testData:',
  '  - country: France',
  '',
].join('\n'));
process.on('exit', () => fs.rmSync(workspace, { recursive: true, force: true }));

/** Every file of the workspace, as text (to look for the token anywhere). */
function allText(dir) {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    text += entry.isDirectory() ? allText(full) : fs.readFileSync(full, 'utf8');
  }
  return text;
}
function logLines(dir) {
  const runs = path.join(dir, '.promptlab', 'runs');
  if (!fs.existsSync(runs)) return [];
  return fs.readdirSync(runs).flatMap((f) => fs.readFileSync(path.join(runs, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

try {
  await e2eMain({
    name: 'githubModels', workspace,
    extraExtensions: ['test/fixtures/fake-microsoft-auth'],
    // A GITHUB_TOKEN in this shell would be taken first (the preset's apiKeyEnv): none for this window.
    env: { PROMPT_LAB_FAKE_GITHUB_TOKEN: TOKEN, GITHUB_TOKEN: '' },
  }, [
    ['a .prompt.yml runs on the github preset with the token of VS Code\'s github sign-in, and the token is written nowhere', async ({ page, workspaceDir, artifacts }) => {
      await openFile(page, 'capital.prompt.yml');
      const before = server.requests.length;
      await runPaletteCommand(page, 'Prompt Lab: Run Prompt');
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'wants to sign in using GitHub (test)' });
      await dialog.waitFor({ timeout: 30000 });
      await page.screenshot({ path: path.join(artifacts, 'consent.png') });
      await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Allow' }).first().click();
      await dialog.waitFor({ state: 'detached', timeout: 10000 });
      const run = webviewFrame(page).locator('[data-run-id][data-status="ok"]').first();
      await run.waitFor({ timeout: 30000 });
      const shown = (await run.locator('[data-testid="run-output"]').textContent()) ?? '';
      await page.screenshot({ path: path.join(artifacts, 'run-panel.png') });
      const line = await waitFor(() => logLines(workspaceDir).find((r) => r.event === 'run' && r.prompt === 'capital.prompt.yml'), 10000, 'the log line');
      if (line.status !== 'ok' || line.output !== shown || shown === '') throw new Error(`log line: ${JSON.stringify(line).slice(0, 300)}; panel ${JSON.stringify(shown)}`);
      if (line.deployment !== 'gh') throw new Error(`deployment ${line.deployment}`);
      const posts = server.requests.slice(before).filter((r) => r.method === 'POST');
      const sent = posts[posts.length - 1];
      if (!sent) throw new Error('the replay server got no POST');
      if (sent.headers.authorization !== `Bearer ${TOKEN}`) throw new Error(`authorization sent: ${sent.headers.authorization}`);
      const user = sent.body.messages?.find((m) => m.role === 'user');
      if (user?.content !== 'What is the capital of France?') throw new Error(`user message sent: ${JSON.stringify(user)}`);
      if (allText(workspaceDir).includes(TOKEN)) throw new Error('the token is in a file of the workspace');
    }],
  ]);
} finally {
  await server.close();
}
