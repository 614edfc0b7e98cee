/** The loop guard: the cap on an evaluation's requests in flight while the event loop runs late (src/core/evaluation/loopGuard.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopGuard } from '../../src/core/evaluation/loopGuard';

test('the median lateness of 5 ticks cuts the cap to 0.7× the requests in flight (not below the floor, once per 100 ms); on time, it rises by an eighth while it holds requests back', () => {
  const g = new LoopGuard({ intervalMs: 20, highMs: 25, lowMs: 8, floor: 8, cutEveryMs: 100, now: () => 0 });
  let t = 0;
  const tick = (lateMs: number): void => {
    t += 20 + lateMs;
    g.tick(t);
  };
  let woken = 0;
  const wake = (): void => {
    woken++;
  };
  for (let i = 0; i < 40; i++) assert.equal(g.acquire(wake), true, 'no cap before late ticks');
  for (let i = 0; i < 5; i++) tick(0);
  assert.equal(g.cap, Infinity, 'on time: no cap');
  tick(200);
  assert.equal(g.cap, Infinity, 'one late tick is the machine, not congestion');
  tick(30);
  assert.equal(g.cap, Infinity);
  tick(30);
  assert.equal(g.cap, 28, 'three late ticks of five: 0.7 × 40 in flight');
  assert.equal(g.acquire(wake), false, 'the cap holds the 41st back');
  tick(30);
  assert.equal(g.cap, 28, 'a second cut within 100 ms: none');
  for (let i = 0; i < 13; i++) g.release();
  assert.equal(woken, 1, 'a slot freed under the cap wakes the waiting pool once');
  assert.equal(g.acquire(wake), true);
  tick(30);
  assert.equal(g.cap, 19, '100 ms after the cut, still late: 0.7 × 28');
  for (let i = 0; i < 20; i++) g.release();
  tick(30);
  tick(30);
  tick(30);
  assert.equal(g.cap, 19, 'only 8 in flight, the floor: no cut');
  for (let i = 0; i < 3; i++) tick(0);
  assert.equal(g.cap, 19, 'on time but nothing held back: no raise');
  for (let i = 0; i < 11; i++) assert.equal(g.acquire(wake), true);
  assert.equal(g.acquire(wake), false);
  tick(0);
  assert.equal(g.cap, 21, 'on time after holding one back: an eighth more (19 × 1.125, rounded down)');
  tick(0);
  assert.equal(g.cap, 21, 'nothing held back since: no raise');
  g.stop();
  assert.equal(g.cap, Infinity, 'stopped: no cap');
});

test('with the process’s CPU time known, late ticks cut only while the process was busy for 30% of the time', () => {
  let cpu = 0;
  let t = 0;
  const g = new LoopGuard({ intervalMs: 20, highMs: 25, floor: 8, cpuTimeMs: () => cpu, now: () => t });
  const tick = (lateMs: number, busyShare: number): void => {
    const dt = 20 + lateMs;
    t += dt;
    cpu += dt * busyShare;
    g.tick(t);
  };
  for (let i = 0; i < 40; i++) g.acquire(() => undefined);
  for (let i = 0; i < 10; i++) tick(50, 0.1);
  assert.equal(g.cap, Infinity, 'other processes made the timer late: no cut');
  for (let i = 0; i < 5; i++) tick(50, 1);
  assert.equal(g.cap, 28, 'this process was busy: cut');
});
