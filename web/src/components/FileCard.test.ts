// A file card in each state and zone, rendered to a VNode tree (FileCard keeps no state, so
// it can be called without a DOM) and read as text, attributes and elements.
import { h, type VNode } from 'preact';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo, Zone } from '../api/types';
import { loadFileTexts } from '../i18n';
import { fileInfo } from '../state/fixtures';
import { FileCard } from './FileCard';

beforeAll(() => loadFileTexts());

type Node = VNode<Record<string, unknown>> | string | number | boolean | null | undefined | Node[];

/** Expands function components, leaving a tree of elements and text. */
function expand(n: Node): Node {
  if (Array.isArray(n)) return n.map(expand);
  if (!n || typeof n !== 'object') return n;
  if (typeof n.type === 'function') return expand((n.type as (p: unknown) => Node)(n.props));
  const children = n.props.children as Node;
  return { ...n, props: { ...n.props, children: expand(children) } } as Node;
}

function text(n: Node): string {
  if (Array.isArray(n)) return n.map(text).join('');
  if (n === null || n === undefined || typeof n === 'boolean') return '';
  if (typeof n !== 'object') return String(n);
  return text(n.props.children as Node);
}

function all(n: Node, pred: (v: VNode<Record<string, unknown>>) => boolean, out: VNode<Record<string, unknown>>[] = []) {
  if (Array.isArray(n)) n.forEach((c) => all(c, pred, out));
  else if (n && typeof n === 'object') {
    if (pred(n)) out.push(n);
    all(n.props.children as Node, pred, out);
  }
  return out;
}

const hasClass = (c: string) => (v: VNode<Record<string, unknown>>) => String(v.props.class ?? '').split(' ').includes(c);

function render(f: FileInfo, zone: Zone, error?: string): Node {
  const noop = () => {};
  return expand(h(FileCard, { file: f, zone, error, onOpen: noop, onDownload: noop, onOpenPdf: noop }) as unknown as Node);
}

describe('FileCard', () => {
  it('processing: a card with a spinner and 処理中（無害化しています）, no download', () => {
    const n = render(fileInfo({ state: 'processing', thumbnail: false }), 'lgwan');
    expect(text(n)).toContain('処理中（無害化しています）');
    expect(all(n, hasClass('spinner')).length).toBe(1);
    expect(all(n, hasClass('file-download'))).toEqual([]);
    expect(all(n, (v) => v.type === 'img')).toEqual([]);
  });

  it('a sanitized image for LGWAN: a lazy thumbnail in a box of its aspect ratio, with 無害化済み', () => {
    const f = fileInfo({ width: 4032, height: 3024, sanitized: true, clean_type: 'image/jpeg', clean_name: '破裂箇所.jpg' });
    const n = render(f, 'lgwan');
    const [img] = all(n, (v) => v.type === 'img');
    expect(img.props.src).toBe('/api/files/9/thumbnail');
    expect(img.props.loading).toBe('lazy');
    expect([img.props.width, img.props.height]).toEqual([240, 180]);
    expect(text(n)).toContain('無害化済み');
    const [btn] = all(n, (v) => v.type === 'button');
    expect(btn.props['aria-label']).toBe('破裂箇所.jpgを拡大表示');
    // An Internet-zone user gets the original: no badge.
    expect(text(render(f, 'internet'))).not.toContain('無害化済み');
  });

  it('withheld, seen from LGWAN: the file is not offered, and the reason is told', () => {
    const f = fileInfo({ name: '見積書.zip', type: 'application/zip', state: 'withheld', reason: 'encrypted', thumbnail: false });
    const n = render(f, 'lgwan');
    expect(text(n)).toContain('このファイルは受け取れません');
    expect(text(n)).toContain('パスワード付きファイルは無害化できないため受け取れません');
    expect(text(n)).toContain('見積書.zip');
    expect(all(n, hasClass('file-download'))).toEqual([]);
    expect(all(n, hasClass('file-refused')).length).toBe(1);
  });

  it('withheld, seen by its Internet-zone uploader: downloadable, with what LGWAN colleagues miss', () => {
    const f = fileInfo({ name: '見積書.zip', type: 'application/zip', state: 'withheld', reason: 'encrypted', thumbnail: false });
    const n = render(f, 'internet');
    expect(text(n)).toContain('庁内（LGWAN）には届いていません：パスワード付きファイルは無害化できないため受け取れません');
    const [dl] = all(n, hasClass('file-download'));
    expect(dl.props.href).toBe('/api/files/9/content');
    expect(dl.props['aria-label']).toBe('見積書.zipをダウンロード');
  });

  it('blocked: nobody gets it, whatever the zone', () => {
    const f = fileInfo({ name: 'invoice.jpg', state: 'blocked', reason: 'type_mismatch', thumbnail: false });
    for (const zone of ['lgwan', 'internet'] as const) {
      const n = render(f, zone);
      expect(text(n)).toContain('このファイルは配信されません');
      expect(text(n)).toContain('ファイルの中身が拡張子と一致しないため配信を止めました');
      expect(all(n, hasClass('file-download'))).toEqual([]);
    }
  });

  it('a PDF: its first page, pages, and a link that opens it inline in a new tab', () => {
    const f = fileInfo({ name: '議事録.pdf', type: 'application/pdf', size: 61440, pages: 3, width: 595, height: 842 });
    const n = render(f, 'lgwan');
    const [img] = all(n, (v) => v.type === 'img');
    expect(img.props.src).toBe('/api/files/9/thumbnail');
    const [link] = all(n, (v) => v.type === 'a' && v.props.target === '_blank');
    expect(link.props.href).toBe('/api/files/9/content?inline=1');
    expect(link.props.rel).toBe('noopener noreferrer');
    expect(text(n)).toContain('60 KB');
    expect(text(n)).toContain('3ページ');
  });

  it('another file: an icon with its type, the Japanese name cut in the middle, its size', () => {
    const name = '令和8年度_水道管破裂事故_現場写真と被害状況の一覧表_最終版.xlsx';
    const n = render(fileInfo({ name, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', size: 2048, thumbnail: false }), 'lgwan');
    expect(text(n)).toContain('XLSX');
    expect(text(n)).toContain('2 KB');
    const [nameEl] = all(n, hasClass('file-name'));
    expect(nameEl.props.title).toBe(name);
    expect(text(nameEl)).toContain('…');
    expect(text(nameEl)).toContain(name); // the whole name for screen readers
  });

  it('a kept position links to the map; a refused download shows why', () => {
    const f = fileInfo({ location: { lat: 35.6895, lon: 139.6917 } });
    const n = render(f, 'internet', 'インターネット側からはこのファイルをダウンロードできません（閲覧のみ）');
    const [map] = all(n, hasClass('file-map'));
    expect(map.props.href).toContain('https://www.openstreetmap.org/?mlat=35.689500&mlon=139.691700');
    expect(map.props.rel).toBe('noopener noreferrer');
    expect(text(map)).toContain('撮影場所を地図で見る');
    const [err] = all(n, hasClass('file-error'));
    expect(err.props.role).toBe('alert');
    expect(text(err)).toContain('閲覧のみ');
  });
});
