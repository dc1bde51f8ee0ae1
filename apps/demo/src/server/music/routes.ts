import { contentRange, decideRange, type RangeDecision } from '@outpost/pwa/ranges';
import type { FastifyPluginAsync } from 'fastify';
import { loadCatalog } from './catalog.js';
import { ifRangeAllows } from './if-range.js';
import type { TrackList } from './music-wire.js';

/** Options of {@link musicRoutes}. */
export interface MusicRoutesOptions {
  /** Where the generated WAV files are kept; undefined generates them into memory at every start. */
  dir?: string;
}

/**
 * The Music API of the demo (no account needed):
 * - `GET /api/music/tracks` -> `{ tracks }`, the catalog (title, artist, duration, size, audio path);
 * - `GET` / `HEAD /api/music/tracks/:id/audio` -> the WAV, with `Accept-Ranges: bytes`, a strong `ETag` and
 *   `Content-Length`: 200 whole, 206 for one range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) with `Content-Range`,
 *   416 with `Content-Range: bytes *\/size` when unsatisfiable. An `If-Range` other than the current ETag gets
 *   the whole file (200). Unknown ids are 404.
 */
export const musicRoutes: FastifyPluginAsync<MusicRoutesOptions> = async (app, options) => {
  const catalog = loadCatalog(options.dir);
  const list: TrackList = { tracks: [...catalog.values()].map((entry) => entry.track) };

  app.get('/api/music/tracks', async (_request, reply) => reply.header('cache-control', 'no-cache').send(list));

  app.route<{ Params: { id: string } }>({
    method: ['GET', 'HEAD'],
    url: '/api/music/tracks/:id/audio',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const entry = catalog.get(request.params.id);
      if (!entry) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such track' });
      const { size, type } = entry.track;
      reply.header('accept-ranges', 'bytes').header('etag', entry.etag).header('cache-control', 'no-cache');
      const ifRange = request.headers['if-range'];
      // Several If-Range headers name no one version: the whole file.
      const allowed = typeof ifRange === 'string' || ifRange === undefined ? ifRangeAllows(ifRange, entry.etag) : false;
      const range: RangeDecision = allowed ? decideRange(request.headers.range, size) : { kind: 'full' };
      if (range.kind === 'unsatisfiable') return reply.code(416).header('content-range', contentRange(size)).send();
      const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
      if (range.kind === 'partial') reply.code(206).header('content-range', contentRange(size, range));
      reply.type(type).header('content-length', String(end - start + 1));
      if (request.method === 'HEAD') return reply.send();
      return reply.send(entry.read(start, end));
    },
  });
};
