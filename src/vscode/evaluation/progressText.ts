/**
 * The text of an evaluation's progress notification: "done/total, N failing, ETA …", from the core's events. No
 * `vscode` import, so it is unit-tested in plain Node.
 */
import type { EvaluationEvent } from '../../core/evaluation/evaluate';

/** Least time between two updates, in ms: a fast evaluation finishes cells by the thousand. */
export const PROGRESS_INTERVAL_MS = 200;

/** What `vscode.Progress.report` takes: the message, and the percentage points (0..100) gained since the last report. */
export interface ProgressReport {
  message: string;
  increment: number;
}

/**
 * Turns evaluation events into progress reports: one at `started` (cells already done by an earlier run count), then
 * at most one per {@link PROGRESS_INTERVAL_MS} as cells finish, and always the last cell's. "Failing" counts failed
 * and error cells. The ETA is the cells left at the rate of the cells run since `started` (none before the first).
 */
export class ProgressText {
  private shownPercent = 0;
  private lastReport = Number.NEGATIVE_INFINITY;
  private startedAt = 0;
  private alreadyDone = 0;

  /** `now`: a clock in ms (Date.now by default; tests pass their own). */
  constructor(private readonly report: (value: ProgressReport) => void, private readonly now: () => number = Date.now) {}

  on(event: EvaluationEvent): void {
    if (event.type === 'started') {
      this.startedAt = this.now();
      this.alreadyDone = event.alreadyDone;
      this.send(event.alreadyDone, event.total, 0);
    } else if (event.type === 'cellFinished') {
      const { done, total, failed, errors } = event.progress;
      const now = this.now();
      if (done < total && now - this.lastReport < PROGRESS_INTERVAL_MS) return;
      this.lastReport = now;
      this.send(done, total, failed + errors);
    }
  }

  private send(done: number, total: number, failing: number): void {
    const percent = total > 0 ? (done / total) * 100 : 100;
    const parts = [`${done}/${total}`, `${failing} failing`];
    const ranHere = done - this.alreadyDone;
    const elapsed = this.now() - this.startedAt;
    if (ranHere > 0 && done < total) parts.push(`ETA ${formatDuration(((total - done) * elapsed) / ranHere)}`);
    this.report({ message: parts.join(', '), increment: Math.max(0, percent - this.shownPercent) });
    this.shownPercent = Math.max(this.shownPercent, percent);
  }
}

/** A duration for people: "45 s", "3 min 5 s", "2 h 10 min" (at least 1 s). */
export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
