// Builders for test data shaped like docs/api.md.
import type { FileInfo, Message, RoomSummary, Safety, SearchResult, User } from '../api/types';

export function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: 1000 + seq,
    room: 5,
    seq,
    sender: 3,
    sender_name: '佐藤 花子',
    client_id: 'c-' + seq,
    body: 'message ' + seq,
    reply_to: null,
    mentions: [],
    mention_all: false,
    created_at: 1700000000000 + seq * 1000,
    edited_at: null,
    deleted: false,
    ...over,
  };
}

export function summary(over: Partial<RoomSummary> = {}): RoomSummary {
  return {
    id: 5,
    kind: 'group',
    name: '防災係',
    member_count: 5,
    msg_seq: 10,
    ev: 12,
    read_seq: 8,
    unread: 2,
    mention_unread: 0,
    last_message: null,
    last_activity: 1700000010000,
    role: 'member',
    peer: null,
    description: '',
    rules: { announcement: false, official: false, members_invite: true, members_edit: false, sync: null },
    can: {
      post: true,
      edit_info: false,
      invite: true,
      remove: false,
      leave: true,
      set_roles: false,
      edit_rules: false,
      edit_official: false,
      pin: true,
      edit_notes: true,
    },
    ...over,
  };
}

export function user(id: number, name: string, reading: string): User {
  return {
    id,
    login: 'u' + id,
    name,
    reading,
    department: null,
    title: '',
    status: '',
    extension: '',
    role: 'staff',
    disabled: false,
  };
}

export function fileInfo(over: Partial<FileInfo> = {}): FileInfo {
  return {
    id: 9,
    room: 5,
    seq: 3,
    uploader: 7,
    name: '破裂箇所.jpg',
    size: 4012345,
    type: 'image/jpeg',
    from: 'internet',
    state: 'ready',
    thumbnail: true,
    created_at: 1,
    ...over,
  };
}

/** A search result (docs/api.md, GET /api/search): a message of room 5 by default. */
export function searchHit(over: Partial<SearchResult> = {}): SearchResult {
  return {
    kind: 'message',
    room: { id: 5, name: '防災係', kind: 'group' },
    seq: 12,
    sender: { id: 3, name: '佐藤 花子' },
    at: 1700000000000,
    snippet: [
      { text: '明日の', hit: false },
      { text: '防災訓練', hit: true },
      { text: 'は9時から', hit: false },
    ],
    ...over,
  };
}

/** A 安否確認 (the earthquake template's first question), open, as GET /api/safety gives it. */
export function safetyCheck(id: number, over: Partial<Safety> = {}): Safety {
  return {
    id,
    title: '地震（震度5弱以上）安否確認',
    template: 'earthquake',
    training: false,
    questions: [{ key: 'status', label: '本人の状況', kind: 'choice', options: ['無事', '軽傷', '重傷'], required: true }],
    scope: 'all',
    internet_answer: true,
    started_by: 3,
    started_at: 1000,
    closed_at: 0,
    closed_by: 0,
    origin: 'manual',
    open: true,
    ...over,
  };
}
