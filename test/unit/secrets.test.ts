/**
 * Keys never reach a file: a server that echoes the key (OpenAI's recorded 401 does for a short key; the replay
 * server's `synthetic/echoKey` echoes a long one as OpenAI shows it, or a whole header as a proxy would) leaves no
 * trace of it in the run log, the outcome or the retry reasons, whether or not PII redaction is on; and error bodies
 * that are not OpenAI-shaped keep their text.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePromptFile, type PromptFile } from '../../src/core/format/promptFile';
import { SecretScrubber, SECRET_MASK } from '../../src/core/log/secrets';
import { resolveDeployment } from '../../src/core/providers/deployments';
import { executeRun, type RunRequest } from '../../src/core/run/run';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { tempDir } from './tempDir';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

let server: ReplayServer;
before(async () => {
  server = await startReplayServer();
});
after(async () => {
  await server.close();
});

const PROMPT = parsePromptFile('{ "messages": [ { "role": "user", "content": "Hi" } ] }').prompt as PromptFile;

function request(model: string, apiKey: string | undefined, logDir: string, extra: Partial<RunRequest> = {}): RunRequest {
  return {
    runId: randomUUID(), promptPath: 'p.prompt.json', prompt: PROMPT, renderer: inProcessRenderer(), inputs: { note: `my key is ${apiKey}` },
    deployment: resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL: server.baseURL, model, maxRetries: 0 } }), apiKey, logDir, fs: files, ...extra,
  };
}

/** Every file under `dir`, read as text. */
function allText(dir: string): string {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
}

const LONG_KEY = 'sk-proj-Q3vX9mZk2LpT7wRb4NcYf8HdJs6GaE1uVi0oKqWe5';

test('the scrubber masks a secret, runs of its start or end, and the masked forms servers show', () => {
  const s = new SecretScrubber([LONG_KEY, 'short', undefined]);
  assert.equal(s.scrub(`key=${LONG_KEY}.`), `key=${SECRET_MASK}.`);
  assert.equal(s.scrub(`truncated: ${LONG_KEY.slice(0, 20)}…`), `truncated: ${SECRET_MASK}…`);
  assert.equal(s.scrub(`tail: ${LONG_KEY.slice(-12)}`), `tail: ${SECRET_MASK}`);
  assert.equal(s.scrub(`Incorrect API key provided: ${LONG_KEY.slice(0, 8)}${'*'.repeat(36)}${LONG_KEY.slice(-4)}.`), `Incorrect API key provided: ${SECRET_MASK}.`);
  assert.equal(s.scrub(`ends in ****${LONG_KEY.slice(-4)} and …${LONG_KEY.slice(-4)}`), `ends in ${SECRET_MASK} and ${SECRET_MASK}`);
  // Too short to look for; ordinary text and the key's well-known prefix alone stay.
  assert.equal(s.scrub('a short word, sk-proj- keys, the last four ' + LONG_KEY.slice(-4)), 'a short word, sk-proj- keys, the last four ' + LONG_KEY.slice(-4));
  assert.deepEqual(s.scrubValue({ a: [LONG_KEY, 1, null, true], [LONG_KEY]: 'x' }), { a: [SECRET_MASK, 1, null, true], [SECRET_MASK]: 'x' });
  const fuzzed = `${'x'.repeat(100)}${LONG_KEY}${LONG_KEY.slice(3)}${LONG_KEY.slice(0, 9)}`;
  assert.ok(!s.scrub(fuzzed).includes(LONG_KEY.slice(0, 10)) && !s.scrub(fuzzed).includes(LONG_KEY.slice(-10)));
});

test('the recorded 401 that echoes a short key leaves no trace of it in the log, the outcome or the inputs', async () => {
  const logDir = tempDir('prompt-lab-secrets-');
  const key = 'sk-fake-key';
  const outcome = await executeRun(request('replay/openai/error-401-invalid-api-key', key, logDir));
  assert.equal(outcome.record.status, 'error');
  assert.equal(outcome.error?.httpStatus, 401);
  assert.match(outcome.error?.message ?? '', /Incorrect API key provided: \[KEY\]\./);
  assert.ok(!JSON.stringify(outcome).includes(key), 'not in the outcome the panel shows');
  const text = allText(logDir);
  assert.ok(text.includes('"status":"error"'), 'the run is logged');
  assert.ok(!text.includes(key), 'not in the run log');
});

test('a long key echoed in OpenAI\'s masked form, or whole by a proxy, is masked everywhere, with redaction on or off', async () => {
  for (const [form, redactPII] of [['openai', false], ['openai', true], ['plain', false]] as const) {
    const logDir = tempDir('prompt-lab-secrets-');
    const retries: string[] = [];
    const outcome = await executeRun(request(`synthetic/echoKey?form=${form}`, LONG_KEY, logDir, { redactPII }), { onRetry: (r) => retries.push(r.reason) });
    assert.equal(outcome.record.status, 'error', form);
    assert.match(outcome.error?.message ?? '', /\[KEY\]/, form);
    for (const text of [allText(logDir), JSON.stringify(outcome), retries.join('\n')]) {
      for (const piece of [LONG_KEY, LONG_KEY.slice(0, 12), LONG_KEY.slice(-10), `${'*'.repeat(10)}${LONG_KEY.slice(-4)}`]) {
        assert.ok(!text.includes(piece), `${form}: "${piece}" must not appear`);
      }
    }
    // The server did receive the key: it is masked where it is written, not withheld.
    assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${LONG_KEY}`);
  }
});

test('error bodies in other shapes keep their text: top-level message, FastAPI detail, plain text', async () => {
  for (const shape of ['toplevel', 'detail', 'text']) {
    const logDir = tempDir('prompt-lab-errors-');
    const outcome = await executeRun(request(`synthetic/errorBody?shape=${shape}&code=400`, undefined, logDir));
    assert.equal(outcome.record.status, 'error');
    assert.equal(outcome.error?.httpStatus, 400);
    assert.match(outcome.error?.message ?? '', new RegExp(`Synthetic 400 in the ${shape} shape from the Prompt Lab replay server`), shape);
    assert.doesNotMatch(outcome.error?.detail ?? '', /no body/, shape);
    assert.match(allText(logDir), /Synthetic 400 in the/, shape);
  }
});
