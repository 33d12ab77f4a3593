// Messages being sent (outbox.ts): over the WebSocket when it is open, resent with the same
// client_id on every new connection until acknowledged, and over REST while the WebSocket
// stays down. Refusals for rate (rate_limited) are sent again, in order, after the hint.
import { ApiError } from '../api/client';
import type { ActionSpecInput, FileInfo, Message, SendInput, ServerFrame } from '../api/types';
import type { Hub } from './hub';
import { confirm, newClientId, toSend, update, type Pending } from './outbox';
import type { RoomList } from './roomList';
import type { Link } from './sync';
import type { Timelines } from './timelines';
import { findBySeq } from './timeline';

type Refusal = Extract<ServerFrame, { type: 'error' }>['error'];

/** What a send carries, over the WebSocket and over REST alike (absent fields: none). */
function sendInput(p: Pending): SendInput {
  return {
    client_id: p.client_id,
    body: p.body,
    reply_to: p.reply_to,
    mentions: p.mentions,
    mention_all: p.mention_all,
    ...(p.files?.length ? { files: p.files.map((f) => f.id) } : {}),
    ...(p.stamp ? { stamp: p.stamp } : {}),
    ...(p.action ? { action: p.action } : {}),
    ack_required: p.ack_required, // undefined: left out of the JSON
  };
}

/** A stamp message, or an action stamp, instead of a text; or a text to be confirmed. */
export type SendExtra = { stamp?: string; action?: ActionSpecInput; ack_required?: boolean };

export interface OutboxParts {
  link: Link & { wake(): void };
  timelines: Pick<Timelines, 'get' | 'apply'>;
  rooms: Pick<RoomList, 'applyOwn'>;
  /** A send was queued: the open room scrolls to the bottom. */
  onQueued: () => void;
}

export class Outbox {
  private restTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: unknown = null;
  private retryAt = 0;
  private restSending = false;

  constructor(
    private readonly hub: Hub,
    private readonly parts: OutboxParts,
  ) {}

  private get pending(): Pending[] {
    return this.hub.state.pending;
  }

  private change(clientId: string, patch: Partial<Pending>): void {
    const pending = update(this.pending, clientId, patch);
    if (pending !== this.pending) this.hub.set({ pending });
  }

