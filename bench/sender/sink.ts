// The push-service stand-in for bench/sender, run in its own process so its CPU is not the sender's: HTTPS
// with HTTP/2 offered in ALPN and HTTP/1.1 accepted, answering every POST with 201 + Location like a real
// push service. It reads each body to the end, as a real one must.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

const { cert, key } = JSON.parse(process.env.SINK_TLS ?? '{}') as { cert: string; key: string };
let received = 0;
let bytes = 0;
let connections = 0;
let cpu = process.cpuUsage();

const server = http2.createSecureServer({ cert, key, allowHTTP1: true }, (req, res) => {
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    received++;
    res.writeHead(201, { Location: `/m/${received}`, TTL: String(req.headers.ttl ?? '0') }).end();
  });
});

server.on('secureConnection', () => {
  connections++;
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') {
    const used = process.cpuUsage(cpu);
    process.send?.({ received, bytes, connections, cpuMicros: used.user + used.system });
  }
  if (message.type === 'reset') {
    received = 0;
    bytes = 0;
    connections = 0;
    cpu = process.cpuUsage();
  }
});
process.on('disconnect', () => process.exit(0));
