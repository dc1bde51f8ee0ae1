// The web-push side of bench/sender's whole-process comparison: what a user of web-push 3.6.7 writes to send one
// payload to every line of an NDJSON file of subscriptions: read the file, sendNotification per subscription
// with VAPID, at a fixed concurrency, through one keep-alive https.Agent (kinder to web-push than its default of
// a new connection per message). Prints one JSON line {delivered, failed}. Trusts the sink through
// NODE_EXTRA_CA_CERTS, as `outpost send` does.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import webpush from 'web-push';

const [file, vapidFile, payload, concurrencyText] = process.argv.slice(2);
const vapid = JSON.parse(readFileSync(vapidFile, 'utf8'));
webpush.setVapidDetails('mailto:bench@example.com', vapid.publicKey, vapid.privateKey);
const subscriptions = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line));
const agent = new https.Agent({ keepAlive: true });
let next = 0;
let delivered = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    while (next < subscriptions.length) {
      const subscription = subscriptions[next++];
      try {
        const r = await webpush.sendNotification(subscription, payload, { TTL: 3600, agent });
        if (r.statusCode === 201) delivered++;
        else failed++;
      } catch {
        failed++;
      }
    }
  }),
);
agent.destroy();
console.log(JSON.stringify({ delivered, failed }));
