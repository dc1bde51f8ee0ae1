import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxItem } from '../src/outbox/item.js';
import { createOutbox, type Outbox } from '../src/outbox/outbox.client.js';
import { OutboxActionError } from '../src/outbox/transitions.js';

// The page side without a service worker (as on a first visit, or where workers are off): send() stores the
// item and the page sends it itself, with the same rules as the worker.

beforeAll(() => {
  // A page with no controlling worker; Node has no `navigator` of its own.
  Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
  Object.defineProperty(globalThis, 'location', { value: new URL('http://localhost/mail'), configurable: true });
});

const opened: Outbox[] = [];
afterEach(() => {
  for (const outbox of opened.splice(0)) outbox.close();
});

let queueCounter = 0;

/** A server that answers with the scripted statuses in turn (201 once the script is used up). */
function server(script: number[] = []) {
  const keys: string[] = [];
  let release: () => void = () => {};
  const gate = { held: false };
  const fetch = async (request: Request) => {
    keys.push(request.headers.get('idempotency-key') ?? '');
    if (gate.held) await new Promise<void>((resolve) => (release = resolve));
    const status = script.shift() ?? 201;
    const body = JSON.stringify(status === 201 ? { ok: true } : { message: `refused with ${status}` });
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  };
  return { keys, fetch, gate, release: () => release() };
}

async function open(fetch: (request: Request) => Promise<Response>, baseMs = 5): Promise<Outbox> {
  const outbox = await createOutbox({
    queue: `page-${++queueCounter}`,
    autoReplay: false,
    fetch,
    backoff: { baseMs, maxMs: baseMs * 2 },
    locks: null,
  });
  opened.push(outbox);
  return outbox;
}

const mail = (subject: string) => ({
  url: '/api/mail',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ subject }),
  label: { subject },
});

describe('createOutbox without a service worker', () => {
  it('stores the request with a key made at send time, then sends it from the page with that key', async () => {
    const api = server();
    const outbox = await open(api.fetch);
    api.gate.held = true;
    const id = await outbox.send(mail('Hi'));
    const [stored] = await outbox.list();
    expect(stored).toMatchObject({
      id,
      label: { subject: 'Hi' },
      request: { method: 'POST', url: 'http://localhost/api/mail' },
    });
    const key = stored?.idempotencyKey as string;
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored?.request.headers).toContainEqual(['idempotency-key', `"${key}"`]);
    // The item stays until the server answers.
    await expect.poll(async () => (await outbox.list())[0]?.state).toBe('sending');
    api.release();
    await expect.poll(async () => (await outbox.list())[0]?.state).toBe('sent');
    expect(api.keys).toEqual([`"${key}"`]);
  });

  it('tells subscribers about every state, keeps failures with the reason, and retries with the same key', async () => {
    const api = server([422]);
    const outbox = await open(api.fetch);
    const seen: string[] = [];
    outbox.subscribe((items: OutboxItem[]) => {
      const state = items[0]?.state;
      if (state && seen.at(-1) !== state) seen.push(state);
    });
    const id = await outbox.send(mail('Refused'));
    await expect.poll(async () => (await outbox.list())[0]?.state).toBe('failed');
    expect((await outbox.list())[0]?.reason).toBe('refused with 422');
    await expect.poll(() => seen.at(-1)).toBe('failed');
    await outbox.retry(id);
    await expect.poll(async () => (await outbox.list())[0]?.state).toBe('sent');
    expect(new Set(api.keys).size).toBe(1);
    await expect.poll(() => seen.at(-1)).toBe('sent');
    await expect(outbox.cancel(id)).rejects.toThrow(OutboxActionError);
  });

  it('parks 401s until resume(), and cancels what is not being sent', async () => {
    const api = server([401]);
    const outbox = await open(api.fetch);
    await outbox.send(mail('Later'));
    await expect.poll(async () => (await outbox.list())[0]?.state).toBe('needs-sign-in');
    expect(await outbox.resume()).toBe(1);
    await expect.poll(async () => (await outbox.list())[0]?.state).toBe('sent');

    const offline = await open(async () => {
      throw new TypeError('Failed to fetch');
    }, 3_600_000);
    const id = await offline.send(mail('Never mind'));
    // Tried once, found no network, backs off for an hour.
    await expect
      .poll(async () => (await offline.list())[0])
      .toMatchObject({ state: 'pending', attempts: 1, lastError: 'TypeError: Failed to fetch' });
    await offline.cancel(id);
    expect(await offline.list()).toEqual([]);
    await expect(offline.retry(id)).rejects.toThrow(/no outbox item/);
  });

  it('refuses a bad queue name', async () => {
    await expect(createOutbox({ queue: 'no spaces' })).rejects.toThrow(TypeError);
  });

  it('queues every body fetch takes and replays what fetch would have sent, Content-Type included', async () => {
    const received: { type: string | null; text: string; fields?: [string, FormDataEntryValue][] }[] = [];
    const outbox = await open(async (request) => {
      const type = request.headers.get('content-type');
      if (type?.startsWith('multipart/form-data')) {
        const form = await request.formData();
        received.push({ type, text: '', fields: [...form] });
      } else {
        received.push({ type, text: await request.text() });
      }
      return new Response(null, { status: 204 });
    });
    const form = new FormData();
    form.append('subject', 'Hi');
    form.append('attachment', new Blob(['bytes'], { type: 'text/plain' }), 'a.txt');
    const bodies: BodyInit[] = [
      form,
      new URLSearchParams({ to: 'bob', subject: 'Hi & bye' }),
      new Blob(['{"a":1}'], { type: 'application/json' }),
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('streamed '));
          controller.enqueue(new TextEncoder().encode('body'));
          controller.close();
        },
      }),
      new TextEncoder().encode('plain bytes'),
    ];
    for (const body of bodies) await outbox.send({ url: '/api/upload', body });
    await expect.poll(async () => (await outbox.list()).map((item) => item.state)).toEqual(Array(5).fill('sent'));

    const [multipart, urlencoded, blob, stream, bytes] = received;
    expect(multipart?.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(multipart?.fields?.[0]).toEqual(['subject', 'Hi']);
    const attachment = multipart?.fields?.[1]?.[1] as File;
    expect([attachment.name, await attachment.text()]).toEqual(['a.txt', 'bytes']);
    expect(urlencoded).toEqual({
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
      text: 'to=bob&subject=Hi+%26+bye',
    });
    expect(blob).toEqual({ type: 'application/json', text: '{"a":1}' });
    expect(stream).toEqual({ type: null, text: 'streamed body' });
    expect(bytes).toEqual({ type: null, text: 'plain bytes' });
  });

  it('refuses a body on a GET, as fetch does, and stores nothing', async () => {
    const outbox = await open(server().fetch);
    await expect(outbox.send({ url: '/api/mail', method: 'GET', body: 'x' })).rejects.toThrow(TypeError);
    expect(await outbox.list()).toEqual([]);
  });
});
