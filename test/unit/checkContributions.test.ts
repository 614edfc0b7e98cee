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
    for (const entry of ['src', 'media', 'l10n']) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
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
  }, /languageStatus\.ts:\d+: vscode\.l10n\.t\(`No/);
});

/** Replace `from` (which must be there) by `to` in the copy's file `relative`. */
function edit(dir: string, relative: string, from: string, to: string): void {
  const file = path.join(dir, relative);
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${relative} no longer holds ${from}`);
  fs.writeFileSync(file, text.replace(from, to));
}

test('localisation: text written in package.json rather than package.nls.json', () => {
  const { status, output } = check((_d, pkg) => {
    const p = pkg as unknown as Pkg & { displayName: string; contributes: { configuration: { properties: Record<string, Record<string, unknown>> }; views: Record<string, { name: string }[]> } };
    p.contributes.commands[0]!.title = 'Run Prompt';
    p.contributes.configuration.properties['promptLab.models']!.markdownDescription = 'Where a model goes.';
    p.contributes.views.promptLab![0]!.name = 'Runs';
    p.displayName = 'Prompt Lab';
  });
  assert.equal(status, 1, output);
  assert.match(output, /contributes\.commands\[0\]\.title is written in package\.json \("Run Prompt"\)/);
  assert.match(output, /properties\.promptLab\.models\.markdownDescription is written in package\.json/);
  assert.match(output, /contributes\.views\.promptLab\[0\]\.name is written in package\.json/);
  assert.match(output, /displayName is written in package\.json/);
});

test('localisation: a string the vscode layer shows without vscode.l10n.t, in each place VS Code shows one', () => {
  const { status, output } = check((dir) => {
    edit(dir, 'src/vscode/setApiKey.ts', "showInformationMessage(vscode.l10n.t('API key of \"{0}\" stored.', deployment))", 'showInformationMessage(`API key of "${deployment}" stored.`)');
    edit(dir, 'src/vscode/setApiKey.ts', "placeHolder: vscode.l10n.t('Deployment whose API key to set')", "placeHolder: 'Deployment whose API key to set'");
    edit(dir, 'src/vscode/statusBar.ts', "this.item.tooltip = vscode.l10n.t('This prompt names no deployment. Click to pick one.')", "this.item.tooltip = 'This prompt names no deployment. Click to pick one.'");
    edit(dir, 'src/vscode/codeLens.ts', "title: vscode.l10n.t('Preview')", "title: 'Preview'");
    edit(dir, 'src/vscode/runPanel.ts', "createWebviewPanel(VIEW_TYPE, vscode.l10n.t('Run: {0}', title)", 'createWebviewPanel(VIEW_TYPE, `Run: ${title}`');
    edit(dir, 'src/vscode/playground.ts', "return { message: vscode.l10n.t('Not saved.'), cancelled: true }", "return { message: 'Not saved.', cancelled: true }");
  });
  assert.equal(status, 1, output);
  for (const [file, shape, how] of [
    ['setApiKey', '`API key of', 'showInformationMessage'],
    ['setApiKey', "'Deployment whose API key to set'", 'placeHolder:'],
    ['statusBar', "'This prompt names no deployment", '.tooltip ='],
    ['codeLens', "'Preview'", 'title:'],
    ['runPanel', '`Run: ', 'createWebviewPanel title'],
    ['playground', "'Not saved.'", 'message:'],
  ] as const) {
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(output, new RegExp(`${file}\\.ts:\\d+: ${escape(shape)}.* is shown by ${escape(how)}`), `${file}: ${shape}`);
  }
});

test('localisation: the bundle must hold exactly the strings of the vscode.l10n.t calls, and package.json must name it', () => {
  const { status, output } = check((dir) => {
    edit(dir, 'src/vscode/languageStatus.ts', "vscode.l10n.t('No problems')", "vscode.l10n.t('Nothing wrong')");
    const bundle = path.join(dir, 'l10n', 'bundle.l10n.json');
    fs.writeFileSync(bundle, JSON.stringify({ ...JSON.parse(fs.readFileSync(bundle, 'utf8')) as object, 'A string no code uses': 'x' }));
  });
  assert.equal(status, 1, output);
  assert.match(output, /languageStatus\.ts:\d+: "Nothing wrong" is missing from l10n\/bundle\.l10n\.json/);
  assert.match(output, /l10n\/bundle\.l10n\.json has "No problems", which no vscode\.l10n\.t in src\/ uses/);
  assert.match(output, /bundle\.l10n\.json has "A string no code uses"/);
  const unnamed = check((dir, pkg) => {
    delete (pkg as unknown as Record<string, unknown>).l10n;
    fs.rmSync(path.join(dir, 'l10n'), { recursive: true });
  });
  assert.equal(unnamed.status, 1, unnamed.output);
  assert.match(unnamed.output, /package\.json has "l10n": undefined; it must be "\.\/l10n"/);
  assert.match(unnamed.output, /l10n\/bundle\.l10n\.json is missing/);
});

test('the committed bundle is what @vscode/l10n-dev extracts from src/', async () => {
  const { getL10nJson } = await import('@vscode/l10n-dev');
  const files = (fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const extracted = await getL10nJson(files.map((f) => ({ contents: fs.readFileSync(path.join(ROOT, 'src', f), 'utf8'), extension: '.ts' })));
  const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(committed).sort(), Object.keys(extracted).sort());
});
