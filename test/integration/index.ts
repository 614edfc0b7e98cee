// extensionTestsPath module: the extension host (VS Code via @vscode/test-electron,
// or code-server via test/rig/runExtensionTests.mjs) loads this file and awaits
// run(). Runs every out/test/integration/**/*.test.js with Mocha; suites may use
// either describe/it or suite/test. Environment knobs (pass them with
// runExtensionTests.mjs --env KEY=VALUE): MOCHA_GREP (only matching tests),
// MOCHA_TIMEOUT (ms per test, default 30000).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

function testFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.MOCHA_TIMEOUT) || 30000,
    ...(process.env.MOCHA_GREP ? { grep: process.env.MOCHA_GREP } : {}),
  });
  // tdd globals (suite/test/setup/teardown) as well as bdd ones (describe/it)
  Mocha.interfaces.tdd(mocha.suite);

  return new Promise<void>((resolve, reject) => {
    let files: string[];
    try {
      files = testFiles(__dirname);
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (files.length === 0) {
      console.log(`integration: 0 passed, 0 failed (no *.test.js under ${__dirname})`);
      reject(new Error(`no integration test files under ${__dirname}`));
      return;
    }
    for (const f of files) mocha.addFile(f);
    try {
      const runner = mocha.run((failures) => {
        const passed = runner.stats?.passes ?? 0;
        const failed = runner.stats?.failures ?? failures;
        // A session in which no test ran proves nothing (a grep that matches nothing, a suite that skipped itself).
        if (passed + failed === 0) {
          console.log('integration: 0 passed, 1 failed (no test ran)');
          reject(new Error(`no integration test ran${process.env.MOCHA_GREP ? ` (MOCHA_GREP=${process.env.MOCHA_GREP})` : ''}`));
          return;
        }
        console.log(`integration: ${passed} passed, ${failed} failed`);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (err) {
      // a test file that throws while loading
      console.error(err);
      console.log('integration: 0 passed, 1 failed (load error)');
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
