// The files workload of `make bench` (issue 19, docs/performance.md): a field worker's
// photos uploaded through the Internet listener reach an LGWAN member sanitized.
//
//   node bench/files.mjs [--rounds 10] [--tonari build/tonari]
//
// Figures (one JSON line, then a short table):
//   photo_ready_ms p50/p99   a 12-megapixel JPEG (~4 MB): from the end of its upload (the
//                            last chunk's answer) until the LGWAN member's WebSocket gets
//                            it ready, 4 uploads at once
//   pdf_ready_ms p50         a 20-page PDF, rebuilt, one at a time
//   photos_per_s             photos made ready per second during the 4-at-once rounds
//   worker_rss_mb max        the sanitizer worker's peak resident memory per job (rusage)
//   upload_100mb_rss_growth  the server's resident memory growth during a 100 MB upload
// The photo is made by Debian's vips (libvips-tools) at the start; nothing is timed here but
// what the server does.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login } from '../tests/integration/lib/client.mjs';
import { startZoned, uploadFile, rssBytes, bytesOf } from '../tests/integration/lib/files.mjs';
import { cleanupAll } from '../tests/integration/lib/server.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const rounds = Number(opt('--rounds', '10'));
const AT_ONCE = 4;

function pct(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// A photo-like 12-megapixel JPEG: noise softened by a blur compresses like a real scene.
function makePhoto(dir) {
  const bands = [1, 2, 3].map((i) => join(dir, `n${i}.v`));
  for (const b of bands) {
    execFileSync('vips', ['gaussnoise', b, '4032', '3024', '--sigma', '40', '--mean', '128']);
  }
  execFileSync('vips', ['bandjoin', bands.join(' '), join(dir, 'c.v')]);
  execFileSync('vips', ['cast', join(dir, 'c.v'), join(dir, 'u.v'), 'uchar']);
  execFileSync('vips', ['gaussblur', join(dir, 'u.v'), join(dir, 'b.v'), '0.6']);
  const out = join(dir, 'photo.jpg');
  execFileSync('vips', ['copy', join(dir, 'b.v'), `${out}[Q=85]`]);
  for (const f of [...bands, 'c.v', 'u.v', 'b.v']) rmSync(join(dir, f), { force: true });
  return readFileSync(out);
}

// A 20-page text PDF (a minutes-like document), written by hand: one font, one content
// stream per page.
function makePdf(pages = 20) {
  const objs = [];
  const add = (s) => { objs.push(s); return objs.length; };
  const catalog = add(null);
  const pagesObj = add(null);
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const kids = [];
  for (let p = 1; p <= pages; p += 1) {
    let text = 'BT /F1 11 Tf 56 780 Td 14 TL\n';
    for (let l = 0; l < 50; l += 1) text += `(Page ${p} line ${l}: disaster drill schedule and agenda item ${l}) '\n`;
    text += 'ET';
    const content = add(`<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`);
    kids.push(add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 595 842] ` +
      `/Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`));
  }
  objs[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objs[pagesObj - 1] = `<< /Type /Pages /Count ${pages} /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] >>`;
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(Buffer.byteLength(out)); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// Resolves when `ws` sees file `id` in a state other than processing (in message.created or
// file.updated), with the time it arrived.
function readyOn(ws, id, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const check = (f) => {
      const files = f.type === 'message.created' ? (f.message.files || []) : f.type === 'file.updated' ? [f.file] : [];
      const hit = files.find((x) => x.id === id && x.state !== 'processing');
      if (!hit) return false;
      resolve({ at: Date.now(), file: hit });
      return true;
    };
    const fn = (f) => { if (check(f)) { ws.listeners.splice(ws.listeners.indexOf(fn), 1); clearTimeout(t); } };
    const t = setTimeout(() => reject(new Error(`file ${id} not ready within ${timeoutMs} ms`)), timeoutMs);
    ws.listeners.push(fn);
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tonari-bench-files-'));
  const photo = makePhoto(dir);
  const pdf = makePdf(20);
  const { srv, internet } = await startZoned({
    toml: '[limits]\nmessages_per_second = 0\nwrites_per_second = 0\n[files]\nworkers = 2\n',
  });
  try {
    const field = await login(internet, 'sato');     // in the field, on the Internet
    const desk = await login(srv, 'tanaka');         // at an LGWAN terminal
    const room = (await field.ok('POST', '/api/rooms', { name: '水道管破裂 現場', members: [desk.id] }, 201)).room.id;
    const ws = await desk.ws();

    const one = async (bytes, name, type) => {
      const { file } = await uploadFile(field, room, name, bytes, { type });
      const uploaded = Date.now();
      const ready = readyOn(ws, file.id);
      await field.ok('POST', `/api/rooms/${room}/messages`, { client_id: `b${file.id}`, body: '', files: [file.id] }, 201);
      const r = await ready;
      if (r.file.state !== 'ready') throw new Error(`${name}: ${r.file.state} ${r.file.reason || ''}`);
      return r.at - uploaded;
    };

    // First, on a fresh server: its memory while 100 MB go up in chunks (the file's job runs
    // in a worker process, not counted here).
    const big = bytesOf(100 * 1024 * 1024, 7);
    const rss0 = rssBytes(srv.proc.pid);
    let peak = rss0;
    const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(srv.proc.pid)); }, 20);
    await uploadFile(field, room, 'big.bin', big, { type: 'application/octet-stream' });
    clearInterval(sampler);
    peak = Math.max(peak, rssBytes(srv.proc.pid));

    await one(photo, 'warmup.jpg', 'image/jpeg');
    const photoMs = [];
    const t0 = Date.now();
    for (let r = 0; r < rounds; r += 1) {
      const batch = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => one(photo, `破裂箇所-${r}-${i}.jpg`, 'image/jpeg')));
      photoMs.push(...batch);
    }
    const photosPerS = (rounds * AT_ONCE) / ((Date.now() - t0) / 1000);
    const pdfMs = [];
    for (let r = 0; r < 5; r += 1) pdfMs.push(await one(pdf, `議事録-${r}.pdf`, 'application/pdf'));


    const rss = srv.logLines ? srv.logLines().filter((l) => l.event === 'file.sanitized').map((l) => l.rss_kb / 1024) : [];
    const result = {
      workload: 'files',
      photo_bytes: photo.length,
      photos: photoMs.length,
      photo_ready_p50_ms: pct(photoMs, 50),
      photo_ready_p99_ms: pct(photoMs, 99),
      photos_per_s: Number(photosPerS.toFixed(2)),
      pdf_pages: 20,
      pdf_ready_p50_ms: pct(pdfMs, 50),
      pdf_ready_max_ms: Math.max(...pdfMs),
      worker_rss_max_mb: rss.length ? Number(Math.max(...rss).toFixed(1)) : null,
      upload_100mb_rss_growth_mb: Number(((peak - rss0) / 1048576).toFixed(1)),
    };
    console.log(JSON.stringify(result));
    console.log('\nfiles');
    for (const [k, v] of Object.entries(result)) if (k !== 'workload') console.log(`  ${k.padEnd(36)} ${v}`);
    console.log('\ntargets');
    const target = (what, v, bound) => console.log(`  ${what.padEnd(40)} ${String(v).padStart(10)} <= ${bound}  ${v !== null && v <= bound ? 'met' : 'missed'}`);
    target('photo sanitized for LGWAN p99 (ms)', result.photo_ready_p99_ms, 1000);
    target('20-page PDF rebuild p50 (ms)', result.pdf_ready_p50_ms, 1000);
    target('100 MB upload server memory (MB)', result.upload_100mb_rss_growth_mb, 16);
  } finally {
    await cleanupAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e) => { console.error(`bench/files.mjs: ${e.stack || e}`); process.exit(1); });
