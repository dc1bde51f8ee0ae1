// The push service under test, in its own process. argv: <db> <durability full|normal>
// Prints {"url","wsUrl"} once listening; answers IPC requests for memory and stored-message counts.
import { createPushService } from '@outpost/push-service';
import { pino } from 'pino';

const [db, durability] = process.argv.slice(2);
const service = await createPushService({
  db,
  durability: durability === 'normal' ? 'normal' : 'full',
  port: 0,
  secrets: ['bench endpoint secret, long enough'],
  logger: pino({ level: 'warn' }),
  storageLimit: 10_000,
  rateLimit: { perSecond: 1e6, burst: 1e6 },
  // Short, so the memory reading includes connections that were pinged and answered (the default is 120 s).
  connectionLimits: { pingIntervalMs: Number(process.env.BENCH_PUSH_PING_MS ?? 5000) },
});
const urls = await service.listen();
process.stdout.write(`${JSON.stringify(urls)}\n`);

type Request = { id: number; kind: 'memory' | 'stored' | 'connections' | 'fsync' };
process.on('message', async (request: Request) => {
  let value: unknown;
  if (request.kind === 'memory') {
    // Settle first: a full GC twice (weak refs, finalizers) so the numbers are live memory, not garbage.
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 200));
    globalThis.gc?.();
    value = process.memoryUsage();
  } else if (request.kind === 'stored') {
    const row = await service.core.store.db
      .selectFrom('push_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    value = Number(row.n);
  } else if (request.kind === 'fsync') {
    value = service.core.store.fsyncStats;
  } else {
    value = service.core.registry.size;
  }
  process.send?.({ id: request.id, value });
});
process.on('disconnect', () => {
  void service.close().then(() => process.exit(0));
});
