/**
 * FolderWatcher on real folders: a run log folder made with `mkdir -p` after watching started, files appended in it,
 * the folder deleted and made again (as a clean checkout does), and names it does not accept. Every wait is on the
 * watcher's own callback, with a deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FolderWatcher } from '../../src/vscode/folderWatcher';
import { tempDir } from './tempDir';

const DEADLINE_MS = 5000;

/** A watcher whose changes can be awaited: `changes(step)` runs `step` and resolves at the first change after it. */
function watch(folder: string) {
  let waiting: (() => void) | undefined;
  let count = 0;
  const watcher = new FolderWatcher(folder, () => {
    count++;
    waiting?.();
  }, (name) => name.endsWith('.jsonl'));
  async function changes(step: () => void, what: string): Promise<void> {
    const before = count;
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no change reported after ${what} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    step();
    if (count === before) await seen;
    waiting = undefined;
  }
  return { watcher, changes, count: () => count };
}

test('follows a log folder made with mkdir -p after watching started, and the lines appended to it', async () => {
  const root = tempDir('prompt-lab-watch-');
  const folder = path.join(root, '.promptlab', 'runs');
  const { watcher, changes } = watch(folder);
  try {
    assert.equal(watcher.watchingFolder, false);
    await changes(() => {
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, '2026-11-21.jsonl'), '{"event":"run"}\n');
    }, 'mkdir -p and a new log file');
    // The folder may be seen before the file is written: then the file's own event follows.
    for (let i = 0; i < 50 && !watcher.watchingFolder; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(watcher.watchingFolder, true);
    await changes(() => fs.appendFileSync(path.join(folder, '2026-11-21.jsonl'), '{"event":"rating"}\n'), 'an appended line');
  } finally {
    watcher.dispose();
  }
});

test('follows the folder when it is deleted and made again, and reports only the names it accepts', async () => {
  const root = tempDir('prompt-lab-watch-');
  const folder = path.join(root, 'runs');
  fs.mkdirSync(folder);
  const { watcher, changes, count } = watch(folder);
  try {
    assert.equal(watcher.watchingFolder, true);
    await changes(() => {
      fs.rmSync(folder, { recursive: true });
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'a.jsonl'), 'x\n');
    }, 'rm -rf, mkdir and a new log file');
    for (let i = 0; i < 50 && !watcher.watchingFolder; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(watcher.watchingFolder, true);
    // Let the events of the re-creation pass, then a name it does not accept, then one it does.
    await new Promise((r) => setTimeout(r, 200));
    const before = count();
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a log\n');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(count(), before, 'notes.txt is not reported');
    await changes(() => fs.appendFileSync(path.join(folder, 'a.jsonl'), 'y\n'), 'an append to the new folder');
  } finally {
    watcher.dispose();
  }
});

test('reports nothing after dispose', async () => {
  const folder = tempDir('prompt-lab-watch-');
  const { watcher, count } = watch(folder);
  watcher.dispose();
  fs.writeFileSync(path.join(folder, 'a.jsonl'), 'x\n');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(count(), 0);
});
