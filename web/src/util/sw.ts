// Registers the service worker (sw/sw.js) and takes a new build at a safe moment: when a new
// worker takes over (controllerchange), the page reloads once — at once if it is hidden, else
// on the next navigation inside the app — so old and new files are never mixed for long.
export function registerServiceWorker(onRoute: (fn: () => void) => void): void {
  const sw = navigator.serviceWorker;
  if (!sw || !import.meta.env.PROD) return;
  let had = !!sw.controller;
  let due = false;
  const reload = () => {
    if (!due) return;
    due = false;
    location.reload();
  };
  sw.addEventListener('controllerchange', () => {
    // The first install on this page is not an update: nothing to reload.
    if (!had) {
      had = true;
      return;
    }
    due = true;
    if (document.visibilityState === 'hidden') reload();
  });
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && reload());
  onRoute(reload);
  window.addEventListener('load', () => void sw.register('/sw.js').catch(() => {}));
}
