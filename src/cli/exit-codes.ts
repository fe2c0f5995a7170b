/** The exit codes of the `shipgate` CLI, as pipelines read them. */
export const EXIT = {
  /** Done, or the release succeeded. */
  ok: 0,
  /** The release failed, was interrupted, rejected or cancelled. */
  releaseFailed: 1,
  /** Usage, or the server's VALIDATION_FAILED. */
  usage: 2,
  /** Refused by a gate or by access (401, 403, 409, 422, 428; the code printed). */
  refused: 3,
  /** Timed out waiting. */
  timedOut: 4,
  /** The server or the runtime could not be reached (5xx, network). */
  unreachable: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with its exit code; `code` is the server's problem code when there is one. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string | null = null,
    readonly problem: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for an HTTP problem status. */
export function exitCodeForStatus(status: number, code: string | null): ExitCode {
  if (status >= 500) return EXIT.unreachable;
  if (code === 'VALIDATION_FAILED' || status === 400 || status === 404) return EXIT.usage;
  return EXIT.refused;
}
