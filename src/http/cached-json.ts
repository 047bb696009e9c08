import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A JSON document serialized once, with a strong ETag, for documents that change rarely. */
export interface CachedJson {
  body: string;
  etag: string;
}

export function cacheJson(value: unknown): CachedJson {
  const body = JSON.stringify(value);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/** Sends the document, or 304 when the client's copy is current (RFC 9110 §13.1.2). */
export function sendCachedJson(
  request: FastifyRequest,
  reply: FastifyReply,
  document: CachedJson,
  cacheControl: string,
  contentType = 'application/json; charset=utf-8',
): FastifyReply {
  reply.header('cache-control', cacheControl).header('etag', document.etag);
  if (etagMatches(request.headers['if-none-match'], document.etag)) return reply.code(304).send();
  return reply.type(contentType).send(document.body);
}
