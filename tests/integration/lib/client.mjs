// REST + WebSocket client helpers for the tonari integration tests.
//
//   const tanaka = await login(srv, 'tanaka');                 // cookie session + csrf
//   const bot    = await login(srv, 'tanaka', { token: true }); // bearer token
//   const r = await tanaka.post('/api/direct', { user: 3 });   // -> {status, headers, json, text}
//   const ws = await tanaka.ws({ cursors: { 5: 57 } });        // hello/welcome/synced done
//   const f  = await ws.next(f => f.type === 'message.created', 3000);

import http from 'node:http';
import WebSocket from 'ws';
import { DEMO_TENANT, DEMO_PASSWORD, registerCleanup } from './server.mjs';

// Frame types that are room events (carry a room-local `ev`).
export const EVENT_TYPES = new Set(['message.created', 'message.edited', 'message.deleted', 'member.joined', 'member.left', 'room.updated', 'member.role_changed', 'file.updated',
  'reaction.updated', 'action.updated', 'message.acks', 'note.updated', 'note.deleted', 'pin.added', 'pin.removed']);

export const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

const REQUEST_TIMEOUT_MS = 10000;

function parseJson(text) {
  if (text === '' || text == null) return undefined;
  try { return JSON.parse(text); } catch { return undefined; }
}

// Plain request with no session. `body` objects are JSON-encoded; strings are sent as is.
export async function rawFetch(server, method, path, { body, headers = {} } = {}) {
  const h = { ...headers };
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      payload = body;
    } else {
      payload = JSON.stringify(body);
    }
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  }
  let res;
  let text;
  try {
    res = await fetch(server.base + path, {
      method, headers: h, body: payload, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await res.text();
  } catch (e) {
    throw new Error(`${method} ${path}: request failed (${e.name}: ${e.message}${e.cause ? `; ${e.cause.code || e.cause.message}` : ''})`);
  }
  return { status: res.status, headers: res.headers, text, json: parseJson(text) };
}

// A request over a raw socket (node:http) that resolves as soon as the response
// head+body arrive, even if the server stops reading our (large) body early.
export function rawHttp(server, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, method, path,
      headers: { ...headers, ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}) },
    });
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) { settled = true; req.destroy(); reject(new Error(`rawHttp ${method} ${path}: timeout`)); }
    }, 15000);
    req.on('response', (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, text: data, json: parseJson(data) });
        req.destroy();
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (e) => {
      // EPIPE / ECONNRESET after the server answered early are fine (handled in 'response').
      setTimeout(() => {
        if (!settled) { settled = true; clearTimeout(timer); reject(e); }
      }, 200);
    });
    if (body) {
      req.write(body, () => {});
    }
    req.end();
  });
}

export class Client {
  constructor(server, { login: loginId, tenant } = {}) {
    this.server = server;
    this.loginId = loginId;
    this.tenant = tenant;
    this.cookie = null;      // "tonari_session=…"
    this.csrf = null;
    this.token = null;       // bearer
    this.user = null;
    this.loginResponse = null;
  }

  get id() { return this.user && this.user.id; }
  get mode() { return this.token ? 'bearer' : 'cookie'; }

  authHeaders() {
    const h = {};
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    else if (this.cookie) h.Cookie = this.cookie;
    return h;
  }

  // opts: body (object → JSON, string → raw), headers (extra), csrf (default true: send
  // X-CSRF-Token on unsafe cookie requests), origin (default: server origin on unsafe
  // methods; false → none; string → that origin).
  async req(method, path, opts = {}) {
    const { body, headers = {}, csrf = true } = opts;
    const h = { ...this.authHeaders() };
    if (UNSAFE.has(method)) {
      if (this.cookie && !this.token && csrf && this.csrf) h['X-CSRF-Token'] = this.csrf;
      if (opts.origin === undefined) h.Origin = this.server.origin;
      else if (opts.origin) h.Origin = opts.origin;
    } else if (opts.origin) {
      h.Origin = opts.origin;
    }
    Object.assign(h, headers);
    return rawFetch(this.server, method, path, { body, headers: h });
  }

  get(path, opts) { return this.req('GET', path, opts); }
  post(path, body, opts = {}) { return this.req('POST', path, { ...opts, body: body === undefined ? {} : body }); }
  patch(path, body, opts = {}) { return this.req('PATCH', path, { ...opts, body }); }
  del(path, opts) { return this.req('DELETE', path, opts); }

  // Like req(), but asserts the status and returns the JSON body.
  async ok(method, path, body, expectStatus = 200) {
    const r = await this.req(method, path, body === undefined ? {} : { body });
    if (r.status !== expectStatus) {
      throw new Error(`${this.loginId}: ${method} ${path} → ${r.status} (expected ${expectStatus}): ${r.text}`);
    }
    return r.json;
  }

  async ws(opts = {}) {
    const c = new WsConn(this, opts);
    await c.open();
    return c;
  }
}

