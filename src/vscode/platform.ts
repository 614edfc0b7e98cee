/**
 * What the vscode layer needs of the machine it runs on, supplied by the entry: the desktop extension host
 * (src/extension.ts passes src/desktop/platform.ts: Node's fs, `node:crypto`, worker threads, `fs.watch`, the
 * environment) or the web worker extension host of VS Code for the Web (src/web/extension.ts passes
 * src/web/platform.ts: `vscode.workspace.fs`, Web Crypto, a Worker, `createFileSystemWatcher`, no environment).
 * The vscode layer imports no Node module (ESLint says so): what both hosts have as globals (`performance`,
 * `crypto.randomUUID`, `crypto.getRandomValues`, `fetch`) it uses directly, everything else it reaches through the one
 * {@link VscodePlatform} the entry sets with {@link setPlatform} before it creates anything.
 *
 * Paths: the layer keeps files as strings (the log folder, a prompt's path, the root of a workspace folder), as the
 * core does. On the desktop they are file system paths (`Uri.fsPath`); on the web they are the `path` of the
 * workspace's URIs (`vscode-vfs:`, `vscode-remote:`…), `/`-separated. {@link VscodePlatform.pathOf} and
 * {@link VscodePlatform.uriOf} go from one to the other, and {@link VscodePlatform.path} joins and splits them.
 */
import type * as vscode from 'vscode';
import type { FileSystem } from '../core/platform/fileSystem';
import type { Hasher } from '../core/platform/hash';
import type { ExportSink } from '../core/log/exportRuns';
import type { RegexMatcher } from '../core/evaluation/evaluators';
import type { InlineRender, RenderLimits, TemplateRenderer } from '../core/template/renderer';

/** The part of Node's `path` module the layer uses: `node:path` on the desktop, `path-browserify` (POSIX) on the web. */
export interface PathApi {
  resolve(...paths: string[]): string;
  relative(from: string, to: string): string;
  dirname(path: string): string;
  basename(path: string, suffix?: string): string;
  join(...paths: string[]): string;
  isAbsolute(path: string): boolean;
  readonly sep: string;
  /** The POSIX flavour, for `/`-separated paths (URI paths, a prompt's workspace-relative path). */
  readonly posix: { basename(path: string, suffix?: string): string; dirname(path: string): string; join(...paths: string[]): string };
}

/** A file an export is written to, chunk by chunk; `close` finishes it (resolves when it is written), `abort` drops it. */
export interface ExportFile extends ExportSink {
  close(): Promise<void>;
  abort(): void;
}

/** What the vscode layer needs of its host. See the module's comment. */
export interface VscodePlatform {
  /** `desktop` (Node extension host) or `web` (web worker extension host). */
  readonly kind: 'desktop' | 'web';
  /** Joins and splits the layer's path strings. */
  readonly path: PathApi;
  /**
   * The URI schemes of the documents Prompt Lab's language features serve: `file` and `untitled` on the desktop; on
   * the web also those of virtual workspaces (`vscode-vfs` of github.dev, `vscode-remote`…).
   */
  readonly documentSchemes: readonly string[];
  /** The layer's path string of `uri` (desktop: `fsPath`; web: `uri.path`). */
  pathOf(uri: vscode.Uri): string;
  /** The URI of one of the layer's path strings (desktop: `Uri.file`; web: in the scheme of the workspace folder holding it). */
  uriOf(path: string): vscode.Uri;
  /**
   * The core's {@link FileSystem} on the layer's paths. With `root`, every path must be `root` or inside it
   * (otherwise the file operation fails with `outside`), so a prompt file cannot make Prompt Lab read elsewhere.
   */
  fileSystem(options?: { root?: string }): FileSystem;
  /** SHA-256 (node:crypto or Web Crypto). */
  readonly hasher: Hasher;
  /**
   * The bounded template renderer: `limits()` is read for each render; `inline` renders straight templates (which
   * cannot run away) without the round trip.
   */
  createRenderer(extensionUri: vscode.Uri, limits: () => RenderLimits, inline: InlineRender): TemplateRenderer & vscode.Disposable;
  /** The bounded matcher of `regex` evaluators (the web's runs in a worker script of the extension). */
  createRegexMatcher(extensionUri: vscode.Uri): RegexMatcher & vscode.Disposable;
  /** Environment variables (API keys named by `apiKeyEnv`, GITHUB_TOKEN): the process's on the desktop, none on the web. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Calls `onChange` when a file directly in the folder at `folder` whose name passes `accept` is created, changed or
   * deleted, and when the folder appears or goes (it need not exist). Calls are not debounced.
   */
  watchFolder(folder: string, onChange: () => void, accept: (name: string) => boolean): vscode.Disposable;
  /**
   * A reader of the files beside a `.prompty` (its `${file:…}` references), relative to `folder`, synchronous as the
   * converter wants it; undefined for a file that is not there or leads out of the folder.
   */
  filesBeside(folder: string): (relativePath: string) => string | undefined;
  /** Opens `target` for an export (created or replaced). */
  openExportFile(target: vscode.Uri): ExportFile;
  /** Prompt Lab's log, once activation made it: the platform says there what runs with fewer limits than it should. */
  useLog(log: vscode.LogOutputChannel): void;
  /** CPU time of the host so far, in µs, when the host can say (`process.cpuUsage`); undefined on the web. */
  cpuUsage(): { user: number; system: number } | undefined;
  /**
   * The Node that runs the extension host, for Prompt Lab's tasks (the `prompt-lab` CLI, dist/cli.js): undefined on
   * the web, which runs no process, so no task is offered there.
   */
  readonly nodeExecutable: string | undefined;
}

let current: VscodePlatform | undefined;

/** Sets the platform; the entry calls it first thing in `activate`. */
export function setPlatform(platform: VscodePlatform): void {
  current = platform;
}

/**
 * The platform the entry set.
 * @throws Error when no entry has set one (a module of the layer used outside an activated extension).
 */
export function platform(): VscodePlatform {
  if (!current) throw new Error('Prompt Lab: no platform was set (setPlatform is called by the extension entry).');
  return current;
}

/**
 * The platform's {@link PathApi}, for modules that join paths at module level: each call goes to the path module of
 * the platform set at activation.
 */
export const path: PathApi = {
  resolve: (...paths) => platform().path.resolve(...paths),
  relative: (from, to) => platform().path.relative(from, to),
  dirname: (p) => platform().path.dirname(p),
  basename: (p, suffix) => platform().path.basename(p, suffix),
  join: (...paths) => platform().path.join(...paths),
  isAbsolute: (p) => platform().path.isAbsolute(p),
  get sep() { return platform().path.sep; },
  get posix() { return platform().path.posix; },
};

/** The platform's path string of `uri` ({@link VscodePlatform.pathOf}); undefined for no URI. */
export function pathOf(uri: vscode.Uri): string;
export function pathOf(uri: vscode.Uri | undefined): string | undefined;
export function pathOf(uri: vscode.Uri | undefined): string | undefined {
  return uri === undefined ? undefined : platform().pathOf(uri);
}

/**
 * Calls `callback` once the current task is done (after activation returns, say): `setImmediate` where the host has
 * it (Node), else a zero timeout (a web worker).
 */
export function soon(callback: () => void): void {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  if (immediate) immediate(callback);
  else setTimeout(callback, 0);
}
