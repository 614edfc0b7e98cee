#!/usr/bin/env node
// Checks package.json contributions against the source, the way CI should:
//   - every contributed command is registered in src/ (a `registerCommand('<id>'` call, or the id
//     as a string in a commands table of a file that calls registerCommand);
//   - every command a menu names is contributed;
//   - every command id starts with `promptLab.` and has category "Prompt Lab";
//   - every setting has a markdownDescription and a scope;
//   - engines.vscode is ^1.100.0 or lower, and @types/vscode is pinned to 1.100.x (so the
//     typings never promise an API that the oldest supported VS Code lacks);
//   - every keybinding names a contributed command, has a `when` that confines it to Prompt Lab's own
//     places (a prompt file's editor, a Prompt Lab webview, a promptLab.* context key), a macOS key
//     when its key uses Ctrl, and no two share a key and a `when`;
//   - every walkthrough step has a title, a description with a button (a line that is only a command
//     link), media that exist (images with altText), command links and completionEvents that name
//     contributed commands, settings and views or context keys that src/ sets (commands another
//     issue is still building are allowed while they are not contributed, and reported);
//   - localisation: every %key% in package.json is in package.nls.json and every key there is used;
//     no user-facing property of package.json (a title, a description, a label…) is written in it
//     as text; a package.nls.<locale>.json has no key package.nls.json lacks; in the vscode layer
//     (src/vscode, src/extension.ts) no string with words reaches VS Code's UI (a notification, a
//     quick pick or input box, a dialog, a tree item, a code action, a hover, a status bar item, a
//     webview message) except through vscode.l10n.t; vscode.l10n.t is called with string literals
//     only (so the strings can be extracted); `l10n` in package.json is "./l10n" and
//     l10n/bundle.l10n.json holds exactly the strings of those calls (`npm run l10n` writes it).
//     Strings that reach the UI through a variable are not traced: the direct uses are.
// Prints every problem and exits 1, or prints one "ok" line.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// `--root DIR` checks another copy of the extension (the unit test checks altered copies).
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 && process.argv[rootArg + 1] ? process.argv[rootArg + 1] : fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes ?? {};
const problems = [];
const readJson = (file) => JSON.parse(readFileSync(join(root, file), 'utf8'));
const nls = existsSync(join(root, 'package.nls.json')) ? readJson('package.nls.json') : {};
/** `value` with its %key% strings replaced from package.nls.json (for the checks below that read the text). */
const localized = (value) => (typeof value === 'string' ? value.replace(/^%([^%]+)%$/, (m, key) => nls[key] ?? m) : value);

const ID_PREFIX = 'promptLab.';
const CATEGORY = 'Prompt Lab';
const MAX_ENGINE = [1, 100, 0];
const TYPES_MINOR = [1, 100];

/** Every .ts file under dir, recursively. */
function tsFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// --- commands ---------------------------------------------------------------------------------
const commands = contributes.commands ?? [];
const contributed = new Set();
for (const [i, c] of commands.entries()) {
  const id = c.command;
  if (typeof id !== 'string' || id === '') {
    problems.push(`contributes.commands[${i}] has no command id`);
    continue;
  }
  if (contributed.has(id)) problems.push(`command ${id} is contributed twice`);
  contributed.add(id);
  if (!id.startsWith(ID_PREFIX)) problems.push(`command ${id} does not start with "${ID_PREFIX}"`);
  if (localized(c.category) !== CATEGORY) problems.push(`command ${id} has category ${JSON.stringify(localized(c.category))}, not "${CATEGORY}"`);
  if (typeof c.title !== 'string' || c.title === '') problems.push(`command ${id} has no title`);
}

