// scripts/check-contributions.mjs on altered copies of the extension: each kind of mistake it promises to catch
// (keybindings, walkthrough commands, media and completion events, localisation keys) fails the check with a
// message that names it; the copy as it is passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-contributions.mjs');

interface Pkg {
  contributes: {
    keybindings: { key: string; mac?: string; command: string; when?: string }[];
    walkthroughs: { steps: { id: string; description: string; media: { markdown?: string }; completionEvents: string[] }[] }[];
    commands: { command: string; title: string }[];
  };
}

/** Run the check on a copy of the extension altered by `alter`; its exit code and output. */
function check(alter: (dir: string, pkg: Pkg, nls: Record<string, string>) => void): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-check-'));
  try {
    for (const entry of ['src', 'media']) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Pkg;
    const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    alter(dir, pkg, nls);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    fs.writeFileSync(path.join(dir, 'package.nls.json'), JSON.stringify(nls));
    const run = spawnSync(process.execPath, [SCRIPT, '--root', dir], { encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function fails(alter: Parameters<typeof check>[0], message: RegExp): void {
  const { status, output } = check(alter);
  assert.equal(status, 1, output);
  assert.match(output, message);
}

test('the extension as it is passes', () => {
  const { status, output } = check(() => undefined);
  assert.equal(status, 0, output);
  assert.match(output, /ok \(\d+ commands, \d+ settings, \d+ keybindings, \d+ walkthrough steps, \d+ localized strings/);
});

test('keybindings: a global one, one without a macOS key, one of no command, two alike', () => {
  fails((_d, pkg) => { delete pkg.contributes.keybindings[0]!.when; }, /no `when` confining it to Prompt Lab/);
  fails((_d, pkg) => { pkg.contributes.keybindings[0]!.when = 'editorTextFocus'; }, /no `when` confining it to Prompt Lab/);
  fails((_d, pkg) => { delete pkg.contributes.keybindings[0]!.mac; }, /uses Ctrl but has no "mac" key/);
  fails((_d, pkg) => { pkg.contributes.keybindings[0]!.command = 'promptLab.nope'; }, /names promptLab\.nope, which is not a contributed command/);
  fails((_d, pkg) => { pkg.contributes.keybindings.push({ ...pkg.contributes.keybindings[0]! }); }, /same key and `when`/);
});

test('walkthrough: an unknown command, a missing button, missing media, an event nothing completes', () => {
  fails((_d, pkg, nls) => { nls['walkthrough.deployment.description'] = '[Add](command:promptLab.addDeploymnt)'; }, /runs promptLab\.addDeploymnt, which is neither contributed nor a known VS Code command/);
  fails((_d, pkg, nls) => { nls['walkthrough.deployment.description'] = 'Words, and an inline [link](command:promptLab.addDeployment) only.'; }, /step deployment has no button/);
  fails((_d, pkg) => { pkg.contributes.walkthroughs[0]!.steps[0]!.media = { markdown: 'media/walkthrough/gone.md' }; }, /media media\/walkthrough\/gone\.md does not exist/);
  fails((_d, pkg) => { pkg.contributes.walkthroughs[0]!.steps[0]!.completionEvents = ['onContext:promptLab.neverSet']; }, /waits for promptLab\.neverSet, which src\/ never sets/);
  fails((_d, pkg) => { pkg.contributes.walkthroughs[0]!.steps[0]!.completionEvents = ['onSettingChanged:promptLab.nope']; }, /names no contributed setting/);
  fails((_d, pkg) => { pkg.contributes.walkthroughs[0]!.steps[0]!.completionEvents = ['onView:promptLab.nope']; }, /names no contributed view/);
  fails((_d, pkg) => { pkg.contributes.walkthroughs[0]!.steps[0]!.completionEvents = ['whenever:x']; }, /of no kind VS Code knows/);
});

test('a command awaited from another issue is allowed while not contributed, and checked once it is', () => {
  const awaited = check(() => undefined);
  if (/promptLab\.evaluatePrompt/.test(JSON.stringify(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).contributes.commands))) return;
  assert.match(awaited.output, /note: .*promptLab\.evaluatePrompt, awaited from issue 13/);
  // Once contributed, it must also be registered in src/ like any other command.
  fails((_d, pkg) => { pkg.contributes.commands.push({ command: 'promptLab.evaluatePrompt', title: 'Evaluate Prompt' }); }, /promptLab\.evaluatePrompt is contributed but not registered/);
});

test('localisation: a missing key, an unused key, a translation of no key, a string that cannot be extracted', () => {
  fails((_d, _pkg, nls) => { delete nls['promptLab.stopRun.title']; }, /%promptLab\.stopRun\.title%, which package\.nls\.json lacks/);
  fails((_d, _pkg, nls) => { nls['promptLab.unused'] = 'x'; }, /"promptLab\.unused", which package\.json never uses/);
  fails((dir) => { fs.writeFileSync(path.join(dir, 'package.nls.de.json'), JSON.stringify({ 'promptLab.gone': 'weg' })); }, /package\.nls\.de\.json has "promptLab\.gone"/);
  fails((dir) => {
    const file = path.join(dir, 'src', 'vscode', 'languageStatus.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("vscode.l10n.t('No problems')", 'vscode.l10n.t(`No ${"problems"}`)'));
  }, /languageStatus\.ts: vscode\.l10n\.t\(`No/);
  fails((dir) => {
    fs.mkdirSync(path.join(dir, 'l10n'));
    fs.writeFileSync(path.join(dir, 'l10n', 'bundle.l10n.json'), JSON.stringify({ 'No problems': 'No problems' }));
  }, /"1 problem" is missing from l10n\/bundle\.l10n\.json/);
});
