// Types mirroring docs/api.md (the REST + WebSocket contract). Ids are integers, times are
// milliseconds since the Unix epoch.

export type Role = 'staff' | 'admin';
export type RoomKind = 'group' | 'direct';
/** A member's role in a room: owners and admins manage it; owners also change roles. */
export type RoomRole = 'owner' | 'admin' | 'member';

export interface DepartmentRef {
  id: number;
  name: string;
  /** Names from the top down: "総務部/総務課/庶務係" (absent: name only). */
  path?: string;
}

export interface User {
  id: number;
  login: string;
  name: string;
  reading: string;
  department: DepartmentRef | null;
  title: string;
  status: string;
  /** 内線 (phone extension), as the municipality writes it. */
  extension: string;
  role: Role;
  /** The account is disabled (利用停止): still shown, marked. */
  disabled: boolean;
  /** 安否確認 roles (absent: not held): 危機管理 starts and manages every check. */
  crisis?: boolean;
  /** 所属長: sees and manages the checks of their department and below. */
  dept_head?: boolean;
}

export interface Department {
  id: number;
  parent: number | null;
  name: string;
  reading: string;
  /** The municipality's 組織コード (or a generated one), unique in the municipality. */
  code: string;
  /** Names from the top down: "総務部/総務課/庶務係". */
  path: string;
}

export interface ReplyRef {
  seq: number;
  sender: number;
  sender_name: string;
  body: string;
  /** The quoted message was edited after the reply (body is its current text). */
  edited?: boolean;
}

/** Who is kept in step with the org tree: everyone of a department (and below), or of the tenant. */
export type OrgSync = { kind: 'tenant' } | { kind: 'department'; dept: number; subtree: boolean };

export interface RoomRules {
  /** お知らせ専用: only owners and admins post. */
  announcement: boolean;
  /** 公式: set by a tenant admin; members cannot leave it. */
  official: boolean;
  members_invite: boolean;
  /** Members may rename and describe the room (false: owners and admins only). */
  members_edit: boolean;
  sync: OrgSync | null;
}

/** The body of a system message (docs/api.md): what happened to the room. */
export interface SystemNote {
  action:
    | 'room_created'
    | 'renamed'
    | 'description_changed'
    | 'rules_changed'
    | 'members_added'
    | 'member_removed'
    | 'member_left'
    | 'role_changed'
    | 'taken_over'
    | 'note_created'
    | 'note_updated'
    | 'note_deleted'
    | 'action_closed'
    | 'action_reminded'
    | 'ack_reminded';
  /** The users concerned (the first 20); count: how many in all. */
  users?: { id: number; name: string }[];
  count?: number;
  name?: string;
  old_name?: string;
  description?: string;
  role?: RoomRole;
  /** owner_left, owner_disabled, takeover, org (by the org-tree sync). */
  reason?: string;
  rules?: RoomRules;
  /** note_*: the note, its title; note_updated: its new version, and restored_from for a restore. */
  note?: number;
  title?: string;
  version?: number;
  restored_from?: number;
  /** action_*: the action stamp's message. */
  seq?: number;
}

/** What the user may do in a room (the server checks every action again). */
export interface RoomAbilities {
  post: boolean;
  /** Rename, describe. */
  edit_info: boolean;
  invite: boolean;
  /** Remove other members. */
  remove: boolean;
  leave: boolean;
  set_roles: boolean;
  /** announcement, members_invite, members_edit. */
  edit_rules: boolean;
  /** official, sync (tenant admins). */
  edit_official: boolean;
  /** Pin and unpin messages and notes. */
  pin: boolean;
  /** Create and edit notes. */
  edit_notes: boolean;
}

/** PATCH /api/rooms/{id}: the fields to change (rules: only those given). */
export interface RoomPatch {
  name?: string;
  description?: string;
  rules?: Partial<RoomRules>;
}

