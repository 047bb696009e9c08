import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** The request target, sent byte for byte (a string is sent as latin1, so `\xff` is the byte 0xFF). */
  target: string | Buffer;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * One request over a fresh TCP connection, written byte for byte: what fetch or node:http would
 * refuse to send (NUL bytes, invalid UTF-8, broken percent-encoding) reaches the server as it is.
 */
export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'latin1');
  const head = [
    Buffer.concat([
      Buffer.from(`${request.method} `),
      Buffer.isBuffer(request.target) ? request.target : Buffer.from(request.target, 'latin1'),
      Buffer.from(' HTTP/1.1\r\n'),
    ]),
    Buffer.from(`host: 127.0.0.1:${port}\r\nconnection: close\r\n`),
    ...Object.entries(request.headers ?? {}).map(([name, value]) => Buffer.from(`${name}: ${value}\r\n`, 'latin1')),
    Buffer.from(body !== undefined ? `content-length: ${body.length}\r\n\r\n` : '\r\n'),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error('no response within 20 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const received = Buffer.concat(chunks);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        reject(new Error(`no HTTP response: ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
        return;
      }
      const [statusLine, ...headerLines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string[]> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        (headers[name] ??= []).push(line.slice(colon + 1).trim());
      }
      let payload: Buffer = received.subarray(headEnd + 4);
      if (headers['transfer-encoding']?.includes('chunked')) payload = decodeChunked(payload);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: payload.toString('utf8') });
    });
    socket.write(Buffer.concat([...head, ...(body ? [body] : [])]));
  });
}
