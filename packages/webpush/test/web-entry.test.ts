// The browser-safe entry, @outpost/webpush/web: bundled for the browser platform (esbuild refuses any node:
// import there, and the metafile is checked too), then run in Chromium: keys, both encodings, VAPID in both
// header forms, with every byte crossing to and from Node's implementation.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../src/base64url.js';
import { nodeCrypto } from '../src/crypto-node.js';
import { decrypt, encrypt } from '../src/encrypt.js';
import { generateUserAgentKeys, subscriptionKeys } from '../src/keys.js';
import { verifyVapid } from '../src/vapid-verify.js';

const entry = (name: string) => new URL(`../src/${name}`, import.meta.url).pathname;

async function bundle(file: string) {
  return build({
    entryPoints: [file],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'outpostWebpush',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
}

let browser: Browser;
let server: Server;
let origin: string;

beforeAll(async () => {
  const { outputFiles } = await bundle(entry('web.ts'));
  const script = outputFiles[0]?.text ?? '';
  // A page on http://127.0.0.1: a secure context, so crypto.subtle exists.
  server = createServer((req, res) => {
    if (req.url === '/web.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script src="/web.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('@outpost/webpush/web', () => {
  it('bundles for the browser with no node: module in it; the Node entry does not', async () => {
    const web = await bundle(entry('web.ts'));
    const inputs = Object.keys(web.metafile.inputs);
    expect(inputs).toContain('packages/webpush/src/encrypt.ts');
    expect(inputs.filter((i) => i.startsWith('node:') || /crypto-node|http-client|fanout/.test(i))).toEqual([]);
    // The check has teeth: the main entry, which has the sender, cannot be bundled for a browser.
    await expect(bundle(entry('index.ts'))).rejects.toThrow(/node:/);
  });

  it('encrypts, decrypts and signs VAPID in Chromium on WebCrypto, interoperating with Node', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      // Node encrypts for keys the browser made; the browser encrypts for keys Node made.
      const browserSide = await page.evaluate(async () => {
        const w = (globalThis as unknown as { outpostWebpush: typeof import('../src/web.js') }).outpostWebpush;
        const ua = await w.generateUserAgentKeys();
        const vapid = await w.generateVapidKeys();
        const audience = 'https://push.example.net';
        const options = { keys: vapid, subject: 'mailto:ops@example.com' };
        const modern = await w.vapidHeaders(`${audience}/p/1`, options);
        const legacy = await w.vapidHeaders(`${audience}/p/1`, options, 'aesgcm');
        const checks = await Promise.all([
          w.verifyVapid({ authorization: modern.Authorization, audience }),
          w.verifyVapid({ authorization: legacy.Authorization, cryptoKey: legacy['Crypto-Key'], audience }),
        ]);
        const selfTrip: string[] = [];
        for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
          const sealed = await w.encrypt(`in-browser ${encoding}`, w.subscriptionKeys(ua), { encoding });
          selfTrip.push(new TextDecoder().decode(await w.decrypt(sealed.body, ua, { headers: sealed.headers })));
        }
        return {
          backend: (await w.defaultCryptoBackend()).name,
          ua: {
            publicKey: w.encodeBase64Url(ua.publicKey),
            privateKey: w.encodeBase64Url(ua.privateKey),
            auth: w.encodeBase64Url(ua.auth),
          },
          vapidChecks: checks.map((c) => c.ok),
          modern,
          legacy,
          selfTrip,
        };
      });
      expect(browserSide.backend).toBe('webcrypto');
      expect(browserSide.vapidChecks).toEqual([true, true]);
      expect(browserSide.selfTrip).toEqual(['in-browser aes128gcm', 'in-browser aesgcm']);
      expect(browserSide.legacy.Authorization).toMatch(/^WebPush /);
      expect(browserSide.legacy['Crypto-Key']).toMatch(/^p256ecdsa=/);
      // Node verifies the browser's VAPID tokens.
      const audience = 'https://push.example.net';
      expect((await verifyVapid({ authorization: browserSide.modern.Authorization, audience })).ok).toBe(true);
      const legacyCheck = await verifyVapid({
        authorization: browserSide.legacy.Authorization,
        cryptoKey: browserSide.legacy['Crypto-Key'],
        audience,
      });
      expect(legacyCheck.ok).toBe(true);

      // Node (node:crypto) encrypts for the browser's keys; the browser decrypts.
      const browserUa = {
        publicKey: decodeBase64Url(browserSide.ua.publicKey),
        privateKey: decodeBase64Url(browserSide.ua.privateKey),
        auth: decodeBase64Url(browserSide.ua.auth),
      };
      const toBrowser = await Promise.all(
        (['aes128gcm', 'aesgcm'] as const).map(async (encoding) => {
          const sealed = await encrypt(`from node ${encoding}`, subscriptionKeys(browserUa), {
            encoding,
            crypto: nodeCrypto,
          });
          return { body: encodeBase64Url(sealed.body), headers: sealed.headers };
        }),
      );
      const openedInBrowser = await page.evaluate(
        async ({ messages, ua }) => {
          const w = (globalThis as unknown as { outpostWebpush: typeof import('../src/web.js') }).outpostWebpush;
          const keys = {
            publicKey: w.decodeBase64Url(ua.publicKey),
            privateKey: w.decodeBase64Url(ua.privateKey),
            auth: w.decodeBase64Url(ua.auth),
          };
          const out: string[] = [];
          for (const m of messages) {
            out.push(
              new TextDecoder().decode(await w.decrypt(w.decodeBase64Url(m.body), keys, { headers: m.headers })),
            );
          }
          return out;
        },
        { messages: toBrowser, ua: browserSide.ua },
      );
      expect(openedInBrowser).toEqual(['from node aes128gcm', 'from node aesgcm']);

      // The browser encrypts for Node's keys; Node decrypts.
      const nodeUa = await generateUserAgentKeys(nodeCrypto);
      const fromBrowser = await page.evaluate(async (keys) => {
        const w = (globalThis as unknown as { outpostWebpush: typeof import('../src/web.js') }).outpostWebpush;
        const out: Array<{ body: string; headers: Record<string, string> }> = [];
        for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
          const sealed = await w.encrypt(`from chromium ${encoding}`, keys, { encoding });
          out.push({ body: w.encodeBase64Url(sealed.body), headers: sealed.headers });
        }
        return out;
      }, subscriptionKeys(nodeUa));
      const opened = await Promise.all(
        fromBrowser.map(async (m) =>
          new TextDecoder().decode(
            await decrypt(decodeBase64Url(m.body), nodeUa, { headers: m.headers, crypto: nodeCrypto }),
          ),
        ),
      );
      expect(opened).toEqual(['from chromium aes128gcm', 'from chromium aesgcm']);
    } finally {
      await page.close();
    }
  }, 60_000);
});
