/**
 * FolderWatcher on real folders: a run log folder made with `mkdir -p` after watching started, files appended in it,
 * the folder deleted and made again (as a clean checkout does), and names it does not accept. Every wait is on the
 * watcher's own callback, with a deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FolderWatcher } from '../../src/node/folderWatcher';
import { tempDir } from './tempDir';

const DEADLINE_MS = 5000;

/**
 * A watcher whose changes can be awaited: `changes(step)` runs `step` and resolves at the first change after it.
 * `asked` lists every file name the watcher was told about (its `accept` sees each), `reported` the names it
 * reported (the name `accept` was asked about just before a report; undefined for a report of the folder itself),
 * so a name left out can be told from one never seen.
 */
function watch(folder: string) {
  let waiting: (() => void) | undefined;
  let count = 0;
  const asked: string[] = [];
  const reported: (string | undefined)[] = [];
  // The watcher calls `accept(name)` and then, in the same synchronous step, `onChange()` for that name.
  let askedNow: string | undefined;
  const watcher = new FolderWatcher(folder, () => {
    count++;
    reported.push(askedNow);
    waiting?.();
  }, (name) => {
    asked.push(name);
    askedNow = name;
    queueMicrotask(() => { askedNow = undefined; });
    return name.endsWith('.jsonl');
  });
  /** Runs `step`, resolves at the first report after it (of the file `name`, when given). */
  async function changes(step: () => void, what: string, name?: string): Promise<void> {
    const before = reported.length;
    const done = () => (name === undefined ? reported.length > before : reported.slice(before).includes(name));
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no change reported after ${what} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
      waiting = () => {
        if (!done()) return;
        clearTimeout(timer);
        resolve();
      };
    });
    step();
    if (!done()) await seen;
    waiting = undefined;
  }
  return { watcher, changes, count: () => count, asked, reported };
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
  const { watcher, changes, asked, reported } = watch(folder);
  try {
    assert.equal(watcher.watchingFolder, true);
    await changes(() => {
      fs.rmSync(folder, { recursive: true });
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'a.jsonl'), 'x\n');
    }, 'rm -rf, mkdir and a new log file');
    for (let i = 0; i < 50 && !watcher.watchingFolder; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(watcher.watchingFolder, true);
    // A name it does not accept, then one it does: inotify delivers their events in order, so once the append is
    // reported the watcher has already been told about notes.txt, and did not report it.
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a log\n');
    await changes(() => fs.appendFileSync(path.join(folder, 'a.jsonl'), 'y\n'), 'an append to the new folder', 'a.jsonl');
    assert.ok(asked.includes('notes.txt'), `the watcher was told about notes.txt (${asked.join(', ')})`);
    assert.ok(!reported.includes('notes.txt'), 'notes.txt is not reported');
  } finally {
    watcher.dispose();
  }
});

test('reports nothing after dispose', async () => {
  const folder = tempDir('prompt-lab-watch-');
  const { watcher, count } = watch(folder);
  // A second watcher on the same folder, left running: once it reports the new file, the disposed one would have too.
  const witness = watch(folder);
  try {
    watcher.dispose();
    await witness.changes(() => fs.writeFileSync(path.join(folder, 'a.jsonl'), 'x\n'), 'a new log file');
    await new Promise((resolve) => setImmediate(resolve)); // the rest of the same batch of events
    assert.equal(count(), 0);
  } finally {
    witness.watcher.dispose();
  }
});
