/**
 * Runs inside the real extension host (extensionTestsPath contract), started by bench/playground.mjs. Opens the
 * Playground view, then runs it on four deployments at once, each streaming 20,000 chunks from the local replay
 * server (synthetic/fast?chunks=20000). Prints, per round, the time from the last text delta any column received
 * in the host to the last of the four columns confirming its finished run (run/rendered), as
 * `bench: playground four-column catch-up <ms> ms`.
 */
import * as vscode from 'vscode';
import type { PromptLabApi } from '../src/extension';
import type { PlaygroundState } from '../src/protocol/playground';
import type { PlaygroundRenderedEvent } from '../src/vscode/playground';
import { startReplayServer, syntheticText } from '../test/replay/server';

const CHUNKS = 20000;
const COLUMNS = 4;

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<PromptLabApi>('prompt-lab.prompt-lab');
  if (!ext) throw new Error('Prompt Lab is not installed in this host');
  const api = await ext.activate();
  const server = await startReplayServer();
  try {
    const keys = Array.from({ length: COLUMNS }, (_, i) => `fast${i + 1}`);
    await vscode.workspace.getConfiguration('promptLab').update('deployments', Object.fromEntries(keys.map((k) => [k, {
      provider: 'openai-compatible', baseURL: server.baseURL, model: `synthetic/fast?chunks=${CHUNKS}`,
    }])), vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('promptLab.playground.focus');
    await api.playground.whenReady();
    const state: PlaygroundState = {
      version: 1, name: 'Bench', messages: [{ id: 'm1', role: 'user', content: 'go {{ x }}' }], values: { x: '1' }, parameters: {}, deployments: keys, notes: [],
    };
    const expected = syntheticText(CHUNKS).length;
    const rounds = Number(process.env.PROMPT_LAB_BENCH_RUNS) || 5;
    for (let i = 0; i < rounds; i++) {
      const rendered: PlaygroundRenderedEvent[] = [];
      const all = new Promise<void>((resolve) => {
        const sub = api.playground.onDidRender((e) => {
          rendered.push(e);
          if (rendered.length === COLUMNS) {
            sub.dispose();
            resolve();
          }
        });
      });
      const t0 = Date.now();
      const columns = await api.playground.run(state);
      if (typeof columns === 'string') throw new Error(`the playground did not run: ${columns}`);
      await all;
      const short = rendered.filter((e) => e.outputLength !== expected);
      if (short.length > 0) throw new Error(`round ${i}: ${short.map((e) => `${e.deployment} shows ${e.outputLength}`).join(', ')} of ${expected} characters`);
      const lastText = Math.max(...rendered.map((e) => e.lastTextAt));
      const allFinal = Math.max(...rendered.map((e) => e.renderedAt));
      console.log(`bench: playground four-column catch-up ${(allFinal - lastText).toFixed(1)} ms (${COLUMNS} × ${CHUNKS} chunks, round ${Date.now() - t0} ms)`);
    }
  } finally {
    await server.close();
  }
}
