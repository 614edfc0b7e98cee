/**
 * What a CLI command reads and writes besides files: its streams, environment and current directory, and the
 * options every command takes. Passed in, so tests can run a command in-process and the commands stay thin.
 */

/** A stream the CLI writes to (process.stdout, process.stderr). */
export interface OutStream {
  write(text: string): unknown;
  /** True on a terminal: progress is drawn on one line, and colours may be used. */
  isTTY?: boolean;
  /** Terminal width in characters. */
  columns?: number;
}

/** The process as a command sees it. */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The built render worker script (dist/renderWorker.js beside the CLI bundle). */
  renderWorkerPath: string;
}

/** The options every command that reads settings takes. */
export interface CommonOptions {
  settings?: string;
  workspace?: string;
  context?: string[];
  verbose?: boolean;
}
