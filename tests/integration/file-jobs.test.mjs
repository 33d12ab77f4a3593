// Sanitizing jobs (無害化) end to end: the real tonari with an lgwan and an internet listener
// and the real tonari-sanitize worker. An Internet upload reaches LGWAN members rebuilt
// (file.updated over the WebSocket), an executable named .jpg is blocked for everyone, an
// encrypted ZIP is withheld from LGWAN and kept for the Internet zone, an LGWAN upload
// passes as itself, a worker that crashes, hangs or runs out of memory withholds its file
// and leaves the server healthy, a job killed with its server is resumed at the next
// start (and given up after three attempts), and on a 2-node cluster with a shared
// [files] dir a job is taken by one node exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, installWatchdog, makeDataDir, DEMO_TENANT, TONARI_BIN } from './lib/server.mjs';
import { login, cid, sleep } from './lib/client.mjs';
import { startZoned, uploadFile, download } from './lib/files.mjs';
import { startCluster, onNode } from './lib/cluster.mjs';
import { eventually } from './lib/util.mjs';

installWatchdog(420000);
after(cleanupAll);

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/sanitize/', import.meta.url));
const fixture = (name) => readFileSync(join(FIXTURES, name));
const WORKER = join(TONARI_BIN, '..', 'tonari-sanitize');

function hasExiftool() {
  try { execFileSync('exiftool', ['-ver'], { stdio: 'ignore' }); return true; } catch { return false; }
}

// The first frame on `ws` that shows file `id` out of processing: its file.updated event,
// or the message.created of a message posted after the job ended.
async function finalState(ws, id, ms = 30000) {
  const f = await ws.next((x) => (x.type === 'file.updated' && x.file.id === id && x.file.state !== 'processing') ||
    (x.type === 'message.created' && (x.files || []).some((y) => y.id === id && y.state !== 'processing')),
  ms, `file ${id} out of processing`);
  return { via: f.type, file: f.type === 'file.updated' ? f.file : f.files.find((y) => y.id === id) };
}

// Uploads `bytes` as `name` into `room` and attaches it to a message.
async function share(client, room, name, bytes) {
  const { file } = await uploadFile(client, room, name, bytes);
  assert.equal(file.state, 'processing');
  await client.ok('POST', `/api/rooms/${room}/messages`, { client_id: cid('f'), body: name, files: [file.id] }, 201);
  return file;
}

// Log lines of the jobs of file `id`.
const isJobLine = (l) => l.event === 'file.sanitized' || l.event === 'file.withheld';
const jobLines = (srv, id) => srv.logLines().filter((l) => isJobLine(l) && l.file === id);
// The first, once it has arrived: the server logs a job after its event went out.
const jobLine = (srv, id) => srv.waitForLog((l) => isJobLine(l) && l.file === id);

// The tonari-sanitize processes whose parent is `pid`.
function workersOf(pid) {
  const out = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && m[1].startsWith('tonari-sanitiz') && Number(m[2]) === pid) out.push(Number(p));
    } catch { /* gone meanwhile */ }
  }
  return out;
}
const alive = (pid) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

