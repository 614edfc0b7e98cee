/**
 * Worst cases of the analysis, in plain Node. Prints figures; asserts nothing. The timing limits that used to sit in
 * test/unit/fuzz.test.ts (100 ms a fuzz case, 1 s for 20,000 nested ifs) live here, as ratios on a noisy machine:
 *   node out/bench/analyzeWorstCases.js [--rounds 7] [--cases 4000]
 *
 * - floor: analyzePromptFile on an ordinary prompt file (the median over the converted real templates and the
 *   examples), ms, measured in this run;
 * - fuzz: the slowest of the fuzzer's cases (test/unit/fuzzCases.ts, same seeds as the test), timed again, as a
 *   multiple of the floor (target: under 100 ms, i.e. the ratio a 100 ms case would have on this machine is printed
 *   beside it);
 * - growth: the regressions that were quadratic (thousands of JSONC syntax errors placed by a scan from the start
 *   each; the unclosed tag of 20,000 nested ifs found by a scan of the open tags per end tag), each timed at N and
 *   2N: a linear path doubles (ratio about 2), a quadratic one quadruples (about 4).
 * Each figure is the median over the rounds, with the spread (min–max).
 */
import { performance } from 'node:perf_hooks';
import { analyzePromptFile } from '../src/core/template/analyze';
import { parsePromptFile } from '../src/core/format/promptFile';
import { analyzeTemplate, unclosedOpening } from '../src/core/template/templateAnalysis';
import { examplePrompts, templateFixtures } from '../test/unit/templateFixtures';
import { makeCase } from '../test/unit/fuzzCases';
import { median } from './stats';

const BASE_SEED = 20260421;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** ms of one call of `fn`, the fastest of `repeat` (a slow path is slow every time; a GC pause is not). */
function time(fn: () => unknown, repeat = 3): number {
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const spread = (values: number[], digits = 2): string =>
  `median ${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

function main(): void {
  const rounds = arg('rounds', 7);
  const cases = arg('cases', 4000);
  const corpus = [...templateFixtures(), ...examplePrompts()].map((f) => f.text);
  for (const text of corpus) analyzePromptFile(text); // module loading and JIT are not the analysis

  // The slowest fuzz cases, found once: every case timed once, the 10 slowest kept.
  const timed: { seed: number; ms: number }[] = [];
  for (let i = 0; i < cases; i++) {
    const c = makeCase(BASE_SEED + i, corpus);
    timed.push({ seed: c.seed, ms: time(() => analyzePromptFile(c.text, c.context), 1) });
  }
  const slowest = timed.sort((a, b) => b.ms - a.ms).slice(0, 10).map((t) => makeCase(t.seed, corpus));

  const floors: number[] = [];
  const fuzzRatios: number[] = [];
  const fuzzMs: number[] = [];
  const growth: Record<string, number[]> = { 'JSONC syntax errors 3,000 → 6,000': [], 'nested ifs 10,000 → 20,000 (analysis)': [], 'unclosed tag 10,000 → 20,000': [] };
  const at2N: Record<string, number[]> = { 'JSONC syntax errors 3,000 → 6,000': [], 'nested ifs 10,000 → 20,000 (analysis)': [], 'unclosed tag 10,000 → 20,000': [] };
  const ifs = (n: number) => `${'{% if a %}'.repeat(n)}${'{% endif %}'.repeat(n)}`;
  const unclosed = (n: number) => `${'{% if a %}'.repeat(n)}${'{% endfor %}'.repeat(n)}`;
  const paths: [string, (n: number) => () => unknown, number][] = [
    ['JSONC syntax errors 3,000 → 6,000', (n) => { const text = `{"messages":${'['.repeat(n)}`; return () => parsePromptFile(text); }, 3000],
    ['nested ifs 10,000 → 20,000 (analysis)', (n) => { const text = ifs(n); return () => analyzeTemplate(text); }, 10000],
    ['unclosed tag 10,000 → 20,000', (n) => { const text = unclosed(n); return () => unclosedOpening(text); }, 10000],
  ];
  for (let r = 0; r < rounds; r++) {
    const floor = median(corpus.map((text) => time(() => analyzePromptFile(text))));
    floors.push(floor);
    const worst = Math.max(...slowest.map((c) => time(() => analyzePromptFile(c.text, c.context))));
    fuzzMs.push(worst);
    fuzzRatios.push(worst / floor);
    for (const [name, make, n] of paths) {
      const once = time(make(n));
      const twice = time(make(2 * n));
      (growth[name] as number[]).push(twice / once);
      (at2N[name] as number[]).push(twice / floor);
    }
  }
  console.log(`analysis worst cases, ${rounds} rounds; ${corpus.length} ordinary files, ${cases} fuzz cases (seed ${BASE_SEED})`);
  console.log(`floor: an ordinary prompt file, ms           ${spread(floors, 3)}`);
  console.log(`fuzz: slowest of ${cases} cases, × floor      ${spread(fuzzRatios, 1)}   (${spread(fuzzMs, 1)} ms; a 100 ms case would be × ${(100 / median(floors)).toFixed(0)})`);
  for (const [name] of paths) {
    console.log(`growth: ${name.padEnd(40)} ${spread(growth[name] as number[])}   (linear ≈ 2, quadratic ≈ 4; at 2N × floor ${spread(at2N[name] as number[], 0)})`);
  }
}

main();
