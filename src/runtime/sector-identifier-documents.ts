import type { SectorIdentifierDocuments } from '../ports/sector-identifier-documents.js';

/** A document larger than this is refused: it lists an app's redirect URIs, a few kilobytes at most. */
const maxDocumentBytes = 64 * 1024;
const timeoutMs = 5_000;

/**
 * Fetches a sector identifier document over HTTP: a GET without credentials that must answer 200
 * with a JSON array of strings within five seconds, follows no redirect and reads at most 64 KB.
 */
export class HttpSectorIdentifierDocuments implements SectorIdentifierDocuments {
  async redirectUris(uri: string): Promise<string[]> {
    let response: Response;
    try {
      response = await fetch(uri, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    } catch {
      throw new Error(`could not be fetched within ${timeoutMs / 1000} seconds without a redirect`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`answered HTTP ${response.status}, not 200`);
    }
    const body = await readLimited(response);
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      throw new Error('is not JSON: it must be a JSON array of redirect URIs');
    }
    if (!Array.isArray(document) || !document.every((entry) => typeof entry === 'string')) {
      throw new Error('must be a JSON array of redirect URIs (strings)');
    }
    return document;
  }
}

async function readLimited(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxDocumentBytes) {
    await response.body?.cancel();
    throw new Error(`is larger than ${maxDocumentBytes / 1024} KB`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
    size += read.value.byteLength;
    if (size > maxDocumentBytes) {
      await reader?.cancel();
      throw new Error(`is larger than ${maxDocumentBytes / 1024} KB`);
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
