// The WebSocket connection (docs/api.md "WebSocket"): hello with cursors → welcome → replay
// → synced → live. Reconnects with back-off after any drop (immediately-ish after 4008
// slow_consumer), stops for good on 4001 (session ended). Everything that touches the
// outside world (socket, timers, randomness) is injectable, so the logic is unit-tested.
import type { ClientFrame, ServerFrame } from '../api/types';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';

export type ConnState = 'idle' | 'connecting' | 'syncing' | 'live' | 'waiting' | 'ended';

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface ConnectionOptions {
  url: () => string;
  createSocket?: (url: string) => SocketLike;
  /** The cursors to send in hello (called for every connection attempt). */
  cursors: () => Record<string, number>;
  onFrame: (f: ServerFrame) => void;
  onState?: (s: ConnState, info: { attempt: number; retryAt?: number; closeCode?: number }) => void;
  onSessionEnded?: () => void;
  /** Asked after an attempt failed before welcome: resolve false if the session is gone. */
  checkSession?: () => Promise<boolean>;
  timers?: Timers;
  random?: () => number;
  backoff?: BackoffOptions;
  /** Send a ping after this long without any frame (ms). */
  pingAfterMs?: number;
  /** Give up on the socket if nothing arrives this long after a ping (ms). */
  pongTimeoutMs?: number;
}

