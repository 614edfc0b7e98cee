/**
 * One column of a playground run: the RunSink that RunController.runTemplate reports to. It tags the run's
 * events with the column, batches text deltas (core TextBatcher, as the run panel does) and owns the
 * AbortController behind the column's Stop, so each column streams and stops on its own.
 */
import { TextBatcher } from '../core/run/textBatcher';
import type { PlaygroundHostMessage } from '../protocol/playground';
import type { RunFinishedParams, RunRetryingParams, RunStartedParams } from '../protocol/runPanel';
import type { RunSink } from './runController';

export class PlaygroundColumnRun implements RunSink {
  readonly controller = new AbortController();
  runId: string | undefined;
  /** performance.now() of the last text delta from the server (0: none yet). */
  lastTextAt = 0;
  ended = false;
  private batcher: TextBatcher | undefined;

  constructor(readonly column: number, readonly deployment: string, private readonly post: (message: PlaygroundHostMessage) => void) {}

  get running(): boolean {
    return !this.ended;
  }

  stop(): void {
    this.controller.abort();
  }

  started(params: RunStartedParams): void {
    this.runId = params.runId;
    this.batcher?.dispose();
    this.batcher = new TextBatcher((text) => this.post({ method: 'run/delta', params: { runId: params.runId, text } }));
    this.post({ method: 'run/started', params: { ...params, column: this.column } });
  }

  responded(runId: string, replayOf: string | null): void {
    this.post({ method: 'run/responded', params: { runId, replayOf } });
  }

  text(_runId: string, text: string): void {
    this.lastTextAt = performance.now();
    this.batcher?.push(text);
  }

  retrying(params: RunRetryingParams): void {
    this.batcher?.flush();
    this.post({ method: 'run/retrying', params });
  }

  finished(params: RunFinishedParams): void {
    this.batcher?.flush();
    this.batcher?.dispose();
    this.batcher = undefined;
    this.ended = true;
    if (this.lastTextAt === 0) this.lastTextAt = performance.now();
    this.post({ method: 'run/finished', params });
  }

  /** The run never reached the request (a key or budget declined): the column says so and ends. */
  notRun(promptName: string, message: string): void {
    if (this.ended) return;
    this.started({
      runId: crypto.randomUUID(), promptName, promptPath: '', deployment: this.deployment, provider: '—', model: '—', baseURL: '', startedAt: new Date().toISOString(),
    });
    this.finished({ runId: this.runId as string, status: 'cancelled', model: '—', finishReason: null, usage: null, ttftMs: null, latencyMs: 0, outputLength: 0, error: { message } });
  }

  dispose(): void {
    this.controller.abort();
    this.batcher?.dispose();
  }
}