export interface Message {
  id: number;
  room: number;
  seq: number;
  sender: number;
  sender_name: string;
  client_id: string;
  /** '' for a system message. */
  body: string;
  /** Absent: text. A system message (sender: who did it, 0 for tonari) has `system`. */
  kind?: 'text' | 'system';
  system?: SystemNote;
  reply_to: ReplyRef | null;
  mentions: number[];
  mention_all: boolean;
  created_at: number;
  edited_at: number | null;
  deleted: boolean;
  /** Present in history responses; live, `reads` frames carry it to the message's sender only. */
  read_count?: number;
  /** Attachments, in the order the sender gave (absent when none). */
  files?: FileInfo[];
  /** A stamp message: the stamp's id (stamps/catalog.ts); the body is then ''. */
  stamp?: string;
  /** Reactions, most used first (absent when none). */
  reactions?: Reaction[];
  /** The action stamp this message asks. */
  action?: ActionState;
  /** 確認必須: members are asked to confirm it (all three absent on an ordinary message). */
  ack_required?: boolean;
  /** How many confirmed (a message.acks event brings it again, coalesced). */
  ack_count?: number;
  /** Whether I confirmed (REST reads and message.acked; false in event frames). */
  acked?: boolean;
}

/** A reaction: key "s:<stamp id>" or one emoji; `me` only in REST reads (the caller reacted). */
export interface Reaction {
  key: string;
  count: number;
  me?: boolean;
}

/**
 * yesno: options 0 はい, 1 いいえ; attendance: 0 出席, 1 欠席, 2 未定 (labels are the
 * client's); choice: the asker's options (one, or several when `multiple`); schedule:
 * each option answered 0 ○, 1 △, 2 ×; task: option 0 完了, answered by the assignees.
 */
export type ActionKind = 'yesno' | 'attendance' | 'choice' | 'schedule' | 'task';

export interface ActionPick {
  option: number;
  /** schedule: 0 ○, 1 △, 2 ×; other kinds: 0 (picked). */
  value: number;
}

export interface ActionState {
  kind: ActionKind;
  title: string;
  /** choice and schedule: the labels; [] for the other kinds. */
  options: string[];
  multiple: boolean;
  /** ms since the epoch; 0: none. */
  deadline: number;
  /** false: only the asker sees counts and answerers. */
  public: boolean;
  changeable: boolean;
  anonymous: boolean;
  /** task: who does it. */
  assignees: number[];
  closed: boolean;
  closed_at: number;
  closed_by: number;
  answered: number;
  pending: number;
  /** counts[option * (schedule ? 3 : 1) + value]; absent when the caller may not see them. */
  counts?: number[];
  /** The caller's answer (REST reads only); absent: not answered. */
  mine?: ActionPick[];
  mine_at?: number;
}

/** ノート: a room's shared document (safe Markdown subset). `body` absent in lists. */
export interface Note {
  id: number;
  room: number;
  title: string;
  body?: string;
  version: number;
  created_by: number;
  created_by_name: string;
  created_at: number;
  updated_by: number;
  updated_by_name: string;
  updated_at: number;
}

export interface NoteVersion {
  note: number;
  version: number;
  title: string;
  body?: string;
  by: number;
  by_name: string;
  at: number;
  /** The version this save restored; 0: an edit. */
  restored_from: number;
}

/** Something pinned above a room's timeline, with what it points to as it is now. */
export interface Pin {
  kind: 'message' | 'note';
  /** kind message: the message's seq; kind note: the note's id. */
  seq?: number;
  note?: number;
  by: number;
  by_name: string;
  at: number;
  message?: Message;
  note_info?: Note;
}

/** Where a request comes from: the municipality's closed network or the Internet. */
export type Zone = 'lgwan' | 'internet';

/**
 * processing: the sanitizing job has not ended; ready: LGWAN users get the clean copy;
 * withheld: LGWAN users get nothing (reason says why), Internet users the original;
 * blocked: nobody gets it.
 */
export type FileState = 'processing' | 'ready' | 'withheld' | 'blocked';

/** An attachment (the same JSON for every zone; what a zone may fetch is the server's call). */
export interface FileInfo {
  id: number;
  room: number;
  /** The message it is attached to; 0 while not attached yet. */
  seq: number;
  uploader: number;
  name: string;
  size: number;
  /** Detected by content once the job ran, else what the uploader's browser said. */
  type: string;
  from: Zone;
  state: FileState;
  /** withheld/blocked: a reason code (encrypted, legacy_format, ...). */
  reason?: string;
  /** ready only: the clean copy is rebuilt (true) or the original itself (false). */
  sanitized?: boolean;
  clean_name?: string;
  clean_type?: string;
  clean_size?: number;
  /** A JPEG thumbnail exists (images, a PDF's first page). */
  thumbnail: boolean;
  /** Pixels (images) or points (a PDF's first page); absent: unknown. */
  width?: number;
  height?: number;
  pages?: number;
  /** The photo's position, where the municipality keeps it as message data. */
  location?: { lat: number; lon: number };
  created_at: number;
}

