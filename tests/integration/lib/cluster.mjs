// A throwaway tonari cluster for the integration tests: one PostgreSQL 15, one nats-server
// and N tonari nodes, all on 127.0.0.1 at ports chosen at run time.
//
//   const c = await startCluster({ nodes: 3 });   // PG + NATS, `admin migrate`, demo seeded once
//   c.nodes[1].base, c.storeUrl, c.busUrl
//   await c.nodes[1].kill9();  await c.nodes[1].start();     // nodes are TonariServer objects
//   await c.nats.kill();  await c.nats.start();    // the same port again: nodes reconnect
//   await c.pg.kill();    await c.pg.start();      // crash, recovery, the same port
//   await c.admin('disable-user', '--tenant', DEMO_TENANT, '--login', 'ito');
//   const onB = onNode(clientOnA, c.nodes[1]);      // the same session, talking to node B
//
// PostgreSQL and nats-server run from scripts/test-pg.sh and scripts/test-nats.sh (which
// detach them), so they are not children of this process: they are stopped and their
// directories removed by cleanupAll(), and at exit (also after the watchdog fired).

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TonariServer, makeDataDir, registerCleanup, runTonari } from './server.mjs';
import { Client } from './client.mjs';

const SCRIPTS = fileURLToPath(new URL('../../../scripts/', import.meta.url));
const SCRIPT_TIMEOUT_MS = 90000;

// Services started by this process and not stopped yet: killed at exit.
const liveServices = new Set();

process.on('exit', () => {
  for (const s of liveServices) s.killSync();
  liveServices.clear();
});

function runScript(script, args, timeoutMs = SCRIPT_TIMEOUT_MS) {
  return new Promise((resolve) => {
    execFile('bash', [join(SCRIPTS, script), ...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, error: err });
    });
  });
}

// PostgreSQL or nats-server run by its script in a directory of its own. start() after
// stop() or kill() reuses the port, so a client's URL stays valid.
class ScriptedService {
  constructor(script, what) {
    this.script = script;
    this.what = what;
    // Not under server.mjs's temporary directories: those are removed at exit before this
    // service may have been stopped; this one's directory goes after the service.
    this.dir = mkdtempSync(join(tmpdir(), `tonari-${what}-`));
    this.url = null;
    this.running = false;
  }

  async _run(cmd) {
    const r = await runScript(this.script, [cmd, this.dir]);
    if (r.code !== 0) {
      throw new Error(`${this.script} ${cmd} ${this.dir} failed (code ${r.code}):\n${r.stdout}${r.stderr}`);
    }
    return r.stdout.trim();
  }

  // Resolves with the URL (postgres://… or nats://…) once the service accepts connections.
  async start() {
    liveServices.add(this);
    const out = await this._run('start');
    const url = out.split('\n').pop().trim();
    if (this.url && url !== this.url) throw new Error(`${this.what} came back at ${url}, not ${this.url}`);
    this.url = url;
    this.running = true;
    return url;
  }

  // Graceful stop (PostgreSQL: fast shutdown; nats-server: SIGTERM).
  async stop() {
    await this._run('stop');
    this.running = false;
  }

  // The hard way (PostgreSQL: immediate shutdown, crash recovery at the next start;
  // nats-server: SIGKILL).
  async kill() {
    await this._run('kill');
    this.running = false;
  }

  async restart() {
    await this.stop();
    return this.start();
  }

  // Stops it if running and removes its directory (unless TONARI_KEEP_DATA).
  async destroy() {
    if (liveServices.has(this)) {
      try { await this._run('stop'); } catch { await this._run('kill').catch(() => {}); }
      liveServices.delete(this);
    }
    this.running = false;
    if (!process.env.TONARI_KEEP_DATA) rmSync(this.dir, { recursive: true, force: true });
  }

