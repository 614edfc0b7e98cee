/**
 * The core's file tests again, against the web's FileSystem (src/web/wholeFileSystem.ts: whole-file reads and
 * writes, as `vscode.workspace.fs`), alone and over the web entry's workspace.fs adapter
 * (src/web/workspaceFileStore.ts): each listed test file runs in a child `node --test` with
 * PROMPT_LAB_TEST_FILE_SYSTEM=whole-file, then =workspace-fs (see ./fileSystems.ts), so the same assertions hold for
 * every implementation. Plus what only the whole-file one does: appends queued per file, ranged reads from one read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { wholeFileSystem } from '../../src/web/wholeFileSystem';
import { confinedFileSystem, containingFolder, errorCodeOf, workspaceFileStore } from '../../src/web/workspaceFileStore';
import { nodeWholeFileStore, nodeWorkspaceFs, testFileSystemName } from './fileSystems';
import { tempDir } from './tempDir';

/** Test files of the core that read or write through a FileSystem (built next to this one). */
const CORE_FILE_TESTS = ['history', 'runLog', 'ratings', 'annotations', 'exportRuns', 'budget', 'testData'];

for (const implementation of ['whole-file', 'workspace-fs'] as const) {
  test(`the core's file tests pass on the web's ${implementation} FileSystem too`, { skip: testFileSystemName() !== 'node' && 'already a web run' }, () => {
    const files = CORE_FILE_TESTS.map((name) => path.join(__dirname, `${name}.test.js`));
    for (const file of files) assert.ok(fs.existsSync(file), `${file} is built`);
    // Without the NODE_TEST_CONTEXT that this runner sets: with it, the child would report to it in its own protocol.
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...files], {
      env: { ...env, PROMPT_LAB_TEST_FILE_SYSTEM: implementation }, encoding: 'utf8', timeout: 300_000,
    });
    const summary = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(run.stdout)?.[1] ?? NaN);
    assert.equal(run.status, 0, `the ${implementation} run failed:\n${run.stdout.split('\n').filter((l) => /^\s*not ok|error|expected|actual/i.test(l)).join('\n')}\n${run.stderr}`);
    assert.equal(summary('fail'), 0);
    assert.ok(summary('pass') >= 30, `${summary('pass')} tests passed: the files ran`);
  });
}

test('whole-file FileSystem: appends at once to one file are queued and lose no line; a missing folder is created', async () => {
  const dir = path.join(tempDir('prompt-lab-whole-'), 'a', 'b');
  const files = wholeFileSystem(nodeWholeFileStore());
  const file = `${dir}/log.jsonl`;
  await Promise.all(Array.from({ length: 50 }, (_, i) => files.appendFile(file, `${i}\n`)));
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.deepEqual(lines.map(Number).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});

test('whole-file FileSystem: ranged reads see a file that changed since the last read', async () => {
  const dir = tempDir('prompt-lab-whole-');
  const files = wholeFileSystem(nodeWholeFileStore());
  const file = path.join(dir, 'f.txt');
  fs.writeFileSync(file, 'abcdef');
  const into = new Uint8Array(4);
  assert.equal(await files.read(file, 2, into), 4);
  assert.equal(new TextDecoder().decode(into), 'cdef');
  assert.equal(await files.read(file, 6, into), 0);
  await files.appendFile(file, 'gh');
  assert.equal(await files.read(file, 6, into), 2);
  assert.equal(new TextDecoder().decode(into.subarray(0, 2)), 'gh');
  fs.writeFileSync(file, 'XY');
  assert.equal(await files.read(file, 0, into), 2);
  assert.equal(new TextDecoder().decode(into.subarray(0, 2)), 'XY');
  await assert.rejects(files.read(path.join(dir, 'missing'), 0, into), (err: Error & { code?: string }) => err.name === 'FileSystemError' && err.code === 'not-found');
});

test('workspace.fs adapter: paths become the URIs of their workspace folder, errors the core\'s codes, a root confines', async () => {
  const folders = [{ path: '/ws/a' }, { path: '/ws/a/nested' }, { path: '/other' }];
  assert.equal(containingFolder('/ws/a/x.prompt.json', folders)?.path, '/ws/a');
  assert.equal(containingFolder('/ws/a/nested/y', folders)?.path, '/ws/a/nested', 'the longest folder wins');
  assert.equal(containingFolder('/ws/a', folders)?.path, '/ws/a');
  assert.equal(containingFolder('/ws/ab/z', folders), undefined, 'a folder is not a prefix of its sibling');
  assert.equal(errorCodeOf(Object.assign(new Error('x'), { code: 'FileNotFound' })), 'not-found');
  assert.equal(errorCodeOf(Object.assign(new Error('x'), { name: 'EntryNotADirectory (FileSystemError)' })), 'not-found');
  assert.equal(errorCodeOf(Object.assign(new Error('x'), { code: 'NoPermissions' })), 'other');
  const dir = tempDir('prompt-lab-wsfs-');
  fs.writeFileSync(path.join(dir, 'in.txt'), 'inside');
  const files = confinedFileSystem(wholeFileSystem(workspaceFileStore(nodeWorkspaceFs(), (p) => pathToFileURL(p).href)), dir, path.posix.normalize);
  assert.equal(new TextDecoder().decode(await files.readFile(`${dir}/in.txt`)), 'inside');
  for (const outside of [`${dir}/../x`, `${dir}x/in.txt`, '/etc/passwd']) {
    await assert.rejects(files.readFile(outside), (err: Error & { code?: string }) => err.name === 'FileSystemError' && err.code === 'outside', outside);
  }
  await assert.rejects(files.readDirectory(`${dir}/in.txt`), (err: Error & { code?: string }) => err.code === 'not-found', 'a file listed as a folder');
});
