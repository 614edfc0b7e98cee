/**
 * Export of an evaluation's grid (what the evaluation panel shows: a row per test case, a column per deployment) as
 * CSV or JSON Lines. CSV is written by `csv-stringify` (https://csv.js.org/stringify/), one line per test case: its
 * inputs, `expected`, then for each deployment the outcome, mean score, each evaluator's score, latency, tokens, cost,
 * output and run id. JSONL keeps the same per test case as one object, cells keyed by deployment.
 */
import { stringify } from 'csv-stringify/sync';
import type { CellView, RowView } from '../../protocol/evaluation';

/** The grid to export: columns, and the rows in the order to write them with their cells by deployment key. */
export interface GridExport {
  inputNames: readonly string[];
  deployments: readonly string[];
  evaluators: readonly string[];
  rows: readonly { row: RowView; cells: Readonly<Record<string, CellView | undefined>> }[];
}

/**
 * The grid as text: `csv` (a header line, then one line per row, RFC 4180 quoting) or `jsonl` (one JSON object per row:
 * `{ testIndex, inputs, expected?, cells: { <deployment>: { outcome, meanScore, evaluations, latencyMs, … } } }`).
 * Scores are 0..1, latency ms, cost USD; a cell the evaluation has no result for is empty (CSV) or absent (JSONL).
 */
export function exportGrid(format: 'csv' | 'jsonl', grid: GridExport): string {
  if (format === 'jsonl') {
    return grid.rows.map(({ row, cells }) => {
      const out: Record<string, unknown> = { testIndex: row.index, inputs: row.inputs };
      if (row.expected !== undefined) out.expected = row.expected;
      const byDeployment: Record<string, unknown> = {};
      for (const d of grid.deployments) {
        const c = cells[d];
        if (!c) continue;
        byDeployment[d] = {
          runId: c.runId, outcome: c.outcome, meanScore: c.meanScore, evaluations: c.evaluations, latencyMs: c.latencyMs, ttftMs: c.ttftMs,
          promptTokens: c.promptTokens, completionTokens: c.completionTokens, costUsd: c.costUsd, output: c.output,
          ...(c.outputLength > c.output.length ? { outputTruncated: true } : {}), ...(c.error !== undefined ? { error: c.error } : {}),
        };
      }
      out.cells = byDeployment;
      return `${JSON.stringify(out)}\n`;
    }).join('');
  }
  const header = ['testIndex', ...grid.inputNames, 'expected'];
  for (const d of grid.deployments) {
    header.push(`${d}: outcome`, `${d}: meanScore`, ...grid.evaluators.map((e) => `${d}: ${e}`), `${d}: latencyMs`, `${d}: completionTokens`, `${d}: costUsd`, `${d}: output`, `${d}: runId`);
  }
  const lines: (string | number | null)[][] = grid.rows.map(({ row, cells }) => {
    const line: (string | number | null)[] = [row.index, ...grid.inputNames.map((n) => row.inputs[n] ?? ''), row.expected ?? ''];
    for (const d of grid.deployments) {
      const c = cells[d];
      if (!c) {
        line.push(...new Array<string>(7 + grid.evaluators.length).fill(''));
        continue;
      }
      line.push(c.outcome, c.meanScore);
      for (const e of grid.evaluators) {
        const r = c.evaluations.find((x) => x.name === e);
        line.push(r === undefined ? '' : r.error !== undefined ? `error: ${r.error}` : r.score ?? (r.passed ? 'pass' : 'fail'));
      }
      line.push(c.latencyMs, c.completionTokens, c.costUsd, c.output, c.runId);
    }
    return line;
  });
  return stringify([header, ...lines]);
}