async function until(what, pred, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

const JOBS = '[files]\nworkers = 2\njob_seconds = 30\nworker_memory_mb = 256\ntest_hooks = true\n';

let srv;       // the lgwan listener
let internet;  // the internet listener of the same server
let tanaka;    // LGWAN
let sato;      // in the field: through the Internet listener
let room;
let ws;        // tanaka's WebSocket (LGWAN)

before(async () => {
  assert.ok(existsSync(WORKER), `${WORKER} is not built`);
  ({ srv, internet } = await startZoned({ toml: JOBS }));
  tanaka = await login(srv, 'tanaka');
  sato = await login(internet, 'sato');
  room = (await tanaka.ok('POST', '/api/rooms', { name: '漏水対応', members: [sato.id] }, 201)).room.id;
  ws = await tanaka.ws();
});

test('a photo from the Internet zone reaches LGWAN members rebuilt, without its EXIF', async () => {
  const original = fixture('photo.jpg');
  const t0 = Date.now();
  const file = await share(sato, room, '破裂箇所.jpg', original);
  assert.equal(file.from, 'internet');
  const { via, file: done } = await finalState(ws, file.id);
  const latency = Date.now() - t0;
  assert.equal(done.state, 'ready', JSON.stringify(done));
  assert.equal(done.sanitized, true);
  assert.equal(done.type, 'image/jpeg');
  assert.equal(done.clean_type, 'image/jpeg');
  assert.equal(done.width, 320);
  assert.equal(done.height, 240);
  assert.equal(done.thumbnail, true);
  assert.equal(done.location, undefined);

  const meta = await tanaka.get(`/api/files/${file.id}`);
  assert.equal(meta.status, 200, meta.text);
  assert.equal(meta.json.file.state, 'ready');
  assert.equal(meta.json.file.sanitized, true);

  const got = await download(tanaka, `/api/files/${file.id}/content`);
  assert.equal(got.status, 200, got.body.toString());
  assert.deepEqual([...got.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  assert.notDeepEqual(got.body, original);
  assert.equal(got.body.indexOf('Exif'), -1, 'an Exif segment is left');
  assert.ok(original.indexOf('Exif') >= 0);
  if (hasExiftool()) {
    const dir = makeDataDir('tonari-exif-');
    writeFileSync(join(dir, 'clean.jpg'), got.body);
    const [tags] = JSON.parse(execFileSync('exiftool', ['-j', '-G', join(dir, 'clean.jpg')], { encoding: 'utf8' }));
    const left = Object.keys(tags).filter((k) => /^(EXIF|XMP|IPTC|Composite:GPS)/.test(k) || /GPS|Make|Model|Artist/.test(k));
    assert.deepEqual(left, [], `metadata left: ${JSON.stringify(tags)}`);
    assert.equal(tags['File:ImageWidth'], 320);
  }
  // The uploader in the field still gets the original.
  const mine = await download(sato, `/api/files/${file.id}/content`);
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body, original);

  const line = await jobLine(srv, file.id);
  assert.equal(line.event, 'file.sanitized');
  assert.equal(line.outcome, 'sanitized');
  assert.equal(line.attempt, 1);
  assert.ok(line.rss_kb > 0);
  assert.ok(!JSON.stringify(line).includes('破裂箇所'), 'the file name is in the log');
  process.stdout.write(`# photo.jpg: ready for LGWAN ${latency} ms after its upload began (via ${via}); ` +
    `job ${line.ms} ms, worker ${line.worker_ms} ms, peak RSS ${line.rss_kb} KiB\n`);
});

test('an executable named .jpg is blocked for everyone', async () => {
  const file = await share(sato, room, 'invoice.jpg', fixture('invoice.jpg'));
  const { file: done } = await finalState(ws, file.id);
  assert.equal(done.state, 'blocked');
  assert.ok(['executable', 'type_mismatch'].includes(done.reason), done.reason);
  assert.equal(done.thumbnail, false);
  for (const c of [tanaka, sato]) {
    const r = await download(c, `/api/files/${file.id}/content`);
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'file_withheld');
  }
});

test('a password ZIP is withheld from LGWAN and kept for the Internet zone', async () => {
  const original = fixture('ppap.zip');
  const file = await share(sato, room, '見積書.zip', original);
  const { file: done } = await finalState(ws, file.id);
  assert.equal(done.state, 'withheld');
  assert.equal(done.reason, 'encrypted');
  const lgwan = await download(tanaka, `/api/files/${file.id}/content`);
  assert.equal(lgwan.status, 403);
  assert.equal(lgwan.json.error.code, 'file_withheld');
  const field = await download(sato, `/api/files/${file.id}/content`);
  assert.equal(field.status, 200);
  assert.deepEqual(field.body, original);
  assert.equal((await jobLine(srv, file.id)).event, 'file.withheld');
});

test('an LGWAN upload the municipality does not check passes as itself, with a thumbnail', async () => {
  const original = fixture('photo.jpg');
  const file = await share(tanaka, room, '庁舎.jpg', original);
  assert.equal(file.from, 'lgwan');
  const { file: done } = await finalState(ws, file.id);
  assert.equal(done.state, 'ready');
  assert.equal(done.sanitized, false);
  assert.equal(done.thumbnail, true);
  const got = await download(tanaka, `/api/files/${file.id}/content`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, original);
});

test('a worker that crashes or runs out of memory withholds its file; the server stays healthy', async () => {
  const file = await share(sato, room, '__crash__x.jpg', fixture('photo.jpg'));
  const { file: done } = await finalState(ws, file.id);
  assert.equal(done.state, 'withheld');
  assert.equal(done.reason, 'sanitizer_failed');
  assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
  const line = await jobLine(srv, file.id);
  assert.equal(line.event, 'file.withheld');
  assert.equal(line.reason, 'sanitizer_failed');
  assert.match(line.detail, /signal|exit status/);
  // One that runs out of memory (worker_memory_mb = 256) likewise.
  const oom = await share(sato, room, '__oom__x.jpg', fixture('photo.jpg'));
  const { file: oomDone } = await finalState(ws, oom.id);
  assert.equal(oomDone.state, 'withheld');
  assert.equal(oomDone.reason, 'sanitizer_failed');
  assert.ok((await jobLine(srv, oom.id)).rss_kb < 300 * 1024);
  assert.equal((await fetch(`${srv.base}/healthz`)).status, 200);
  // A file uploaded after it is sanitized as usual.
  const next = await share(sato, room, 'after.png', fixture('clean.png'));
  assert.equal((await finalState(ws, next.id)).file.state, 'ready');
  const metrics = await (await fetch(`${srv.base}/metrics`)).text();
  assert.match(metrics, /^tonari_file_jobs_failed_total [1-9]\d*$/m);
});

// A server whose jobs give up after 2 s: a hanging worker, and restarts mid-job.
test('a hanging worker is killed after job_seconds; a job killed with its server is resumed', async () => {
  const { srv: s, internet: net } = await startZoned({ toml: '[files]\nworkers = 1\njob_seconds = 2\ntest_hooks = true\n' });
  const lg = await login(s, 'tanaka');
  const field = await login(net, 'sato');
  const r = (await lg.ok('POST', '/api/rooms', { name: '再起動', members: [field.id] }, 201)).room.id;
  let w = await lg.ws();

  // While a worker hangs, the server answers.
  const t0 = Date.now();
  const looping = await share(field, r, '__loop__a.jpg', fixture('photo.jpg'));
  await until('a worker', () => workersOf(s.proc.pid).length === 1);
  assert.equal((await fetch(`${s.base}/healthz`)).status, 200);
  const { file: done, via } = await finalState(w, looping.id, 15000);
  assert.equal(via, 'file.updated');
  assert.equal(done.state, 'withheld');
  assert.equal(done.reason, 'sanitizer_failed');
  assert.ok(Date.now() - t0 >= 2000);
  assert.match((await jobLine(s, looping.id)).detail, /timed out after 2 s/);
  assert.deepEqual(workersOf(s.proc.pid), []);

  // kill -9 while the worker runs: the next start frees the lease and runs the job again.
  const resumed = await share(field, r, '__loop__b.jpg', fixture('photo.jpg'));
  const [orphan] = await until('a worker', () => { const p = workersOf(s.proc.pid); return p.length ? p : null; });
  await s.kill9();
  await s.restart();
  await s.waitForLog((l) => l.event === 'file.jobs_resumed' && l.jobs === 1);
  const lg2 = await login(s, 'tanaka');
  w = await lg2.ws();
  const again = await until('the resumed job', async () => {
    const f = (await lg2.get(`/api/files/${resumed.id}`)).json.file;
    return f.state !== 'processing' ? f : null;
  }, 15000);
  assert.equal(again.state, 'withheld');
  assert.equal(again.reason, 'sanitizer_failed');
  const line = await jobLine(s, resumed.id);
  assert.equal(line.attempt, 2);
  assert.equal(jobLines(s, resumed.id).length, 1);
  // The orphaned worker of the killed server does not outlive its CPU limit.
  await until(`worker ${orphan} to end`, () => !alive(orphan), 20000);
});

test('a job whose server dies with it three times is given up without a fourth run', async () => {
  const { srv: s, internet: net } = await startZoned({ toml: '[files]\nworkers = 1\njob_seconds = 20\ntest_hooks = true\n' });
  const field = await login(net, 'sato');
  const lg = await login(s, 'tanaka');
  const r = (await lg.ok('POST', '/api/rooms', { name: '三回', members: [field.id] }, 201)).room.id;
  const file = await share(field, r, '__loop__c.jpg', fixture('photo.jpg'));
  const orphans = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    orphans.push(...await until(`worker (attempt ${attempt})`, () => { const p = workersOf(s.proc.pid); return p.length ? p : null; }));
    await s.kill9();
    for (const p of orphans) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    await s.restart();
  }
  const line = await s.waitForLog((l) => l.file === file.id && l.event === 'file.withheld', 10000);
  assert.equal(line.reason, 'sanitizer_failed');
  assert.equal(line.attempt, 4);
  assert.match(line.detail, /not tried again after 3 attempts/);
  assert.equal(line.worker_ms, 0);
  const lg2 = await login(s, 'tanaka');
  assert.equal((await lg2.get(`/api/files/${file.id}`)).json.file.state, 'withheld');
});