const sources = tsFiles(join(root, 'src')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const registersCommands = sources.filter((s) => /\bregisterCommand\s*\(/.test(s.text));
for (const id of contributed) {
  const q = `['"\`]${escape(id)}['"\`]`;
  const direct = new RegExp(`registerCommand\\s*\\(\\s*${q}`);
  const inTable = new RegExp(q);
  const found =
    sources.some((s) => direct.test(s.text)) ||
    // A table such as `const commands = { 'promptLab.runPrompt': run, … }` looped over with registerCommand.
    registersCommands.some((s) => inTable.test(s.text));
  if (!found) problems.push(`command ${id} is contributed but not registered in src/ (no registerCommand('${id}', …) or commands table)`);
}

// --- menus ------------------------------------------------------------------------------------
for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
  for (const item of items ?? []) {
    if (item.submenu) continue;
    if (!contributed.has(item.command)) problems.push(`menus.${menu} names ${item.command}, which is not a contributed command`);
    if (item.alt && !contributed.has(item.alt)) problems.push(`menus.${menu} names alt ${item.alt}, which is not a contributed command`);
  }
}
// --- keybindings ------------------------------------------------------------------------------
/** A `when` that confines a binding to Prompt Lab's places, so it never shadows a key elsewhere. */
const SCOPED_WHEN = [/resourceFilename =~ \/[^/]*prompt/, /activeWebviewPanelId == 'promptLab\./, /\bpromptLab\.[\w.]+/];
const bindingKeys = new Map();
for (const [i, kb] of (contributes.keybindings ?? []).entries()) {
  const where = `keybinding ${kb.command ?? `#${i}`} (${kb.key})`;
  if (typeof kb.command !== 'string' || !contributed.has(kb.command.replace(/^-/, ''))) problems.push(`${where} names ${kb.command}, which is not a contributed command`);
  if (typeof kb.key !== 'string' || kb.key === '') problems.push(`${where} has no key`);
  if (typeof kb.when !== 'string' || !SCOPED_WHEN.some((re) => re.test(kb.when))) {
    problems.push(`${where} has no \`when\` confining it to Prompt Lab (a prompt file's resourceFilename, a promptLab webview, a promptLab.* context key): it would shadow the key everywhere`);
  }
  if (/\bctrl\+/.test(kb.key ?? '') && typeof kb.mac !== 'string') problems.push(`${where} uses Ctrl but has no "mac" key (Cmd on macOS)`);
  const id = `${kb.key}|${kb.when}`;
  if (bindingKeys.has(id)) problems.push(`${where} has the same key and \`when\` as ${bindingKeys.get(id)}`);
  bindingKeys.set(id, kb.command);
}

// --- settings ---------------------------------------------------------------------------------
const configurations = Array.isArray(contributes.configuration) ? contributes.configuration : contributes.configuration ? [contributes.configuration] : [];
let settingCount = 0;
for (const conf of configurations) {
  for (const [key, setting] of Object.entries(conf.properties ?? {})) {
    settingCount++;
    if (!key.startsWith(ID_PREFIX)) problems.push(`setting ${key} does not start with "${ID_PREFIX}"`);
    if (typeof setting.markdownDescription !== 'string' || setting.markdownDescription.trim() === '') problems.push(`setting ${key} has no markdownDescription`);
    if (typeof setting.scope !== 'string') problems.push(`setting ${key} has no scope`);
    if (Array.isArray(setting.enum) && !Array.isArray(setting.enumDescriptions) && !Array.isArray(setting.markdownEnumDescriptions)) {
      problems.push(`setting ${key} is an enum without enumDescriptions`);
    }
  }
}

// --- localisation -----------------------------------------------------------------------------
const nlsUsed = new Set();
(function collect(value, path) {
  if (typeof value === 'string') {
    const m = /^%([^%]+)%$/.exec(value);
    if (m) {
      nlsUsed.add(m[1]);
      if (typeof nls[m[1]] !== 'string' || nls[m[1]].trim() === '') problems.push(`${path} is %${m[1]}%, which package.nls.json lacks`);
    }
  } else if (Array.isArray(value)) value.forEach((v, i) => collect(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(v, path ? `${path}.${k}` : k);
})(pkg, '');
for (const key of Object.keys(nls)) if (!nlsUsed.has(key)) problems.push(`package.nls.json has "${key}", which package.json never uses`);
for (const file of readdirSync(root).filter((f) => /^package\.nls\.[\w-]+\.json$/.test(f))) {
  for (const key of Object.keys(readJson(file))) if (!(key in nls)) problems.push(`${file} has "${key}", which package.nls.json lacks`);
}
/** Properties of package.json whose strings a person reads (so they go through package.nls.json). */
const USER_FACING_KEYS = new Set(['displayName', 'description', 'markdownDescription', 'title', 'shortTitle', 'category', 'enumDescriptions',
  'markdownEnumDescriptions', 'deprecationMessage', 'markdownDeprecationMessage', 'contents', 'label', 'altText', 'contextualTitle']);
/** Where those keys hold no text for a person: a snippet's body is inserted as written, an enum value is data. */
const NOT_TEXT_UNDER = new Set(['body', 'default', 'examples', 'enum', 'const']);
(function literalText(value, path, key) {
  if (typeof value === 'string') {
    if (USER_FACING_KEYS.has(key) && !/^%[^%]+%$/.test(value) && /\p{L}/u.test(value)) {
      problems.push(`${path} is written in package.json ("${value.slice(0, 40)}"); put it in package.nls.json and write "%key%"`);
    }
  } else if (Array.isArray(value)) value.forEach((v, i) => literalText(v, `${path}[${i}]`, key));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (NOT_TEXT_UNDER.has(k)) continue;
      // A view's name is its title; the extension's `name` is its id.
      literalText(v, path ? `${path}.${k}` : k, k === 'name' && /\.views\.[^.]+\[\d+\]$/.test(path) ? 'title' : k);
    }
  }
})(pkg, '', '');

// The vscode layer's strings a person reads go through vscode.l10n.t. Found in the syntax tree: a string or template
// literal with letters (outside `${…}` and codicons `$(…)`) where VS Code shows it.
const ts = (await import('typescript')).default;
/** Calls whose string arguments VS Code shows (the message and the buttons of a notification, a panel's title…). */
const SHOWN_ARGUMENTS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'setStatusBarMessage', 'appendMarkdown', 'appendText']);
/** Constructors whose string arguments VS Code shows. */
const SHOWN_CONSTRUCTED = new Set(['TreeItem', 'CodeAction', 'MarkdownString', 'Hover', 'CompletionItem']);
/** Properties (in an object literal, or assigned) whose strings VS Code shows: quick picks, input boxes, dialogs, items. */
const SHOWN_PROPERTIES = new Set(['title', 'placeHolder', 'placeholder', 'prompt', 'label', 'description', 'detail', 'tooltip', 'text', 'name',
  'openLabel', 'saveLabel', 'message', 'validationMessage']);
