/**
 * The CPU time this process has used, user and system, in ms (`process.cpuUsage`): what an evaluation's loop guard
 * (src/core/evaluation/loopGuard.ts) needs to tell its own thread's work from other processes'. Includes the process's
 * other threads (GC helpers, workers), which is what competes with the extension host's event loop too.
 */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
