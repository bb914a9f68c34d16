/**
 * One error class for everything snap reports on purpose. `code` is stable (scripts may match on it),
 * `exitCode` is what the CLI exits with, `hint` tells the user what to do next.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  locked: 4,
  internal: 70,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface SnapErrorOptions {
  hint?: string;
  exitCode?: ExitCodeValue;
  cause?: unknown;
  details?: string[];
}

export class SnapError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: ExitCodeValue;
  readonly details: string[];

  constructor(code: string, message: string, options: SnapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SnapError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.details = options.details ?? [];
  }

  toJSON(): { code: string; message: string; hint?: string; details?: string[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details.length ? { details: this.details } : {}),
    };
  }
}

export function usageError(message: string, hint?: string): SnapError {
  return new SnapError('USAGE', message, { hint, exitCode: ExitCode.usage });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
