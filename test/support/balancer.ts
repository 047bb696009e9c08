import { createServer, request as httpRequest, type Server } from 'node:http';

/**
 * A round-robin reverse proxy in front of several nodes on loopback, counting the requests each
 * node got. `upstreams` may be filled in after the proxy listens, so that the nodes can be given
 * the proxy's address as their issuer.
 */
export function balancer(upstreams: number[] = []): { server: Server; hits: number[]; upstreams: number[] } {
  const hits: number[] = [];
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const index = next++ % upstreams.length;
    hits[index] = (hits[index] ?? 0) + 1;
    const upstream = httpRequest(
      { host: '127.0.0.1', port: upstreams[index], method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  return { server, hits, upstreams };
}
