import type { FastifyReply } from 'fastify';
import type { DomainError, DomainErrorKind, FieldProblem } from '../../domain/errors.js';

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: readonly FieldProblem[];
}

const byKind: Record<DomainErrorKind, { status: number; title: string }> = {
  validation: { status: 400, title: 'Invalid request' },
  not_found: { status: 404, title: 'Not found' },
  forbidden: { status: 403, title: 'Forbidden' },
  conflict: { status: 409, title: 'Conflict' },
  invalid_state: { status: 409, title: 'Not allowed in the current state' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
};

export function problemType(slug: string): string {
  return `urn:latchkey:problem:${slug}`;
}

export function sendProblem(reply: FastifyReply, problem: ProblemDetails): FastifyReply {
  // RFC 6750 §3.1: an error code only when a token was sent; the caller sets the bare challenge otherwise.
  if (problem.status === 401 && !reply.hasHeader('www-authenticate')) {
    reply.header('www-authenticate', 'Bearer realm="latchkey", error="invalid_token"');
  }
  return reply.code(problem.status).header('cache-control', 'no-store').type('application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}

export function problemFromDomainError(error: DomainError, instance: string): ProblemDetails {
  const { status, title } = byKind[error.kind];
  return {
    type: problemType(error.kind.replace(/_/g, '-')),
    title,
    status,
    detail: error.message,
    instance,
    ...(error.problems.length > 0 ? { errors: error.problems } : {}),
  };
}