export const CLOSE_SESSION_ENDED = 4001;
export const CLOSE_SLOW_CONSUMER = 4008;
const OPEN = 1;

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export class Connection {
  state: ConnState = 'idle';
  /** Failed attempts since the last `synced`. */
  attempt = 0;
  /** Incremented for every socket opened; frames of older sockets are ignored. */
  generation = 0;
  private sock: SocketLike | null = null;
  private retryTimer: unknown = null;
  private beatTimer: unknown = null;
  private lastRx = 0;
  private pingSentAt = 0;
  private welcomed = false;
  private stopped = false;
  private readonly o: Required<Omit<ConnectionOptions, 'onState' | 'onSessionEnded' | 'checkSession'>> &
    ConnectionOptions;

  constructor(opts: ConnectionOptions) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as ConnectionOptions;
    this.o = {
      createSocket: (url: string) => new WebSocket(url) as unknown as SocketLike,
      timers: realTimers,
      random: Math.random,
      backoff: DEFAULT_BACKOFF,
      pingAfterMs: 25000,
      pongTimeoutMs: 10000,
      ...given,
    };
  }

  start(): void {
    this.stopped = false;
    if (this.state === 'idle' || this.state === 'waiting' || this.state === 'ended') this.open();
  }

  stop(): void {
    this.stopped = true;
    this.clearRetry();
    this.clearBeat();
    const s = this.sock;
    this.sock = null;
    this.generation++;
    if (s) {
      detach(s);
      try {
        s.close(1000, 'bye');
      } catch {
        /* ignore */
      }
    }
    this.setState('idle');
  }

  /** Sends a frame if the connection is live; false if it was not sent. */
  send(frame: ClientFrame): boolean {
    if (!this.sock || this.sock.readyState !== OPEN || this.state !== 'live') return false;
    try {
      this.sock.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Skip the back-off wait (the browser came back online, the tab became visible). */
  reconnectNow(): void {
    if (this.stopped || this.state !== 'waiting') return;
    this.clearRetry();
    this.open();
  }

  /**
   * Checks now that the socket still answers (the browser went offline, a request failed):
   * a ping, and the socket is dropped if nothing comes back within pongTimeoutMs.
   */
  probe(): void {
    const s = this.sock;
    if (!s || this.stopped || this.pingSentAt || s.readyState !== OPEN) return;
    try {
      s.send(JSON.stringify({ type: 'ping' }));
      this.pingSentAt = this.o.timers.now();
    } catch {
      /* close follows */
    }
  }

  /** Drop the socket and resume from the cursors (used when a gap in ev is detected). */
  forceReconnect(): void {
    if (this.stopped) return;
    const s = this.sock;
    if (s) {
      this.generation++;
      detach(s);
      this.sock = null;
      try {
        s.close(4000, 'resume');
      } catch {
        /* ignore */
      }
    }
    this.clearBeat();
    this.clearRetry();
    this.open();
  }

  private open(): void {
    this.clearRetry();
    this.welcomed = false;
    const gen = ++this.generation;
    this.setState('connecting');
    let s: SocketLike;
    try {
      s = this.o.createSocket(this.o.url());
    } catch {
      this.scheduleRetry(1006);
      return;
    }
    this.sock = s;
    s.onopen = () => {
      if (gen !== this.generation) return;
      this.lastRx = this.o.timers.now();
      try {
        // batch: the server may send several queued frames as one JSON array (fewer frames on
        // a slow line); they are handled in array order.
        s.send(JSON.stringify({ type: 'hello', cursors: this.o.cursors(), batch: true }));
      } catch {
        return;
      }
      this.setState('syncing');
      this.armBeat();
    };
    s.onmessage = (ev) => {
      if (gen !== this.generation) return;
      this.lastRx = this.o.timers.now();
      this.pingSentAt = 0;
      let data: unknown;
      try {
        data = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const frames = Array.isArray(data) ? data : [data];
      for (const f of frames) {
        if (gen !== this.generation) return; // a frame made us drop this socket
        this.dispatch(f as ServerFrame);
      }
    };
    s.onerror = () => {
      /* a close event follows */
    };
    s.onclose = (ev) => {
      if (gen !== this.generation) return;
      this.handleClose(ev.code, ev.reason);
    };
  }

  private dispatch(f: ServerFrame): void {
    if (!f || typeof f !== 'object' || typeof (f as { type?: unknown }).type !== 'string') return;
    if (f.type === 'welcome') this.welcomed = true;
    if (f.type === 'synced') {
      this.attempt = 0;
      this.setState('live');
    }
    this.o.onFrame(f);
  }

  private handleClose(code: number, _reason: string): void {
    this.sock = null;
    this.clearBeat();
    if (this.stopped) return;
    if (code === CLOSE_SESSION_ENDED) {
      this.setState('ended', code);
      this.o.onSessionEnded?.();
      return;
    }
    const wasWelcomed = this.welcomed;
    this.scheduleRetry(code);
    if (!wasWelcomed && this.o.checkSession) {
      // The upgrade itself may have been refused because the session is gone (the browser
      // does not tell us why). Ask the REST API, which answers 401 in that case.
      const gen = this.generation;
      this.o.checkSession().then(
        (ok) => {
          if (!ok && gen === this.generation && !this.stopped) {
            this.clearRetry();
            this.setState('ended', CLOSE_SESSION_ENDED);
            this.o.onSessionEnded?.();
          }
        },
        () => {
          /* network still down: keep retrying */
        },
      );
    }
  }

  private scheduleRetry(code: number): void {
    const delay =
      code === CLOSE_SLOW_CONSUMER
        ? 100 + Math.round(400 * this.o.random())
        : backoffDelay(this.attempt, this.o.backoff, this.o.random);
    this.attempt++;
    this.clearRetry();
    this.retryTimer = this.o.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, delay);
    this.setState('waiting', code, this.o.timers.now() + delay);
  }

  private armBeat(): void {
    if (this.beatTimer !== null) this.o.timers.clearTimeout(this.beatTimer);
    const tick = Math.min(this.o.pingAfterMs, this.o.pongTimeoutMs) / 2;
    this.beatTimer = this.o.timers.setTimeout(() => this.beat(), tick);
  }

  private beat(): void {
    this.beatTimer = null;
    const s = this.sock;
    if (!s || this.stopped) return;
    const now = this.o.timers.now();
    if (this.pingSentAt && now - this.pingSentAt >= this.o.pongTimeoutMs && this.lastRx < this.pingSentAt) {
      // Half-open connection: nothing came back after our ping. Treat as dropped.
      this.generation++;
      detach(s);
      try {
        s.close(4000, 'timeout');
      } catch {
        /* ignore */
      }
      this.handleClose(1006, 'timeout');
      return;
    }
    if (!this.pingSentAt && now - this.lastRx >= this.o.pingAfterMs && s.readyState === OPEN) {
      try {
        s.send(JSON.stringify({ type: 'ping' }));
        this.pingSentAt = now;
      } catch {
        /* close follows */
      }
    }
    this.armBeat();
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.o.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
  private clearBeat(): void {
    if (this.beatTimer !== null) this.o.timers.clearTimeout(this.beatTimer);
    this.beatTimer = null;
    this.pingSentAt = 0;
  }

  private setState(s: ConnState, closeCode?: number, retryAt?: number): void {
    this.state = s;
    this.o.onState?.(s, { attempt: this.attempt, retryAt, closeCode });
  }
}

function detach(s: SocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onclose = null;
  s.onerror = null;
}
