/**
 * Analysis benchmark, in plain Node. Prints figures; asserts nothing.
 *   node out/bench/analyze.js [--runs 9] [--write big.prompt.json]
 * A generated ~1 MB `.prompt.json` with 2,000 messages (loops, conditionals, filters, JSON escapes, 50 inputs):
 * - cold: analyzePromptFile on a file with no earlier analysis (each run salts every template, so nothing the
 *   process has seen before helps), ms;
 * - warm: after a one-character edit in one message, with the analysis of the version before it (as the editor
 *   passes it; only that message is parsed again), ms; also with the edit introducing an undeclared variable, as in
 *   the editor benchmark.
 * Target: under 30 ms. Medians of several runs.
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { analyzePromptFile, type PromptAnalysis } from '../src/core/template/analyze';
import { parsePromptFile } from '../src/core/format/promptFile';
import { analyzeTemplate } from '../src/core/template/templateAnalysis';
import { median } from './stats';

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

function time(text: string, previous?: PromptAnalysis): { ms: number; diagnostics: number; analysis: PromptAnalysis } {
  const t0 = performance.now();
  const analysis = analyzePromptFile(text, { deployments: ['bench'], ...(previous ? { previous } : {}) });
  return { ms: performance.now() - t0, diagnostics: analysis.diagnostics.length, analysis };
}

function main(): void {
  const runs = Number(arg('runs') ?? 9);
  const sample = bigPromptFile('sample');
  const write = arg('write');
  if (write) fs.writeFileSync(write, sample);
  const first = time(sample);
  console.log(`file: ${(sample.length / 1e6).toFixed(2)} MB, ${BENCH_MESSAGES} messages, ${BENCH_INPUTS} inputs; ${first.diagnostics} diagnostics; very first call (module loading, JIT) ${first.ms.toFixed(1)} ms`);

  const cold: number[] = [];
  for (let r = 0; r < runs; r++) cold.push(time(bigPromptFile(`cold-${r}`)).ms);
  // Where a cold analysis goes: reading the JSONC with positions (jsonc-parser's tree and the prompt file model),
  // then the templates (tokenize, Nunjucks' parser, the walk), each timed on its own over fresh files.
  const reading: number[] = [];
  const templates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const text = bigPromptFile(`parts-${r}`);
    let t0 = performance.now();
    const contents = (parsePromptFile(text).prompt?.messages ?? []).flatMap((m) => (m.kind === 'template' ? [m.content] : []));
    reading.push(performance.now() - t0);
    t0 = performance.now();
    for (const content of contents) analyzeTemplate(content);
    templates.push(performance.now() - t0);
  }

  // Warm: the file analysed once, then a one-character edit in message 1000 (a plain-text character; then a variable
  // renamed to an undeclared one), analysed again. Each run edits a different character so the edited source is new.
  const warm: number[] = [];
  const warmUndeclared: number[] = [];
  const text = bigPromptFile('warm');
  const { analysis: before } = time(text);
  const target = text.indexOf('[warm#1000]');
  const plain = text.indexOf('Keep the answer', target);
  const variable = text.indexOf('{{ extra_', target) + 3;
  for (let r = 0; r < runs * 2; r++) {
    const at = plain + r;
    const edited = text.slice(0, at) + (text[at] === 'x' ? 'y' : 'x') + text.slice(at + 1);
    warm.push(time(edited, before).ms);
    const undeclared = `${text.slice(0, variable)}${'xyzw'[r % 4]}${String(r)}${text.slice(variable + 1)}`;
    const result = time(undeclared, before);
    warmUndeclared.push(result.ms);
    if (r === 0 && result.diagnostics !== first.diagnostics + 1) console.log(`(expected one more diagnostic, got ${result.diagnostics})`);
  }
  const fmt = (v: number[]) => `median ${median(v).toFixed(1)} ms (min ${Math.min(...v).toFixed(1)}, max ${Math.max(...v).toFixed(1)}, ${v.length} runs)`;
  console.log(`analysis, cold (every template new): ${fmt(cold)} (target < 30 ms)`);
  console.log(`  of which reading the JSONC (parsePromptFile): median ${median(reading).toFixed(1)} ms; the ${BENCH_MESSAGES} templates (analyzeTemplate): median ${median(templates).toFixed(1)} ms`);
  console.log(`analysis, warm after a one-character edit in one message: ${fmt(warm)} (target < 30 ms)`);
  console.log(`analysis, warm after an edit making one variable undeclared: ${fmt(warmUndeclared)} (target < 30 ms)`);
}

if (require.main === module) main();
