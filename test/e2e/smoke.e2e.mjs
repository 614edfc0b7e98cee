#!/usr/bin/env node
// Smoke test of the e2e rig and the extension's contributions: open examples/
// in a real VS Code, open a .prompt.json file with Quick Open, and check that
// "Prompt Lab: Run Prompt" is offered in the command palette.
//   node test/e2e/smoke.e2e.mjs   (after npm run build and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; exits 1 on failure. Artifacts (final.png /
// failure.png, code-server.log) go to .test-artifacts/e2e/smoke/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { e2eMain, openFile, findPaletteCommand, activeTab, REPO_ROOT } from './helpers.mjs';

/** relative paths of *.prompt.json under dir (skipping dot folders and node_modules) */
function promptFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((f) => String(f).split(path.sep).join('/'))
    .filter((f) => f.endsWith('.prompt.json') && !/(^|\/)(\.|node_modules\/)/.test(f))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

let workspace = path.join(REPO_ROOT, 'examples');
let prompt = promptFiles(workspace)[0];
let scratch;
if (!prompt) { // examples/ not written yet: a one-file workspace
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-smoke-'));
  fs.writeFileSync(path.join(scratch, 'hello.prompt.json'),
    JSON.stringify({ name: 'hello', messages: [{ role: 'user', content: 'hi' }] }, null, 2) + '\n');
  workspace = scratch;
  prompt = 'hello.prompt.json';
}
process.on('exit', () => { if (scratch) fs.rmSync(scratch, { recursive: true, force: true }); });

await e2eMain({ name: 'smoke', workspace }, [
  [`Quick Open opens ${prompt}`, async ({ page }) => {
    await openFile(page, prompt);
    await activeTab(page, path.posix.basename(prompt)).waitFor({ timeout: 5000 });
  }],
  ['the palette offers "Prompt Lab: Run Prompt"', async ({ page }) => {
    await findPaletteCommand(page, 'Prompt Lab: Run Prompt');
    await page.keyboard.press('Escape');
  }],
]);
