import { describe, expect, it } from 'vitest';
import { msg } from './fixtures';
import { confirm, newClientId, toSend, type Pending } from './outbox';

const p = (id: string, over: Partial<Pending> = {}): Pending => ({
  client_id: id,
  room: 5,
  body: 'x',
  reply_to: null,
  mentions: [],
  mention_all: false,
  created_at: 0,
  status: 'sending',
  sentOn: 0,
  ...over,
});

describe('outbox', () => {
  it('makes unique, valid client ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClientId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^c-\d+-\d+-[0-9a-z]+$/);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
  });

  it('drops an entry when the stored message comes back', () => {
    const list = [p('c-a'), p('c-b')];
    expect(confirm(list, msg(9, { client_id: 'c-a', sender: 7 }), 7).map((x) => x.client_id)).toEqual(['c-b']);
    // Someone else's message with the same client_id confirms nothing.
    expect(confirm(list, msg(9, { client_id: 'c-a', sender: 8 }), 7)).toBe(list);
  });

  it('resends what was not acknowledged on a new connection only', () => {
    const list = [p('c-a', { sentOn: 1 }), p('c-b', { sentOn: 2 }), p('c-c', { ackSeq: 4, sentOn: 1 }), p('c-d', { status: 'failed' })];
    expect(toSend(list, 2).map((x) => x.client_id)).toEqual(['c-a']);
    expect(toSend(list, 3).map((x) => x.client_id)).toEqual(['c-a', 'c-b']);
  });
});
