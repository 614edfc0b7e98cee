// Restricted mode, inside a real extension host whose workspace is not trusted. test/run-all.sh runs this suite in
// its own session (`runExtensionTests.mjs --trust false --env MOCHA_GREP="Restricted mode"`), where the rig sets
// PROMPT_LAB_TEST_TRUST=untrusted; there its first test fails unless the window really is untrusted. In a trusted
// session the suite is not run (shown as pending), and a session that runs no test at all fails (see ./index.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../../src/extension';
import { EXTENSION_ID, codes, openWithDiagnostics, workspaceRoot, writePromptText } from './promptDocuments';

const restrictedSession = process.env.PROMPT_LAB_TEST_TRUST === 'untrusted';

(restrictedSession ? describe : describe.skip)('Restricted mode', function () {
  this.timeout(60000);

  before(async () => {
    const ext = vscode.extensions.getExtension<PromptLabApi>(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
  });

  it('the window is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('withholds the workspace\'s deployments, as package.json declares (restrictedConfigurations)', () => {
    const inspected = vscode.workspace.getConfiguration('promptLab').inspect<Record<string, unknown>>('deployments');
    assert.ok(fs.readFileSync(path.join(workspaceRoot(), '.vscode', 'settings.json'), 'utf8').includes('replay-openai'), 'the workspace names deployments');
    assert.equal(vscode.workspace.getConfiguration('promptLab').get<Record<string, unknown>>('deployments')?.['replay-openai'], undefined);
    assert.equal(inspected?.workspaceValue, undefined);
  });

  it('still marks template mistakes, and does not call the withheld deployment unknown', async () => {
    const uri = await writePromptText('restricted.prompt.json', JSON.stringify({
      deployment: 'replay-openai', inputs: { topic: {} }, messages: [{ role: 'user', content: 'About {{ topik }} and {{ topic }}.' }],
    }, null, 2));
    const diagnostics = await openWithDiagnostics(uri, (d) => d.length > 0);
    assert.deepEqual(codes(diagnostics), ['undeclared-variable']);
  });

  it('Run Prompt runs nothing and logs nothing', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'summarise.prompt.json'));
    const outcome = await vscode.commands.executeCommand('promptLab.runPrompt', uri);
    assert.equal(outcome, undefined);
    assert.equal(fs.existsSync(path.join(workspaceRoot(), '.promptlab', 'runs')), false);
  });
});
