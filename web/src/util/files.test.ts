import { beforeAll, describe, expect, it } from 'vitest';
import { fileInfo as file } from '../state/fixtures';
import { loadFileTexts, t } from '../i18n';
import {
  accessOf,
  attachmentSummary,
  extLabel,
  fileKind,
  fitBox,
  formatSize,
  mapUrl,
  middleEllipsis,
  reasonText,
  servedName,
  viewable,
} from './files';
import { fetchErrorText } from './fileErrors';
import { pastedName } from './pasted';

beforeAll(() => loadFileTexts());

describe('file helpers', () => {
  it('formats sizes as file managers do', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(40 * 1024)).toBe('40 KB');
    expect(formatSize(4012345)).toBe('3.8 MB');
    expect(formatSize(100 * 1024 * 1024)).toBe('100 MB');
  });

  it('cuts long names in the middle, keeping the extension and whole characters', () => {
    expect(middleEllipsis('短い名前.pdf')).toBe('短い名前.pdf');
    const long = '令和8年度予算説明資料（第2回補正）最終版の修正版の再修正版.xlsx';
    const cut = middleEllipsis(long, 24);
    expect(Array.from(cut).length).toBe(24);
    expect(cut.startsWith('令和8年度予算')).toBe(true);
    expect(cut.endsWith('再修正版.xlsx')).toBe(true);
    expect(cut).toContain('…');
    // A surrogate pair is never split.
    expect(middleEllipsis('𠮷'.repeat(40) + '.txt', 10)).toMatch(/^(𠮷)+…(𠮷)*\.txt$/u);
    expect(extLabel('見積書.PDF')).toBe('PDF');
    expect(extLabel('README')).toBe('');
  });

  it('reserves a thumbnail box with the image aspect ratio', () => {
    expect(fitBox(4032, 3024, 240)).toEqual({ w: 240, h: 180 });
    expect(fitBox(3024, 4032, 240)).toEqual({ w: 180, h: 240 });
    expect(fitBox(64, 48, 240)).toEqual({ w: 64, h: 48 });
    expect(fitBox(undefined, undefined, 240)).toEqual({ w: 240, h: 180 });
  });

  it('decides what each zone gets by state (the server checks again)', () => {
    const states = ['processing', 'ready', 'withheld', 'blocked'] as const;
    expect(states.map((s) => accessOf(file({ state: s }), 'lgwan'))).toEqual(['processing', 'full', 'refused', 'refused']);
    expect(states.map((s) => accessOf(file({ state: s }), 'internet'))).toEqual(['processing', 'full', 'full', 'refused']);
    expect(viewable(file(), 'lgwan')).toBe(true);
    expect(viewable(file({ state: 'withheld' }), 'lgwan')).toBe(false);
    expect(viewable(file({ type: 'image/heic' }), 'internet')).toBe(false);
    // LGWAN gets the clean copy: a HEIC rebuilt as JPEG is shown, under its new name.
    const heic = file({ name: 'IMG_0001.HEIC', type: 'image/heic', clean_type: 'image/jpeg', clean_name: 'IMG_0001.jpg', sanitized: true });
    expect(viewable(heic, 'lgwan')).toBe(true);
    expect(servedName(heic, 'lgwan')).toBe('IMG_0001.jpg');
    expect(servedName(heic, 'internet')).toBe('IMG_0001.HEIC');
    expect(fileKind(file({ type: 'application/pdf' }), 'lgwan')).toBe('pdf');
    expect(fileKind(file({ type: 'application/zip' }), 'lgwan')).toBe('other');
  });

  it('gives the Japanese reason for every code of docs/api.md', () => {
    expect(reasonText('encrypted', t)).toBe('パスワード付きファイルは無害化できないため受け取れません');
    expect(reasonText('legacy_format', t)).toBe('旧形式のOfficeファイル（.doc/.xls/.ppt）は無害化できないため受け取れません');
    expect(reasonText('type_mismatch', t)).toBe('ファイルの中身が拡張子と一致しないため配信を止めました');
    expect(reasonText('executable', t)).toBe('実行ファイルは配信できません');
    expect(reasonText('sanitizer_failed', t)).toBe('無害化の処理に失敗しました（時間切れまたは異常終了）');
    for (const code of [
      'unsupported_type',
      'corrupt',
      'pixel_limit',
      'archive_limits',
      'archive_nesting',
      'unsafe_path',
      'no_converter',
      'script',
    ]) {
      expect(reasonText(code, t)).toMatch(/[ぁ-んァ-ン]/);
      expect(reasonText(code, t)).not.toBe(reasonText('other', t));
    }
    expect(reasonText('something_new', t)).toBe('このファイルは無害化できないため受け取れません');
  });

  it('explains a refused download in Japanese', () => {
    expect(fetchErrorText({ status: 403, code: 'zone_forbidden', message: 'view only' }, t)).toBe(
      'インターネット側からはこのファイルをダウンロードできません（閲覧のみ）',
    );
    expect(fetchErrorText({ status: 409, code: 'file_not_ready', message: '' }, t)).toBe(
      'まだ処理中です。しばらくしてからもう一度お試しください',
    );
    expect(
      fetchErrorText({ status: 403, code: 'file_withheld', message: '', detail: { reason: 'encrypted' } }, t),
    ).toBe('パスワード付きファイルは無害化できないため受け取れません');
  });

  it('names a pasted screenshot and summarises attachments for the room list', () => {
    const now = new Date(2026, 3, 12, 9, 30, 15);
    expect(pastedName('image.png', 'image/png', now, 'スクリーンショット')).toBe('スクリーンショット_20260412_093015.png');
    expect(pastedName('', 'image/jpeg', now, 'Screenshot')).toBe('Screenshot_20260412_093015.jpg');
    expect(pastedName('現場.png', 'image/png', now, 'x')).toBe('現場.png');
    expect(attachmentSummary([file()], t)).toBe('[添付] 破裂箇所.jpg');
    expect(attachmentSummary([file(), file({ id: 10 }), file({ id: 11 })], t)).toBe('[添付] 破裂箇所.jpg ほか2件');
    expect(mapUrl(35.6895, 139.6917)).toBe('https://www.openstreetmap.org/?mlat=35.689500&mlon=139.691700#map=17/35.689500/139.691700');
  });
});
