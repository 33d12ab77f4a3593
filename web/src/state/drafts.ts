// Composer drafts, one per room and user, kept in localStorage so they survive a reload.
const PREFIX = 'tonari.draft.';

export class Drafts {
  private readonly mem = new Map<string, string>();
  constructor(private readonly storage: Storage | null) {}

  private key(user: number, room: number) {
    return `${PREFIX}${user}.${room}`;
  }

  get(user: number, room: number): string {
    const k = this.key(user, room);
    if (this.mem.has(k)) return this.mem.get(k)!;
    try {
      return this.storage?.getItem(k) ?? '';
    } catch {
      return '';
    }
  }

  set(user: number, room: number, text: string): void {
    const k = this.key(user, room);
    this.mem.set(k, text);
    try {
      if (text) this.storage?.setItem(k, text);
      else this.storage?.removeItem(k);
    } catch {
      /* quota: the in-memory copy still works */
    }
  }

  /** Forget every draft (on logout: the next person at this PC must not see them). */
  clearAll(): void {
    this.mem.clear();
    try {
      if (!this.storage) return;
      const keys: string[] = [];
      for (let i = 0; i < this.storage.length; i++) {
        const k = this.storage.key(i);
        if (k && k.startsWith(PREFIX)) keys.push(k);
      }
      keys.forEach((k) => this.storage!.removeItem(k));
    } catch {
      /* ignore */
    }
  }
}
