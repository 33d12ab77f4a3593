import { describe, expect, it } from 'vitest';
import { collectMentions, insertMention, mentionQueryAt, splitBody } from './mentions';

describe('mentionQueryAt', () => {
  it('finds the mention being typed before the caret', () => {
    expect(mentionQueryAt('@たな', 3)).toEqual({ start: 0, query: 'たな' });
    expect(mentionQueryAt('お疲れ様です @さと', 10)).toEqual({ start: 7, query: 'さと' });
    expect(mentionQueryAt('お疲れ様です @', 8)).toEqual({ start: 7, query: '' });
    expect(mentionQueryAt('全角＠すず', 5)).toEqual({ start: 2, query: 'すず' });
  });
  it('ignores e-mail addresses and finished mentions', () => {
    expect(mentionQueryAt('mail@example', 12)).toBeNull();
    expect(mentionQueryAt('@田中 太郎 です', 9)).toBeNull();
  });
});

describe('insertMention', () => {
  it('replaces the query with the full name and a space', () => {
    const text = 'お願いします @たな';
    const q = mentionQueryAt(text, text.length)!;
    expect(insertMention(text, q, text.length, '田中 太郎')).toEqual({ text: 'お願いします @田中 太郎 ', caret: 14 });
  });
});

describe('collectMentions', () => {
  const people = [
    { id: 3, name: '佐藤 花子' },
    { id: 7, name: '田中 太郎' },
  ];
  it('keeps the people whose @name is still in the body', () => {
    expect(collectMentions('@佐藤 花子 さん、確認お願いします', people)).toEqual({ mentions: [3], mention_all: false });
    expect(collectMentions('@all 17時から訓練です', people)).toEqual({ mentions: [], mention_all: true });
    expect(collectMentions('@全員 お知らせ', people).mention_all).toBe(true);
    expect(collectMentions('@allright', people).mention_all).toBe(false);
  });
});

describe('splitBody', () => {
  it('highlights mentions (names with a space) and links', () => {
    expect(splitBody('了解 @佐藤 花子 さん https://example.lg.jp/a 。', ['佐藤 花子'])).toEqual([
      { t: 'text', s: '了解 ' },
      { t: 'mention', s: '@佐藤 花子' },
      { t: 'text', s: ' さん ' },
      { t: 'link', s: 'https://example.lg.jp/a' },
      { t: 'text', s: ' 。' },
    ]);
  });
});
