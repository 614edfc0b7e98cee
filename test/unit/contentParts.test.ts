/**
 * Content parts: a message's `content` as an array of text templates and media from inputs. Parsing keeps each part
 * with its characters, the editor checks text parts like any template and marks media inputs used, the bounded
 * worker renders the text parts and passes the media parts on untouched (it never reads a file), and a run sends them
 * as the chat completions API's parts while the log keeps only where the media came from, its type, size and hash.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatCompletionCreateParamsStreaming, ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { parsePromptFile, type PartsMessage, type PromptFile } from '../../src/core/format/promptFile';
import { resolveDeployment } from '../../src/core/providers/deployments';
import { executeRun } from '../../src/core/run/run';
import { analyzePromptFile } from '../../src/core/template/analyze';
import { inProcessRenderer } from '../../src/core/template/inProcessRenderer';
import type { ChatMediaPart } from '../../src/core/template/template';
import type { RunRecord } from '../../src/core/log/runLog';
import { WorkerRenderer } from '../../src/node/renderWorker';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { nodeHasher } from '../../src/node/hash';
import { startReplayServer, type ReplayServer } from '../replay/server';
import { pngOf } from './mediaSamples';
import { tempDir } from './tempDir';
import { testFileSystem } from './fileSystems';

const files = testFileSystem();

const SCRIPT = path.resolve(__dirname, '..', '..', 'src', 'node', 'renderWorkerMain.js');

let server: ReplayServer;
before(async () => {
  server = await startReplayServer();
});
after(async () => {
  await server.close();
});

const TEXT = `{
  "deployment": "d",
  "inputs": {
    "photo": { "type": "image", "default": "photos/cat.png" },
    "subject": { "default": "the animal" }
  },
  "messages": [
    { "role": "system", "content": "You describe pictures." },
    { "role": "user", "content": [
      { "type": "text", "text": "Describe {{ subject }}." },
      { "type": "image", "input": "photo", "detail": "low" }
    ] }
  ]
}`;

test('a content array is read part by part, with the characters of each text template', () => {
  const { prompt, problems } = parsePromptFile(TEXT);
  assert.deepEqual(problems, []);
  const message = prompt?.messages[1] as PartsMessage;
  assert.equal(message.kind, 'parts');
  assert.equal(message.role, 'user');
  assert.deepEqual(message.parts.map((p) => p.type), ['text', 'image']);
  const text = message.parts[0];
  assert.ok(text?.type === 'text');
  assert.equal(TEXT.slice(text.textSpan.offset, text.textSpan.offset + text.textSpan.length), '"Describe {{ subject }}."');
  assert.deepEqual(message.parts[1], { type: 'image', input: 'photo', detail: 'low', span: (message.parts[1] as { span: unknown }).span });
  assert.equal(prompt?.inputs.get('photo')?.type, 'image');
  assert.deepEqual(prompt?.messageProblems, []);
});

test('text parts are checked like templates at their characters, and media inputs count as used', () => {
  const broken = TEXT.replace('Describe {{ subject }}.', 'Describe {{ subjekt }}.');
  const diagnostics = analyzePromptFile(broken).diagnostics;
  const undeclared = diagnostics.find((d) => d.code === 'undeclared-variable');
  assert.ok(undeclared);
  assert.equal(broken.slice(undeclared.start, undeclared.end), 'subjekt');
  assert.ok(!diagnostics.some((d) => d.code === 'unused-input' && d.data?.name === 'photo'), 'the image part uses "photo"');
  assert.deepEqual(analyzePromptFile(TEXT).diagnostics.filter((d) => d.severity === 'error'), []);
});

test('parts that cannot be sent are message-shape errors at the part, and keep the message out of the prompt', () => {
  const cases: { content: string; marked: string; message: RegExp }[] = [
    { content: '[ { "type": "image", "input": "subject" } ]', marked: '"subject"', message: /the input "subject" has the type "string"|has the type/ },
    { content: '[ { "type": "image", "input": "photo", "detail": "ultra" } ]', marked: '"ultra"', message: /"detail" "ultra": use "low", "high" or "auto"/ },
    { content: '[ { "type": "audio", "input": "photo" } ]', marked: '"photo"', message: /audio part, but the input "photo" has the type "image"/ },
    { content: '[ { "type": "text" } ]', marked: '{ "type": "text" }', message: /needs "text"/ },
    { content: '[ "Describe it" ]', marked: '"Describe it"', message: /must be an object/ },
  ];
  for (const c of cases) {
    const text = TEXT.replace(/"content": \[[\s\S]*?\] \}\n {2}\]/, `"content": ${c.content} }\n  ]`).replace('"subject": { "default": "the animal" }', '"subject": { "type": "string", "default": "the animal" }');
    const diagnostics = analyzePromptFile(text).diagnostics.filter((d) => d.code === 'message-shape');
    assert.equal(diagnostics.length, 1, c.content);
    assert.equal(text.slice(diagnostics[0]!.start, diagnostics[0]!.end), c.marked, c.content);
    assert.match(diagnostics[0]!.message, c.message);
    const prompt = parsePromptFile(text).prompt as PromptFile;
    assert.equal(prompt.messages.length, 1, 'the message is not sent without its part');
    assert.equal(prompt.messageProblems.length, 1);
  }
  const system = TEXT.replace('"role": "user", "content": [', '"role": "system", "content": [');
  assert.match(parsePromptFile(system).prompt?.messageProblems[0] ?? '', /image part in a system message: images, audio and files can only be sent in user messages/);
});

test('the bounded worker renders text parts and passes media parts on without reading anything', async () => {
  const prompt = parsePromptFile(TEXT).prompt as PromptFile;
  const worker = new WorkerRenderer(SCRIPT);
  try {
    const viaWorker = await worker.renderMessages(prompt, { subject: 'the cat', photo: 'photos/cat.png' });
    const inProcess = await inProcessRenderer().renderMessages(prompt, { subject: 'the cat', photo: 'photos/cat.png' });
    assert.deepEqual(viaWorker, inProcess);
    assert.deepEqual(viaWorker[1]?.content, [{ type: 'text', text: 'Describe the cat.' }, { type: 'image', input: 'photo', detail: 'low' }]);
  } finally {
    worker.dispose();
  }
});

test('a run sends the image as an image_url data URI and logs its path, type, size and SHA-256, not its bytes', async () => {
  const root = tempDir('prompt-lab-parts-');
  const png = pngOf(16, 12);
  fs.mkdirSync(path.join(root, 'photos'));
  fs.writeFileSync(path.join(root, 'photos', 'cat.png'), png);
  const logDir = path.join(root, '.promptlab', 'runs');
  const prompt = parsePromptFile(TEXT).prompt as PromptFile;
  const sent = server.requests.length;
  const outcome = await executeRun({
    runId: randomUUID(), promptPath: 'describe.prompt.json', prompt, renderer: inProcessRenderer(), inputs: { subject: 'the cat', photo: 'photos/cat.png' },
    deployment: resolveDeployment('d', { d: { provider: 'openai-compatible', baseURL: server.baseURL, model: 'replay/openai/pysdk-stream-text-usage' } }),
    apiKey: undefined, logDir, fs: files, media: { fileSystem: nodeFileSystem({ root }), root, hasher: nodeHasher() },
  });
  assert.equal(outcome.record.status, 'ok', outcome.error?.message);
  assert.equal(server.requests.length, sent + 1);
  const body = server.requests.at(-1)?.body as ChatCompletionCreateParamsStreaming;
  const parts = body.messages[1]?.content as ChatCompletionContentPart[];
  // The shape OpenAI's own recorded vision request has (pydantic-ai test_image_as_binary_content_input.yaml, see
  // test/fixtures/wire/SOURCES.md): a text part, then an image_url part whose url is a base64 data URI.
  assert.deepEqual(parts[0], { type: 'text', text: 'Describe the cat.' });
  assert.deepEqual(parts[1], { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}`, detail: 'low' } });

  const line = fs.readFileSync(outcome.logFile as string, 'utf8');
  assert.ok(!line.includes(png.toString('base64').slice(0, 40)), 'the log holds no image bytes');
  const record = JSON.parse(line.trim().split('\n').at(-1) as string) as RunRecord;
  const logged = (record.messages[1]?.content as ChatMediaPart[])[1];
  assert.deepEqual(logged, {
    type: 'image', input: 'photo', detail: 'low', source: 'path', path: 'photos/cat.png', mediaType: 'image/png', bytes: png.length,
    sha256: (await nodeHasher().sha256(png)),
  });
});

test('the parts Prompt Lab builds are the SDK\'s own types and get the recorded answer to a vision request', async () => {
  const { default: OpenAI } = await import('openai');
  const { prepareMessages } = await import('../../src/core/run/media');
  const { OPENAI_MEDIA_LIMITS } = await import('../../src/core/providers/mediaLimits');
  const root = tempDir('prompt-lab-vision-');
  fs.writeFileSync(path.join(root, 'kiwi.png'), pngOf(6, 6, [90, 160, 40]));
  const prepared = await prepareMessages([{ role: 'user', content: [{ type: 'text', text: 'What fruit is in the image?' }, { type: 'image', input: 'fruit' }] }], { fruit: 'kiwi.png' },
    { fileSystem: nodeFileSystem({ root }), root, hasher: nodeHasher() }, OPENAI_MEDIA_LIMITS);
  const client = new OpenAI({ apiKey: 'test-key', baseURL: server.baseURL, maxRetries: 0 });
  // Typed as the SDK's request: a part the SDK does not know would not compile.
  const completion = await client.chat.completions.create({ model: 'replay/openai/pai-nonstream-vision-image-input', messages: prepared.wire });
  assert.equal(completion.choices[0]?.message.content, 'The fruit in the image is a kiwi.');
  const recorded = server.requests.at(-1)?.body as { messages: { content: { type: string }[] }[] };
  assert.deepEqual(recorded.messages[0]?.content.map((p) => p.type), ['text', 'image_url'], 'the recorded request\'s part types, in its order');
});

test('the editor marks a media value that cannot be sent, a deployment without the capability, and what request rules change', async () => {
  const { checkMediaInputs } = await import('../../src/core/run/mediaCheck');
  const { mediaLimitsOf } = await import('../../src/core/providers/mediaLimits');
  const bad = TEXT.replace('"photos/cat.png"', '"file:///etc/passwd"').replace('"deployment": "d",', '"deployment": "d", "parameters": { "temperature": 0.3, "max_tokens": 20 },');
  const diagnostics = analyzePromptFile(bad, { deployments: ['d'], deploymentTargets: { d: { model: 'o3-mini', provider: 'openai' } } }).diagnostics;
  const media = diagnostics.find((d) => d.code === 'media-input');
  assert.equal(bad.slice(media!.start, media!.end), '"file:///etc/passwd"');
  assert.match(media!.message, /is a file: URL; Prompt Lab sends only https: URLs/);
  const capability = diagnostics.find((d) => d.code === 'media-capability');
  assert.equal(capability?.severity, 'warning');
  assert.match(bad.slice(capability!.start, capability!.end), /^\{ "type": "image", "input": "photo"/);
  const rules = diagnostics.filter((d) => d.code === 'request-rule').map((d) => bad.slice(d.start, d.end));
  assert.deepEqual(rules, ['"temperature"', '"max_tokens"']);
  const declared = analyzePromptFile(bad, { deployments: ['d'], deploymentTargets: { d: { model: 'gpt-4o', provider: 'openai', capabilities: ['vision'] } } }).diagnostics;
  assert.ok(!declared.some((d) => d.code === 'media-capability' || d.code === 'request-rule'));

  const root = tempDir('prompt-lab-check-');
  fs.mkdirSync(path.join(root, 'photos'));
  fs.writeFileSync(path.join(root, 'photos', 'cat.png'), Buffer.from('%PDF-1.4 not an image'));
  const prompt = parsePromptFile(TEXT).prompt as PromptFile;
  const found = await checkMediaInputs(prompt, { fileSystem: nodeFileSystem({ root }), root }, mediaLimitsOf('openai'));
  assert.equal(found.length, 1);
  assert.equal(TEXT.slice(found[0]!.start, found[0]!.end), '"photos/cat.png"');
  assert.match(found[0]!.message, /holds application\/pdf; this provider takes image\/png/);
  fs.writeFileSync(path.join(root, 'photos', 'cat.png'), pngOf(2, 2));
  assert.deepEqual(await checkMediaInputs(prompt, { fileSystem: nodeFileSystem({ root }), root }, mediaLimitsOf('openai')), []);
});
