// Helpers for the file tests: a server with an lgwan and an internet listener, chunked
// uploads, binary downloads, and the server's resident memory.
//
//   const { srv, internet } = await startZoned();     // srv: the lgwan listener
//   const tanaka = await login(srv, 'tanaka');         // through LGWAN
//   const field  = await login(internet, 'sato');      // through the Internet listener
//   const { upload, file } = await uploadFile(tanaka, room, '破裂箇所.jpg', bytes);
//   const d = await download(field, `/api/files/${file.id}/content`);  // {status, headers, body: Buffer}

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TonariServer, makeDataDir, CLUSTER_MODE } from './server.mjs';

// A tonari with two listeners on 127.0.0.1 port 0: lgwan first, then internet. `toml`:
// more configuration (e.g. a [files] section).
// TONARI_TEST_STORE=cluster: the server is the one node of a cluster (PostgreSQL + NATS).
export async function startZoned({ toml = '', dataDir, demo = true } = {}) {
  const dir = dataDir || makeDataDir();
  const file = join(dir, 'tonari.toml');
  writeFileSync(file, '[[listen]]\naddress = "127.0.0.1"\nport = 0\nzone = "lgwan"\n' +
    '[[listen]]\naddress = "127.0.0.1"\nport = 0\nzone = "internet"\n' + toml);
  let srv;
  if (CLUSTER_MODE) {
    const { startCluster } = await import('./cluster.mjs');
    const cluster = await startCluster({ nodes: 1, demo, listen: null, firstDataDir: dir, extraArgs: ['--config', file] });
    srv = cluster.nodes[0];
  } else {
    srv = new TonariServer({ dataDir: dir, demo, listen: null, extraArgs: ['--config', file] });
    await srv.start();
  }
  return { srv, internet: internetOf(srv) };
}

// The internet listener of `srv` as a server for the client helpers (login(), Client).
export function internetOf(srv) {
  const l = srv.listeners.find((x) => x.zone === 'internet');
  if (!l) throw new Error(`no internet listener: ${srv.stdout}`);
  const base = `http://127.0.0.1:${l.port}`;
  return { port: l.port, base, origin: base, wsUrl: `ws://127.0.0.1:${l.port}/api/ws` };
}

// PUT one chunk at `offset`.
export function putChunk(client, id, offset, bytes) {
  return client.req('PUT', `/api/uploads/${id}`, {
    body: bytes,
    headers: { 'Upload-Offset': String(offset), 'Content-Type': 'application/octet-stream' },
  });
}

// Creates an upload and sends `bytes` in chunks of the server's chunk_bytes (or `chunk`);
// returns the last answer's {upload, file}.
export async function uploadFile(client, room, name, bytes, { type = '', chunk } = {}) {
  const c = await client.post(`/api/rooms/${room}/uploads`, { name, size: bytes.length, type });
  if (c.status !== 201) throw new Error(`create upload ${name} → ${c.status}: ${c.text}`);
  const { id, chunk_bytes: serverChunk } = c.json.upload;
  const step = chunk || serverChunk;
  let last;
  for (let offset = 0; offset < bytes.length; offset += step) {
    const r = await putChunk(client, id, offset, bytes.subarray(offset, Math.min(offset + step, bytes.length)));
    const expected = offset + step >= bytes.length ? 201 : 200;
    if (r.status !== expected) throw new Error(`chunk at ${offset} of ${name} → ${r.status}: ${r.text}`);
    last = r.json;
  }
  return last;
}

// GET `path` with the client's session; the body as bytes.
export async function download(client, path, headers = {}) {
  const res = await fetch(client.server.base + path, {
    headers: { ...client.authHeaders(), ...headers }, signal: AbortSignal.timeout(30000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  let json;
  try { json = JSON.parse(body.toString('utf8')); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, body, json };
}

// The resident memory of process `pid`, bytes (VmRSS of /proc/PID/status).
export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

// Deterministic pseudo-random bytes (xorshift), so that no two chunks are alike.
export function bytesOf(n, seed = 1) {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i += 1) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}
