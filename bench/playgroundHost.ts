/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/playground.mjs. Opens the
 * Playground view and runs it on four deployments at once, each streaming 20,000 chunks from the local replay server
 * (synthetic/fast?chunks=20000); then the same four runs into the reference webview (bench/referenceWebview.ts), in
 * the editor area beside it, alternating which goes first. The figure of a round is the time from the last text
 * delta any of the four runs delivered to the extension host to the last of the four confirming it shows the whole
 * output. Prints one `BENCH-SAMPLE <json>` line per round; throws when a precondition fails.
 * Every wait is bounded, and the bound scales with the machine: the first (untimed) round of each side gets
 * FIRST_ROUND_LIMIT_MS, every later one the larger of ROUND_LIMIT_MIN_MS and ROUND_LIMIT_FACTOR × the slower first
 * round, so that a loaded machine finishes slowly rather than hangs, and a stuck round fails saying which one and what
 * it was waiting for.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { PlaygroundState } from '../src/protocol/playground';
import type { PlaygroundRenderedEvent } from '../src/vscode/playground';
import { parsePromptFile, type PromptFile } from '../src/core/format/promptFile';
import { resolveDeployment } from '../src/core/providers/deployments';
import { startReplayServer, syntheticText } from '../test/replay/server';
import { ReferenceWebview } from './referenceWebview';

const CHUNKS = 20000;
const COLUMNS = 4;
/** Bound of each side's first round (ms): a first run also starts the replay server's and the webview's caches. */
const FIRST_ROUND_LIMIT_MS = 240_000;
/** Later rounds may take this many times the slower first round, and at least ROUND_LIMIT_MIN_MS. */
const ROUND_LIMIT_FACTOR = 8;
const ROUND_LIMIT_MIN_MS = 60_000;

/** `promise`, or an error naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()}: not done within ${(ms / 1000).toFixed(0)} s (a bound of ${ROUND_LIMIT_FACTOR}× the first round, at least ${ROUND_LIMIT_MIN_MS / 1000} s)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const api = await ext.activate();
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  const server = await startReplayServer();
  let reference: ReferenceWebview | undefined;
  try {
    const keys = Array.from({ length: COLUMNS }, (_, i) => `fast${i + 1}`);
    const model = `synthetic/fast?chunks=${CHUNKS}`;
    const settings = Object.fromEntries(keys.map((k) => [k, { provider: 'openai-compatible', baseURL: server.baseURL, model }]));
    await vscode.workspace.getConfiguration('promptLab').update('deployments', settings, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('promptLab.playground.focus');
    await api.playground.whenReady();
    const state: PlaygroundState = {
      version: 1, name: 'Bench', messages: [{ id: 'm1', role: 'user', content: 'go {{ x }}' }], values: { x: '1' }, parameters: {}, deployments: keys, notes: [],
    };
    const prompt = parsePromptFile(JSON.stringify({ messages: [{ role: 'user', content: 'go 1' }] })).prompt as PromptFile;
    const deployments = keys.map((k) => resolveDeployment(k, settings as Parameters<typeof resolveDeployment>[1]));
    const logDir = path.join(folder.uri.fsPath, '.promptlab', 'reference');
    const expected = syntheticText(CHUNKS).length;

    let limit = FIRST_ROUND_LIMIT_MS;
    let round = 'first round';
    const ours = async (): Promise<number> => {
      const rendered: PlaygroundRenderedEvent[] = [];
      let sub: vscode.Disposable | undefined;
      const all = new Promise<void>((resolve) => {
        sub = api.playground.onDidRender((e) => {
          rendered.push(e);
          if (rendered.length === COLUMNS) {
            sub?.dispose();
            resolve();
          }
        });
      });
      try {
        const columns = await within(api.playground.run(state), limit, () => `playground, ${round}: the four runs did not end`);
        if (typeof columns === 'string') throw new Error(`precondition: the playground did not run: ${columns}`);
        await within(all, limit, () => `playground, ${round}: ${rendered.length} of ${COLUMNS} columns confirmed they show the whole output`);
      } finally {
        sub?.dispose();
      }
      const short = rendered.filter((e) => e.outputLength !== expected);
      if (short.length > 0) throw new Error(`precondition: ${short.map((e) => `${e.deployment} shows ${e.outputLength}`).join(', ')} of ${expected} characters`);
      return Math.max(...rendered.map((e) => e.renderedAt)) - Math.max(...rendered.map((e) => e.lastTextAt));
    };
    const floor = async (): Promise<number> => {
      const r = await within((reference as ReferenceWebview).round(prompt, deployments, logDir), limit, () => `reference webview, ${round}: the four runs did not all end and show`);
      if (r.statuses.some((s) => s !== 'ok') || r.lengths.some((l) => l !== expected)) {
        throw new Error(`precondition: the reference runs ended ${r.statuses.join(', ')} and show ${r.lengths.join(', ')} of ${expected} characters`);
      }
      return Math.max(...r.renderedAt) - Math.max(...r.lastTextAt);
    };
    const timed = async <T>(f: () => Promise<T>): Promise<number> => {
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    const firstOurs = await timed(ours);
    reference = await within(ReferenceWebview.open(vscode.ViewColumn.One), FIRST_ROUND_LIMIT_MS, () => 'reference webview: its page did not say ready');
    const firstFloor = await timed(floor);
    limit = Math.max(ROUND_LIMIT_MIN_MS, ROUND_LIMIT_FACTOR * Math.max(firstOurs, firstFloor));
    console.log(`bench: first rounds took ${(firstOurs / 1000).toFixed(1)} s (playground) and ${(firstFloor / 1000).toFixed(1)} s (reference); each later wait is bounded at ${(limit / 1000).toFixed(0)} s`);
    const rounds = Number(process.env.PROMPT_LAB_BENCH_ROUNDS) || 6;
    for (let i = 0; i < rounds; i++) {
      round = `round ${i + 1} of ${rounds}`;
      let o: number;
      let f: number;
      if (i % 2) { f = await floor(); o = await ours(); } else { o = await ours(); f = await floor(); }
      console.log(`BENCH-SAMPLE ${JSON.stringify({ kind: 'playgroundCatchUp', ours: o, floor: f })}`);
    }
  } finally {
    reference?.dispose();
    await server.close();
  }
}
