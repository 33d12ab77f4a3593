import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerFrame } from '../api/types';
import { Connection, type ConnState } from './connection';
import { FakeSocket, ManualTimers } from './fakes';

function setup(opts: Partial<ConstructorParameters<typeof Connection>[0]> = {}) {
  const timers = new ManualTimers();
  const frames: ServerFrame[] = [];
  const states: ConnState[] = [];
  let cursors: Record<string, number> = { '5': 57 };
  const ended = vi.fn();
  const conn = new Connection({
    url: () => 'ws://test/api/ws',
    createSocket: (u) => new FakeSocket(u),
    cursors: () => cursors,
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    onSessionEnded: ended,
    timers,
    random: () => 1,
    ...opts,
  });
  return { conn, timers, frames, states, ended, setCursors: (c: Record<string, number>) => (cursors = c) };
}

function welcome(s: FakeSocket) {
  s.receive({ type: 'welcome', user: { id: 1 }, rooms: [{ id: 5, ev: 57 }], server_time: 0 });
  s.receive({ type: 'synced' });
}

beforeEach(() => {
  FakeSocket.all = [];
});

describe('Connection', () => {
  it('says hello with the cursors and goes live after synced', () => {
    const { conn, frames, states } = setup();
    conn.start();
    const s = FakeSocket.last();
    expect(s.url).toBe('ws://test/api/ws');
    s.open();
    expect(s.sent).toEqual([{ type: 'hello', cursors: { '5': 57 }, batch: true }]);
    expect(conn.state).toBe('syncing');
    expect(conn.send({ type: 'ping' })).toBe(false); // not before synced
    welcome(s);
    expect(conn.state).toBe('live');
    expect(frames.map((f) => f.type)).toEqual(['welcome', 'synced']);
    expect(states).toEqual(['connecting', 'syncing', 'live']);
    expect(conn.send({ type: 'read', room: 5, seq: 3 })).toBe(true);
  });

  it('handles batched frames in array order', () => {
    const { conn, frames } = setup();
    conn.start();
    const s = FakeSocket.last();
    s.open();
    s.receive([
      { type: 'welcome', user: { id: 1 }, rooms: [], server_time: 0 },
      { type: 'message.created', room: 5, ev: 58, message: {} },
      { type: 'synced' },
    ]);
    expect(frames.map((f) => f.type)).toEqual(['welcome', 'message.created', 'synced']);
    expect(conn.state).toBe('live');
  });

  it('reconnects with back-off and resumes from the current cursors', () => {
    const { conn, timers, setCursors } = setup();
    conn.start();
    FakeSocket.last().open();
    welcome(FakeSocket.last());
    setCursors({ '5': 60 });
    FakeSocket.last().drop(1006);
    expect(conn.state).toBe('waiting');
    expect(FakeSocket.all).toHaveLength(1);
    timers.advance(499);
    expect(FakeSocket.all).toHaveLength(1);
    timers.advance(1);
    expect(FakeSocket.all).toHaveLength(2);
    // Fails again before welcome: the next wait is longer.
    FakeSocket.last().drop(1006);
    timers.advance(999);
    expect(FakeSocket.all).toHaveLength(2);
    timers.advance(1);
    expect(FakeSocket.all).toHaveLength(3);
    const s = FakeSocket.last();
    s.open();
    expect(s.sent[0]).toEqual({ type: 'hello', cursors: { '5': 60 }, batch: true });
    welcome(s);
    expect(conn.attempt).toBe(0); // reset once synced
  });

  it('comes back quickly after 4008 slow_consumer', () => {
    const { conn, timers } = setup();
    conn.start();
    FakeSocket.last().open();
    welcome(FakeSocket.last());
    FakeSocket.last().drop(4008, 'slow_consumer');
    timers.advance(500);
    expect(FakeSocket.all).toHaveLength(2);
    expect(conn.state).toBe('connecting');
  });

  it('stops for good on 4001 (session ended)', () => {
    const { conn, timers, ended } = setup();
    conn.start();
    FakeSocket.last().open();
    welcome(FakeSocket.last());
    FakeSocket.last().drop(4001, 'session ended');
    expect(conn.state).toBe('ended');
    expect(ended).toHaveBeenCalledOnce();
    timers.advance(60000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('asks whether the session is gone when the upgrade fails', async () => {
    const checkSession = vi.fn(async () => false);
    const { conn, timers, ended } = setup({ checkSession });
    conn.start();
    FakeSocket.last().drop(1006); // refused before open
    await Promise.resolve();
    await Promise.resolve();
    expect(checkSession).toHaveBeenCalled();
    expect(conn.state).toBe('ended');
    expect(ended).toHaveBeenCalledOnce();
    timers.advance(60000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('ignores frames from a socket it replaced', () => {
    const { conn, frames } = setup();
    conn.start();
    const old = FakeSocket.last();
    old.open();
    welcome(old);
    conn.forceReconnect();
    expect(old.closed).not.toBeNull();
    const n = frames.length;
    old.receive({ type: 'message.created', room: 5, ev: 58, message: {} });
    expect(frames.length).toBe(n);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('pings when idle and drops a connection that does not answer', () => {
    const { conn, timers } = setup({ pingAfterMs: 20000, pongTimeoutMs: 5000 });
    conn.start();
    const s = FakeSocket.last();
    s.open();
    welcome(s);
    timers.advance(21000);
    expect(s.sentOfType('ping')).toHaveLength(1);
    s.receive({ type: 'pong' });
    timers.advance(10000);
    expect(conn.state).toBe('live');
    timers.advance(20000); // idle again: another ping, and no answer this time
    expect(s.sentOfType('ping')).toHaveLength(2);
    timers.advance(6000);
    expect(conn.state).not.toBe('live');
    timers.advance(1000);
    expect(FakeSocket.all.length).toBeGreaterThan(1);
  });

  it('reconnectNow skips the wait; stop() ends everything', () => {
    const { conn, timers } = setup();
    conn.start();
    FakeSocket.last().drop(1006);
    expect(conn.state).toBe('waiting');
    conn.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    conn.stop();
    expect(conn.state).toBe('idle');
    timers.advance(60000);
    expect(FakeSocket.all).toHaveLength(2);
  });
});
