import * as vscode from 'vscode';
import type { EvaluationEvent } from '../../core/evaluation/evaluate';
import type { SourceRow } from './evaluationGrid';

/** An evaluation that has begun in this window (a new one or a resume). */
export interface EvaluationSession {
  /** The `evaluationId` of its run lines and its closing `event:"evaluation"` line. */
  evaluationId: string;
  /** The prompt file evaluated. */
  promptUri: vscode.Uri;
  /** The prompt's `name`, else its file name: the panel's title is `Evaluation: <promptName>`. */
  promptName: string;
  /** Workspace-relative path of the prompt file, forward slashes (the `prompt` field of its log lines). */
  promptPath: string;
  /** Deployment keys, in the order the person picked them (the grid's columns). */
  deployments: readonly string[];
  /** Rows of test data (the grid's rows). */
  rows: number;
  /** The test rows the evaluation runs, when the starter has them: the panel shows them without reading the test data again. */
  testRows?: readonly SourceRow[];
  /** Stops the evaluation (as the progress notification's Cancel does). */
  cancel(): void;
}

/**
 * The one seam between whoever runs evaluations (the Evaluate Prompt and Resume Evaluation commands) and whoever shows
 * them (the evaluation WebviewPanel, the Runs view): `onDidStart` once per evaluation, then its core events in order,
 * ending with `{ type: 'finished' }`. Events are the core's {@link EvaluationEvent}s unchanged.
 */
export class EvaluationBus implements vscode.Disposable {
  private readonly started = new vscode.EventEmitter<EvaluationSession>();
  private readonly events = new vscode.EventEmitter<{ evaluationId: string; event: EvaluationEvent }>();
  private readonly live = new Map<string, EvaluationSession>();

  /** Fires when an evaluation begins, before its first event. */
  readonly onDidStart = this.started.event;
  /** Fires for each event of each evaluation in this window. */
  readonly onDidEvent = this.events.event;

  /** Announce an evaluation; call before its first {@link fire}. */
  start(session: EvaluationSession): void {
    this.live.set(session.evaluationId, session);
    this.started.fire(session);
  }

  /** Pass on one core event; a `finished` event ends the session. */
  fire(evaluationId: string, event: EvaluationEvent): void {
    this.events.fire({ evaluationId, event });
    if (event.type === 'finished') this.live.delete(evaluationId);
  }

  /** The evaluation with this id if it is still running in this window. */
  running(evaluationId: string): EvaluationSession | undefined {
    return this.live.get(evaluationId);
  }

  dispose(): void {
    this.started.dispose();
    this.events.dispose();
    this.live.clear();
  }
}
