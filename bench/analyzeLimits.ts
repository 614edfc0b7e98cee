/**
 * Where the time of a cold analysis of the 1 MB, 2,000-message file (bench/analyze.ts) goes, and what is left
 * once the libraries' own share is taken out. Prints figures; asserts nothing. Plain Node:
 *   node out/bench/analyzeLimits.js [--runs 15]
 * Parts, each timed on its own over fresh files (medians, ms):
 * - reading the JSONC: `JSON.parse` (no positions, no comments: for scale), jsonc-parser's scanner alone,
 *   `parseTree`, and Prompt Lab's `parsePromptFile` (the tree plus the prompt file model);
 * - the 2,000 templates: tokenizing alone (templateLexer), tokenizing plus Nunjucks' parser, and
 *   `analyzeTemplate` (plus the walk);
 * - a two-thread split of the whole cold analysis: a worker thread, started beforehand and warmed up, reads the
 *   templates with `JSON.parse` and analyses them while the main thread reads the JSONC; both then take chunks of
 *   the remaining templates from one shared counter, and the worker's analyses come back by structured clone.
 *   This is the one route left once the parsers are a given; it is timed here rather than built into the
 *   extension, to decide whether it pays on a two-core machine.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { createScanner, parseTree } from 'jsonc-parser';
import * as nunjucks from 'nunjucks';
import { bigPromptFile } from './analyze';
import { parsePromptFile } from '../src/core/format/promptFile';
import { analyzeTemplate, type TemplateAnalysis } from '../src/core/template/templateAnalysis';
import { lex } from '../src/core/template/templateLexer';
import { median } from './stats';

/** Templates a thread takes from the shared counter at a time. */
const CHUNK = 16;

type Job = { text: string; counter: SharedArrayBuffer };
/** [message index, analysis, …] for the templates the worker analysed. */
type Done = (number | TemplateAnalysis)[];

/** Analyses the templates whose message index it takes from `counter`, CHUNK at a time, until none are left. */
function takeChunks(counter: Int32Array, count: number, analyze: (index: number) => void): void {
  for (;;) {
    const from = Atomics.add(counter, 0, CHUNK);
    if (from >= count) return;
    for (let i = from; i < Math.min(from + CHUNK, count); i++) analyze(i);
  }
}

function worker(): void {
  parentPort?.on('message', ({ text, counter }: Job) => {
    const messages = (JSON.parse(text) as { messages: { content?: unknown }[] }).messages;
    const done: Done = [];
    takeChunks(new Int32Array(counter), messages.length, (i) => {
      const content = messages[i]?.content;
      if (typeof content === 'string') done.push(i, analyzeTemplate(content));
    });
    parentPort?.postMessage(done);
  });
}

function split(pool: Worker, text: string): Promise<number> {
  const t0 = performance.now();
  const counter = new SharedArrayBuffer(4);
  const fromWorker = new Promise<Done>((resolve) => pool.once('message', resolve));
  pool.postMessage({ text, counter } satisfies Job);
  const messages = parsePromptFile(text).prompt?.messages ?? [];
  const analyses = new Map<number, TemplateAnalysis>();
  takeChunks(new Int32Array(counter), messages.length, (i) => {
    const m = messages[i];
    if (m?.kind === 'template') analyses.set(i, analyzeTemplate(m.content));
  });
  return fromWorker.then((done) => {
    for (let k = 0; k < done.length; k += 2) analyses.set(done[k] as number, done[k + 1] as TemplateAnalysis);
    if (analyses.size !== messages.length) throw new Error(`${analyses.size} analyses for ${messages.length} messages`);
    return performance.now() - t0;
  });
}

/** jsonc-parser's SyntaxKind.EOF (a const enum, which this build cannot import). */
const EOF = 17;

const { Parser } = (nunjucks as unknown as { parser: { Parser: new (tokens: unknown) => { extensions: unknown[]; parseAsRoot(): unknown } } }).parser;

/** Median ms of `step` over `runs` fresh files (each salted, so no template has been seen before). */
function timed(runs: number, label: string, step: (text: string, templates: string[]) => void): number {
  const values: number[] = [];
  for (let r = 0; r < runs + 2; r++) {
    const text = bigPromptFile(`${label}-${r}`);
    const templates = (parsePromptFile(text).prompt?.messages ?? []).flatMap((m) => (m.kind === 'template' ? [m.content] : []));
    const t0 = performance.now();
    step(text, templates);
    if (r >= 2) values.push(performance.now() - t0);
  }
  return median(values);
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 15;
  const row = (label: string, ms: number) => console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(6)} ms`);

  console.log(`cold analysis of the 1 MB file, by part (medians of ${runs} fresh files)`);
  row('JSON.parse (no positions, no comments; for scale)', timed(runs, 'json', (t) => JSON.parse(t)));
  row('jsonc-parser: scanner alone', timed(runs, 'scan', (t) => {
    const scanner = createScanner(t, false);
    while (scanner.scan() !== EOF) { /* every token */ }
  }));
  row('jsonc-parser: parseTree', timed(runs, 'tree', (t) => parseTree(t)));
  row('parsePromptFile (the tree and the prompt file model)', timed(runs, 'file', (t) => parsePromptFile(t)));
  row('templates: tokenizing alone', timed(runs, 'lex', (_, ts) => {
    for (const t of ts) {
      const tokens = lex(t);
      while (tokens.nextToken()) { /* every token */ }
    }
  }));
  row('templates: tokenizing and Nunjucks\' parser', timed(runs, 'parse', (_, ts) => {
    for (const t of ts) {
      const parser = new Parser(lex(t));
      parser.extensions = [];
      try { parser.parseAsRoot(); } catch { /* a syntax error is a result too */ }
    }
  }));
  row('templates: analyzeTemplate (the above and the walk)', timed(runs, 'analyze', (_, ts) => { for (const t of ts) analyzeTemplate(t); }));

  row('one thread: parsePromptFile, then every template', timed(runs, 'one', (t) => {
    for (const m of parsePromptFile(t).prompt?.messages ?? []) if (m.kind === 'template') analyzeTemplate(m.content);
  }));
  const pool = new Worker(__filename);
  try {
    for (let w = 0; w < 5; w++) await split(pool, bigPromptFile(`warm-up-${w}`));
    const values: number[] = [];
    for (let r = 0; r < runs; r++) values.push(await split(pool, bigPromptFile(`split-${r}`)));
    row('two threads: the same work, split as above', median(values));
  } finally {
    await pool.terminate();
  }
}

if (isMainThread) void main();
else worker();
