// REST calls of working together (docs/api.md): reactions, action stamps, 確認必須, notes
// and pins.
// Each takes the page's Api (client.ts: CSRF, errors as ApiError). Kept out of client.ts so
// they load with the screens that use them, not with the first page.
import type { Api } from './client';
import type { ActionPick, ActionState, Note, NoteVersion, Pin, Reaction, User } from './types';

/** A user with when they did it (reacted, answered). */
export type UserAt = User & { at: number };

/** A page of people; `next`: the cursor of the next page, null at the end. */
export interface UsersPage<U = UserAt> {
  users: U[];
  next: string | null;
}

/** A conflict's reason (closed, deadline, answered, version), as the error body gives it. */
export function conflictReason(e: unknown): string {
  const d = (e as { detail?: { reason?: unknown } })?.detail;
  return typeof d?.reason === 'string' ? d.reason : '';
}

/** The current note (with its body) that a 409 of updateNote or restoreNote carries. */
export function noteOfConflict(e: unknown): Note | null {
  return ((e as { body?: { note?: Note } })?.body?.note as Note | undefined) ?? null;
}

function page(p: { after?: string | null; limit?: number }, more: Record<string, string | number> = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(more)) qs.set(k, String(v));
  if (p.after) qs.set('after', p.after);
  if (p.limit != null) qs.set('limit', String(p.limit));
  const s = qs.toString();
  return s ? '?' + s : '';
}

const msgPath = (room: number, seq: number) => `/api/rooms/${room}/messages/${seq}`;

// ---- reactions ----

/** Puts (on) or takes away (!on) my reaction `key` ("s:<stamp id>" or one emoji). */
export async function react(api: Api, room: number, seq: number, key: string, on: boolean): Promise<Reaction> {
  const path = `${msgPath(room, seq)}/reactions/${encodeURIComponent(key)}`;
  return (await api.request<{ reaction: Reaction }>(on ? 'PUT' : 'DELETE', path)).reaction;
}

/** Who put reaction `key`, in 五十音 order. */
export function reactionUsers(
  api: Api,
  room: number,
  seq: number,
  key: string,
  p: { after?: string | null; limit?: number } = {},
): Promise<UsersPage> {
  return api.request('GET', `${msgPath(room, seq)}/reactions/${encodeURIComponent(key)}/users${page(p)}`);
}

// ---- action stamps ----

const actionPath = (room: number, seq: number) => `${msgPath(room, seq)}/action`;

/** The state as I may see it, with my answer (`mine`). */
export async function getAction(api: Api, room: number, seq: number): Promise<ActionState> {
  return (await api.request<{ action: ActionState }>('GET', actionPath(room, seq))).action;
}

/** Answers (or changes my answer); the fresh state with `mine`. */
export async function answerAction(api: Api, room: number, seq: number, picks: ActionPick[]): Promise<ActionState> {
  return (await api.request<{ action: ActionState }>('PUT', actionPath(room, seq) + '/answer', { picks })).action;
}

export async function withdrawAnswer(api: Api, room: number, seq: number): Promise<ActionState> {
  return (await api.request<{ action: ActionState }>('DELETE', actionPath(room, seq) + '/answer')).action;
}

/** Who answered `value` to `option` (schedule: 0 ○, 1 △, 2 ×; else 0), 五十音 order. */
export function actionAnswers(
  api: Api,
  room: number,
  seq: number,
  option: number,
  value: number,
  p: { after?: string | null; limit?: number } = {},
): Promise<UsersPage> {
  return api.request('GET', actionPath(room, seq) + '/answers' + page(p, { option, value }));
}

/** Who has not answered yet (未回答); `count`: how many in all. */
export function actionPending(
  api: Api,
  room: number,
  seq: number,
  p: { after?: string | null; limit?: number } = {},
): Promise<UsersPage<User> & { count: number }> {
  return api.request('GET', actionPath(room, seq) + '/pending' + page(p));
}

export async function closeAction(api: Api, room: number, seq: number): Promise<ActionState> {
  return (await api.request<{ action: ActionState }>('POST', actionPath(room, seq) + '/close')).action;
}

/** Reminds the pending members; how many were reminded. 429 within 10 minutes of the last. */
export async function remindAction(api: Api, room: number, seq: number): Promise<number> {
  return (await api.request<{ count: number }>('POST', actionPath(room, seq) + '/remind')).count;
}

export type ExportFormat = 'csv' | 'csv_sjis' | 'xlsx';

