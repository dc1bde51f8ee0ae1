/**
 * Functions that run INSIDE a page (passed to `page.evaluate` by both Playwright and Puppeteer). They are
 * serialized with `toString()`, so they must not reference anything outside their own body.
 */

/**
 * Resolves once a service worker controls the page, or rejects after `timeoutMs` with a message that says
 * what the page saw. Never waits unbounded: a page whose worker does not `clients.claim()` is never
 * controlled until it is reloaded, and the test should say so instead of hanging.
 */
export async function controllerWithin(timeoutMs: number): Promise<string> {
  const container = navigator.serviceWorker;
  if (!container) throw new Error(`navigator.serviceWorker is missing on ${location.href} (not a secure context?)`);
  if (container.controller) return container.controller.scriptURL;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(async () => {
      container.removeEventListener('controllerchange', onChange);
      const registration = await container.getRegistration();
      const state = registration
        ? `registration ${registration.scope}: active=${registration.active?.state ?? 'none'}, waiting=${registration.waiting?.state ?? 'none'}, installing=${registration.installing?.state ?? 'none'}`
        : 'no registration';
      reject(new Error(`no service worker controlled ${location.href} within ${timeoutMs} ms (${state})`));
    }, timeoutMs);
    const onChange = () => {
      const controller = container.controller;
      if (!controller) return;
      clearTimeout(timer);
      container.removeEventListener('controllerchange', onChange);
      resolve(controller.scriptURL);
    };
    container.addEventListener('controllerchange', onChange);
    // The controller may have arrived between the first check and the listener.
    onChange();
  });
}
