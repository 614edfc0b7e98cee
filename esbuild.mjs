// Builds the extension host bundle (Node, CommonJS, `vscode` external) and the
// webview bundle (browser, IIFE). `--watch` rebuilds on change; `--production`
// minifies and drops source maps.
import { chmodSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { nodeModulesForTheBrowser } from './scripts/webBundle.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * The core (src/core/index.ts: the openai SDK, Nunjucks, jsonc-parser) is its own bundle, dist/core.js, which
 * the extension requires on the first run: activation then loads only the thin vscode layer.
 * @type {import('esbuild').Plugin}
 */
const coreAsSeparateBundle = {
  name: 'core-as-separate-bundle',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/core$/ }, (args) =>
      args.importer.endsWith('src/vscode/core.ts') ? { path: './core.js', external: true } : undefined);
  },
};

/**
 * `import * as vscode from 'vscode'` with `vscode` external compiles, in each of the ~30 modules that write it, to
 * `__toESM(require("vscode"))`: a copy of the whole API object with a getter per property, made while the bundle
 * loads (measured: about half of activation's CPU time on a loaded 2-core machine) and gone through on every API
 * call after. The API object is a plain CommonJS value (no `__esModule`, no `default`) that the code only reads
 * properties of, so the namespace can be the API object itself: the import is compiled as TypeScript's
 * `import vscode = require('vscode')`, which esbuild turns into a plain `require("vscode")` (before minifying, so
 * the minified bundles get it too). The sources keep the usual import, which tsc and the tests read as they are.
 * @type {import('esbuild').Plugin}
 */
const vscodeWithoutInterop = {
  name: 'vscode-without-interop',
  setup(build) {
    const sources = fileURLToPath(new URL('src/', import.meta.url));
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(sources)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const contents = source.replace(/^import \* as vscode from 'vscode';$/m, "import vscode = require('vscode');");
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Size budget of dist/web/extension.js, in bytes, minified. Every build checks it: `npm run package` on the bundle it
 * writes, a development build (`npm run build`, which CI runs) on a minified copy built in memory beside it.
 * VS Code for the Web downloads the whole bundle into the browser before Prompt Lab activates, on every new tab and
 * over whatever network the person has, so it must stay small. The budget is what the bundle weighs now (the vscode
 * layer, the core with the openai SDK, Nunjucks, jsonc-parser, yaml, ajv) with about 20 % to grow: a dependency that
 * adds more than that is a decision to take on purpose, not by accident. Measured: see README "Prompt Lab on the web".
 */
export const WEB_BUNDLE_BUDGET_BYTES = 1_250_000;

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  {
    entryPoints: { extension: 'src/extension.ts' },
    plugins: [coreAsSeparateBundle, vscodeWithoutInterop],
    // The first and last statements of the bundle: activation time is the module's evaluation plus activate()
    // (see PromptLabApi.activationMs and activationCpuMs); VS Code's own work between the two (creating the
    // ExtensionContext) is not ours.
    banner: { js: 'globalThis.__promptLabLoadStart = globalThis.performance.now(); globalThis.__promptLabLoadCpu = process.cpuUsage();' },
    footer: { js: 'globalThis.__promptLabLoadEnd = globalThis.performance.now(); globalThis.__promptLabLoadCpu = process.cpuUsage(globalThis.__promptLabLoadCpu);' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // jsonc-parser's "main" is a UMD build whose dynamic requires esbuild cannot follow; its ESM build bundles.
    mainFields: ['module', 'main'],
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
  {
    entryPoints: { core: 'src/core/index.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // jsonc-parser's "main" is a UMD build whose dynamic requires esbuild cannot follow; its ESM build bundles.
    mainFields: ['module', 'main'],
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
  {
    // The render worker (src/node/renderWorkerMain.ts): Nunjucks and the template code, in a worker thread.
    entryPoints: { renderWorker: 'src/node/renderWorkerMain.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
  {
    // The `prompt-lab` CLI (src/cli/index.ts, package.json "bin"): the core bundled in, no `vscode`; templates render
    // in dist/renderWorker.js beside it.
    entryPoints: { cli: 'src/cli/index.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // fdir (under tinyglobby) is bundled from its ES module build, which calls createRequire(import.meta.url):
    // in a CommonJS bundle import.meta is empty, so it is defined as the bundle's own file URL.
    banner: { js: "#!/usr/bin/env node\nconst __promptLabImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__promptLabImportMetaUrl' },
    // jsonc-parser's "main" is a UMD build whose dynamic requires esbuild cannot follow; its ESM build bundles.
    mainFields: ['module', 'main'],
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
  {
    // The web entry (package.json "browser"): the web worker extension host of VS Code for the Web. One bundle with
    // the core in it (a web worker has no synchronous require of a second file), CommonJS as VS Code loads it.
    entryPoints: { extension: 'src/web/extension.ts' },
    plugins: [nodeModulesForTheBrowser, vscodeWithoutInterop],
    banner: { js: 'globalThis.__promptLabLoadStart = globalThis.performance.now();' },
    footer: { js: 'globalThis.__promptLabLoadEnd = globalThis.performance.now();' },
    outdir: 'dist/web',
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'es2022',
    external: ['vscode'],
    mainFields: ['browser', 'module', 'main'],
    sourcemap: !production,
    minify: production,
    metafile: true,
    logLevel: 'info',
  },
  {
    // The web's render and regex worker (src/web/webWorkerMain.ts): a classic script that the web entry starts as a
    // nested Worker.
    entryPoints: { renderWorker: 'src/web/webWorkerMain.ts' },
    plugins: [nodeModulesForTheBrowser],
    outdir: 'dist/web',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    mainFields: ['browser', 'module', 'main'],
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
  {
    entryPoints: { runPanel: 'webview/src/runPanel/main.ts', playground: 'webview/src/playground/main.ts', evaluation: 'webview/src/evaluation/main.ts' },
    outdir: 'dist/webview',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('esbuild: watching for changes');
} else {
  const webEntry = builds.find((options) => options.outdir === 'dist/web' && options.format === 'cjs');
  const [, minifiedWeb] = await Promise.all([
    Promise.all(builds.map((options) => esbuild.build(options))),
    // A development build is not minified: the budget is checked on the same entry minified, in memory.
    production ? undefined : esbuild.build({ ...webEntry, minify: true, sourcemap: false, write: false, metafile: false, logLevel: 'warning' }),
  ]);
  {
    const size = production ? statSync('dist/web/extension.js').size : minifiedWeb.outputFiles.find((f) => f.path.endsWith('extension.js')).contents.length;
    if (size > WEB_BUNDLE_BUDGET_BYTES) {
      console.error(`dist/web/extension.js is ${size} bytes${production ? '' : ' minified'}, over its budget of ${WEB_BUNDLE_BUDGET_BYTES} (esbuild.mjs, WEB_BUNDLE_BUDGET_BYTES).`);
      process.exit(1);
    }
    console.log(`dist/web/extension.js: ${size} bytes${production ? '' : ' minified'} of a budget of ${WEB_BUNDLE_BUDGET_BYTES}.`);
  }
  // The CLI is run as a program (npx prompt-lab, or dist/cli.js directly): npm marks a bin executable when it links
  // the package, but not in the package's own clone.
  chmodSync('dist/cli.js', 0o755);
}