  stop(): void {
    if (this.restTimer) clearTimeout(this.restTimer);
    this.restTimer = null;
    if (this.retryTimer !== null) this.hub.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  send(
    room: number,
    body: string,
    reply: Message | null,
    mentions: number[],
    mention_all: boolean,
    files: FileInfo[] = [],
    extra: SendExtra = {},
  ): void {
    const p: Pending = {
      client_id: newClientId(),
      room,
      body,
      reply_to: reply ? reply.seq : null,
      reply: reply ? { seq: reply.seq, sender: reply.sender, sender_name: reply.sender_name, body: reply.body.slice(0, 100) } : null,
      mentions,
      mention_all,
      files: files.length ? files : undefined,
      ...extra,
      created_at: Date.now(),
      status: 'sending',
      sentOn: 0,
    };
    this.hub.set({ pending: [...this.pending, p] });
    this.parts.onQueued();
    // While refused sends wait for their retry, a new one waits behind them: order is kept.
    if (this.retryTimer === null) this.trySend(p);
    this.armRest();
  }

  retry(clientId: string): void {
    if (!this.pending.some((q) => q.client_id === clientId)) return;
    this.change(clientId, { status: 'sending', error: undefined, sentOn: 0, triedAt: Date.now() });
    this.parts.link.wake();
    this.trySend(this.pending.find((x) => x.client_id === clientId)!);
    this.armRest();
  }

  discard(clientId: string): void {
    this.hub.set({ pending: this.pending.filter((p) => p.client_id !== clientId) });
  }

  forgetRoom(room: number): void {
    if (this.pending.some((p) => p.room === room)) this.hub.set({ pending: this.pending.filter((p) => p.room !== room) });
  }

  /** Drops the entries these stored messages confirm. */
  confirm(messages: Message[]): void {
    const me = this.hub.state.me?.id ?? 0;
    let pending = this.pending;
    for (const m of messages) pending = confirm(pending, m, me);
    if (pending !== this.pending) this.hub.set({ pending });
  }

  onAck(clientId: string, room: number, seq: number): void {
    this.change(clientId, { ackSeq: seq });
    const tl = this.parts.timelines.get(room);
    const m = tl && findBySeq(tl.messages, seq);
    if (m) this.confirm([m]);
  }

  onRefused(clientId: string, error: Refusal | undefined): void {
    if (error?.code === 'rate_limited') {
      // Nothing was stored (over the sender's message rate, or too many sends awaiting
      // their ack, which gives no hint): send again, same client_id, once the hint says.
      this.change(clientId, { sentOn: 0 });
      this.retrySendsIn(error.retry_after_ms ?? 1000);
      return;
    }
    this.change(clientId, { status: 'failed', error: error?.message });
  }

  /** Sends what this connection has not sent yet, in order. */
  flush(): void {
    for (const p of toSend(this.pending, this.parts.link.generation)) {
      if (!this.trySend(p)) break;
    }
  }

  /**
   * Sends refused with rate_limited go again in order once `ms` has passed (at least that:
   * a later hint pushes the retry back, an earlier one does not bring it forward).
   */
  private retrySendsIn(ms: number): void {
    const timers = this.hub.timers;
    const wait = Math.min(60000, Math.max(100, ms));
    const at = timers.now() + wait;
    if (this.retryTimer !== null) {
      if (at <= this.retryAt) return;
      timers.clearTimeout(this.retryTimer);
    }
    this.retryAt = at;
    this.retryTimer = timers.setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, wait);
  }

  private trySend(p: Pending): boolean {
    const { link } = this.parts;
    // The browser says there is no network: a socket not yet seen closed would swallow it.
    // It waits (sentOn 0, so it can still be discarded) for the next connection.
    if (this.hub.state.net === 'offline') return false;
    const ok = link.send({ type: 'send', room: p.room, ...sendInput(p) });
    if (ok) this.change(p.client_id, { sentOn: link.generation });
    return ok;
  }

  /**
   * While the WebSocket is down, unacknowledged messages also go over REST (same client_id,
   * so the server stores each once even if the WebSocket resend arrives as well).
   */
  private armRest(): void {
    if (this.restTimer) return;
    this.restTimer = setTimeout(() => {
      this.restTimer = null;
      void this.restFlush();
    }, 4000);
  }

  private async restFlush(): Promise<void> {
    const { hub } = this;
    if (hub.state.phase !== 'app' || this.restSending) return;
    const waiting = this.pending.filter((p) => p.status === 'sending' && p.ackSeq === undefined);
    if (!waiting.length) return;
    if (hub.state.conn === 'live') {
      // Live: acks will come. Check again later in case one was lost with a dropped socket.
      this.armRest();
      return;
    }
    this.restSending = true;
    try {
      for (const p of waiting) {
        if (!this.pending.some((q) => q.client_id === p.client_id && q.ackSeq === undefined)) continue;
        // Handed to the network: it may be stored even if no answer comes (no 破棄 then).
        if (p.sentOn === 0) this.change(p.client_id, { sentOn: -1 });
        try {
          const m = await hub.api.post(p.room, sendInput(p));
          // Came back from REST, not as an event: idempotent updates only.
          hub.batch(() => {
            this.parts.timelines.apply(m);
            this.parts.rooms.applyOwn(m);
            this.confirm([m]);
          });
        } catch (err) {
          if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
            this.change(p.client_id, { status: 'failed', error: err.message });
            continue;
          }
          break; // network: try again later
        }
      }
    } finally {
      this.restSending = false;
    }
    if (this.pending.some((p) => p.status === 'sending' && p.ackSeq === undefined)) this.armRest();
  }
}
