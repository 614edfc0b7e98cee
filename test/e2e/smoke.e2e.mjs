#!/usr/bin/env node
// Smoke test of the e2e rig and the extension's contributions: open examples/
// in a real VS Code, open a .prompt.json file with Quick Open, and check that
// "Prompt Lab: Run Prompt" is offered in the command palette.
//   node test/e2e/smoke.e2e.mjs   (after npm run build and test/rig/setup.sh)
// Prints `e2e: N passed, N failed`; exits 1 on failure. Artifacts (final.png /
// failure.png, code-server.log) go to .test-artifacts/e2e/smoke/.
import fs from 'node:fs';
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

// The smoke test is of examples/, the workspace `npm start` opens: without a prompt file there it fails, rather than
// testing some other folder.
const workspace = path.join(REPO_ROOT, 'examples');
const prompt = promptFiles(workspace)[0];
if (!prompt) {
  console.log(`  FAIL examples/ has no .prompt.json file\ne2e: 0 passed, 1 failed`);
  process.exit(1);
}

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