  killSync() {
    try {
      execFileSync('bash', [join(SCRIPTS, this.script), 'kill', this.dir], { timeout: 20000, stdio: 'ignore' });
    } catch { /* already gone, or nothing more to do at exit */ }
    if (!process.env.TONARI_KEEP_DATA) {
      try { rmSync(this.dir, { recursive: true, force: true }); } catch { /* ignore */ }
    }
  }
}

export function startPostgres() {
  const pg = new ScriptedService('test-pg.sh', 'pg');
  return pg.start().then(() => pg);
}

export function startNats() {
  const nats = new ScriptedService('test-nats.sh', 'nats');
  return nats.start().then(() => nats);
}

export class TonariCluster {
  // nodes: how many to start; demo: seed さくら市 (through the first node only: seeding checks
  // first and then writes, so nodes starting together on an empty store would race);
  // extraArgs: for every node (e.g. --config FILE); firstDataDir: the first node's data
  // directory (one a test has prepared, e.g. with a configuration file in it).
  constructor({ nodes = 3, demo = true, extraArgs = [], firstDataDir, listen } = {}) {
    this.size = nodes;
    this.listen = listen;  // as TonariServer's (null: the --config file's listeners)
    this.demo = demo;
    this.extraArgs = extraArgs;
    this.firstDataDir = firstDataDir;
    this.nodes = [];
    this.pg = null;
    this.nats = null;
    // The data directory `tonari admin` gets beside --store: never a running node's.
    this.adminDir = makeDataDir('tonari-admin-');
  }

  get storeUrl() { return this.pg.url; }
  get busUrl() { return this.nats.url; }

  async start() {
    registerCleanup(() => this.destroy());
    const [pg, nats] = await Promise.all([startPostgres(), startNats()]);
    this.pg = pg;
    this.nats = nats;
    await this.migrate();
    if (this.size > 0) {
      await this.addNode({ demo: this.demo, dataDir: this.firstDataDir });
      await Promise.all(Array.from({ length: this.size - 1 }, () => this.addNode()));
    }
    return this;
  }

  // Starts one more node on the cluster's store and bus; resolves once it is ready.
  async addNode({ demo = false, dataDir, extraArgs = [] } = {}) {
    const node = new TonariServer({
      dataDir, demo, extraArgs: [...this.extraArgs, ...extraArgs], listen: this.listen,
      store: this.storeUrl, bus: this.busUrl, adminDir: this.adminDir,
    });
    node.label = `node${this.nodes.length}`;
    this.nodes.push(node);
    await node.start();
    return node;
  }

  // `tonari admin --store URL <command> --data adminDir <args>`; resolves {code, stdout, stderr}.
  admin(command, ...args) {
    return runTonari(['admin', '--store', this.storeUrl, command, '--data', this.adminDir, ...args], { timeoutMs: 60000 });
  }

  // `tonari admin migrate --store URL` (as an operator runs it: docs/operations.md).
  async migrate() {
    const r = await runTonari(['admin', 'migrate', '--store', this.storeUrl], { timeoutMs: 60000 });
    if (r.code !== 0) throw new Error(`tonari admin migrate failed (code ${r.code}):\n${r.stdout}${r.stderr}`);
    return r;
  }

  // Kills every node, stops PostgreSQL and nats-server, removes their directories.
  async destroy() {
    await Promise.all(this.nodes.map((n) => n.kill9()));
    await Promise.all([this.pg && this.pg.destroy(), this.nats && this.nats.destroy()]);
  }
}

export async function startCluster(opts = {}) {
  const c = new TonariCluster(opts);
  await c.start();
  return c;
}

// The same session (cookie or bearer token, CSRF token) as `client`, talking to `server`:
// sessions live in the shared store, so any node accepts them.
export function onNode(client, server) {
  const c = new Client(server, { login: client.loginId, tenant: client.tenant });
  c.cookie = client.cookie;
  c.csrf = client.csrf;
  c.token = client.token;
  c.user = client.user;
  c.loginResponse = client.loginResponse;
  return c;
}