export async function loginRaw(server, { tenant = DEMO_TENANT, login: loginId, password = DEMO_PASSWORD, token = false } = {}) {
  const body = { tenant, login: loginId, password };
  if (token !== undefined) body.token = token;
  return rawFetch(server, 'POST', '/api/login', { body });
}

export function sessionCookieFrom(headers) {
  const all = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [headers.get('set-cookie')].filter(Boolean);
  for (const c of all) {
    const m = /^\s*tonari_session=([^;]*)/.exec(c);
    if (m) return { value: m[1], raw: c };
  }
  return null;
}

export async function login(server, loginId, { tenant = DEMO_TENANT, password = DEMO_PASSWORD, token = false } = {}) {
  const r = await loginRaw(server, { tenant, login: loginId, password, token });
  if (r.status !== 200) throw new Error(`login ${tenant}/${loginId} → ${r.status}: ${r.text}`);
  const c = new Client(server, { login: loginId, tenant });
  c.loginResponse = r;
  c.user = r.json.user;
  c.csrf = r.json.csrf_token;
  if (token) {
    if (!r.json.token) throw new Error(`login with token:true returned no token: ${r.text}`);
    c.token = r.json.token;
  } else {
    const sc = sessionCookieFrom(r.headers);
    if (!sc || !sc.value) throw new Error(`login returned no tonari_session cookie: ${JSON.stringify([...r.headers])}`);
    c.cookie = `tonari_session=${sc.value}`;
  }
  return c;
}

// --- WebSocket --------------------------------------------------------------

