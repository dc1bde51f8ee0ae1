// The install floor: download every manifest URL, 8 at a time, and store nothing. What the browser's fetch
// path alone costs, for comparison with the precaching workers.
self.addEventListener('install', (event) => {
  const urls = BENCH_MANIFEST.map((entry) => entry.url);
  let next = 0;
  const lane = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      await (await fetch(url, { cache: 'reload' })).blob();
    }
  };
  event.waitUntil(Promise.all(Array.from({ length: 8 }, lane)));
});
