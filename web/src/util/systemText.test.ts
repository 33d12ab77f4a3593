import { beforeAll, describe, expect, it } from 'vitest';
import type { SystemNote } from '../api/types';
import { loadLang, loadRoomTexts, setLang, t } from '../i18n';
import { msg } from '../state/fixtures';
import { people, systemText } from './systemText';

beforeAll(() => Promise.all([loadRoomTexts(), loadLang('en')]));

const ME = 1;
const u = (id: number, name: string) => ({ id, name });
const sys = (system: SystemNote, sender = 3, sender_name = '佐藤') =>
  msg(7, { kind: 'system', system, body: '', sender, sender_name });
const ja = (system: SystemNote, sender?: number, name?: string) => systemText(sys(system, sender, name), ME, t);

describe('systemText (Japanese)', () => {
  it('says who renamed the room, from what to what', () => {
    expect(ja({ action: 'renamed', name: '防災会議', old_name: '会議室' })).toBe(
      '佐藤さんがトーク名を「会議室」から「防災会議」に変更しました',
    );
    expect(ja({ action: 'renamed', name: '防災会議' })).toBe('佐藤さんがトーク名を「防災会議」に変更しました');
  });

  it('names up to three people, else two and how many more', () => {
    const users = [u(4, '山田'), u(5, '鈴木'), u(6, '高橋'), u(7, '伊藤'), u(8, '渡辺')];
    expect(ja({ action: 'members_added', users, count: 5 }, 2, '田中')).toBe('田中さんが山田さん、鈴木さんほか3人を追加しました');
    expect(ja({ action: 'members_added', users: users.slice(0, 3), count: 3 }, 2, '田中')).toBe(
      '田中さんが山田さん、鈴木さん、高橋さんを追加しました',
    );
    // The note lists at most 20; count says how many.
    expect(ja({ action: 'members_added', users: users.slice(0, 2), count: 40 }, 2, '田中')).toBe(
      '田中さんが山田さん、鈴木さんほか38人を追加しました',
    );
  });

  it('speaks of the reader as あなた', () => {
    expect(ja({ action: 'members_added', users: [u(ME, '本人')], count: 1 })).toBe('佐藤さんがあなたを追加しました');
    expect(ja({ action: 'renamed', name: 'A' }, ME, '本人')).toBe('あなたがトーク名を「A」に変更しました');
  });

  it('tells the org-tree sync apart from a person', () => {
    expect(ja({ action: 'members_added', users: [u(4, '山田')], count: 1, reason: 'org' }, 0, '')).toBe(
      '組織と同期して山田さんが参加しました',
    );
    expect(ja({ action: 'member_removed', users: [u(4, '山田')], count: 1, reason: 'org' }, 0, '')).toBe(
      '組織と同期して山田さんがメンバーから外れました',
    );
    expect(ja({ action: 'member_removed', users: [u(4, '山田')], count: 1 })).toBe('佐藤さんが山田さんをメンバーから外しました');
  });

  it('describes roles, leaving, handovers and take-overs', () => {
    expect(ja({ action: 'role_changed', users: [u(4, '山田')], count: 1, role: 'admin', reason: 'set' })).toBe(
      '佐藤さんが山田さんを管理者にしました',
    );
    expect(ja({ action: 'role_changed', users: [u(4, '山田')], count: 1, role: 'member' })).toBe(
      '佐藤さんが山田さんをメンバーに変更しました',
    );
    expect(ja({ action: 'role_changed', users: [u(4, '山田')], count: 1, role: 'owner', reason: 'owner_left' }, 0, '')).toBe(
      '前のオーナーが退出したため、山田さんがオーナーになりました',
    );
    expect(ja({ action: 'member_left', users: [u(3, '佐藤')], count: 1 })).toBe('佐藤さんが退出しました');
    expect(ja({ action: 'taken_over', users: [u(9, '管理')], count: 1 }, 9, '管理')).toBe('管理さんがこのトークの管理を引き継ぎました');
  });

  it('creation, description and rules', () => {
    expect(ja({ action: 'room_created', name: '防災会議', users: [u(4, '山田')], count: 1 })).toBe(
      '佐藤さんがトーク「防災会議」を作成しました',
    );
    expect(ja({ action: 'description_changed', description: '毎週月曜' })).toBe('佐藤さんがトークの説明を変更しました');
    expect(ja({ action: 'description_changed', description: '' })).toBe('佐藤さんがトークの説明を削除しました');
    const rules = { announcement: true, official: true, members_invite: true, members_edit: false, sync: { kind: 'tenant' as const } };
    expect(ja({ action: 'rules_changed', rules })).toBe('佐藤さんがトークのルールを「公式ルーム（組織と同期）、お知らせ専用」に変更しました');
    expect(ja({ action: 'rules_changed', rules: { ...rules, announcement: false, official: false, sync: null } })).toBe(
      '佐藤さんがトークのルールを「標準」に変更しました',
    );
  });

  it('action stamps: closed and reminded', () => {
    expect(ja({ action: 'action_closed', seq: 4, title: '説明会の出欠' })).toBe('佐藤さんが「説明会の出欠」を締め切りました');
    expect(ja({ action: 'action_reminded', seq: 4, title: '説明会の出欠', users: [u(ME, '本人')], count: 12 })).toBe(
      '佐藤さんが「説明会の出欠」の未回答者12人に回答を催促しました',
    );
  });

  it('確認必須: reminded', () => {
    expect(ja({ action: 'ack_reminded', seq: 4, users: [u(ME, '本人')], count: 30 })).toBe(
      '佐藤さんが確認必須のお知らせの未確認者30人に確認を催促しました',
    );
  });

  it('says what happened to a note, and to which version a restore went back', () => {
    expect(ja({ action: 'note_created', note: 4, title: '議事録', version: 1 })).toBe('佐藤さんがノート「議事録」を作成しました');
    expect(ja({ action: 'note_updated', note: 4, title: '議事録', version: 3 })).toBe('佐藤さんがノート「議事録」を更新しました');
    expect(ja({ action: 'note_updated', note: 4, title: '議事録', version: 4, restored_from: 2 })).toBe(
      '佐藤さんがノート「議事録」を版2に戻しました',
    );
    expect(ja({ action: 'note_deleted', note: 4, title: '議事録' }, ME, '本人')).toBe('あなたがノート「議事録」を削除しました');
  });

  it('an unknown action still says something', () => {
    expect(ja({ action: 'nope' as SystemNote['action'] })).toBe('トークが更新されました');
    expect(systemText(msg(1, { kind: 'system' }), ME, t)).toBe('トークが更新されました');
  });
});

describe('systemText (English)', () => {
  it('joins names the English way', () => {
    setLang('en');
    try {
      expect(people([u(4, 'Yamada'), u(5, 'Suzuki')], 2, ME, t)).toBe('Yamada and Suzuki');
      expect(ja({ action: 'members_added', users: [u(4, 'Yamada'), u(5, 'Suzuki'), u(6, 'Ito'), u(7, 'Abe')], count: 4 }, 2, 'Tanaka')).toBe(
        'Tanaka added Yamada, Suzuki and 2 others',
      );
      expect(ja({ action: 'renamed', name: 'B', old_name: 'A' }, ME, 'Me')).toBe('You renamed the chat from "A" to "B"');
      expect(ja({ action: 'note_updated', note: 4, title: 'Minutes', restored_from: 2 }, 2, 'Tanaka')).toBe(
        'Tanaka restored the note "Minutes" to version 2',
      );
    } finally {
      setLang('ja');
    }
  });
});
