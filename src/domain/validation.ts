import type { z } from 'zod';
import { DomainError, type FieldProblem } from './errors.js';

/** `a.b[2].c` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text ? `${text}.${String(segment)}` : String(segment);
  }, '');
}

export function problemsFromZod(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldPath([...issue.path, key]),
        message: `is not a setting (unknown field ${key})`,
      }));
    }
    return [{ field: fieldPath(issue.path) || '(body)', message: issue.message }];
  });
}

/** Parses `input` or throws a validation DomainError listing every problem. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw DomainError.validation(problemsFromZod(result.error));
  return result.data;
}

export { isStandardScope, scopeTokenPattern, standardScopes } from '../contracts/scopes.js';
