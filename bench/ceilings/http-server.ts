/**
 * The ceiling of an HTTP server on this machine for `npm run bench`: bare node:http answering a
 * fixed JSON document, nothing else. Self-contained: compiled to plain JavaScript and run alone.
 */
import { createServer } from 'node:http';

const body = JSON.stringify({ issuer: 'http://127.0.0.1', ok: true, note: 'a fixed JSON document of about a hundred bytes' });
const port = Number(process.env.PORT);

createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}).listen(port, '127.0.0.1', () => process.stdout.write(`listening on ${port}\n`));
