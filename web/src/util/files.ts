// What the client shows of a file: its kind, what this zone may get of it, sizes, names,
// and the texts for a reason code or an upload error. Pure, so it can be tested without a DOM.
import type { FileInfo, Zone } from '../api/types';
import type { Key } from '../i18n';

export type FileKind = 'image' | 'pdf' | 'other';

/** Types a browser shows in an <img> (what the server serves inline). */
const INLINE_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** The type of what this zone gets: the clean copy's where there is one. */
export function servedType(f: FileInfo, zone: Zone): string {
  return zone === 'lgwan' && f.state === 'ready' && f.clean_type ? f.clean_type : f.type;
}

export function fileKind(f: FileInfo, zone: Zone): FileKind {
  const t = servedType(f, zone).toLowerCase();
  if (t.startsWith('image/')) return 'image';
  if (t === 'application/pdf') return 'pdf';
  return 'other';
}

/**
 * What this zone may get of a file (the server decides on every request; this only avoids
 * offering what it would refuse):
 *   processing  nothing yet (the sanitizing job runs);
 *   full        the file (LGWAN: the clean copy; Internet: the original);
 *   refused     nothing: withheld from LGWAN, or blocked for everyone.
 */
export type Access = 'processing' | 'full' | 'refused';

export function accessOf(f: FileInfo, zone: Zone): Access {
  if (f.state === 'processing') return 'processing';
  if (f.state === 'blocked') return 'refused';
  if (f.state === 'withheld') return zone === 'internet' ? 'full' : 'refused';
  return 'full';
}

/** The image opens in the viewer (an image the browser can show, that this zone gets). */
export function viewable(f: FileInfo, zone: Zone): boolean {
  return accessOf(f, zone) === 'full' && fileKind(f, zone) === 'image' && INLINE_IMAGES.has(servedType(f, zone).toLowerCase());
}

/** The name this zone's download will carry (a rebuilt a.docm comes as a.docx). */
export function servedName(f: FileInfo, zone: Zone): string {
  return zone === 'lgwan' && f.state === 'ready' && f.clean_name ? f.clean_name : f.name;
}

export const contentUrl = (id: number, inline = false) => `/api/files/${id}/content${inline ? '?inline=1' : ''}`;
export const thumbnailUrl = (id: number) => `/api/files/${id}/thumbnail`;

export function mapUrl(lat: number, lon: number): string {
  const a = lat.toFixed(6);
  const o = lon.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${a}&mlon=${o}#map=17/${a}/${o}`;
}

/** 512 B, 12 KB, 3.4 MB, 1.2 GB (1 KB = 1024 B, as file managers count). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return bytes + ' B';
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = v < 10 ? (Math.round(v * 10) / 10).toString() : Math.round(v).toString();
  return s + ' ' + units[i];
}

/** Splits "報告書.final.pdf" into ["報告書.final", ".pdf"] (no extension: ""). */
export function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > 9) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/**
 * A name cut in the middle to at most `max` characters, keeping its start and its
 * extension: "令和8年度予算説明資料（第2…修正版）.pdf". Counts code points, so a character
 * is never cut in half.
 */
export function middleEllipsis(name: string, max = 28): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const [stem, ext] = splitExt(name);
  const s = Array.from(stem);
  const keep = Math.max(2, max - 1 - Array.from(ext).length);
  const head = Math.ceil(keep * 0.6);
  const tail = keep - head;
  return s.slice(0, head).join('') + '…' + (tail > 0 ? s.slice(-tail).join('') : '') + ext;
}

/** "PDF", "XLSX": the short label on a file card's icon. */
export function extLabel(name: string): string {
  const [, ext] = splitExt(name);
  return ext ? ext.slice(1, 5).toUpperCase() : '';
}

/** A box of at most max×max keeping the aspect ratio (the thumbnail's place, reserved before it loads). */
export function fitBox(width: number | undefined, height: number | undefined, max: number): { w: number; h: number } {
  if (!width || !height) return { w: max, h: Math.round((max * 3) / 4) };
  const s = Math.min(1, max / Math.max(width, height));
  return { w: Math.max(1, Math.round(width * s)), h: Math.max(1, Math.round(height * s)) };
}

/**
 * The text for a withheld/blocked file's reason code (docs/api.md; i18n keys reason_<code>):
 * a code this client does not know gets a general one.
 */
export function reasonText(code: string | undefined, t: Translate): string {
  const k = ('reason_' + (code || 'other')) as Key;
  const s = t(k);
  return s === k ? t('reason_other') : s;
}

/** The error an upload or a download stopped with, as the user reads it. */
export interface ErrorLike {
  status: number;
  code: string;
  message: string;
  detail?: Record<string, unknown>;
}

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

/** The room list's line for a message with no text: "[添付] 破裂箇所.jpg ほか2件". */
export function attachmentSummary(files: FileInfo[] | undefined, t: Translate): string {
  if (!files || !files.length) return '';
  return files.length === 1
    ? t('attachmentOne', { name: files[0].name })
    : t('attachmentMany', { name: files[0].name, n: files.length - 1 });
}
