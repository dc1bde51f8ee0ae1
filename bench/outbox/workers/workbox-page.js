// Workbox's page: asks the worker to queue the requests and waits for its timings.
globalThis.bench = {
  enqueue(count) {
    return new Promise((resolve) => {
      navigator.serviceWorker.addEventListener('message', function onMessage(event) {
        if (event.data?.type !== 'enqueued') return;
        navigator.serviceWorker.removeEventListener('message', onMessage);
        resolve(event.data.latencies);
      });
      navigator.serviceWorker.controller.postMessage({ type: 'enqueue', count });
    });
  },
};
