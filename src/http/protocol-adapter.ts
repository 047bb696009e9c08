import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { emptyBag, type ParameterBag, type ProtocolRequest, type ProtocolResponse } from '../protocol/messages.js';
import { queryParameters } from './input-guard.js';
import type { PageRenderer } from './pages.js';

function isParameterBag(value: unknown): value is ParameterBag {
  return value instanceof Map;
}

export function toProtocolRequest(request: FastifyRequest): ProtocolRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return {
    method: request.method,
    query: queryParameters(request),
    body: isParameterBag(request.body) ? request.body : emptyBag(),
    headers,
    contentType: (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() || undefined,
    cookies: request.cookies ?? {},
    ip: request.ip,
  };
}

export function sendProtocolResponse(reply: FastifyReply, response: ProtocolResponse, pages: PageRenderer, secureCookies: boolean): FastifyReply {
  if (response.headers) reply.headers(response.headers);
  for (const cookie of response.cookies ?? []) {
    const options = {
      path: cookie.path ?? '/',
      httpOnly: true,
      secure: secureCookies,
      sameSite: 'lax' as const,
      ...(cookie.maxAgeSeconds !== undefined ? { maxAge: cookie.maxAgeSeconds } : {}),
    };
    if (cookie.value === null) reply.clearCookie(cookie.name, options);
    else reply.setCookie(cookie.name, cookie.value, options);
  }
  switch (response.kind) {
    case 'json':
      reply.code(response.status);
      return response.body === undefined ? reply.send() : reply.type('application/json; charset=utf-8').send(JSON.stringify(response.body));
    case 'redirect':
      return reply.code(response.status).header('location', response.location).send();
    case 'page': {
      const rendered = pages.render(response.page);
      return reply.code(response.status).headers(rendered.headers).send(rendered.html);
    }
  }
}
