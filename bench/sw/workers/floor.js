// The floor: the smallest cache-first worker one would write by hand. Plain JavaScript, no library.
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (!new URL(event.request.url).pathname.startsWith('/data/')) return;
  event.respondWith(
    caches.match(event.request).then(
      (hit) =>
        hit ||
        fetch(event.request).then((response) => {
          const copy = response.clone();
          event.waitUntil(caches.open('floor').then((cache) => cache.put(event.request, copy)));
          return response;
        }),
    ),
  );
});
