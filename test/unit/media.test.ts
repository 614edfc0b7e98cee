/**
 * Media values: the type comes from the bytes (file-type), never from a name or a data: URI's claim; the provider's
 * limits hold; a prompt file from someone else's repository cannot make Prompt Lab read outside the workspace or
 * fetch a URL; audio and PDF files go as the API's input_audio and file parts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { changedMedia, detectMediaType, mediaSourceOf, prepareMessages, resolveMedia, type MediaAccess } from '../../src/core/run/media';
import { mediaLimitsOf, OPENAI_MEDIA_LIMITS } from '../../src/core/providers/mediaLimits';
import type { ChatMessage } from '../../src/core/template/template';
import { nodeFileSystem } from '../../src/node/fileSystem';
import { nodeHasher } from '../../src/node/hash';
import { pdfOf, pngOf, wavOf } from './mediaSamples';
import { tempDir } from './tempDir';

function workspace(files: Record<string, Buffer>): MediaAccess {
  const root = tempDir('prompt-lab-media-');
  for (const [name, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), bytes);
  }
  return { fileSystem: nodeFileSystem({ root }), root, hasher: nodeHasher() };
}

test('the media type is detected from the bytes, whatever the name or the data: URI says', async () => {
  assert.equal(await detectMediaType(pngOf(2, 2)), 'image/png');
  assert.equal(await detectMediaType(wavOf()), 'audio/wav');
  assert.equal(await detectMediaType(pdfOf()), 'application/pdf');
  assert.equal(await detectMediaType(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')), 'image/gif');
  assert.equal(await detectMediaType(Buffer.from('just some text')), undefined);

  const access = workspace({ 'disguised.jpg': pngOf(3, 3), 'notes.png': Buffer.from('not an image at all') });
  const disguised = await resolveMedia({ type: 'image', input: 'photo' }, 'disguised.jpg', access, OPENAI_MEDIA_LIMITS);
  assert.equal(disguised.part.mediaType, 'image/png');
  assert.ok(disguised.dataUri?.startsWith('data:image/png;base64,'));
  await assert.rejects(resolveMedia({ type: 'image', input: 'photo' }, 'notes.png', access, OPENAI_MEDIA_LIMITS), /The image input "photo" holds data of no known media type; this provider takes image\/png, image\/jpeg, image\/webp, image\/gif image/);
  const lying = `data:image/png;base64,${Buffer.from('%PDF-1.4 pretending').toString('base64')}`;
  await assert.rejects(resolveMedia({ type: 'image', input: 'photo' }, lying, access, OPENAI_MEDIA_LIMITS), /holds application\/pdf/);
});

test('a data: URI is decoded and logged without its data', async () => {
  const png = pngOf(4, 4);
  const resolved = await resolveMedia({ type: 'image', input: 'photo' }, `data:image/png;base64,${png.toString('base64')}`, workspace({}), OPENAI_MEDIA_LIMITS);
  assert.deepEqual(resolved.part, { type: 'image', input: 'photo', source: 'data', mediaType: 'image/png', bytes: png.length, sha256: await nodeHasher().sha256(png) });
});

test('each provider\'s size limit holds, and the error says both sizes', async () => {
  const big = pngOf(1400, 1000, [1, 2, 3]);
  // A PNG of one colour deflates well: pad it past Groq's 4 MB with an ancillary chunk a decoder skips.
  const padded = Buffer.concat([big.subarray(0, big.length - 12), Buffer.alloc(4 * 1024 * 1024 + 10), big.subarray(big.length - 12)]);
  const access = workspace({ 'big.png': padded });
  await assert.rejects(resolveMedia({ type: 'image', input: 'photo' }, 'big.png', access, mediaLimitsOf('groq')), /is 4\.\d+ MB; this provider takes at most 4 MB per image/);
  const ok = await resolveMedia({ type: 'image', input: 'photo' }, 'big.png', access, mediaLimitsOf('openai'));
  assert.equal(ok.part.bytes, padded.length);
  assert.equal(mediaLimitsOf('mistral').image?.maxBytes, 10 * 1024 * 1024);
  assert.equal(mediaLimitsOf('mistral').audio, undefined, 'Mistral takes no audio parts');
  await assert.rejects(resolveMedia({ type: 'audio', input: 'clip' }, 'big.png', access, mediaLimitsOf('mistral')), /this provider takes no audio parts/);
});

test('a path cannot leave the workspace: "..", absolute paths, and links that lead outside are refused', async () => {
  const outside = tempDir('prompt-lab-outside-');
  fs.writeFileSync(path.join(outside, 'secret.png'), pngOf(2, 2));
  const access = workspace({});
  fs.symlinkSync(path.join(outside, 'secret.png'), path.join(access.root, 'link.png'));
  for (const [value, message] of [
    ['../secret.png', /leaves the workspace folder \(".."\): an image must be inside the workspace/],
    [path.join(outside, 'secret.png'), /is not relative to the workspace folder/],
    ['link.png', /leads outside the workspace folder/],
    ['missing.png', /names "missing.png", which is not in the workspace/],
  ] as const) {
    await assert.rejects(resolveMedia({ type: 'image', input: 'photo' }, value, access, OPENAI_MEDIA_LIMITS), message, value);
  }
});

test('only https: URLs, and only for images; Prompt Lab passes them on and never fetches them', async () => {
  assert.deepEqual(mediaSourceOf('https://example.com/cat.png', 'image'), { kind: 'url', url: 'https://example.com/cat.png' });
  for (const value of ['file:///etc/passwd', 'http://example.com/cat.png', 'javascript:alert(1)', 'ftp://example.com/x.png']) {
    const source = mediaSourceOf(value, 'image');
    assert.equal(source.kind, 'invalid', value);
    assert.match((source as { reason: string }).reason, /Prompt Lab sends only https: URLs, workspace files and data: URIs/);
  }
  assert.match((mediaSourceOf('https://example.com/a.wav', 'audio') as { reason: string }).reason, /needs a workspace file or a data: URI/);
  const resolved = await resolveMedia({ type: 'image', input: 'photo' }, 'https://example.com/cat.png', workspace({}), OPENAI_MEDIA_LIMITS);
  assert.deepEqual(resolved.part, { type: 'image', input: 'photo', source: 'url', url: 'https://example.com/cat.png' });
  assert.equal(resolved.dataUri, undefined);
});

test('audio goes as input_audio (base64, wav), a PDF as a file part with its name, an image URL as it is', async () => {
  const access = workspace({ 'a/clip.wav': wavOf(), 'docs/brief.pdf': pdfOf() });
  const messages: ChatMessage[] = [{ role: 'user', content: [
    { type: 'text', text: 'Listen and read.' },
    { type: 'audio', input: 'clip' },
    { type: 'file', input: 'brief' },
    { type: 'image', input: 'photo', detail: 'high' },
  ] }];
  const prepared = await prepareMessages(messages, { clip: 'a/clip.wav', brief: 'docs/brief.pdf', photo: 'https://example.com/cat.png' }, access, OPENAI_MEDIA_LIMITS);
  const parts = prepared.wire[0]?.content as unknown[];
  assert.deepEqual(parts[1], { type: 'input_audio', input_audio: { data: wavOf().toString('base64'), format: 'wav' } });
  assert.deepEqual(parts[2], { type: 'file', file: { file_data: `data:application/pdf;base64,${pdfOf().toString('base64')}`, filename: 'brief.pdf' } });
  assert.deepEqual(parts[3], { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } });
  assert.equal(prepared.media.length, 3);
  assert.equal(JSON.stringify(prepared.logged).includes(wavOf().toString('base64')), false, 'the logged messages hold no bytes');
  await assert.rejects(prepareMessages(messages, { clip: 'a/clip.wav' }, undefined, OPENAI_MEDIA_LIMITS), /this front end reads no files/);
});

test('Re-run finds the files whose SHA-256 changed since the logged run', async () => {
  const access = workspace({ 'cat.png': pngOf(2, 2), 'dog.png': pngOf(3, 3) });
  const prepared = await prepareMessages([{ role: 'user', content: [{ type: 'image', input: 'a' }, { type: 'image', input: 'b' }] }], { a: 'cat.png', b: 'dog.png' }, access, OPENAI_MEDIA_LIMITS);
  assert.deepEqual(await changedMedia(prepared.logged, access), []);
  fs.writeFileSync(path.join(access.root, 'cat.png'), pngOf(5, 5));
  fs.rmSync(path.join(access.root, 'dog.png'));
  assert.deepEqual(await changedMedia(prepared.logged, access), [{ input: 'a', path: 'cat.png', reason: 'changed' }, { input: 'b', path: 'dog.png', reason: 'missing' }]);
});