/** Words that are the same in every language (product, format and provider names). */
const UNTRANSLATED = new Set(['Prompt Lab', 'CSV', 'JSON Lines', 'JSON', 'OpenAI', 'Azure OpenAI']);
const hasWords = (node) => {
  const text = ts.isTemplateExpression(node) ? [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' ') : node.text;
  const words = text.replace(/\$\([\w~-]+\)/g, ' ').trim();
  return /\p{L}{2,}/u.test(words) && !UNTRANSLATED.has(words);
};
const isText = (node) => ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node);
/** Why VS Code would show `node` (a string literal) to a person, or undefined. */
function shownBy(node) {
  let child = node;
  let parent = node.parent;
  // `a ? 'x' : 'y'`, `a ?? 'x'`, `('x')`: the literal stands for the whole expression.
  while (parent && (ts.isConditionalExpression(parent) && parent.condition !== child || ts.isParenthesizedExpression(parent)
    || ts.isBinaryExpression(parent) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(parent.operatorToken.kind) && parent.right === child)) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return undefined;
  const calleeName = (expression) => (ts.isPropertyAccessExpression(expression) ? expression.name.text : ts.isIdentifier(expression) ? expression.text : '');
  if (ts.isCallExpression(parent) && parent.expression !== child && SHOWN_ARGUMENTS.has(calleeName(parent.expression))) return `${calleeName(parent.expression)}(…)`;
  if (ts.isNewExpression(parent) && SHOWN_CONSTRUCTED.has(calleeName(parent.expression))) return `new ${calleeName(parent.expression)}(…)`;
  if (ts.isCallExpression(parent) && calleeName(parent.expression) === 'createWebviewPanel' && parent.arguments[1] === child) return 'createWebviewPanel title';
  if (ts.isPropertyAssignment(parent) && parent.initializer === child && SHOWN_PROPERTIES.has(parent.name.getText())) return `${parent.name.getText()}:`;
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === child
    && ts.isPropertyAccessExpression(parent.left) && SHOWN_PROPERTIES.has(parent.left.name.text)) return `.${parent.left.name.text} =`;
  return undefined;
}
// vscode.l10n.t calls: their first argument must be a string literal, so the string can be extracted (its text,
// unescaped by the parser, is the bundle's key, as @vscode/l10n-dev extracts it).
const l10nKeys = new Map();
let l10nCalls = 0;
const isL10nCall = (node) => ts.isCallExpression(node) && /(^|\.)l10n\.t$/.test(node.expression.getText());
const inVscodeLayer = (path) => /[\\/]src[\\/](vscode[\\/]|extension\.ts$)/.test(path);
for (const s of sources.filter((f) => inVscodeLayer(f.path) || f.text.includes('l10n.t('))) {
  const file = ts.createSourceFile(s.path, s.text, ts.ScriptTarget.Latest, true);
  const where = (node) => `${relative(root, s.path)}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const visit = (node) => {
    if (isL10nCall(node)) {
      l10nCalls++;
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) l10nKeys.set(first.text, where(node));
      else problems.push(`${where(node)}: vscode.l10n.t(${(first?.getText(file) ?? '').slice(0, 40)}…) takes no string literal, so it cannot be extracted for translation`);
    }
    if (inVscodeLayer(s.path) && isText(node) && hasWords(node)) {
      const why = shownBy(node);
      if (why) problems.push(`${where(node)}: ${node.getText(file).slice(0, 60)} is shown by ${why} without vscode.l10n.t`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

// The bundle holds the strings of the vscode.l10n.t calls in src/, no more and no less (`npm run l10n` writes it
// with @vscode/l10n-dev).
if (l10nCalls > 0) {
  if (pkg.l10n !== './l10n') problems.push(`package.json has "l10n": ${JSON.stringify(pkg.l10n)}; it must be "./l10n", where l10n/bundle.l10n.json is`);
  const bundle = existsSync(join(root, 'l10n', 'bundle.l10n.json')) ? readJson(join('l10n', 'bundle.l10n.json')) : undefined;
  if (!bundle) problems.push('l10n/bundle.l10n.json is missing: run `npm run l10n`');
  else {
    for (const [key, where] of l10nKeys) if (!(key in bundle)) problems.push(`${where}: "${key.slice(0, 60)}" is missing from l10n/bundle.l10n.json: run \`npm run l10n\``);
    for (const key of Object.keys(bundle)) if (!l10nKeys.has(key)) problems.push(`l10n/bundle.l10n.json has "${key.slice(0, 60)}", which no vscode.l10n.t in src/ uses: run \`npm run l10n\``);
  }
}

