import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file server for the downloads tests: ranges, If-Range, ETags, and ways to misbehave on purpose. */
export interface FileServer {
  readonly url: string;
  /** The file's bytes; replace to publish a new version (the ETag changes with `version`). */
  content: Buffer;
  version: number;
  /** Cut the connection once, after this many body bytes of the next full or ranged answer. */
  cutAfter: number | undefined;
  /** Answer every request with this status instead. */
  status: number | undefined;
  /** Delay between 16 KiB pieces of a body, in ms. */
  pieceDelayMs: number;
  /** The Range / If-Range headers of every GET, in order. */
  readonly seen: { range: string | undefined; ifRange: string | undefined }[];
  close(): Promise<void>;
}

const etagOf = (version: number) => `"v${version}"`;

/** Deterministic bytes of a given size and seed (a different seed is a different file). */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export async function startFileServer(content: Buffer): Promise<FileServer> {
  const state = {
    content,
    version: 1,
    cutAfter: undefined as number | undefined,
    status: undefined as number | undefined,
    pieceDelayMs: 0,
    seen: [] as { range: string | undefined; ifRange: string | undefined }[],
  };
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = req.headers;
    if (req.method === 'GET')
      state.seen.push({ range: headers.range, ifRange: String(headers['if-range'] ?? '') || undefined });
    if (state.status !== undefined) {
      res.writeHead(state.status).end();
      return;
    }
    const body = state.content;
    const etag = etagOf(state.version);
    const base = { etag, 'accept-ranges': 'bytes', 'content-type': 'audio/wav' };
    const match = /^bytes=(\d+)-$/.exec(headers.range ?? '');
    const ifRange = headers['if-range'];
    const ifRangeOk = ifRange === undefined || ifRange === etag;
    let start = 0;
    if (match && ifRangeOk) {
      start = Number(match[1]);
      if (start >= body.length) {
        res.writeHead(416, { ...base, 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        ...base,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': String(body.length - start),
      });
    } else {
      res.writeHead(200, { ...base, 'content-length': String(body.length) });
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const cut = state.cutAfter;
    state.cutAfter = undefined;
    void (async () => {
      let at = start;
      let sent = 0;
      while (at < body.length) {
        const size = Math.min(16 * 1024, body.length - at);
        if (cut !== undefined && sent + size > cut) {
          res.write(body.subarray(at, at + (cut - sent)));
          await new Promise((resolve) => setTimeout(resolve, 20));
          res.destroy();
          return;
        }
        if (!res.write(body.subarray(at, at + size))) await new Promise((resolve) => res.once('drain', resolve));
        at += size;
        sent += size;
        if (state.pieceDelayMs) await new Promise((resolve) => setTimeout(resolve, state.pieceDelayMs));
        if (res.destroyed) return;
      }
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/file.wav`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
