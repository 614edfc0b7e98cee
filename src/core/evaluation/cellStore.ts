/**
 * The results of an evaluation's cells while it runs, in columns: one slot per row and deployment, its figures in a
 * Float64Array, its status and outcome in bytes, its run id as 16 bytes (see {@link CellStore}). A {@link CellResult} object per cell costs
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
  /** Run ids in the canonical UUID form (lowercase hex, what the core's ids are): 16 bytes a slot. */
  uuids: Uint8Array;
  /** Other run ids (an older log's, a front end's own), by row. */
  otherIds: Map<number, string>;
  /** Per row: {@link NONE}, {@link UUID} (the id is in `uuids`) or {@link OTHER}. */
  idKinds: Uint8Array;
  numbers: Float64Array;
  /** Status index × 4 + outcome index. */
  codes: Uint8Array;
}

const [NONE, UUID, OTHER] = [0, 1, 2];
const UUID_FORM = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Where the 32 hex digits of a UUID string are. */
const DIGITS = [...'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'].flatMap((ch, i) => (ch === 'x' ? [i] : []));
const HEX = '0123456789abcdef';

/** `id`'s 16 bytes into `out` at `at`; false when it is not a canonical UUID. */
function encodeUuid(id: string, out: Uint8Array, at: number): boolean {
  if (!UUID_FORM.test(id)) return false;
  const nibble = (i: number): number => {
    const code = id.charCodeAt(DIGITS[i] as number);
    return code <= 57 ? code - 48 : code - 87;
  };
  for (let k = 0; k < 16; k++) out[at + k] = (nibble(2 * k) << 4) | nibble(2 * k + 1);
  return true;
}

function decodeUuid(bytes: Uint8Array, at: number): string {
  const codes = new Array<number>(36);
  let d = 0;
  for (let i = 0; i < 36; i++) {
    if (DIGITS[d] !== i) {
      codes[i] = 45; // '-'
      continue;
    }
    const byte = bytes[at + (d >> 1)] as number;
    codes[i] = HEX.charCodeAt(d % 2 === 0 ? byte >> 4 : byte & 15);
    d++;
  }
  return String.fromCharCode(...codes);
}

/**
 * Results by deployment and row (0 ≤ row < `rows`); a later {@link CellStore.set} of the same cell replaces it.
 * A run id the core made (a UUID) is kept as its 16 bytes, not as a ~56-byte string on the heap: 100,000 of them were
 * 5.6 MB of the host's live heap, which V8 lets grow ~4× before it collects.
 */
export class CellStore {
  private readonly columns = new Map<string, Columns>();

  /** Slots for rows 0 … `rows` − 1 of each of `deployments` (distinct keys). */
  constructor(deployments: readonly string[], private readonly rows: number) {
    for (const key of deployments) {
      this.columns.set(key, { uuids: new Uint8Array(rows * 16), otherIds: new Map(), idKinds: new Uint8Array(rows), numbers: new Float64Array(rows * FIELDS), codes: new Uint8Array(rows) });
    }
  }

  private runIdAt(c: Columns, i: number): string | undefined {
    const kind = c.idKinds[i];
    return kind === UUID ? decodeUuid(c.uuids, i * 16) : kind === OTHER ? c.otherIds.get(i) : undefined;
  }

  /** Keeps `cell`; a cell of another deployment or outside the rows is not kept. */
  set(cell: CellResult): void {
    const c = this.columns.get(cell.deployment);
    const i = cell.testIndex;
    if (!c || !Number.isInteger(i) || i < 0 || i >= this.rows) return;
    if (encodeUuid(cell.runId, c.uuids, i * 16)) {
      c.idKinds[i] = UUID;
      c.otherIds.delete(i);
    } else {
      // Built by concatenation, an id can be a rope of many pieces: kept flat.
      c.otherIds.set(i, flat(cell.runId));
      c.idKinds[i] = OTHER;
    }
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
    const runId = c && Number.isInteger(testIndex) && testIndex >= 0 && testIndex < this.rows ? this.runIdAt(c, testIndex) : undefined;
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
    const wanted = new Uint8Array(16);
    const uuid = encodeUuid(runId, wanted, 0);
    for (const [deployment, c] of this.columns) {
      if (!uuid) {
        for (const [i, id] of c.otherIds) if (id === runId && c.idKinds[i] === OTHER) return this.get(deployment, i);
        continue;
      }
      const u = c.uuids;
      for (let i = 0; i < this.rows; i++) {
        if (c.idKinds[i] !== UUID) continue;
        let k = 0;
        while (k < 16 && u[i * 16 + k] === wanted[k]) k++;
        if (k === 16) return this.get(deployment, i);
      }
    }
    return undefined;
  }

  /**
   * Every kept result, as {@link all} orders them, for one pass that reads each before taking the next (summarize):
   * one object is reused for every result, so nothing is allocated per cell. {@link all} made 100,000 objects (~20 MB
   * of young garbage, ~80 ms) each time the evaluation panel's totals were computed.
   */
  *transient(): Generator<Readonly<CellResult>, void, undefined> {
    let columns: Columns | undefined;
    const runIdAt = (c: Columns | undefined, i: number): string => (c ? this.runIdAt(c, i) ?? '' : '');
    const cell: CellResult = {
      testIndex: 0, deployment: '',
      // Made when read (summarize does not read it).
      get runId(): string {
        return runIdAt(columns, cell.testIndex);
      },
      status: 'ok', outcome: 'passed', meanScore: null, startedAtMs: 0, latencyMs: 0, ttftMs: null,
      promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: undefined,
    };
    for (const [deployment, c] of this.columns) {
      cell.deployment = deployment;
      columns = c;
      const n = c.numbers;
      for (let i = 0; i < this.rows; i++) {
        if (c.idKinds[i] === NONE) continue;
        const at = i * FIELDS;
        const code = c.codes[i] as number;
        const score = n[at + MEAN_SCORE] as number;
        const ttft = n[at + TTFT] as number;
        const cost = n[at + COST] as number;
        cell.testIndex = i;
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
        if (c.idKinds[i] === NONE) continue;
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
