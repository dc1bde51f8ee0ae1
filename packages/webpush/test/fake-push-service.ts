import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request as the fake push service saw it. */
export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  httpVersion: string;
}

/** A local stand-in for a push service whose answer is chosen by the endpoint path. */
export interface FakePushService {
  origin: string;
  requests: RecordedRequest[];
  endpoint(path: string): string;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

// Paths:
//   /status/<code>[?retry-after=<v>&reason=<text>]  answer <code> (201/202 with a Location)
//   /flaky/<n>/<code>/<id>                          answer <code> to the first n requests, then 201
//   /reset                                          destroy the connection without answering
function route(
  req: IncomingMessage | http2.Http2ServerRequest,
  res: ServerResponse | http2.Http2ServerResponse,
  counts: Map<string, number>,
) {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  const seen = (counts.get(url.pathname) ?? 0) + 1;
  counts.set(url.pathname, seen);
  let status = 201;
  if (parts[0] === 'status') status = Number(parts[1]);
  if (parts[0] === 'flaky' && seen <= Number(parts[1])) status = Number(parts[2]);
  if (parts[0] === 'reset') {
    req.socket.destroy();
    return;
  }
  const retryAfter = url.searchParams.get('retry-after');
  if (retryAfter !== null) res.setHeader('Retry-After', retryAfter);
  if (status === 201 || status === 202) {
    res.setHeader('Location', `/m/${seen}`);
    res.writeHead(status).end();
    return;
  }
  const reason = url.searchParams.get('reason');
  res.setHeader('Content-Type', reason ? 'application/json' : 'text/plain');
  res.writeHead(status).end(reason ? JSON.stringify({ code: status, reason }) : '');
}

/**
 * Starts a fake push service on 127.0.0.1: plain HTTP/1.1, or with `tls` HTTPS that offers HTTP/2 (and falls
 * back to HTTP/1.1), or with `tls` and `http1Only` HTTPS that offers only HTTP/1.1; it records every request.
 */
export async function startFakePushService(
  options: { tls?: { cert: string; key: string }; http1Only?: boolean } = {},
): Promise<FakePushService> {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  const handler = (
    req: IncomingMessage | http2.Http2ServerRequest,
    res: ServerResponse | http2.Http2ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        headers: { ...req.headers },
        body: Buffer.concat(chunks),
        httpVersion: req.httpVersion,
      });
      route(req, res, counts);
    });
  };
  const server = !options.tls
    ? http.createServer(handler)
    : options.http1Only
      ? https.createServer(options.tls, handler)
      : http2.createSecureServer({ ...options.tls, allowHTTP1: true }, handler);
  let connections = 0;
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    requests,
    endpoint: (path) => `${origin}${path}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
