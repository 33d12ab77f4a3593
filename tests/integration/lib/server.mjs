// Test harness: start/stop/restart the tonari binary and run its admin CLI.
//
//   const srv = await startServer();            // fresh data dir, --demo
//   srv.base  -> "http://127.0.0.1:PORT"
//   await srv.stop();  await srv.kill9();  await srv.restart();
//
// Every child process started here is tracked and killed when the test file's
// process exits (and by cleanupAll(), which the test files call from after()).
//
// TONARI_TEST_STORE=cluster: startServer() returns the first node of a fresh 3-node cluster
// (PostgreSQL + NATS, lib/cluster.mjs) instead, and `tonari admin … --data DIR` naming a
// cluster node's directory is run against the cluster's store: the single-node tests then
// run unchanged against a node of a cluster.

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TONARI_BIN = process.env.TONARI_BIN || fileURLToPath(new URL('../../../build/tonari', import.meta.url));
export const DEMO_TENANT = '999001';
export const DEMO_PASSWORD = 'sakura-demo';

const START_TIMEOUT_MS = Number(process.env.TONARI_START_TIMEOUT_MS || 30000);
const STOP_TIMEOUT_MS = 15000;

export const CLUSTER_MODE = process.env.TONARI_TEST_STORE === 'cluster';

const liveChildren = new Set();
// Data directory of a node on a shared store → {store, adminDir}: runTonari() points
// `tonari admin` at the store, not at the node's own directory.
const sharedStoreOf = new Map();
const tempDirs = new Set();
const cleanups = new Set();

function killAllChildrenSync() {
  for (const child of liveChildren) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  liveChildren.clear();
}

