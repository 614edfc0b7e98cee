/**
 * The floor of the panel and playground catch-up figures (bench/vscodeHost.ts, bench/playgroundHost.ts): a minimal
 * webview in the same VS Code, fed the same runs the same way, that does the least a webview can do with a stream.
 *
 * Host side, the reference runs the core's `executeRun` on the same deployment (same replay server, same stream, the
 * run logged as Prompt Lab logs it), batches each run's text deltas per 16 ms frame (the transport's fair use: one
 * message per frame, not one per chunk) and posts them with `webview.postMessage`, the transport Prompt Lab's
 * panels use. The page appends each delta to one text node per run (in a wrapped, scrollable <pre>, as Prompt Lab
 * shows output) and, when a run has finished, confirms after the next frame has been drawn. Nothing else: no
 * toolkit, no state saving, no following of the end.
 *
 * The batching here is written out rather than taken from Prompt Lab's TextBatcher on purpose: a change to Prompt
 * Lab's own batching must not move its floor.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { ResolvedDeployment } from '../src/core/providers/deployments';
import type { PromptFile } from '../src/core/format/promptFile';
import { executeRun } from '../src/core/run/run';
import { inProcessRenderer } from '../src/core/template/inProcessRenderer';
import { nodeFileSystem } from '../src/node/fileSystem';

/** The page: one <pre> with one text node per run, side by side; confirms a finished run after the next frame. */
function html(nonce: string): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<style>
  body { display: flex; gap: 8px; margin: 0; padding: 8px; font-family: var(--vscode-font-family); }
  pre { flex: 1 1 0; min-width: 0; margin: 0; padding: 8px 10px; max-height: 70vh; overflow: auto; white-space: pre-wrap;
    overflow-wrap: anywhere; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size);
    color: var(--vscode-editor-foreground); background: var(--vscode-textCodeBlock-background); }
</style><title>Reference</title></head>
<body><script nonce="${nonce}">
const api = acquireVsCodeApi();
let nodes = [];
window.addEventListener('message', (event) => {
  const m = event.data;
  if (m.method === 'start') {
    document.body.replaceChildren();
    nodes = [];
    for (let i = 0; i < m.streams; i++) {
      const pre = document.createElement('pre');
      const node = document.createTextNode('');
      pre.append(node);
      document.body.append(pre);
      nodes.push(node);
    }
    api.postMessage({ method: 'started' });
  } else if (m.method === 'delta') {
    nodes[m.stream].appendData(m.text);
  } else if (m.method === 'finished') {
    const length = nodes[m.stream].length;
    requestAnimationFrame(() => setTimeout(() => api.postMessage({ method: 'rendered', stream: m.stream, length }), 0));
  }
});
api.postMessage({ method: 'ready' });
</script></body></html>`;
}

/** One reference round: when each run's last delta reached the host, and when the page confirmed it. */
export interface ReferenceRound {
  /** Characters each run's node holds at the end. */
  lengths: number[];
  /** performance.now() in this host of each run's last text delta. */
  lastTextAt: number[];
  /** performance.now() in this host of each run's confirmation. */
  renderedAt: number[];
  /** Each run's status as `executeRun` reported it. */
  statuses: string[];
}

export class ReferenceWebview implements vscode.Disposable {
  private readonly listeners = new Set<(message: { method: string; stream?: number; length?: number }) => void>();

  private constructor(readonly panel: vscode.WebviewPanel) {
    panel.webview.onDidReceiveMessage((message: { method: string; stream?: number; length?: number }) => {
      for (const listener of [...this.listeners]) listener(message);
    });
  }

  /** Opens the reference panel in `column` (without taking focus) and resolves once its page said `ready`. */
  static async open(column: vscode.ViewColumn): Promise<ReferenceWebview> {
    const panel = vscode.window.createWebviewPanel('promptLabBench.reference', 'Reference', { viewColumn: column, preserveFocus: true }, {
      enableScripts: true, retainContextWhenHidden: true,
    });
    const reference = new ReferenceWebview(panel);
    const ready = reference.next((m) => m.method === 'ready');
    panel.webview.html = html(randomBytes(16).toString('base64'));
    await ready;
    return reference;
  }

  private next(match: (m: { method: string; stream?: number; length?: number }) => boolean): Promise<{ method: string; stream?: number; length?: number }> {
    return new Promise((resolve) => {
      const listener = (m: { method: string; stream?: number; length?: number }): void => {
        if (!match(m)) return;
        this.listeners.delete(listener);
        resolve(m);
      };
      this.listeners.add(listener);
    });
  }

  /**
   * Runs `prompt` once on each of `deployments` at the same time, as Prompt Lab does (`executeRun`, logged in
   * `logDir`), streaming each run's text into its own node of the page.
   */
  async round(prompt: PromptFile, deployments: ResolvedDeployment[], logDir: string): Promise<ReferenceRound> {
    const n = deployments.length;
    const started = this.next((m) => m.method === 'started');
    await this.panel.webview.postMessage({ method: 'start', streams: n });
    await started;
    const lastTextAt = new Array<number>(n).fill(0);
    const renderedAt = new Array<number>(n).fill(0);
    const lengths = new Array<number>(n).fill(0);
    const rendered = Array.from({ length: n }, (_, i) => this.next((m) => m.method === 'rendered' && m.stream === i).then((m) => {
      renderedAt[i] = performance.now();
      lengths[i] = m.length ?? -1;
    }));
    const renderer = inProcessRenderer();
    const runs = deployments.map(async (deployment, stream) => {
      let parts: string[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (parts.length === 0) return;
        const text = parts.join('');
        parts = [];
        void this.panel.webview.postMessage({ method: 'delta', stream, text });
      };
      const { record } = await executeRun({
        runId: randomUUID(), promptPath: 'reference.prompt.json', prompt, renderer, inputs: {}, deployment, apiKey: undefined, logDir, fs: nodeFileSystem(),
      }, {
        onText: (text) => {
          lastTextAt[stream] = performance.now();
          parts.push(text);
          timer ??= setTimeout(flush, 16);
        },
        onEnded: () => {
          flush();
          if (lastTextAt[stream] === 0) lastTextAt[stream] = performance.now();
          void this.panel.webview.postMessage({ method: 'finished', stream });
        },
      });
      return record.status;
    });
    const statuses = await Promise.all(runs);
    await Promise.all(rendered);
    return { lengths, lastTextAt, renderedAt, statuses };
  }

  dispose(): void {
    this.panel.dispose();
  }
}
