import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { SafetyAnswerRecord } from '../api/types';
import { ManualTimers } from '../realtime/fakes';
import { AnswerQueue, type Queued } from './queue';

class MemStorage {
  m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const rec = (q: Queued): SafetyAnswerRecord => ({ check: q.check, user: 7, by: 7, by_name: '田中', proxy: false, at: 1, answer: q.answer, client_id: q.client_id });

function setup(send: (q: Queued) => Promise<SafetyAnswerRecord>, storage = new MemStorage(), me?: () => number) {
  const timers = new ManualTimers();
  const done = vi.fn();
  const q = new AnswerQueue({ storage: storage as unknown as Storage, user: 7, timers, me, send, done, changed: () => {} });
  return { q, timers, done, storage };
}

describe('answer queue', () => {
  it('sends at once and forgets the answer once stored', async () => {
    const { q, done, storage } = setup(async (x) => rec(x));
    q.add(1, { status: 0, work: 0 });
    await flush();
    expect(done).toHaveBeenCalledTimes(1);
    expect(q.list()).toEqual([]);
    expect(storage.m.size).toBe(0);
  });

  it('keeps it in storage while offline, retries with back-off and on flush, with the same client_id', async () => {
    const ids: string[] = [];
    let online = false;
    const { q, timers, done, storage } = setup(async (x) => {
      ids.push(x.client_id);
      if (!online) throw new ApiError(0, 'network', 'offline');
      return rec(x);
    });
    q.add(1, { status: 0, work: 0 });
    await flush();
    expect(q.list()).toHaveLength(1);
    expect(JSON.parse(storage.m.get('tonari.safetyAnswers.7')!)[0].check).toBe(1);
    timers.advance(60000);
    await flush();
    expect(ids.length).toBeGreaterThanOrEqual(2);
    // A page loaded later finds it and sends it when back online.
    const again = setup(async (x) => (ids.push(x.client_id), rec(x)), storage);
    expect(again.q.list()).toHaveLength(1);
    online = true;
    await q.flush();
    expect(new Set(ids).size).toBe(1);
    expect(done).toHaveBeenCalledTimes(1);
    expect(storage.m.size).toBe(0);
  });

  it('a newer answer replaces one not yet on its way', async () => {
    const sent: Queued[] = [];
    let release: () => void = () => {};
    const { q } = setup((x) => {
      sent.push(x);
      return new Promise((res) => (release = () => res(rec(x))));
    });
    q.add(1, { status: 0 }); // on its way
    q.add(1, { status: 1 }); // queued
    q.add(1, { status: 2 }); // replaces the queued one
    expect(q.list().map((x) => x.answer.status)).toEqual([0, 2]);
    release();
    await flush();
    release();
    await flush();
    expect(sent.map((x) => x.answer.status)).toEqual([0, 2]);
    expect(q.list()).toEqual([]);
  });

  it('drops a refused answer (the check closed) and says why', async () => {
    const { q, done } = setup(async () => {
      throw new ApiError(409, 'conflict', 'closed', undefined, { reason: 'closed' });
    });
    q.add(1, { status: 0 });
    await flush();
    expect(q.list()).toEqual([]);
    expect(done.mock.calls[0][2]).toBeInstanceOf(ApiError);
  });

  it('never sends under another user, and keeps the answer for its own', async () => {
    let me = 7;
    const send = vi.fn(async (): Promise<SafetyAnswerRecord> => {
      throw new ApiError(0, 'network', 'offline');
    });
    const { q, timers, storage } = setup(send, new MemStorage(), () => me);
    q.add(1, { status: 0 });
    await flush();
    expect(send).toHaveBeenCalledTimes(1);
    // 7 logs out, 8 logs in on the same page: the retry and a flush find another user.
    me = 8;
    timers.advance(60000);
    await q.flush();
    await flush();
    expect(send).toHaveBeenCalledTimes(1);
    expect(q.list()).toHaveLength(1);
    expect(JSON.parse(storage.m.get('tonari.safetyAnswers.7')!)).toHaveLength(1);
  });

  it('stop() ends the retries and the flushes', async () => {
    const send = vi.fn(async (): Promise<SafetyAnswerRecord> => {
      throw new ApiError(503, 'unavailable', 'busy');
    });
    const { q, timers, storage } = setup(send);
    q.add(1, { status: 0 });
    await flush();
    q.stop();
    timers.advance(120000);
    await q.flush();
    await flush();
    expect(send).toHaveBeenCalledTimes(1);
    expect(storage.m.has('tonari.safetyAnswers.7')).toBe(true);
  });

  it('two tabs on one storage keep each other\'s answers', async () => {
    const storage = new MemStorage();
    let online = false;
    const send = async (x: Queued) => {
      if (!online) throw new ApiError(0, 'network', 'offline');
      return rec(x);
    };
    const a = setup(send, storage);
    const b = setup(send, storage);
    a.q.add(1, { status: 0 });
    b.q.add(2, { status: 1 });
    await flush();
    const stored = () => (JSON.parse(storage.m.get('tonari.safetyAnswers.7') ?? '[]') as Queued[]).map((x) => x.check).sort();
    expect(stored()).toEqual([1, 2]);
    // Tab a sends its own: tab b's answer stays stored.
    online = true;
    await a.q.flush();
    await flush();
    expect(stored()).toEqual([2]);
    await b.q.flush();
    await flush();
    expect(storage.m.size).toBe(0);
  });
});
