/** The loop guard: the cap on an evaluation's requests in flight while the event loop runs late (src/core/evaluation/loopGuard.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopGuard } from '../../src/core/evaluation/loopGuard';

test('a late tick cuts the cap to 0.7× the requests in flight (not below the floor, once per 100 ms); on-time ticks raise it by one while it holds requests back', () => {
  const g = new LoopGuard({ intervalMs: 20, highMs: 25, lowMs: 8, floor: 8, cutEveryMs: 100, now: () => 0 });
  let woken = 0;
  const wake = (): void => {
    woken++;
  };
  for (let i = 0; i < 40; i++) assert.equal(g.acquire(wake), true, 'no cap before a late tick');
  g.tick(20);
  assert.equal(g.cap, Infinity, 'on time: no cap');
  g.tick(20 + 20 + 30);
  assert.equal(g.cap, 28, '0.7 × 40 in flight');
  assert.equal(g.acquire(wake), false, 'the cap holds the 41st back');
  g.tick(70 + 20 + 40);
  assert.equal(g.cap, 28, 'a second late tick within 100 ms cuts nothing');
  for (let i = 0; i < 13; i++) g.release();
  assert.equal(woken, 1, 'a slot freed under the cap wakes the waiting pool once');
  assert.equal(g.acquire(wake), true);
  // 28 in flight: a late tick ≥ 100 ms after the cut cuts again, never below the floor.
  for (let i = 0; i < 12; i++) g.acquire(wake);
  g.tick(300);
  assert.equal(g.cap, 19);
  for (let i = 0; i < 20; i++) g.release();
  g.tick(500);
  assert.equal(g.cap, 19, 'only 8 in flight: the floor, no cut');
  // On time while the cap holds requests back: one more slot per tick.
  for (let i = 0; i < 11; i++) assert.equal(g.acquire(wake), true);
  assert.equal(g.acquire(wake), false);
  g.tick(520);
  assert.equal(g.cap, 20);
  g.tick(540);
  assert.equal(g.cap, 20, 'nothing held back since: no raise');
  g.stop();
  assert.equal(g.cap, Infinity, 'stopped: no cap');
});
