/**
 * How every benchmark reports a figure: our value next to a floor measured in the same run on the same machine, over
 * several rounds, as a median with its spread, and the ratio to the floor. Shared machines differ 2–3× from one
 * another and from minute to minute; a ratio measured side by side holds everywhere, an absolute figure does not.
 *
 * A benchmark calls {@link reportFigure} once per figure. It prints a line for people and a line
 * `BENCH-FIGURE <json>` that bench/run.mjs (`npm run bench`) collects into one table and into
 * .test-artifacts/bench/results.{json,md}. The .mjs benchmarks load this module from out/bench/report.js.
 */
import { median } from './stats';

/** Samples of one quantity, one per round. */
export interface Samples {
  /** What was measured, for people: "Prompt Lab's panel", "the parsers alone". */
  label: string;
  values: readonly number[];
}

/** One figure of a benchmark. */
export interface Figure {
  /** Stable id, `<benchmark>.<figure>`: "analysis.cold", "history.read". */
  id: string;
  /** What the figure is, for people. */
  title: string;
  /** Unit of the samples: ms, µs, MB… */
  unit: string;
  /** Our measurement, one value per round. */
  ours: Samples;
  /**
   * The floor, measured in the same rounds (round i of `floor` beside round i of `ours`), when the figure is a ratio.
   * Without a floor the figure is reported as it is (a count, or a figure whose target is absolute).
   */
  floor?: Samples;
  /**
   * The target: the largest ratio allowed (with a floor), or the largest value (without one); with `atLeast`, the
   * smallest (a throughput against its ideal).
   */
  target?: number;
  /** The target is a least value (higher is better): met when the median is ≥ `target`. */
  atLeast?: boolean;
  /** Anything a reader needs to read the figure right (what a round is, what is included). */
  note?: string;
}

/** A figure as reported: the medians, spreads and the ratio, and whether it meets its target. */
export interface FigureResult {
  id: string;
  title: string;
  unit: string;
  rounds: number;
  ours: { label: string; median: number; min: number; max: number };
  floor?: { label: string; median: number; min: number; max: number };
  /** Median of the per-round ratios ours / floor, and their spread. */
  ratio?: { median: number; min: number; max: number };
  target?: number;
  /** The target is a least value (see {@link Figure.atLeast}). */
  atLeast?: boolean;
  /** undefined when the figure has no target. */
  met?: boolean;
  note?: string;
}

function summary(s: Samples): { label: string; median: number; min: number; max: number } {
  return { label: s.label, median: median(s.values), min: Math.min(...s.values), max: Math.max(...s.values) };
}

/** Round for printing: 3 significant digits, no less than 1 decimal below 100. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : abs >= 1 ? value.toFixed(2) : value.toFixed(3);
}

/**
 * Computes and prints one figure: a line for people, then `BENCH-FIGURE <json>`. Returns what it printed.
 * @throws Error when a sample is not a finite number, or `floor` has a different number of rounds than `ours`: a
 * benchmark whose measurement went wrong must stop, not print a figure.
 */
export function reportFigure(figure: Figure): FigureResult {
  const check = (s: Samples): void => {
    if (s.values.length === 0 || s.values.some((v) => !Number.isFinite(v))) throw new Error(`${figure.id}: ${s.label} has no usable samples (${s.values.join(', ')})`);
  };
  check(figure.ours);
  const result: FigureResult = { id: figure.id, title: figure.title, unit: figure.unit, rounds: figure.ours.values.length, ours: summary(figure.ours) };
  if (figure.floor) {
    check(figure.floor);
    if (figure.floor.values.length !== figure.ours.values.length) throw new Error(`${figure.id}: ${figure.floor.values.length} floor rounds for ${figure.ours.values.length} of ours`);
    result.floor = summary(figure.floor);
    const ratios = figure.ours.values.map((v, i) => v / (figure.floor!.values[i] as number));
    result.ratio = { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  }
  if (figure.target !== undefined) {
    result.target = figure.target;
    const value = result.ratio ? result.ratio.median : result.ours.median;
    result.met = figure.atLeast ? value >= figure.target : value <= figure.target;
    if (figure.atLeast) result.atLeast = true;
  }
  if (figure.note) result.note = figure.note;
  const spread = (s: { median: number; min: number; max: number }): string => `${fmt(s.median)} ${figure.unit} (${fmt(s.min)}–${fmt(s.max)})`;
  let line = `${figure.title}: ${figure.ours.label} ${spread(result.ours)}`;
  if (result.floor && result.ratio) line += `; ${result.floor.label} ${spread(result.floor)}; ratio ${fmt(result.ratio.median)} (${fmt(result.ratio.min)}–${fmt(result.ratio.max)})`;
  line += `; ${result.rounds} rounds`;
  if (result.target !== undefined) line += `; target ${result.atLeast ? '≥' : '≤'} ${fmt(result.target)}${result.ratio ? '×' : ` ${figure.unit}`}: ${result.met ? 'met' : 'NOT MET'}`;
  console.log(line);
  console.log(`BENCH-FIGURE ${JSON.stringify(result)}`);
  return result;
}
