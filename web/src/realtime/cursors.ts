// Per-room event cursors (docs/api.md "Events and cursors"): an event is applied only if its
// ev is cursor + 1; ev ≤ cursor is a duplicate; ev > cursor + 1 means something was missed.

export type EventDecision = 'apply' | 'duplicate' | 'gap' | 'unknown-room';

export function decideEvent(cursor: number | undefined, ev: number): EventDecision {
  if (cursor === undefined) return 'unknown-room';
  if (ev <= cursor) return 'duplicate';
  if (ev === cursor + 1) return 'apply';
  return 'gap';
}

export class Cursors {
  private readonly map = new Map<number, number>();

  get(room: number): number | undefined {
    return this.map.get(room);
  }
  /** Sets the cursor (from a REST snapshot, welcome or resync). */
  set(room: number, ev: number): void {
    this.map.set(room, ev);
  }
  /** Moves the cursor forward only. */
  advance(room: number, ev: number): void {
    const c = this.map.get(room);
    if (c === undefined || ev > c) this.map.set(room, ev);
  }
  delete(room: number): void {
    this.map.delete(room);
  }
  has(room: number): boolean {
    return this.map.has(room);
  }
  clear(): void {
    this.map.clear();
  }
  /** The `cursors` object of a hello frame. */
  toHello(): Record<string, number> {
    const o: Record<string, number> = {};
    for (const [k, v] of this.map) o[String(k)] = v;
    return o;
  }
}
