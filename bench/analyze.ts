/**
 * Analysis benchmark, in plain Node: the figures of issue 16 for the template analysis, each against its floor
 * measured in the same rounds (bench/report.ts). Prints figures; a failed precondition stops it (exit 1).
 *   node out/bench/analyze.js [--rounds 15] [--write big.prompt.json]
 * A generated ~1 MB `.prompt.json` with 2,000 messages (loops, conditionals, filters, JSON escapes, 50 inputs).
 * Times are the process's CPU time (user + system) of the synchronous work: on a shared machine, wall time also
 * counts the turns of other processes, which is noise here, not the analysis.
 * - analysis.cold: `analyzePromptFile` on a file no earlier analysis has seen (salted every round), against the two
 *   parsers alone on the same file: jsonc-parser's `parseTree` and Nunjucks' `parser.parse` over every template.
 *   Target ≤ 1.25×.
 * - analysis.warm: after a one-character edit inside one template, with the analysis of the version before (as the
 *   editor passes it), against a cold analysis of the same edited file in the same round. Target ≤ 0.1×.
 * - analysis.warm-undeclared: the same, the edit making a variable undeclared (one more diagnostic). Target ≤ 0.1×.
 */
import * as fs from 'node:fs';
import { parseTree } from 'jsonc-parser';
import * as nunjucks from 'nunjucks';
import { analyzePromptFile } from '../src/core/template/analyze';
import { reportFigure } from './report';

export const BENCH_MESSAGES = 2000;
export const BENCH_INPUTS = 50;

/** The templates the generated messages cycle through: what prompt writers write, with escapes in the JSON. */
const TEMPLATES = [
  'You are a support assistant for {{ product.name }} ({{ product.version }}).\nAnswer in {{ language | default("English") }}, in at most {{ max_sentences }} sentences.\n',
  '{% for doc in documents %}\n## {{ doc.title | title }}\n{{ doc.body | truncate(400) }}\nSource: "{{ doc.url }}"\n{% endfor %}\n',
  '{% if customer.vip %}The customer is a VIP since {{ customer.since }}: be generous.{% else %}Standard customer.{% endif %}\nName: {{ customer.name | capitalize }}\n',
  'Café menu — {{ menu | length }} items:\n{% for item in menu %}{{ loop.index }}. {{ item.name | upper }} – {{ item.price | round(2) }} €\n{% endfor %}',
  '{% set greeting = "Hello" if formal else "Hi" %}{{ greeting }} {{ user.first_name }},\n\t{{ question | trim }}\n',
  'Rules:\n{% for rule in rules %}- {{ rule | replace("\\"", "\'") }}\n{% endfor %}{% if extra_rules %}{{ extra_rules | join("\\n") }}{% endif %}',
  '{# a comment #}Context (JSON): {{ context | dump }}\nTags: {{ tags | sort | join(", ") }}\nToday is {{ today }}. Tone: {{ tone | lower }}.\n',
  'Summarise the text below in {{ style }} style for {{ audience }}.\n"""\n{{ text }}\n"""\n{% if notes %}Notes: {{ notes }}{% endif %}',
];

/** Input names the templates use (plus fillers up to 50 inputs). */
const USED = ['product', 'language', 'max_sentences', 'documents', 'customer', 'menu', 'formal', 'user', 'question', 'rules', 'extra_rules', 'context', 'tags', 'today', 'tone', 'style', 'audience', 'text', 'notes'];

/** A ~1 MB prompt file; `salt` changes every template's text so none is in the analysis cache. */
export function bigPromptFile(salt: string): string {
  const inputs: Record<string, unknown> = {};
  for (const name of USED) inputs[name] = { description: `The ${name}.`, default: name === 'documents' || name === 'menu' || name === 'rules' || name === 'tags' ? [] : '' };
  for (let i = Object.keys(inputs).length; i < BENCH_INPUTS; i++) inputs[`extra_${i}`] = { type: 'string', default: `value ${i}` };
  const roles = ['system', 'user', 'assistant', 'user'];
  const messages: { role: string; content: string }[] = [];
  for (let i = 0; i < BENCH_MESSAGES; i++) {
    const base = TEMPLATES[i % TEMPLATES.length] as string;
    const uses = ` {{ extra_${USED.length + (i % (BENCH_INPUTS - USED.length))} }}`;
    messages.push({ role: roles[i % roles.length] as string, content: `[${salt}#${i}] ${base}${uses}\n${'Keep the answer short and kind. '.repeat(8)}` });
  }
  return `${JSON.stringify({ name: 'Big prompt', description: 'Benchmark file', deployment: 'bench', parameters: { temperature: 0.2, max_tokens: 500 }, inputs, messages }, null, 2)}\n`;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** CPU time of this process so far, in ms (user + system). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `fn`'s CPU time in ms, and its result. */
export function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = cpuMs();
  const value = fn();
  return { ms: cpuMs() - t0, value };
}

const CONTEXT = { deployments: ['bench'] };
const nunjucksParse = (nunjucks as unknown as { parser: { parse(src: string, extensions: unknown[], opts: unknown): unknown } }).parser.parse;

