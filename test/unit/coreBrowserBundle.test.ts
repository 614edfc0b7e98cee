/**
 * The core runs in a web worker (issue 18): src/core/index.ts bundled by esbuild for `platform: 'browser'`, as a
 * web build would bundle it, must import no Node module. Our own code may import none at all (ESLint also says so);
 * a dependency's source may import only the modules listed in DEPENDENCY_NODE_IMPORTS, each with the reason it is
 * never reached and what a web build supplies for it. Any other Node import fails the test, naming who imports it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Node imports of dependencies that the core's bundle keeps, as `module <- importer` (importer relative to the
 * repository). Nunjucks is bundled from its own source, not its prebuilt browser file: the core's template code uses
 * nunjucks/src/transformer, whose `instanceof` checks need the same copy of the node classes as the parser.
 */
const DEPENDENCY_NODE_IMPORTS: Record<string, string> = {
  // Nunjucks' EventEmitter base of its Environment: a web build supplies the `events` package.
  'events <- node_modules/nunjucks/src/object.js': 'EventEmitter',
  // Nunjucks' file loaders, precompiler and Express glue: the core renders strings with no loader and never
  // precompiles; a web build supplies empty modules for them.
  'path <- node_modules/nunjucks/src/loader.js': 'loader.resolve, for file loaders only',
  'fs <- node_modules/nunjucks/src/node-loaders.js': 'FileSystemLoader',
  'path <- node_modules/nunjucks/src/node-loaders.js': 'FileSystemLoader',
  'chokidar <- node_modules/nunjucks/src/node-loaders.js': 'FileSystemLoader watch (an optional dependency, not installed)',
  'fs <- node_modules/nunjucks/src/precompile.js': 'precompile',
  'path <- node_modules/nunjucks/src/precompile.js': 'precompile',
  'path <- node_modules/nunjucks/src/express-app.js': 'Express integration',
};

/** Bare names that are Node's own or Node-only packages the check must also catch. */
const NODE_ONLY = new Set([...builtinModules, 'chokidar', 'fsevents']);

test('src/core/index.ts bundles for the browser with no Node import but the listed ones of dependencies', async () => {
  const found: string[] = [];
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['src/core/index.ts'],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
    plugins: [{
      name: 'node-imports',
      setup(build) {
        build.onResolve({ filter: /^nunjucks$/ }, () => ({ path: path.join(ROOT, 'node_modules', 'nunjucks', 'index.js') }));
        build.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.replace(/^node:/, '');
          if (!args.path.startsWith('node:') && !NODE_ONLY.has(name) && !NODE_ONLY.has(name.split('/')[0] as string)) return undefined;
          found.push(`${args.path} <- ${path.relative(ROOT, args.importer).split(path.sep).join('/')}`);
          return { path: args.path, external: true };
        });
      },
    }],
  });
  assert.equal(result.errors.length, 0);
  assert.ok((result.outputFiles?.[0]?.contents.length ?? 0) > 100_000, 'the bundle holds the core');
  const ours = found.filter((f) => !f.includes('<- node_modules/'));
  assert.deepEqual(ours, [], 'our code imports no Node module');
  const unexpected = found.filter((f) => !(f in DEPENDENCY_NODE_IMPORTS));
  assert.deepEqual(unexpected, [], 'a dependency imports a Node module not listed in DEPENDENCY_NODE_IMPORTS');
});

test('the web entry (src/web/extension.ts) and its worker bundle as esbuild.mjs bundles them, with no Node import of ours and no require left but vscode', async () => {
  const { nodeModulesForTheBrowser } = await import(path.join(ROOT, 'scripts', 'webBundle.mjs')) as { nodeModulesForTheBrowser: esbuild.Plugin };
  for (const entry of ['src/web/extension.ts', 'src/web/webWorkerMain.ts']) {
    const ours: string[] = [];
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'cjs',
      external: ['vscode'],
      mainFields: ['browser', 'module', 'main'],
      logLevel: 'silent',
      plugins: [{
        name: 'our-node-imports',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            const name = args.path.replace(/^node:/, '');
            const nodeOnly = args.path.startsWith('node:') || NODE_ONLY.has(name) || NODE_ONLY.has(name.split('/')[0] as string);
            if (nodeOnly && !args.importer.includes(`${path.sep}node_modules${path.sep}`)) ours.push(`${args.path} <- ${path.relative(ROOT, args.importer)}`);
            return undefined;
          });
        },
      }, nodeModulesForTheBrowser],
    });
    assert.equal(result.errors.length, 0, entry);
    assert.deepEqual(ours, [], `${entry}: our code imports no Node module`);
    const text = new TextDecoder().decode(result.outputFiles?.[0]?.contents);
    const requires = [...new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]))];
    // ajv keeps `require("ajv/dist/runtime/…")` inside strings of the code it generates, never called here.
    assert.deepEqual(requires.filter((r) => !r?.startsWith('ajv/dist/runtime/')), entry.endsWith('extension.ts') ? ['vscode'] : [], `${entry}: requires left`);
  }
});
