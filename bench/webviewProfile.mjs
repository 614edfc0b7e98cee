#!/usr/bin/env node
// A tool, not a benchmark: what the workbench and the run panel's webview do while a fast stream comes in, read from
// a real Chromium trace of the real VS Code (code-server, see test/rig/). Starts the rig on an empty workspace with
// bench/webviewProfileHost.ts as the extension tests, traces PROMPT_LAB_PROFILE_RUNS runs of a 20,000-chunk stream
// into the run panel, and prints, per renderer thread, where the time went: top-level tasks by kind (script,
// style, layout, paint, GC…) and the functions with the most self time (from the V8 sampling profiler).
//   node bench/webviewProfile.mjs [--runs 3] [--chunks 20000] [--out trace.json]
// (after npm run build, npm run build:tests and test/rig/setup.sh)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { REPO_ROOT, parseArgs, rigPaths, defaultCache, startCodeServer, launchBrowser, openWorkbench } from '../test/rig/vscode.mjs';

const opts = parseArgs(process.argv.slice(2), { runs: '3', chunks: '20000' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-profile-'));
const signals = path.join(tmp, 'signals');
const workspace = path.join(tmp, 'workspace');
fs.mkdirSync(signals);
fs.mkdirSync(workspace);
const tests = path.join(REPO_ROOT, 'out', 'bench', 'webviewProfileHost.js');

const exists = (file) => new Promise((resolve) => {
  const w = fs.watch(path.dirname(file), () => { if (fs.existsSync(file)) { w.close(); resolve(); } });
  if (fs.existsSync(file)) { w.close(); resolve(); }
});

let server;
let context;
try {
  const rig = rigPaths(defaultCache());
  server = await startCodeServer({ entry: rig.entry, stateDir: path.join(tmp, 'state'), env: {
    PROMPT_LAB_PROFILE_DIR: signals, PROMPT_LAB_PROFILE_RUNS: opts.runs, PROMPT_LAB_PROFILE_CHUNKS: opts.chunks,
  } });
  context = await launchBrowser({ ...rig, userDataDir: path.join(tmp, 'state', 'chromium') });
  const page = context.pages()[0] || await context.newPage();
  let exit;
  const exited = new Promise((r) => { exit = r; });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = util.format(...(Array.isArray(args) ? args : [args]));
    if (/^profile: /.test(line) || type === 'error') console.log(line);
  });
  await page.exposeFunction('codeAutomationExit', (code) => exit(code));
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(REPO_ROOT)], ['extensionTestsPath', remote(tests)]];
  await openWorkbench(context, server.url, workspace, `&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  await Promise.race([exists(path.join(signals, 'ready')), exited.then((c) => { throw new Error(`the host exited (${c}) before it was ready`); })]);
  for (const f of page.frames()) console.log(`frame: ${f.url().slice(0, 160)}`);
  const cdp = await context.newCDPSession(page);
  const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'toplevel', 'blink.user_timing'];
  await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: categories } });
  fs.writeFileSync(path.join(signals, 'go'), '');
  await Promise.race([exists(path.join(signals, 'done')), exited.then((c) => { throw new Error(`the host exited (${c}) before it was done`); })]);
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  const { stream } = await complete;
  let text = '';
  for (;;) {
    const { data, eof, base64Encoded } = await cdp.send('IO.read', { handle: stream, size: 1 << 22 });
    text += base64Encoded ? Buffer.from(data, 'base64').toString('utf8') : data;
    if (eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  if (opts.out) fs.writeFileSync(opts.out, text);
  summarize(JSON.parse(text));
  await exited;
} finally {
  if (context) await context.close().catch(() => {});
  if (server) await server.stop().catch(() => {});
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Prints where each renderer main thread's time went, from the trace's events. */
function summarize(trace) {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const threadNames = new Map();
  const processNames = new Map();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
    if (e.ph === 'M' && (e.name === 'process_name' || e.name === 'process_labels')) processNames.set(e.pid, `${processNames.get(e.pid) ?? ''} ${e.args.name ?? e.args.labels ?? ''}`.trim());
  }
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || typeof e.dur !== 'number') continue;
    const key = `${e.pid}:${e.tid}`;
    const name = threadNames.get(key) ?? '';
    if (!/CrRendererMain|CrBrowserMain/.test(name)) continue;
    let t = byThread.get(key);
    if (!t) byThread.set(key, t = { name: `${name} pid ${e.pid} (${processNames.get(e.pid) ?? ''})`, total: 0, kinds: new Map() });
    if (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') t.total += e.dur;
    t.kinds.set(e.name, (t.kinds.get(e.name) ?? 0) + e.dur);
  }
  for (const t of byThread.values()) {
    console.log(`\n${t.name}: tasks ${(t.total / 1000).toFixed(0)} ms`);
    const top = [...t.kinds].filter(([n]) => n !== 'RunTask' && n !== 'ThreadControllerImpl::RunTask').sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [n, d] of top) console.log(`  ${(d / 1000).toFixed(1).padStart(9)} ms  ${n}`);
  }
  // The V8 sampling profiler: ProfileChunk events carry nodes, samples and time deltas per profile id.
  const profiles = new Map();
  for (const e of events) {
    if (e.name !== 'ProfileChunk' && e.name !== 'Profile') continue;
    const id = `${e.pid}:${e.id}`;
    let p = profiles.get(id);
    if (!p) profiles.set(id, p = { pid: e.pid, tid: e.tid, nodes: new Map(), samples: [], deltas: [] });
    const d = e.args?.data ?? {};
    for (const n of d.cpuProfile?.nodes ?? []) p.nodes.set(n.id, n);
    for (const s of d.cpuProfile?.samples ?? []) p.samples.push(s);
    for (const t of d.timeDeltas ?? []) p.deltas.push(t);
  }
  for (const p of profiles.values()) {
    const self = new Map();
    let total = 0;
    for (let i = 0; i < p.samples.length; i++) {
      const node = p.nodes.get(p.samples[i]);
      const dt = p.deltas[i + 1] ?? 0;
      if (!node) continue;
      const cf = node.callFrame;
      const key = `${cf.functionName || '(anonymous)'} ${cf.url ? `${cf.url.replace(/^.*\//, '')}:${cf.lineNumber + 1}` : ''}`;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    }
    if (total < 50_000) continue;
    console.log(`\nself time, pid ${p.pid} (${processNames.get(p.pid) ?? ''}) ${threadNames.get(`${p.pid}:${p.tid}`) ?? ''}: ${(total / 1000).toFixed(0)} ms sampled`);
    for (const [k, d] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${(d / 1000).toFixed(1).padStart(9)} ms  ${k}`);
  }
}