/** The floor of a cold analysis: jsonc-parser's tree and Nunjucks' parser over every template, nothing else. */
function parsersAlone(text: string, templates: readonly string[]): void {
  if (!parseTree(text, [], { allowTrailingComma: true, disallowComments: false })) throw new Error('precondition: the file parses');
  for (const template of templates) nunjucksParse(template, [], {});
}

function templatesOf(text: string): string[] {
  return (JSON.parse(text) as { messages: { content: string }[] }).messages.map((m) => m.content);
}

function precondition(ok: boolean, what: string): void {
  if (!ok) throw new Error(`precondition failed: ${what}`);
}

function main(): void {
  const rounds = Number(arg('rounds') ?? 15);
  const sample = bigPromptFile('sample');
  const write = arg('write');
  if (write) fs.writeFileSync(write, sample);
  const first = timed(() => analyzePromptFile(sample, CONTEXT));
  precondition(first.value.diagnostics.length === 0, `the generated file has no diagnostics (it has ${first.value.diagnostics.length})`);
  precondition(first.value.messages.length === BENCH_MESSAGES, 'every message is analysed');
  console.log(`file: ${(sample.length / 1e6).toFixed(2)} MB, ${BENCH_MESSAGES} messages, ${BENCH_INPUTS} inputs; very first call (module loading, JIT) ${first.ms.toFixed(1)} ms`);
  // Warm up both sides.
  for (let r = 0; r < 3; r++) {
    const text = bigPromptFile(`jit-${r}`);
    analyzePromptFile(text, CONTEXT);
    parsersAlone(text, templatesOf(text));
  }

  const cold: number[] = [];
  const floor: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const text = bigPromptFile(`cold-${r}`);
    const templates = templatesOf(text);
    const ours = (): void => void cold.push(timed(() => analyzePromptFile(text, CONTEXT)).ms);
    const parsers = (): void => void floor.push(timed(() => parsersAlone(text, templates)).ms);
    if (r % 2) { ours(); parsers(); } else { parsers(); ours(); }
  }
  reportFigure({
    id: 'analysis.cold', title: 'cold analysis of the 1 MB, 2,000-message file', unit: 'ms',
    ours: { label: 'analyzePromptFile', values: cold }, floor: { label: 'jsonc-parser + Nunjucks parser alone', values: floor }, target: 1.25,
    note: 'CPU time; every round a new file (salted templates)',
  });

  // Warm: the file analysed once, then a one-character edit in message 1000 (a plain-text character; then a variable
  // renamed to an undeclared one), analysed with the analysis before it. Each round edits a different character, and
  // its floor is a cold analysis of the same edited file.
  const text = bigPromptFile('warm');
  const before = analyzePromptFile(text, CONTEXT);
  const target = text.indexOf('[warm#1000]');
  const plain = text.indexOf('Keep the answer', target);
  const variable = text.indexOf('{{ extra_', target) + 3;
  const warm: number[] = [];
  const warmFloor: number[] = [];
  const undeclared: number[] = [];
  const undeclaredFloor: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const at = plain + r;
    // Flat strings, as an editor's getText() returns (a concatenation would be a rope V8 flattens on first read).
    const edited = Buffer.from(text.slice(0, at) + (text[at] === 'x' ? 'y' : 'x') + text.slice(at + 1)).toString();
    const warmRun = timed(() => analyzePromptFile(edited, { ...CONTEXT, previous: before }));
    const coldRun = timed(() => analyzePromptFile(edited, CONTEXT));
    precondition(JSON.stringify(warmRun.value.diagnostics) === JSON.stringify(coldRun.value.diagnostics), 'a warm analysis gives the diagnostics of a cold one');
    warm.push(warmRun.ms);
    warmFloor.push(coldRun.ms);

    const broken = Buffer.from(`${text.slice(0, variable)}${'xyzw'[r % 4]}${String(r)}${text.slice(variable + 1)}`).toString();
    const brokenWarm = timed(() => analyzePromptFile(broken, { ...CONTEXT, previous: before }));
    const brokenCold = timed(() => analyzePromptFile(broken, CONTEXT));
    precondition(brokenWarm.value.diagnostics.length === 1 && brokenWarm.value.diagnostics[0]?.code === 'undeclared-variable', 'the renamed variable is the one undeclared variable');
    precondition(JSON.stringify(brokenWarm.value.diagnostics) === JSON.stringify(brokenCold.value.diagnostics), 'warm and cold agree on the undeclared variable');
    undeclared.push(brokenWarm.ms);
    undeclaredFloor.push(brokenCold.ms);
  }
  reportFigure({
    id: 'analysis.warm', title: 'analysis after a one-character edit inside one template', unit: 'ms',
    ours: { label: 'with the previous analysis', values: warm }, floor: { label: 'cold analysis of the same file', values: warmFloor }, target: 0.1,
    note: 'CPU time; the edit is in message 1000 of 2,000',
  });
  reportFigure({
    id: 'analysis.warm-undeclared', title: 'analysis after an edit making one variable undeclared', unit: 'ms',
    ours: { label: 'with the previous analysis', values: undeclared }, floor: { label: 'cold analysis of the same file', values: undeclaredFloor }, target: 0.1,
  });
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
