import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendRunRecord, logFileName, type RunRecord } from '../../src/core/log/runLog';
import { tempDir } from './tempDir';
import { testFileSystem, testFileSystemName } from './fileSystems';

const files = testFileSystem();

function record(id: string, startedAt: string, output = 'out'): RunRecord {
  return {
    event: 'run', id, prompt: 'a.prompt.json', deployment: 'd', provider: 'openai', model: 'm', inputs: {}, messages: [], parameters: {},
    output, finishReason: 'stop', usage: null, timing: { startedAt, ttftMs: 1, latencyMs: 2 }, status: 'ok',
  };
}

test('the file is named by the UTC date of the run', () => {
  assert.equal(logFileName(new Date('2026-11-21T23:59:59.999Z')), '2026-11-21.jsonl');
  assert.equal(logFileName(new Date('2026-11-22T00:30:00+02:00')), '2026-11-21.jsonl');
});

test('appends never rewrite earlier lines, and create the folder', async () => {
  const dir = path.join(tempDir('prompt-lab-log-'), '.promptlab', 'runs');
  const first = await appendRunRecord(files, dir, record('1', '2026-11-21T10:00:00.000Z', 'line\nbreak "quoted" ✓'));
  const before = fs.readFileSync(first, 'utf8');
  await appendRunRecord(files, dir, record('2', '2026-11-21T11:00:00.000Z'));
  await appendRunRecord(files, dir, record('3', '2026-11-22T00:00:00.000Z'));
  const after = fs.readFileSync(first, 'utf8');
  assert.ok(after.startsWith(before));
  assert.deepEqual(after.trimEnd().split('\n').map((l) => (JSON.parse(l) as RunRecord).id), ['1', '2']);
  assert.equal((JSON.parse(before) as RunRecord).output, 'line\nbreak "quoted" ✓');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['2026-11-21.jsonl', '2026-11-22.jsonl']);
});

test('two processes appending at once lose no line and interleave none', { skip: testFileSystemName() !== 'node' && 'a web workspace has no O_APPEND: appends are atomic within one extension host only' }, async () => {
  const dir = tempDir('prompt-lab-log2-');
  const perWriter = 400;
  const modulePath = require.resolve('../../src/core/log/runLog');
  // Each writer appends lines of different sizes (up to 200 KB) as fast as it can.
  const script = `
    const { appendRunRecord } = require(${JSON.stringify(modulePath)});
    const files = require(${JSON.stringify(require.resolve('../../src/node/fileSystem'))}).nodeFileSystem();
    const [dir, writer, count] = process.argv.slice(1);
    (async () => {
      for (let i = 0; i < Number(count); i++) {
        const size = (i % 7) * 30000 + 10;
        await appendRunRecord(files, dir, { event: 'run', id: writer + '-' + i, prompt: 'p', deployment: 'd', provider: 'openai', model: 'm',
          inputs: {}, messages: [], parameters: {}, output: writer.repeat(size), finishReason: 'stop', usage: null,
          timing: { startedAt: '2026-11-21T12:00:00.000Z', ttftMs: 1, latencyMs: 1 }, status: 'ok' });
      }
    })();`;
  const run = (writer: string) => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, dir, writer, String(perWriter)], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${writer} exited ${code}`))));
  });
  await Promise.all([run('a'), run('b')]);
  const lines = fs.readFileSync(path.join(dir, '2026-11-21.jsonl'), 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, perWriter * 2);
  const ids = new Set<string>();
  for (const line of lines) {
    const r = JSON.parse(line) as RunRecord;
    const writer = r.id.split('-')[0] as string;
    assert.equal(r.output, writer.repeat((Number(r.id.split('-')[1]) % 7) * 30000 + 10));
    ids.add(r.id);
  }
  assert.equal(ids.size, perWriter * 2);
});
