// What the web bundles (dist/web/*.js, esbuild.mjs) need to bundle the core's dependencies for a browser: an esbuild
// plugin shared with the tests that bundle the same code for Chromium (test/webview/webWorkers.chromium.test.ts).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The web bundles (dist/web/*.js) hold Nunjucks from its own source, as the core's tests bundle it
 * (test/unit/coreBrowserBundle.test.ts): its prebuilt browser file (package.json "browser") has its own copy of the
 * node classes, which nunjucks/src/transformer's `instanceof` checks would not recognise. What that source requires of
 * Node: `events` (Environment's EventEmitter) comes from the `events` package; `path` (loader.resolve, for file
 * loaders only) from `path-browserify`; its file loaders become its web loaders, as Nunjucks' own browser build does
 * (src/loaders.js says so); `fs` and `chokidar` (file loaders and precompile, never reached: the core renders strings
 * with no loader) are empty modules. The same plugin gives the web bundles what other dependencies need.
 * @type {import('esbuild').Plugin}
 */
export const nodeModulesForTheBrowser = {
  name: 'node-modules-for-the-browser',
  setup(build) {
    build.onResolve({ filter: /^nunjucks$/ }, () => ({ path: require.resolve('nunjucks/index.js') }));
    build.onResolve({ filter: /^\.\/node-loaders$/ }, (args) =>
      args.importer.includes('nunjucks') ? { path: require.resolve('nunjucks/src/web-loaders.js') } : undefined);
    build.onResolve({ filter: /^(node:)?path$/ }, () => ({ path: require.resolve('path-browserify') }));
    // csv-parse and csv-stringify use Node's global Buffer; their own browser builds (dist/esm) carry a Buffer of
    // their own, as the csv project ships them for browsers.
    build.onResolve({ filter: /^csv-(parse|stringify)\/sync$/ }, (args) =>
      ({ path: join(dirname(require.resolve(args.path)), '..', 'esm', 'sync.js') }));
    build.onResolve({ filter: /^(fs|chokidar)$/ }, (args) => ({ path: args.path, namespace: 'empty' }));
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};
