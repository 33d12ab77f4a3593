// Messages being sent. Each has a client_id chosen here; the server stores a message once per
// (sender, room, client_id), so resending after a reconnect can never duplicate it.
import type { ActionSpecInput, FileInfo, Message, ReplyRef } from '../api/types';

export type PendingStatus = 'sending' | 'failed';

export interface Pending {
  client_id: string;
  room: number;
  body: string;
  reply_to: number | null;
  reply?: ReplyRef | null;
  mentions: number[];
  mention_all: boolean;
  /** Uploaded files it carries (sent as their ids). */
  files?: FileInfo[];
  /** A stamp message (body ''). */
  stamp?: string;
  /** An action stamp it asks. */
  action?: ActionSpecInput;
  /** 重要・確認必須. */
  ack_required?: boolean;
  created_at: number;
  /** When the user last asked for it to go (created_at, or a 再送信). */
  triedAt?: number;
  status: PendingStatus;
  error?: string;
  /** Connection generation it was last sent on (0: not sent yet; -1: sent over REST only). */
  sentOn: number;
  /** seq from the ack, once acknowledged. */
  ackSeq?: number;
}

/** A send not acknowledged this long after it was asked for is shown as 未送信. */
export const UNSENT_AFTER_MS = 5000;

let counter = 0;
export function newClientId(now = Date.now(), random = Math.random): string {
  counter = (counter + 1) % 1000000;
  return `c-${now}-${counter}-${Math.floor(random() * 0x100000000).toString(36)}`;
}

/** Drops the pending entry that this stored message confirms (same sender, room, client_id). */
export function confirm(pending: Pending[], m: Message, me: number): Pending[] {
  if (m.sender !== me) return pending;
  const i = pending.findIndex((p) => p.client_id === m.client_id && p.room === m.room);
  if (i < 0) return pending;
  return pending.filter((_, j) => j !== i);
}

/** The entries to (re)send on a connection: still sending, and not yet sent on it. */
export function toSend(pending: Pending[], generation: number): Pending[] {
  return pending.filter((p) => p.status === 'sending' && p.ackSeq === undefined && p.sentOn !== generation);
}

export function update(pending: Pending[], clientId: string, patch: Partial<Pending>): Pending[] {
  let changed = false;
  const out = pending.map((p) => {
    if (p.client_id !== clientId) return p;
    changed = true;
    return { ...p, ...patch };
  });
  return changed ? out : pending;
}
