// `npm run hostile`: hostile clients against a push service in its own process, loopback only, each probe
// bounded in count and time. Prints one table: connections held, RSS per connection, sockets the limits closed,
// UAID rows left behind. Exits non-zero if a probe finds a limit not holding.
//
// Env: HOSTILE_SILENT (silent sockets, default 1000), HOSTILE_FLOOD_MS (default 5000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@outpost/store';
import { freePort, spawnService } from './child-service.js';
import {
  anonymousHellos,
  eventually,
  floodWithoutReading,
  health,
  loopbackAddresses,
  openSilentSockets,
  registerFlood,
  rssBytes,
  slowloris,
} from './hostile-probes.js';

const SILENT = Number(process.env.HOSTILE_SILENT ?? 1000);
const FLOOD_MS = Number(process.env.HOSTILE_FLOOD_MS ?? 5000);
const HELLOS = 500;
const REGISTERS = 2000;
const SLOW = 200;

interface Row {
  probe: string;
  held: number;
  rssPerConnection: string;
  closedByLimits: string;
  rowsLeft: string;
  ok: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-hostile-'));
const db = join(dir, 'push.db');
// Short timeouts so the check runs in seconds; the defaults are in docs/push-service.md.
const child = await spawnService(db, await freePort(), undefined, {
  connectionLimits: { helloTimeoutMs: 2000, pingIntervalMs: 1500, pongTimeoutMs: 1500, maxChannelsPerUaid: 500 },
  httpTimeouts: { headersTimeoutMs: 2000, requestTimeoutMs: 4000 },
});
const pid = child.process.pid ?? 0;
const rows: Row[] = [];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

try {
  // 1. A client that says hello, never reads, and floods 8-byte pings.
  {
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 50);
    const flood = await floodWithoutReading(child.wsUrl, FLOOD_MS);
    const dropped = await eventually(async () => (await health(child.url)).sockets === 0, 10_000);
    clearInterval(sampler);
    flood.socket.destroy();
    const h = await health(child.url);
    rows.push({
      probe: `non-reading client flooding pings for ${FLOOD_MS / 1000} s (${mb(flood.bytesSent)} sent)`,
      held: 1,
      rssPerConnection: `${mb(peak - before)} peak growth`,
      closedByLimits: `${h.closed.pingFlood} (ping flood), ${h.closed.deadAfterPing} (unanswered ping)`,
      rowsLeft: '-',
      ok: dropped && peak - before < 64 * 1024 * 1024,
    });
  }

  // 2. Silent sockets that never say hello, spread over loopback addresses.
  {
    const before = rssBytes(pid);
    const silent = await openSilentSockets(child.wsUrl, SILENT, loopbackAddresses(Math.ceil(SILENT / 200)));
    const held = (await health(child.url)).sockets;
    const during = rssBytes(pid);
    const closes = await Promise.all(silent.map((s) => s.closed));
    const h = await health(child.url);
    rows.push({
      probe: `${SILENT} silent sockets (no hello)`,
      held,
      rssPerConnection: kb((during - before) / Math.max(1, held)),
      closedByLimits: `${closes.filter((c) => c.code === 1008).length} (hello timeout, slowest ${Math.max(...closes.map((c) => c.afterMs))} ms)`,
      rowsLeft: '-',
      ok: h.sockets === 0 && closes.every((c) => c.code === 1008),
    });
  }

  // 3. Anonymous hellos: nothing may be written for them.
  {
    await anonymousHellos(child.wsUrl, HELLOS);
    const store = await openStore({ url: db });
    const { n } = await store.db
      .selectFrom('push_uaids' as never)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await store.close();
    rows.push({
      probe: `${HELLOS} anonymous hellos`,
      held: 0,
      rssPerConnection: '-',
      closedByLimits: '-',
      rowsLeft: `${Number(n)} UAIDs`,
      ok: Number(n) === 0,
    });
  }

  // 4. One user agent registering as fast as it can.
  {
    const counts = await registerFlood(child.wsUrl, REGISTERS);
    const accepted = counts.get(200) ?? 0;
    rows.push({
      probe: `${REGISTERS} registers from one UA`,
      held: 1,
      rssPerConnection: '-',
      closedByLimits: `${counts.get(429) ?? 0} refused 429 (rate), ${counts.get(413) ?? 0} 413 (cap)`,
      rowsLeft: `${accepted} channels`,
      ok: accepted <= 500 && accepted < REGISTERS,
    });
  }

  // 5. Slowloris on the HTTP side.
  {
    const times = await slowloris(child.url, SLOW, 10_000);
    const closed = times.filter((t) => Number.isFinite(t));
    rows.push({
      probe: `${SLOW} requests with unfinished headers`,
      held: SLOW,
      rssPerConnection: '-',
      closedByLimits: `${closed.length} (headers timeout, slowest ${Math.max(...closed)} ms)`,
      rowsLeft: '-',
      ok: closed.length === SLOW,
    });
  }
} finally {
  await child.kill9();
  rmSync(dir, { recursive: true, force: true });
}

const header: Row = {
  probe: 'probe',
  held: 0,
  rssPerConnection: 'RSS per connection',
  closedByLimits: 'sockets closed by the limits',
  rowsLeft: 'rows left behind',
  ok: true,
};
const cells = (r: Row, isHeader = false) => [
  r.probe,
  isHeader ? 'connections held' : String(r.held),
  r.rssPerConnection,
  r.closedByLimits,
  r.rowsLeft,
  isHeader ? 'holds' : r.ok ? 'yes' : 'NO',
];
const table = [cells(header, true), ...rows.map((r) => cells(r))];
const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? [];
for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | '));
if (rows.some((r) => !r.ok)) process.exitCode = 1;
