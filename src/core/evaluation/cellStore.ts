/**
 * The results of an evaluation's cells while it runs, in columns: one slot per row and deployment, its figures in a
 * Float64Array, its status and outcome in bytes, its run id in an array. A {@link CellResult} object per cell costs
 * ~270 bytes of the host's heap (the object, a boxed number per fractional field, the slot that holds it), a slot here
 * ~130, run id included: over 100,000 cells 13 MB less live heap, which V8 lets the old generation outgrow up to 4x
 * before it collects (issue 13: peak heap growth ≤ 200 MB).
 */
import type { CellOutcome, CellResult } from './summary';

const STATUSES: readonly CellResult['status'][] = ['ok', 'error', 'cancelled'];
const OUTCOMES: readonly CellOutcome[] = ['passed', 'failed', 'error', 'cancelled'];
/** The numbers of a slot, in this order; NaN stands for null (meanScore, ttftMs) or undefined (costUsd). */
const FIELDS = 8;
const [MEAN_SCORE, STARTED_AT, LATENCY, TTFT, PROMPT_TOKENS, COMPLETION_TOKENS, TOTAL_TOKENS, COST] = [0, 1, 2, 3, 4, 5, 6, 7];

interface Columns {
  runIds: (string | undefined)[];
  numbers: Float64Array;
  /** Status index × 4 + outcome index. */
  codes: Uint8Array;
}

/** Results by deployment and row (0 ≤ row < `rows`); a later {@link CellStore.set} of the same cell replaces it. */
export class CellStore {
  private readonly columns = new Map<string, Columns>();

  /** Slots for rows 0 … `rows` − 1 of each of `deployments` (distinct keys). */
  constructor(deployments: readonly string[], private readonly rows: number) {
    for (const key of deployments) {
      const runIds: (string | undefined)[] = [];
      // Filled up front: a packed array, where writes far past the end would make a slow dictionary.
      for (let i = 0; i < rows; i++) runIds.push(undefined);
      this.columns.set(key, { runIds, numbers: new Float64Array(rows * FIELDS), codes: new Uint8Array(rows) });
    }
  }

  /** Keeps `cell`; a cell of another deployment or outside the rows is not kept. */
  set(cell: CellResult): void {
    const c = this.columns.get(cell.deployment);
    const i = cell.testIndex;
    if (!c || !Number.isInteger(i) || i < 0 || i >= this.rows) return;
    // Built by concatenation, a run id (crypto.randomUUID) can be a rope of ~20 pieces, ~500 bytes: kept flat.
    c.runIds[i] = flat(cell.runId);
    c.codes[i] = Math.max(0, STATUSES.indexOf(cell.status)) * 4 + Math.max(0, OUTCOMES.indexOf(cell.outcome));
    const n = c.numbers;
    const at = i * FIELDS;
    n[at + MEAN_SCORE] = cell.meanScore ?? NaN;
    n[at + STARTED_AT] = cell.startedAtMs;
    n[at + LATENCY] = cell.latencyMs;
    n[at + TTFT] = cell.ttftMs ?? NaN;
    n[at + PROMPT_TOKENS] = cell.promptTokens;
    n[at + COMPLETION_TOKENS] = cell.completionTokens;
    n[at + TOTAL_TOKENS] = cell.totalTokens;
    n[at + COST] = typeof cell.costUsd === 'number' ? cell.costUsd : NaN;
  }

  /** The result of the cell, if one was kept. */
  get(deployment: string, testIndex: number): CellResult | undefined {
    const c = this.columns.get(deployment);
    const runId = c?.runIds[testIndex];
    if (!c || runId === undefined) return undefined;
    const n = c.numbers;
    const at = testIndex * FIELDS;
    const code = c.codes[testIndex] as number;
    const nullable = (v: number): number | null => (Number.isNaN(v) ? null : v);
    const cost = n[at + COST] as number;
    return {
      testIndex, deployment, runId,
      status: STATUSES[Math.floor(code / 4)] as CellResult['status'],
      outcome: OUTCOMES[code % 4] as CellOutcome,
      meanScore: nullable(n[at + MEAN_SCORE] as number),
      startedAtMs: n[at + STARTED_AT] as number,
      latencyMs: n[at + LATENCY] as number,
      ttftMs: nullable(n[at + TTFT] as number),
      promptTokens: n[at + PROMPT_TOKENS] as number,
      completionTokens: n[at + COMPLETION_TOKENS] as number,
      totalTokens: n[at + TOTAL_TOKENS] as number,
      costUsd: Number.isNaN(cost) ? undefined : cost,
    };
  }

  /** The kept result whose run is `runId` (a scan of every slot: for a person's action, not per event). */
  find(runId: string): CellResult | undefined {
    for (const [deployment, c] of this.columns) {
      const i = c.runIds.indexOf(runId);
      if (i >= 0) return this.get(deployment, i);
    }
    return undefined;
  }

  /**
   * Every kept result, as {@link all} orders them, for one pass that reads each before taking the next (summarize):
   * one object is reused for every result, so nothing is allocated per cell. {@link all} made 100,000 objects (~20 MB
   * of young garbage, ~80 ms) each time the evaluation panel's totals were computed.
   */
  *transient(): Generator<Readonly<CellResult>, void, undefined> {
    const cell: CellResult = {
      testIndex: 0, deployment: '', runId: '', status: 'ok', outcome: 'passed', meanScore: null, startedAtMs: 0, latencyMs: 0, ttftMs: null,
      promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: undefined,
    };
    for (const [deployment, c] of this.columns) {
      cell.deployment = deployment;
      const n = c.numbers;
      for (let i = 0; i < this.rows; i++) {
        const runId = c.runIds[i];
        if (runId === undefined) continue;
        const at = i * FIELDS;
        const code = c.codes[i] as number;
        const score = n[at + MEAN_SCORE] as number;
        const ttft = n[at + TTFT] as number;
        const cost = n[at + COST] as number;
        cell.testIndex = i;
        cell.runId = runId;
        cell.status = STATUSES[code >> 2] as CellResult['status'];
        cell.outcome = OUTCOMES[code & 3] as CellOutcome;
        cell.meanScore = Number.isNaN(score) ? null : score;
        cell.startedAtMs = n[at + STARTED_AT] as number;
        cell.latencyMs = n[at + LATENCY] as number;
        cell.ttftMs = Number.isNaN(ttft) ? null : ttft;
        cell.promptTokens = n[at + PROMPT_TOKENS] as number;
        cell.completionTokens = n[at + COMPLETION_TOKENS] as number;
        cell.totalTokens = n[at + TOTAL_TOKENS] as number;
        cell.costUsd = Number.isNaN(cost) ? undefined : cost;
        yield cell;
      }
    }
  }

  /** Every kept result, by deployment (in the constructor's order), then by row. */
  all(): CellResult[] {
    const out: CellResult[] = [];
    for (const [deployment, c] of this.columns) {
      for (let i = 0; i < this.rows; i++) {
        if (c.runIds[i] === undefined) continue;
        out.push(this.get(deployment, i) as CellResult);
      }
    }
    return out;
  }
}

/** `text` as one flat string (JSON.stringify flattens a rope in place; the garbage collector then drops its pieces). */
function flat(text: string): string {
  JSON.stringify(text);
  return text;
}
