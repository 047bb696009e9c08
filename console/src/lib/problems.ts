import { ApiError, type FieldProblem } from './api';

/** Field-level problems, from the server (RFC 9457 `errors`) or from the console's own checks. */
export type FieldErrors = readonly FieldProblem[];

export function fieldErrorsOf(error: unknown): FieldErrors {
  return error instanceof ApiError ? error.fieldErrors : [];
}

/** The messages for exactly this field path (`accessToken.ttlMinutes`, `redirectUris[1]`). */
export function messagesFor(errors: FieldErrors, field: string): string[] {
  return errors.filter((problem) => problem.field === field).map((problem) => problem.message);
}

export function firstFor(errors: FieldErrors, field: string): string | undefined {
  return messagesFor(errors, field)[0];
}

/** Whether any problem is about this field or something inside it. */
export function anyUnder(errors: FieldErrors, prefix: string): boolean {
  return errors.some((problem) => problem.field === prefix || problem.field.startsWith(`${prefix}.`) || problem.field.startsWith(`${prefix}[`));
}