// --- walkthroughs ------------------------------------------------------------------------------
/** Commands of VS Code itself a walkthrough may run. */
const BUILT_IN_COMMANDS = new Set(['workbench.action.openSettings', 'workbench.action.openWalkthrough', 'workbench.view.explorer', 'workbench.action.quickOpen']);
/** Commands another issue is building: allowed in a walkthrough while they are not contributed (then checked as any). */
const AWAITED_COMMANDS = { 'promptLab.evaluatePrompt': 'issue 13 (evaluation)' };
const notes = [];
const settingKeys = new Set(configurations.flatMap((conf) => Object.keys(conf.properties ?? {})));
const viewIds = new Set(Object.values(contributes.views ?? {}).flat().map((v) => v.id));
const allSource = sources.map((s) => s.text).join('\n');
const checkCommand = (id, where) => {
  if (contributed.has(id) || BUILT_IN_COMMANDS.has(id)) return;
  if (AWAITED_COMMANDS[id]) notes.push(`${where} runs ${id}, awaited from ${AWAITED_COMMANDS[id]}: not contributed yet`);
  else problems.push(`${where} runs ${id}, which is neither contributed nor a known VS Code command`);
};
let stepCount = 0;
for (const walkthrough of contributes.walkthroughs ?? []) {
  const w = `walkthrough ${walkthrough.id}`;
  if (!localized(walkthrough.title)) problems.push(`${w} has no title`);
  if (!localized(walkthrough.description)) problems.push(`${w} has no description`);
  for (const step of walkthrough.steps ?? []) {
    stepCount++;
    const where = `${w} step ${step.id}`;
    const description = localized(step.description) ?? '';
    if (!localized(step.title)) problems.push(`${where} has no title`);
    if (!description.split('\n').some((line) => /^\s*\[[^\]]+\]\(command:[^)]+\)\s*$/.test(line))) problems.push(`${where} has no button (a line that is only a [label](command:…) link)`);
    for (const m of description.matchAll(/\(command:(?:toSide:)?([\w.-]+)/g)) checkCommand(m[1], where);
    const media = step.media ?? {};
    const files = [media.markdown, media.svg, ...(typeof media.image === 'string' ? [media.image] : Object.values(media.image ?? {}))].filter(Boolean);
    if (files.length === 0) problems.push(`${where} has no media`);
    for (const file of files) if (!existsSync(join(root, file))) problems.push(`${where}: media ${file} does not exist`);
    if (media.image && !media.altText) problems.push(`${where}: an image without altText`);
    if (!(step.completionEvents ?? []).length) problems.push(`${where} has no completionEvents`);
    for (const event of step.completionEvents ?? []) {
      const [, type, argument = ''] = /^([^:]+):?(.*)$/.exec(event) ?? [];
      if (type === 'onCommand') checkCommand(argument.replace(/^toSide:/, ''), `${where} (completionEvents)`);
      else if (type === 'onSettingChanged') { if (!settingKeys.has(argument)) problems.push(`${where}: ${event} names no contributed setting`); }
      else if (type === 'onView') { if (!viewIds.has(argument)) problems.push(`${where}: ${event} names no contributed view`); }
      else if (type === 'onContext') {
        for (const key of argument.match(/\bpromptLab\.[\w.]+/g) ?? []) {
          if (!allSource.includes(`'${key}'`)) problems.push(`${where}: ${event} waits for ${key}, which src/ never sets`);
        }
      } else if (!['onLink', 'onStepSelected', 'stepSelected', 'onEvent', 'onExtensionInstalled', 'extensionInstalled'].includes(type)) {
        problems.push(`${where}: completion event ${event} is of no kind VS Code knows`);
      }
    }
  }
}