/** An upload session (resumable: `offset` bytes are stored). */
export interface UploadInfo {
  id: string;
  offset: number;
  size: number;
  /** The largest body one PUT may carry (given when the session is created). */
  chunk_bytes?: number;
}

export interface RoomSummary {
  id: number;
  kind: RoomKind;
  name: string;
  member_count: number;
  msg_seq: number;
  ev: number;
  read_seq: number;
  unread: number;
  mention_unread: number;
  last_message: Message | null;
  last_activity: number;
  role: RoomRole;
  peer: number | null;
  description: string;
  rules: RoomRules;
  can: RoomAbilities;
}

export interface Member {
  user: User;
  role: RoomRole;
  read_seq: number;
}

/** Who has read a message: pages of each list (五十音 order) and the counts of the whole room. */
export interface ReadersPage {
  read_count: number;
  unread_count: number;
  read?: User[];
  read_next?: string | null;
  unread?: User[];
  unread_next?: string | null;
}

export interface Tenant {
  code: string;
  name: string;
}

export interface Session {
  user: User;
  csrf_token: string;
  tenant: Tenant;
  /** The zone of the listener the request came through (absent: lgwan). */
  zone?: Zone;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface SendInput {
  client_id: string;
  body: string;
  reply_to?: number | null;
  mentions?: number[];
  mention_all?: boolean;
  /** Ids of uploaded files to attach (at most 10). */
  files?: number[];
  /** A stamp message (body ''). */
  stamp?: string;
  /** An action stamp to ask (body may be ''). */
  action?: ActionSpecInput;
  /** 重要・確認必須: members are asked to confirm it. */
  ack_required?: boolean;
}

/** What the composer sends to ask an action stamp (omitted fields: the defaults). */
export interface ActionSpecInput {
  kind: ActionKind;
  title: string;
  options?: string[];
  multiple?: boolean;
  deadline?: number;
  /** Default true. */
  public?: boolean;
  /** Default true. */
  changeable?: boolean;
  anonymous?: boolean;
  assignees?: number[];
}

// ---- 安否確認 (safety confirmations) ----

/** A question of a check: a choice (option indexes), a place, or free text. */
export interface SafetyQuestion {
  key: string;
  label: string;
  kind: 'choice' | 'location' | 'text';
  options?: string[];
  required: boolean;
}

/** An answer: per question key, an option index, a place or a text. */
export type SafetyAnswer = Record<string, number | string | { text?: string; lat?: number; lon?: number }>;

/**
 * A check. As a target sees it (GET /api/safety `safety`, welcome, frames to targets) it also
 * has my answer: `answered_at` 0 = not yet, `answer` null.
 */
export interface Safety {
  id: number;
  title: string;
  template: string;
  training: boolean;
  questions: SafetyQuestion[];
  scope: 'all' | { depts: number[] };
  internet_answer: boolean;
  started_by: number;
  started_at: number;
  closed_at: number;
  closed_by: number;
  origin: 'manual' | 'webhook';
  open: boolean;
  targets?: number;
  answered?: number;
  answered_at?: number;
  answered_by?: number;
  proxy?: boolean;
  answer?: SafetyAnswer | null;
}

/** One recorded answer (PUT …/answer, safety.answered, history). */
export interface SafetyAnswerRecord {
  check: number;
  user: number;
  by: number;
  by_name: string;
  proxy: boolean;
  at: number;
  answer: SafetyAnswer;
  client_id: string;
}

export interface SafetyTallyRow {
  dept: number;
  targets: number;
  answered: number;
  counts: { question: number; option: number; count: number }[];
  name?: string;
  path?: string;
  /** 0: a top row (a 部, or a 所属長's own department). */
  parent?: number;
}

export interface SafetyTally {
  total: SafetyTallyRow;
  depts: SafetyTallyRow[];
}

// ---- WebSocket frames -------------------------------------------------------------------

export type EventFrame =
  | { type: 'message.created'; room: number; ev: number; message: Message }
  | { type: 'message.edited'; room: number; ev: number; message: Message }
  | { type: 'message.deleted'; room: number; ev: number; message: Message }
  | { type: 'member.joined'; room: number; ev: number; users: User[]; count?: number; by: number }
  | { type: 'member.left'; room: number; ev: number; user: number; by: number }
  | {
      type: 'room.updated';
      room: number;
      ev: number;
      name: string;
      description: string;
      rules: RoomRules;
      by: number;
    }
  | { type: 'file.updated'; room: number; ev: number; file: FileInfo }
  | {
      type: 'member.role_changed';
      room: number;
      ev: number;
      user: number;
      role: RoomRole;
      by: number;
      reason: 'owner_left' | 'owner_disabled' | 'takeover' | 'set';
    }
  | {
      type: 'reaction.updated';
      room: number;
      ev: number;
      seq: number;
      key: string;
      count: number;
      user: number;
      on: boolean;
    }
  /** The tally (coalesced, about once a second) or the question closed; never `mine`. */
  | { type: 'action.updated'; room: number; ev: number; seq: number; action: ActionState }
  /** How many confirmed the 確認必須 message `seq` (coalesced, about once a second). */
  | { type: 'message.acks'; room: number; ev: number; seq: number; ack_count: number }
  /** Created, edited or restored (`note` without its body). */
  | { type: 'note.updated'; room: number; ev: number; note: Note }
  | { type: 'note.deleted'; room: number; ev: number; note: number }
  | { type: 'pin.added'; room: number; ev: number; pin: Pin }
  | { type: 'pin.removed'; room: number; ev: number; kind: 'message' | 'note'; seq?: number; note?: number };

export type ServerFrame =
  | EventFrame
  | { type: 'welcome'; user: User; rooms: { id: number; ev: number }[]; server_time: number; safety?: Safety[] }
  | { type: 'resync'; room: number; ev: number }
  | { type: 'synced' }
  | { type: 'ack'; client_id: string; room: number; seq: number; id: number }
  | { type: 'error'; client_id?: string; error: { code: string; message: string; retry_after_ms?: number } }
  | { type: 'pong' }
  | { type: 'reads'; room: number; counts: [number, number][] }
  | { type: 'read.self'; room: number; read_seq: number }
  /** I confirmed message `seq` (here or on another of my devices). */
  | { type: 'message.acked'; room: number; seq: number; ack_count: number }
  | { type: 'room.added'; room: RoomSummary }
  | { type: 'room.removed'; room: number }
  | { type: 'safety.started'; safety: Safety }
  | { type: 'safety.answered'; answer: SafetyAnswerRecord }
  | { type: 'safety.updated'; safety: Safety; scope: number; tally: SafetyTally }
  | { type: 'safety.reminded'; safety: Safety; by: number; by_name: string }
  | { type: 'safety.closed'; safety: Safety };

export type ClientFrame =
  | { type: 'hello'; cursors: Record<string, number>; batch?: boolean }
  | ({ type: 'send'; room: number } & SendInput)
  | { type: 'read'; room: number; seq: number }
  | { type: 'ping' };

export const EVENT_TYPES = new Set<string>([
  'message.created',
  'message.edited',
  'message.deleted',
  'member.joined',
  'member.left',
  'room.updated',
  'member.role_changed',
  'file.updated',
  'reaction.updated',
  'action.updated',
  'message.acks',
  'note.updated',
  'note.deleted',
  'pin.added',
  'pin.removed',
]);

export function isEventFrame(f: ServerFrame): f is EventFrame {
  return EVENT_TYPES.has(f.type);
}

// ---- full-text search (GET /api/search) ----

/** A piece of a snippet or title: plain text, or a match (hit) shown marked. */
export interface SearchPiece {
  text: string;
  hit: boolean;
}

/**
 * One search result. message: `seq`; note: `note` (its id) and `title`; file: `seq` (the
 * message it is attached to), `file` and `title` (its name). `at`: the message's time, or
 * when the note was last saved. `sender`: the message's sender, the note's last editor, the
 * file's uploader.
 */
export interface SearchResult {
  kind: 'message' | 'note' | 'file';
  room: { id: number; name: string; kind: RoomKind };
  seq?: number;
  note?: number;
  file?: { id: number; name: string };
  title?: SearchPiece[];
  sender: { id: number; name: string };
  at: number;
  snippet: SearchPiece[];
}

/** A page of results, newest first (or by relevance); `next`: where the next page starts. */
export interface SearchPage {
  results: SearchResult[];
  next: string | null;
}

/** A page of history around a message (`?around=`): either side may have more. */
export interface AroundPage {
  messages: Message[];
  has_more_before: boolean;
  has_more_after: boolean;
}