let clientSeq = 0;
export function cid(prefix = 'c') {
  clientSeq += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${clientSeq}`;
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// Try a WebSocket upgrade and report how it went: {status} when refused
// (unexpected-response), {status: 101} when accepted (the socket is then closed).
export function wsUpgradeResult(server, { headers = {}, origin } = {}) {
  return new Promise((resolve) => {
    const opts = { headers, handshakeTimeout: 5000 };
    if (origin) opts.origin = origin;
    const ws = new WebSocket(server.wsUrl, opts);
    const timer = setTimeout(() => { try { ws.terminate(); } catch { /* */ } resolve({ status: 0, error: 'timeout' }); }, 8000);
    ws.on('unexpected-response', (req, res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, text: data, json: parseJson(data) });
        try { req.destroy(); } catch { /* */ }
      });
    });
    ws.on('open', () => {
      clearTimeout(timer);
      ws.close();
      resolve({ status: 101 });
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: -1, error: e.message });
    });
  });
}

export class WsConn {
  // opts: cursors ({room: ev}), hello (default true), waitSynced (default true),
  //       origin (default server origin for cookie sessions; false → none),
  //       bearer (default: client's mode), label, wsOptions (passed to the ws library)
  constructor(client, opts = {}) {
    this.client = client;
    this.server = client.server;
    this.opts = opts;
    this.label = opts.label || client.loginId;
    this.log = [];            // every frame received, in order
    this.queue = [];          // frames not consumed by next()
    this.waiters = [];
    this.cursors = new Map(); // room id → last applied ev
    this.evErrors = [];       // gaps / duplicates seen
    this.removedRooms = [];
    this.welcome = null;
    this.welcomeIndex = -1;
    this.syncedIndex = -1;
    this.closeInfo = null;
    this.ws = null;
    this.listeners = [];      // fn(frame) called for every frame
    for (const [room, ev] of Object.entries(opts.cursors || {})) this.cursors.set(Number(room), ev);
  }

  open() {
    const headers = { ...this.client.authHeaders(), ...(this.opts.headers || {}) };
    const wsOpts = { headers, handshakeTimeout: 5000, perMessageDeflate: false, ...(this.opts.wsOptions || {}) };
    const origin = this.opts.origin === undefined ? this.server.origin : this.opts.origin;
    if (origin) wsOpts.origin = origin;
    const ws = new WebSocket(this.server.wsUrl, wsOpts);
    this.ws = ws;
    this._unregister = registerCleanup(() => this.terminate());
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`[${this.label}] socket closed (${code} ${reason}) while waiting for ${w.desc}; recent frames:\n${this.recent()}`));
        }
        resolve(this.closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (req, res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { data += d; });
        res.on('end', () => {
          const e = new Error(`[${this.label}] WebSocket upgrade refused: HTTP ${res.statusCode} ${data}`);
          e.status = res.statusCode;
          e.body = data;
          reject(e);
        });
      });
      ws.once('error', (e) => reject(new Error(`[${this.label}] WebSocket error: ${e.message}`)));
      ws.once('open', async () => {
        ws.on('error', () => {});
        if (this.opts.hello === false) return resolve(this);
        try {
          this.send({ type: 'hello', cursors: Object.fromEntries([...this.cursors].map(([k, v]) => [String(k), v])) });
          this.welcome = await this.next((f) => f.type === 'welcome', 5000, 'welcome', { consume: false });
          if (this.opts.waitSynced !== false) {
            await this.next((f) => f.type === 'synced', 10000, 'synced', { consume: false });
          }
          resolve(this);
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  _track(f) {
    if (f.type === 'welcome') {
      this.welcomeIndex = this.log.length - 1;
      for (const r of f.rooms || []) {
        if (!this.cursors.has(r.id)) this.cursors.set(r.id, r.ev);
      }
      return;
    }
    if (f.type === 'synced') { this.syncedIndex = this.log.length - 1; return; }
    if (f.type === 'resync') { this.cursors.set(f.room, f.ev); return; }
    if (f.type === 'room.removed') { this.removedRooms.push(f.room); return; }
    if (EVENT_TYPES.has(f.type)) {
      const room = f.room;
      if (!this.cursors.has(room)) {
        this.cursors.set(room, f.ev);   // first event of a room we were just added to
        return;
      }
      const cur = this.cursors.get(room);
      if (f.ev === cur + 1) this.cursors.set(room, f.ev);
      else if (f.ev <= cur) this.evErrors.push({ kind: 'duplicate', room, ev: f.ev, cursor: cur, type: f.type });
      else { this.evErrors.push({ kind: 'gap', room, ev: f.ev, cursor: cur, type: f.type }); this.cursors.set(room, f.ev); }
    }
  }

  _onMessage(data, isBinary) {
    let f;
    const text = data.toString('utf8');
    try { f = JSON.parse(text); } catch {
      f = { type: '__unparseable__', text, binary: isBinary };
    }
    f.__t = Date.now();
    this.log.push(f);
    this._track(f);
    if (f.type === 'ping') this.send({ type: 'pong' });
    for (const fn of this.listeners) {
      try { fn(f); } catch (e) { process.stderr.write(`[${this.label}] listener error: ${e.stack}\n`); }
    }
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i];
      let hit = false;
      try { hit = w.pred(f); } catch { hit = false; }
      if (hit) {
        this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        if (!w.consume) this.queue.push(f);
        w.resolve(f);
        return;
      }
    }
    this.queue.push(f);
  }

  recent(n = 15) {
    return this.log.slice(-n).map((f) => JSON.stringify(f).slice(0, 300)).join('\n');
  }

  // Wait for (and consume) the first queued-or-future frame matching pred.
  next(pred = () => true, timeoutMs = 3000, desc = 'frame', { consume = true } = {}) {
    const i = this.queue.findIndex((f) => { try { return pred(f); } catch { return false; } });
    if (i >= 0) {
      const f = this.queue[i];
      if (consume) this.queue.splice(i, 1);
      return Promise.resolve(f);
    }
    if (this.closeInfo) {
      return Promise.reject(new Error(`[${this.label}] socket already closed (${this.closeInfo.code} ${this.closeInfo.reason}); wanted ${desc}; recent:\n${this.recent()}`));
    }
    return new Promise((resolve, reject) => {
      const w = { pred, resolve, reject, consume, desc };
      w.timer = setTimeout(() => {
        const k = this.waiters.indexOf(w);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(new Error(`[${this.label}] timed out after ${timeoutMs} ms waiting for ${desc}; recent frames:\n${this.recent()}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  on(fn) { this.listeners.push(fn); }

  // Frames of a given type/room already received (whole log, consumed or not).
  seen(pred) { return this.log.filter((f) => { try { return pred(f); } catch { return false; } }); }

  events(room) { return this.log.filter((f) => f.room === room && EVENT_TYPES.has(f.type)); }

  drain() { this.queue.length = 0; }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
    return true;
  }

  sendMessage(room, body, extra = {}) {
    const client_id = extra.client_id || cid('ws');
    this.send({ type: 'send', room, client_id, body, ...extra });
    return client_id;
  }

  ack(clientId, timeoutMs = 5000) {
    return this.next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === clientId, timeoutMs, `ack for ${clientId}`);
  }

  async ping(timeoutMs = 3000) {
    this.send({ type: 'ping' });
    return this.next((f) => f.type === 'pong', timeoutMs, 'pong');
  }

  // Send many messages keeping at most `window` unacknowledged (the server bounds
  // in-flight sends per connection). items: [{room, body, ...}]. Resolves to the
  // ack/error frames in item order.
  async sendMany(items, { window = 64, timeoutMs = 20000 } = {}) {
    const results = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        const { room, body, ...extra } = items[i];
        const k = this.sendMessage(room, body, extra);
        results[i] = await this.ack(k, timeoutMs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, items.length) }, worker));
    return results;
  }

  cursorsObject() {
    return Object.fromEntries([...this.cursors].map(([k, v]) => [String(k), v]));
  }

  async close() {
    if (!this.ws) return;
    if (this._unregister) this._unregister();
    if (this.closeInfo) return this.closeInfo;
    try { this.ws.close(1000); } catch { /* */ }
    let t;
    const r = await Promise.race([this.closed, new Promise((res) => { t = setTimeout(res, 2000); })]);
    clearTimeout(t);
    if (!this.closeInfo) this.ws.terminate();
    return r;
  }

  terminate() {
    if (this.ws && !this.closeInfo) {
      try { this.ws.terminate(); } catch { /* */ }
    }
  }
}
