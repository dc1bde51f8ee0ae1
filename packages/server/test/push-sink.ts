import http2, { type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import {
  decrypt,
  generateUserAgentKeys,
  type PushSubscriptionJSON,
  subscriptionKeys,
  type UserAgentKeys,
} from '@outpost/webpush';
import { selfSignedCertificate } from '../../webpush/test/tls-cert.js';

/** One POST the sink received. */
export interface SinkRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** performance.now() when the request's body ended. */
  at: number;
}

/** How the sink answers a request (status and extra headers). */
export type SinkAnswer = { status: number; headers?: Record<string, string>; body?: string };

/**
 * A local HTTPS push service stand-in (HTTP/2 with HTTP/1.1 fallback, self-signed): records every POST and answers
 * with whatever `answer` says (201 by default).
 */
export interface PushSink {
  origin: string;
  ca: string;
  requests: SinkRequest[];
  answer: (request: SinkRequest) => SinkAnswer | Promise<SinkAnswer>;
  close(): Promise<void>;
}

export async function startSink(): Promise<PushSink> {
  const tls = selfSignedCertificate();
  const sink: PushSink = {
    origin: '',
    ca: tls.cert,
    requests: [],
    answer: () => ({ status: 201 }),
    close: async () => {},
  };
  const server = http2.createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request = { path: req.url, headers: req.headers, body: Buffer.concat(chunks), at: performance.now() };
      sink.requests.push(request);
      const answer = await sink.answer(request);
      res.writeHead(answer.status, {
        ...(answer.status === 201 ? { location: `/m/${sink.requests.length}` } : {}),
        ...answer.headers,
      });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive sessions of the sender would hold close() open.
      setTimeout(resolve, 200).unref();
    });
  return sink;
}

/** A subscription at the sink, with the keys a browser would keep to decrypt what arrives for it. */
/**
 * Makes the sink hold every answer (201) until the returned release is called: a push service that has the POST
 * but has not answered yet.
 */
export function holdAnswers(sink: PushSink): () => void {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  sink.answer = async () => {
    await held;
    return { status: 201 };
  };
  return () => release();
}

export interface SinkSubscription {
  json: PushSubscriptionJSON;
  ua: UserAgentKeys;
  path: string;
}

let counter = 0;

export async function sinkSubscription(sink: PushSink): Promise<SinkSubscription> {
  const ua = await generateUserAgentKeys();
  const path = `/push/${++counter}`;
  return { json: { endpoint: `${sink.origin}${path}`, keys: subscriptionKeys(ua) }, ua, path };
}

/** The plaintext of a request the sink received for `subscription`. */
export async function decryptRequest(request: SinkRequest, subscription: SinkSubscription): Promise<string> {
  const plain = await decrypt(new Uint8Array(request.body), subscription.ua, {
    headers: { 'Content-Encoding': String(request.headers['content-encoding']) },
  });
  return new TextDecoder().decode(plain);
}
