// Integration suites under Electron VS Code, for machines that can download it:
//   npm run build && npm run build:tests && node out/test/runTest.js
// (Where VS Code cannot be downloaded, test/rig/runExtensionTests.mjs runs the
// same out/test/integration/index.js inside code-server.)
// VSCODE_TEST_VERSION picks the VS Code version (default: stable).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..'); // out/test/runTest.js -> repo root
  const extensionTestsPath = path.join(root, 'out', 'test', 'integration', 'index.js');
  // a scratch copy of examples/, so tests never dirty the repo
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-electron-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath,
      launchArgs: [workspace, '--disable-extensions'],
      ...(process.env.VSCODE_TEST_VERSION ? { version: process.env.VSCODE_TEST_VERSION } : {}),
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('integration tests failed:', err);
  process.exit(1);
});
