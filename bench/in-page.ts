// Page code the browser benches run, shared as source text: tsx wraps named functions in a `__name` helper that
// does not exist in the page, so serialised functions would break under `npm run bench`.

/** Registers `/sw.js` and resolves once a service worker controls the page (rejects after 15 s). */
export const WAIT_FOR_CONTROL = `(async () => {
  await navigator.serviceWorker.register('/sw.js');
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no controller within 15 s')), 15000);
    const check = () => {
      if (!navigator.serviceWorker.controller) return;
      clearTimeout(timer);
      resolve();
    };
    navigator.serviceWorker.addEventListener('controllerchange', check);
    check();
  });
})()`;
