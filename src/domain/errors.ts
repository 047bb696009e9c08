/** A field that failed a rule, named by its path in the request (`accessToken.ttlMinutes`, `redirectUris[2]`). */
export interface FieldProblem {
  field: string;
  message: string;
}

export type DomainErrorKind = 'validation' | 'not_found' | 'forbidden' | 'conflict' | 'invalid_state' | 'unauthenticated';

/**
 * A use case refused: the message is public and says which rule was broken; `problems` lists every
 * field that failed validation. Nothing was saved.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly kind: DomainErrorKind;
  readonly problems: readonly FieldProblem[];

  constructor(kind: DomainErrorKind, message: string, problems: readonly FieldProblem[] = []) {
    super(message);
    this.kind = kind;
    this.problems = problems;
  }

  static validation(problems: readonly FieldProblem[]): DomainError {
    const first = problems[0];
    const summary = problems.length === 1 && first ? `${first.field}: ${first.message}` : `${problems.length} fields are invalid`;
    return new DomainError('validation', summary, problems);
  }

  static notFound(what: string): DomainError {
    return new DomainError('not_found', `${what} was not found`);
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