process.on('exit', () => {
  killAllChildrenSync();
  if (!process.env.TONARI_KEEP_DATA) {
    for (const d of tempDirs) {
      try { rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => { killAllChildrenSync(); process.exit(130); });
}

// Register something (a WebSocket, a server) to be torn down by cleanupAll().
export function registerCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

// Close every WebSocket / server created by this file. Call from after().
export async function cleanupAll() {
  const fns = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of fns) {
    try { await fn(); } catch { /* best effort */ }
  }
  killAllChildrenSync();
}

// A hard per-file deadline: if a test file hangs (a leaked handle, a server that
// never exits), kill the children and exit non-zero so the run stays bounded.
export function installWatchdog(ms = 75000) {
  // Starting PostgreSQL, nats-server and three nodes for each server a file asks for.
  if (CLUSTER_MODE) ms += 90000;
  const t = setTimeout(() => {
    process.stderr.write(`\n[tonari-harness] watchdog: test file exceeded ${ms} ms, killing children\n`);
    killAllChildrenSync();
    process.exit(1);
  }, ms);
  t.unref();
  return t;
}

export function makeDataDir(prefix = 'tonari-it-') {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

export function binaryExists() {
  return existsSync(TONARI_BIN);
}

export class TonariServer {
  // store/bus: a cluster's PostgreSQL and NATS URLs (--store, --bus); adminDir: the data
  // directory `tonari admin` uses for that store (see runTonari).
  constructor({ dataDir, demo = true, extraArgs = [], listen = '127.0.0.1:0', store, bus, adminDir } = {}) {
    this.dataDir = dataDir || makeDataDir();
    this.demo = demo;
    this.extraArgs = extraArgs;
    this.listen = listen;
    this.store = store || null;
    this.bus = bus || null;
    if (this.store) sharedStoreOf.set(this.dataDir, { store: this.store, adminDir: adminDir || makeDataDir('tonari-admin-') });
    this.proc = null;
    this.port = null;
    this.listeners = [];
    this.stdout = '';
    this.stderr = '';
    this.exitInfo = null;
    this.generation = 0;
    registerCleanup(() => this.kill9());
  }

  get base() { return `http://127.0.0.1:${this.port}`; }
  get origin() { return this.base; }
  get wsUrl() { return `ws://127.0.0.1:${this.port}/api/ws`; }
  get running() { return this.proc !== null && this.exitInfo === null; }

  args() {
    // listen: null keeps the listeners of a --config file (e.g. an lgwan and an internet one).
    const a = ['serve', ...(this.listen ? ['--listen', this.listen] : []), '--data', this.dataDir];
    if (this.demo) a.push('--demo');
    if (this.store) a.push('--store', this.store);
    if (this.bus) a.push('--bus', this.bus);
    a.push(...this.extraArgs);
    return a;
  }

  start() {
    if (this.running) throw new Error('server already running');
    this.generation += 1;
    this.stdout = '';
    this.exitInfo = null;
    this.port = null;
    this.listeners = [];
    const proc = spawn(TONARI_BIN, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    liveChildren.add(proc);
    const gen = this.generation;
    this.stderr += `\n----- start #${gen}: ${TONARI_BIN} ${this.args().join(' ')}\n`;

    let exitResolve;
    this.exited = new Promise((r) => { exitResolve = r; });
    proc.on('exit', (code, signal) => {
      liveChildren.delete(proc);
      this.exitInfo = { code, signal };
      exitResolve(this.exitInfo);
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => {
      this.stderr += d;
      if (this.stderr.length > 2_000_000) this.stderr = this.stderr.slice(-1_000_000);
    });
    proc.stdout.setEncoding('utf8');

    return new Promise((resolve, reject) => {
      let buf = '';
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          try { proc.kill('SIGKILL'); } catch { /* ignore */ }
          reject(err);
        } else {
          resolve(this);
        }
      };
      const timer = setTimeout(() => finish(new Error(
        `tonari did not print "tonari ready" within ${START_TIMEOUT_MS} ms.\nstdout:\n${this.stdout}\nstderr:\n${this.stderrTail()}`)),
      START_TIMEOUT_MS);
      proc.on('error', (e) => finish(new Error(`cannot start ${TONARI_BIN}: ${e.message}`)));
      proc.on('exit', (code, signal) => finish(new Error(
        `tonari exited before ready (code=${code} signal=${signal}).\nstdout:\n${this.stdout}\nstderr:\n${this.stderrTail()}`)));
      proc.stdout.on('data', (d) => {
        this.stdout += d;
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).replace(/\r$/, '');
          buf = buf.slice(i + 1);
          const m = /^tonari listening on http:\/\/([^\s:]+|\[[^\]]+\]):(\d+)(?:\s|$)/.exec(line);
          if (m) {
            const zone = /\szone=(\w+)/.exec(line);
            this.listeners.push({ host: m[1], port: Number(m[2]), zone: zone ? zone[1] : 'lgwan', line });
            if (this.port === null) this.port = Number(m[2]);
          } else if (line.trim() === 'tonari ready') {
            if (this.port === null) {
              finish(new Error(`"tonari ready" without a "tonari listening on" line.\nstdout:\n${this.stdout}`));
            } else {
              finish(null);
            }
          }
        }
      });
    });
  }

  // The server's log lines so far (JSON, the default format; stderr), parsed. Other lines
  // (and a line still being written) are skipped.
  logLines() {
    const out = [];
    for (const line of this.stderr.split('\n')) {
      if (!line.startsWith('{')) continue;
      try { out.push(JSON.parse(line)); } catch { /* not a whole JSON line */ }
    }
    return out;
  }

  // Resolves with the first log line for which `pred` holds, once it has arrived (the
  // server writes it before answering, but the pipe is read asynchronously); rejects
  // after `ms`.
  async waitForLog(pred, ms = 5000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.logLines().find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no such log line within ${ms} ms; tail:\n${this.stderrTail()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stderrTail(n = 4000) {
    return this.stderr.length > n ? '…' + this.stderr.slice(-n) : this.stderr;
  }

  async _waitExit(ms) {
    if (!this.proc) return this.exitInfo;
    if (this.exitInfo) return this.exitInfo;
    let t;
    const r = await Promise.race([
      this.exited,
      new Promise((res) => { t = setTimeout(() => res(null), ms); }),
    ]);
    clearTimeout(t);
    return r;
  }

  // Graceful stop (SIGTERM). Falls back to SIGKILL after STOP_TIMEOUT_MS and
  // reports that in the returned object ({code, signal, forced}).
  async stop() {
    if (!this.running) return this.exitInfo;
    this.proc.kill('SIGTERM');
    const r = await this._waitExit(STOP_TIMEOUT_MS);
    if (r) return { ...r, forced: false };
    this.proc.kill('SIGKILL');
    const r2 = await this._waitExit(5000);
    return { ...(r2 || {}), forced: true };
  }

  async kill9() {
    if (!this.running) return this.exitInfo;
    this.proc.kill('SIGKILL');
    return this._waitExit(10000);
  }

  // Start again on the same data dir (the port usually changes).
  async restart() {
    if (this.running) await this.stop();
    return this.start();
  }

  async fetch(path, init) {
    return fetch(this.base + path, init);
  }
}

export async function startServer(opts = {}) {
  if (CLUSTER_MODE) {
    const { startCluster } = await import('./cluster.mjs');
    const cluster = await startCluster({ nodes: 3, demo: opts.demo ?? true, extraArgs: opts.extraArgs || [], firstDataDir: opts.dataDir });
    return cluster.nodes[0];
  }
  const s = new TonariServer(opts);
  await s.start();
  return s;
}

// `tonari admin … --data DIR` where DIR is a node's on a shared store: the same command
// against that store (`admin --store URL …`), with a data directory of its own.
function onSharedStore(args) {
  if (args[0] !== 'admin') return args;
  const i = args.indexOf('--data');
  const shared = i > 0 ? sharedStoreOf.get(args[i + 1]) : undefined;
  if (!shared) return args;
  const out = [...args];
  out[i + 1] = shared.adminDir;
  return ['admin', '--store', shared.store, ...out.slice(1)];
}

// Run `tonari <args>` to completion. Resolves {code, stdout, stderr}.
export function runTonari(args, { timeoutMs = 30000 } = {}) {
  args = onSharedStore(args);
  return new Promise((resolve) => {
    execFile(TONARI_BIN, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      let code = 0;
      if (err) code = typeof err.code === 'number' ? err.code : (err.signal ? 128 : 1);
      resolve({ code, stdout, stderr, error: err });
    });
  });
}

async function admin(args) {
  const r = await runTonari(['admin', ...args]);
  if (r.code !== 0) {
    throw new Error(`tonari admin ${args.join(' ')} failed (code ${r.code}):\nstdout:${r.stdout}\nstderr:${r.stderr}`);
  }
  return r;
}

export function createTenant(dataDir, { code, name }) {
  return admin(['create-tenant', '--data', dataDir, '--code', code, '--name', name]);
}

export function createUser(dataDir, { tenant, login, name, reading, password, admin: isAdmin = false, title }) {
  const a = ['create-user', '--data', dataDir, '--tenant', tenant, '--login', login,
    '--name', name, '--reading', reading, '--password', password];
  if (isAdmin) a.push('--admin');
  if (title) a.push('--title', title);
  return admin(a);
}
