/**
 * The generated run log the history benchmarks read (bench/history.ts in plain Node, bench/runsView.mjs in the
 * extension host): `runs` runs with outputs of 200–2,000 characters and a rating for a third of them, over `days` day
 * files, the same every time (seeded).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RatingRecord, RunRecord } from '../src/core/log/runLog';

/** Deterministic pseudo-random numbers (mulberry32), so every run of the benchmark reads the same log. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('the of and to in is that for it as with was on be by this are or from at which an but not have has were '
  + 'summary weather forecast customer invoice résumé latency token model prompt answer because however therefore ✓ '
  + 'San Francisco cloudy sunny rain temperature degrees morning evening {"key": "value"} line\nbreak "quoted"').split(' ');

function text(rand: () => number, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const word = WORDS[Math.floor(rand() * WORDS.length)] as string;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ').slice(0, chars);
}

export function writeHistoryLog(dir: string, runs: number, days: number): { bytes: number; ratings: number } {
  const rand = random(42);
  const prompts = Array.from({ length: 40 }, (_, i) => `prompts/team-${i % 5}/task-${i}.prompt.json`);
  const deployments = ['gpt-4o-mini', 'azure-prod', 'ollama-local', 'mistral-small'];
  const perDay: string[][] = Array.from({ length: days }, () => []);
  const day0 = Date.UTC(2026, 9, 1);
  let ratings = 0;
  for (let i = 0; i < runs; i++) {
    const day = Math.floor((i * days) / runs);
    const startedAt = new Date(day0 + day * 86_400_000 + Math.floor(rand() * 86_000_000)).toISOString();
    const output = text(rand, 200 + Math.floor(rand() * 1800));
    const promptTokens = 50 + Math.floor(rand() * 400);
    const completionTokens = Math.round(output.length / 4);
    const record: RunRecord = {
      event: 'run', id: `${i.toString(16).padStart(8, '0')}-6f1c-4a2b-9c3d-${Math.floor(rand() * 1e12).toString(16).padStart(12, '0')}`,
      prompt: prompts[i % prompts.length] as string, deployment: deployments[i % deployments.length] as string,
      provider: 'openai-compatible', model: 'gpt-4o-2024-08-06',
      inputs: { city: 'San Francisco', topic: text(rand, 40) },
      messages: [{ role: 'system', content: text(rand, 200) }, { role: 'user', content: text(rand, 150 + Math.floor(rand() * 300)) }],
      parameters: { temperature: 0.3, max_tokens: 800 },
      output, finishReason: 'stop', usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      timing: { startedAt, ttftMs: Math.round(rand() * 8000) / 10, latencyMs: Math.round(rand() * 80000) / 10 },
      status: rand() < 0.95 ? 'ok' : 'error', costUsd: Math.round(rand() * 1e6) / 1e9, source: 'command',
    };
    (perDay[day] as string[]).push(JSON.stringify(record));
    if (i % 3 === 0) {
      const rating: RatingRecord = { event: 'rating', runId: record.id, thumb: rand() < 0.7 ? 'up' : 'down', at: new Date(Date.parse(startedAt) + 60_000).toISOString() };
      if (rand() < 0.3) rating.score = Math.round(rand() * 100) / 100;
      if (rand() < 0.1) rating.comment = text(rand, 80);
      if (rand() < 0.05) rating.betterResponse = text(rand, 200 + Math.floor(rand() * 800));
      const ratingDay = Math.min(days - 1, Math.floor((Date.parse(rating.at) - day0) / 86_400_000));
      (perDay[ratingDay] as string[]).push(JSON.stringify(rating));
      ratings++;
    }
  }
  let bytes = 0;
  perDay.forEach((lines, day) => {
    const body = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(body);
    fs.writeFileSync(path.join(dir, `${new Date(day0 + day * 86_400_000).toISOString().slice(0, 10)}.jsonl`), body);
  });
  return { bytes, ratings };
}
