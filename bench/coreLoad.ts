/**
 * Loading the core on its own: `require` of the core bundle (what the first analysed prompt file, run or Runs view
 * pulls into the extension host, see src/vscode/core.ts), against the floor of loading the third-party code that bundle
 * holds and nothing else. Plain Node; exits non-zero when a build or a load fails.
 *   node out/bench/coreLoad.js [--rounds 10]
 * Both bundles are built here with esbuild.mjs's options for dist/core.js (esbuild's metafile says which files of
 * node_modules the core bundle holds; the floor's entry imports each of them), then each `require`d in a fresh
 * process per sample, alternating. What is left between the two is what Prompt Lab's own code costs to load.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { reportFigure } from './report';

const ROOT = path.resolve(__dirname, '..', '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The options esbuild.mjs builds dist/core.js with (non-production). */
const OPTIONS: esbuild.BuildOptions = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], logLevel: 'silent', absWorkingDir: ROOT,
};

function load(file: string): number {
  const script = `const t0 = performance.now(); require(${JSON.stringify(file)}); console.log('LOAD-MS ' + (performance.now() - t0));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.startsWith('LOAD-MS '));
  if (r.status !== 0 || !line) throw new Error(`loading ${file} failed (exit ${r.status}): ${r.stderr}`);
  return Number(line.slice('LOAD-MS '.length));
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompt-lab-core-load-'));
  try {
    const core = path.join(dir, 'core.js');
    const built = await esbuild.build({ ...OPTIONS, entryPoints: [path.join(ROOT, 'src', 'core', 'index.ts')], outfile: core, metafile: true });
    const libraries = Object.keys(built.metafile.inputs).filter((f) => f.includes('node_modules/'));
    if (libraries.length === 0) throw new Error('precondition: the core bundle holds no third-party code');
    const entry = path.join(dir, 'floor-entry.js');
    fs.writeFileSync(entry, libraries.map((f) => `require(${JSON.stringify(path.join(ROOT, f))});`).join('\n'));
    const floorFile = path.join(dir, 'floor.js');
    await esbuild.build({ ...OPTIONS, entryPoints: [entry], outfile: floorFile });
    const sizes = { core: fs.statSync(core).size, floor: fs.statSync(floorFile).size };
    load(core);
    load(floorFile);
    const ours: number[] = [];
    const floor: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2) { floor.push(load(floorFile)); ours.push(load(core)); } else { ours.push(load(core)); floor.push(load(floorFile)); }
    }
    reportFigure({
      id: 'core.load', title: 'loading the core bundle (dist/core.js) on its own', unit: 'ms',
      ours: { label: 'core bundle', values: ours }, floor: { label: 'its third-party code alone', values: floor }, target: 1.25,
      note: `require() in a fresh process per sample, alternating; ${libraries.length} files of node_modules; ${(sizes.core / 1024).toFixed(0)} KB against ${(sizes.floor / 1024).toFixed(0)} KB`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