// --- engines and typings ----------------------------------------------------------------------
const version = (s) => (s.match(/(\d+)\.(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
const compare = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const engine = pkg.engines?.vscode;
if (typeof engine !== 'string' || !/^\^?\d+\.\d+\.\d+$/.test(engine)) {
  problems.push(`engines.vscode is ${JSON.stringify(engine)}; expected a plain version such as "^1.100.0"`);
} else if (compare(version(engine), MAX_ENGINE) > 0) {
  problems.push(`engines.vscode is ${engine}; it must be ^${MAX_ENGINE.join('.')} or lower (the test rig's VS Code is 1.100)`);
}
const types = pkg.devDependencies?.['@types/vscode'] ?? pkg.dependencies?.['@types/vscode'];
const typesOk = typeof types === 'string' && new RegExp(`^(~|=)?${TYPES_MINOR.join('\\.')}\\.(\\d+|x)$`).test(types);
if (!typesOk) problems.push(`@types/vscode is ${JSON.stringify(types)}; pin it to ${TYPES_MINOR.join('.')}.x (e.g. "~${TYPES_MINOR.join('.')}.0") so no newer API slips in`);
if (typesOk && typeof engine === 'string' && compare(version(types), version(engine)) > 0) {
  problems.push(`@types/vscode ${types} is newer than engines.vscode ${engine}`);
}

// --- report -----------------------------------------------------------------------------------
if (problems.length > 0) {
  console.error(`check-contributions: ${problems.length} problem(s) in ${relative(process.cwd(), join(root, 'package.json')) || 'package.json'}:`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
for (const note of notes) console.log(`check-contributions: note: ${note}`);
console.log(`check-contributions: ok (${contributed.size} commands, ${settingCount} settings, ${(contributes.keybindings ?? []).length} keybindings, ${stepCount} walkthrough steps, ${nlsUsed.size} localized strings, ${l10nCalls} vscode.l10n.t calls)`);
