/** Shared pieces of the evaluation tests: prompts over the simulated server, targets, and reading the log back. */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { resolveDeployment, type DeploymentConfig } from '../../src/core/providers/deployments';
import type { EvaluationRecord, RunRecord } from '../../src/core/log/runLog';
import { evaluatePrompt, type EvaluationEvent, type EvaluationOutcome, type EvaluationRequest, type EvaluationTarget } from '../../src/core/evaluation/evaluate';
import type { TestRow } from '../../src/core/evaluation/testData';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { nodeFileSystem } from '../../src/node/fileSystem';
import type { ReplayServer } from '../replay/server';

/** A parsed prompt; fails the test when the text does not parse. */
export function prompt(value: unknown): PromptFile {
  const parsed = parsePromptFile(typeof value === 'string' ? value : JSON.stringify(value));
  if (!parsed.prompt) throw new Error(`test prompt does not parse: ${parsed.problems.map((p) => p.message).join('; ')}`);
  return parsed.prompt;
}

/** A target on the server: an openai-compatible deployment for `model`. */
export function target(server: ReplayServer, key: string, model: string, extra: Partial<DeploymentConfig> = {}): EvaluationTarget {
  return { deployment: resolveDeployment(key, { [key]: { provider: 'openai-compatible', baseURL: server.baseURL, model, ...extra } }), apiKey: undefined };
}

/** Rows `{ question: "<i>…" , topic }` for `n` rows. */
export function rows(n: number, make: (i: number) => Record<string, unknown> = (i) => ({ question: `Question number ${i} about topic${i}`, topic: `topic${i}` })): TestRow[] {
  return Array.from({ length: n }, (_, i) => ({ index: i, values: make(i) }));
}

/** Every line of every .jsonl file under `dir`, parsed (a line that does not parse fails the test). */
export function readLog(dir: string): (RunRecord | EvaluationRecord)[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord | EvaluationRecord));
}

/** The request with defaults: in-process renderer, the Node file system, the given log folder. */
export function request(fields: Omit<EvaluationRequest, 'renderer' | 'fs' | 'evaluationId' | 'promptPath'> & Partial<Pick<EvaluationRequest, 'evaluationId' | 'promptPath'>>): EvaluationRequest {
  return { evaluationId: randomUUID(), promptPath: 'eval.prompt.json', renderer: inProcessRenderer(), fs: nodeFileSystem(), sampleIntervalMs: 0, ...fields };
}

/** Runs an evaluation and keeps its events. */
export async function evaluate(req: EvaluationRequest, onEvent?: (e: EvaluationEvent) => void): Promise<{ outcome: EvaluationOutcome; events: EvaluationEvent[] }> {
  const events: EvaluationEvent[] = [];
  const outcome = await evaluatePrompt(req, (e) => {
    events.push(e);
    onEvent?.(e);
  });
  return { outcome, events };
}