/** Where the answers are downloaded from (api/files.ts probe and saveUrl). */
export function actionExportUrl(room: number, seq: number, format: ExportFormat): string {
  return `${actionPath(room, seq)}/export?format=${format}`;
}

// ---- 確認必須 (acknowledgements) ----

/** 確認しました (a repeat changes nothing); the message's count after it. */
export async function ackMessage(api: Api, room: number, seq: number): Promise<number> {
  return (await api.request<{ ack_count: number }>('PUT', msgPath(room, seq) + '/ack')).ack_count;
}

export type AckState = 'acked' | 'unacked';

/** A page of who has (or has not) confirmed, 五十音 order; `counts`: the whole room's. */
export interface AcksPage extends UsersPage<User> {
  counts: { acked: number; unacked: number };
}

/** The sender's (and the room's owners') list; `dept`: a department and its sub-departments. */
export function ackList(
  api: Api,
  room: number,
  seq: number,
  state: AckState,
  p: { after?: string | null; limit?: number; dept?: number } = {},
): Promise<AcksPage> {
  const more: Record<string, string | number> = { state };
  if (p.dept) more.dept = p.dept;
  return api.request('GET', msgPath(room, seq) + '/acks' + page(p, more));
}

/** Reminds who has not confirmed (of `dept`); how many. 429 within 10 minutes of the last. */
export async function remindAcks(api: Api, room: number, seq: number, dept = 0): Promise<number> {
  return (await api.request<{ count: number }>('POST', msgPath(room, seq) + '/ack-remind', dept ? { dept } : {})).count;
}

// ---- notes ----

const notesPath = (room: number) => `/api/rooms/${room}/notes`;

/** The room's notes, most recently updated first, without bodies. */
export async function listNotes(api: Api, room: number): Promise<Note[]> {
  return (await api.request<{ notes: Note[] }>('GET', notesPath(room))).notes;
}

/** A note with its body. */
export async function getNote(api: Api, room: number, id: number): Promise<Note> {
  return (await api.request<{ note: Note }>('GET', `${notesPath(room)}/${id}`)).note;
}

export async function createNote(api: Api, room: number, title: string, body: string): Promise<Note> {
  return (await api.request<{ note: Note }>('POST', notesPath(room), { title, body })).note;
}

/**
 * Saves an edit made on `base_version`. Someone saved meanwhile: ApiError 409, reason
 * "version" (conflictReason), the current note in noteOfConflict.
 */
export async function updateNote(
  api: Api,
  room: number,
  id: number,
  edit: { title: string; body: string; base_version: number },
): Promise<Note> {
  return (await api.request<{ note: Note }>('PUT', `${notesPath(room)}/${id}`, edit)).note;
}

/** Saves version `version`'s content again as a new version. */
export async function restoreNote(api: Api, room: number, id: number, version: number, base_version: number): Promise<Note> {
  return (await api.request<{ note: Note }>('POST', `${notesPath(room)}/${id}/restore`, { version, base_version })).note;
}

export async function deleteNote(api: Api, room: number, id: number): Promise<void> {
  await api.request<unknown>('DELETE', `${notesPath(room)}/${id}`);
}

/** Every version, newest first, without bodies. */
export async function noteVersions(api: Api, room: number, id: number): Promise<NoteVersion[]> {
  return (await api.request<{ versions: NoteVersion[] }>('GET', `${notesPath(room)}/${id}/versions`)).versions;
}

export async function noteVersion(api: Api, room: number, id: number, version: number): Promise<NoteVersion> {
  return (await api.request<{ version: NoteVersion }>('GET', `${notesPath(room)}/${id}/versions/${version}`)).version;
}

// ---- pins ----

export type PinTarget = { kind: 'message'; seq: number } | { kind: 'note'; note: number };

const pinPath = (room: number, t: PinTarget) =>
  `/api/rooms/${room}/pins/${t.kind}/${t.kind === 'message' ? t.seq : t.note}`;

/** The room's pins, newest first, with what they point to. */
export async function listPins(api: Api, room: number): Promise<Pin[]> {
  return (await api.request<{ pins: Pin[] }>('GET', `/api/rooms/${room}/pins`)).pins;
}

/** Pins (a repeat changes nothing); the room's pins after it. 409 beyond 20. */
export async function pin(api: Api, room: number, t: PinTarget): Promise<Pin[]> {
  return (await api.request<{ pins: Pin[] }>('PUT', pinPath(room, t))).pins;
}

export async function unpin(api: Api, room: number, t: PinTarget): Promise<Pin[]> {
  return (await api.request<{ pins: Pin[] }>('DELETE', pinPath(room, t))).pins;
}
