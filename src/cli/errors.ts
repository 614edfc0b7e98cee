/**
 * Exit codes and the error the CLI's commands throw for a problem a person fixes (a bad argument, a missing setting
 * or key): one line that says what to do, no stack unless `--verbose`.
 */

/** Everything passed: no error diagnostic, the run succeeded, the pass rate reached the threshold. */
export const EXIT_OK = 0;
/** The work ran and did not pass: an error diagnostic, a failed run, a pass rate below the threshold. */
export const EXIT_FAILED = 1;
/** Nothing could be done as asked: a usage or configuration error (arguments, settings, a key, an unreadable file). */
export const EXIT_USAGE = 2;

/** A problem the person fixes; `message` is one sentence that says what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: number = EXIT_USAGE) {
    super(message);
  }
}