test('a cluster with a shared files directory: upload on A, download on B, each job taken once', async () => {
  const shared = makeDataDir('tonari-shared-files-');
  const config = join(makeDataDir('tonari-cfg-'), 'tonari.toml');
  writeFileSync(config, `[files]\ndir = "${shared}"\nworkers = 2\njob_seconds = 30\n`);
  const cluster = await startCluster({ nodes: 2, extraArgs: ['--config', config] });
  const [a, b] = cluster.nodes;
  const pol = await cluster.admin('file-policy', '--tenant', DEMO_TENANT, '--check-lgwan', 'on');
  assert.equal(pol.code, 0, pol.stderr);
  const onA = await login(a, 'tanaka');
  const onB = onNode(onA, b);
  const other = await login(b, 'sato');
  const r = (await onA.ok('POST', '/api/rooms', { name: '二拠点', members: [other.id] }, 201)).room.id;
  const wsB = await other.ws();
  const original = fixture('photo.jpg');
  const files = [];
  for (let i = 0; i < 6; i++) files.push(await share(onA, r, `現場${i}.jpg`, original));
  const cleanBlobs = new Set();
  for (const f of files) {
    const { file: done } = await finalState(wsB, f.id);
    assert.equal(done.state, 'ready');
    assert.equal(done.sanitized, true, 'the municipality checks LGWAN uploads');
    const got = await download(onB, `/api/files/${f.id}/content`);
    assert.equal(got.status, 200);
    assert.equal(got.body.indexOf('Exif'), -1);
    cleanBlobs.add(got.headers.get('etag'));
  }
  assert.equal(cleanBlobs.size, 1, 'one rebuilt blob for one photo');
  const outcomes = () => [...a.logLines(), ...b.logLines()].filter((l) => l.event === 'file.sanitized' || l.event === 'file.withheld' || l.event === 'file.job_lost');
  // A job's log line may come after its file.updated event has reached the client.
  await eventually(() => files.every((f) => outcomes().some((l) => l.file === f.id)), { desc: 'every job logged' });
  const lines = outcomes();
  for (const f of files) {
    const mine = lines.filter((l) => l.file === f.id);
    assert.equal(mine.length, 1, `file ${f.id}: ${JSON.stringify(mine)}`);
    assert.equal(mine[0].event, 'file.sanitized');
    assert.equal(mine[0].attempt, 1);
  }
  const byNode = [a, b].map((n) => n.logLines().filter((l) => l.event === 'file.sanitized').length);
  process.stdout.write(`# cluster: jobs per node ${JSON.stringify(byNode)}\n`);
});
