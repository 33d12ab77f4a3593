// tonari's service worker (docs/architecture.md "Service worker"). The build (vite.config.ts,
// serviceWorker()) fills in VERSION and FILES: a hash of the build's files and their list:
// every build is a new worker with its own cache, so a page never mixes two builds.
// - install: caches the app shell (index.html, every hashed asset, icons), then takes over at
//   once (skipWaiting; the page reloads itself on controllerchange).
// - activate: keeps the cache of the build it replaces (a page of that build, still open
//   until it reloads, may yet load one of its lazy chunks, which the server no longer has),
//   deletes those of older builds, and claims the open pages.
// - fetch: a navigation goes to the network and falls back to the cached index.html (the app
//   then shows that it is offline); assets come from this build's cache, then the one before
//   (hashed names never collide), then the network; /api/ is never touched.
// - notificationclick: opens the room of a notification shown by the page through the worker
//   (Android Chrome allows notifications only from a service worker).
const VERSION = '__VERSION__';
const FILES = __FILES__;
const CACHE = 'tonari-' + VERSION;
const META = 'tonari-meta';  // remembers which build's cache is the active one
const ACTIVE = '/__tonari_active_cache';

self.addEventListener('install', (e) => {
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(FILES.map((f) => new Request(f, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      const meta = await caches.open(META);
      const was = await meta.match(ACTIVE);
      const previous = was ? await was.text() : '';
      const keys = await caches.keys();
      const old = keys.filter((k) => k.startsWith('tonari-') && k !== CACHE && k !== META && k !== previous);
      await Promise.all(old.map((k) => caches.delete(k)));
      await meta.put(ACTIVE, new Response(CACHE));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    e.respondWith(fetch(req).catch(() => caches.match('/index.html', { cacheName: CACHE }).then((r) => r || Response.error())));
    return;
  }
  e.respondWith(
    caches
      .match(req, { cacheName: CACHE })
      .then((r) => r || caches.match(req))
      .then((r) => r || fetch(req)),
  );
});

self.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const url = new URL((e.notification.data && e.notification.data.url) || '/', self.location.origin).href;
  e.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      const open = list.find((c) => new URL(c.url).origin === self.location.origin);
      if (open) return open.focus().then((c) => c.navigate(url));
      return self.clients.openWindow(url);
    }),
  );
});
