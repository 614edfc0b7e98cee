#!/usr/bin/env node
// Checks package.json contributions against the source, the way CI should:
//   - every contributed command is registered in src/ (a `registerCommand('<id>'` call, or the id
//     as a string in a commands table of a file that calls registerCommand);
//   - every command a menu names is contributed;
//   - every command id starts with `promptLab.` and has category "Prompt Lab";
//   - every setting has a markdownDescription and a scope;
//   - engines.vscode is ^1.100.0 or lower, and @types/vscode is pinned to 1.100.x (so the
//     typings never promise an API that the oldest supported VS Code lacks).
// Prints every problem and exits 1, or prints one "ok" line.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes ?? {};
const problems = [];

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
  if (c.category !== CATEGORY) problems.push(`command ${id} has category ${JSON.stringify(c.category)}, not "${CATEGORY}"`);
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
for (const kb of contributes.keybindings ?? []) {
  if (!contributed.has(kb.command.replace(/^-/, ''))) problems.push(`keybinding names ${kb.command}, which is not a contributed command`);
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
console.log(`check-contributions: ok (${contributed.size} commands, ${settingCount} settings)`);
