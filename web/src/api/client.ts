// Typed REST client for docs/api.md. Cookie sessions: the browser sends the HttpOnly cookie,
// and every unsafe request carries X-CSRF-Token.
import type {
  Department,
  Member,
  Message,
  ReadersPage,
  RoomPatch,
  RoomRole,
  RoomSummary,
  SendInput,
  Session,
  User,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
    /** The whole error object of the answer (some carry more, e.g. offset_mismatch's `offset`). */
    readonly detail: Record<string, unknown> = {},
    /** The whole answer (a note's 409 carries the current note beside the error). */
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The ApiError for a non-2xx answer whose body parsed to `data` (null if it was not JSON). */
export function errorFromAnswer(status: number, data: unknown, statusText: string, retryAfter: string | null): ApiError {
  const err = (data as { error?: Record<string, unknown> } | null)?.error ?? {};
  const code = typeof err.code === 'string' && err.code ? err.code : 'http_' + status;
  const message = typeof err.message === 'string' && err.message ? err.message : statusText;
  return new ApiError(status, code, message, Number(retryAfter || '') || undefined, err, data);
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface ApiOptions {
  base?: string;
  fetchImpl?: typeof fetch;
  /** Called when an authenticated request answers 401 (session ended). */
  onUnauthenticated?: () => void;
  /** A request not answered within this many ms fails as a network error (default 30 s). */
  timeoutMs?: number;
}

export class Api {
  csrf = '';
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  onUnauthenticated?: () => void;
  /** Told after every request whether the server answered (false: network error, timeout). */
  onReach?: (answered: boolean) => void;

  constructor(opts: ApiOptions = {}) {
    this.base = opts.base ?? '';
    this.fetchImpl = opts.fetchImpl ?? ((input, init) => fetch(input, init));
    this.onUnauthenticated = opts.onUnauthenticated;
    this.timeoutMs = opts.timeoutMs ?? 30000;
  }

  async request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    // A request that is never answered (a half-dead connection) must not leave the screen
    // waiting forever: it fails like a network error after timeoutMs.
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.timeoutMs);
    const onAbort = () => ctl.abort();
    if (signal?.aborted) ctl.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
        signal: ctl.signal,
      });
      text = await res.text();
    } catch (e) {
      if (timedOut) {
        this.onReach?.(false);
        throw new ApiError(0, 'network', 'no answer within ' + this.timeoutMs / 1000 + ' s');
      }
      if ((e as Error)?.name === 'AbortError') throw e;
      this.onReach?.(false);
      throw new ApiError(0, 'network', (e as Error)?.message || 'network error');
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    this.onReach?.(true);
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const e = errorFromAnswer(res.status, data, res.statusText, res.headers.get('Retry-After'));
      if (res.status === 401 && path !== '/api/login') this.onUnauthenticated?.();
      throw e;
    }
    return data as T;
  }

  // ---- session ----
  async login(tenant: string, login: string, password: string): Promise<Session> {
    const s = await this.request<Session>('POST', '/api/login', { tenant, login, password, token: false });
    this.csrf = s.csrf_token;
    return s;
  }
  async logout(): Promise<void> {
    await this.request<unknown>('POST', '/api/logout');
    this.csrf = '';
  }
  async me(): Promise<Session> {
    const s = await this.request<Session>('GET', '/api/me');
    this.csrf = s.csrf_token;
    return s;
  }
  async setStatus(status: string): Promise<User> {
    return (await this.request<{ user: User }>('PATCH', '/api/me', { status })).user;
  }

  // ---- directory ----
  async departments(): Promise<Department[]> {
    return (await this.request<{ departments: Department[] }>('GET', '/api/departments')).departments;
  }
  async users(params: { q?: string; department?: number; limit?: number }, signal?: AbortSignal): Promise<User[]> {
    const qs = new URLSearchParams();
    if (params.q) qs.set('q', params.q);
    if (params.department != null) qs.set('department', String(params.department));
    if (params.limit != null) qs.set('limit', String(params.limit));
    const q = qs.toString();
    return (await this.request<{ users: User[] }>('GET', '/api/users' + (q ? '?' + q : ''), undefined, signal)).users;
  }
  async user(id: number): Promise<User> {
    return (await this.request<{ user: User }>('GET', `/api/users/${id}`)).user;
  }

  // ---- rooms ----
  async rooms(): Promise<RoomSummary[]> {
    return (await this.request<{ rooms: RoomSummary[] }>('GET', '/api/rooms')).rooms;
  }
  async createRoom(name: string, members: number[]): Promise<RoomSummary> {
    return (await this.request<{ room: RoomSummary }>('POST', '/api/rooms', { name, members })).room;
  }
  async direct(user: number): Promise<RoomSummary> {
    return (await this.request<{ room: RoomSummary }>('POST', '/api/direct', { user })).room;
  }
  /** The room and the first page of its members (`members_next`: where the next starts). */
  async room(id: number): Promise<{ room: RoomSummary; members: Member[]; members_next?: string | null }> {
    return this.request('GET', `/api/rooms/${id}`);
  }
  async members(id: number, cursor: string, limit = 100): Promise<{ members: Member[]; next: string | null }> {
    const qs = new URLSearchParams({ limit: String(limit), cursor });
    return this.request('GET', `/api/rooms/${id}/members?${qs}`);
  }
  /** Name, description, rules (as far as the user may: RoomSummary.can). */
  async updateRoom(id: number, patch: RoomPatch): Promise<RoomSummary> {
    return (await this.request<{ room: RoomSummary }>('PATCH', `/api/rooms/${id}`, patch)).room;
  }
  async setRole(id: number, user: number, role: RoomRole): Promise<Member> {
    return (await this.request<{ member: Member }>('PUT', `/api/rooms/${id}/members/${user}/role`, { role })).member;
  }
  async addMembers(id: number, users: number[]): Promise<number[]> {
    return (await this.request<{ added: number[] }>('POST', `/api/rooms/${id}/members`, { users })).added;
  }
  async removeMember(id: number, user: number): Promise<void> {
    await this.request<unknown>('DELETE', `/api/rooms/${id}/members/${user}`);
  }

  // ---- messages ----
  async messages(
    room: number,
    page: { before?: number; after?: number; limit?: number } = {},
  ): Promise<{ messages: Message[]; has_more: boolean }> {
    const qs = new URLSearchParams();
    if (page.before != null) qs.set('before', String(page.before));
    if (page.after != null) qs.set('after', String(page.after));
    qs.set('limit', String(page.limit ?? 50));
    return this.request('GET', `/api/rooms/${room}/messages?${qs}`);
  }
  async post(room: number, input: SendInput): Promise<Message> {
    return (await this.request<{ message: Message }>('POST', `/api/rooms/${room}/messages`, input)).message;
  }
  async edit(room: number, seq: number, body: string): Promise<Message> {
    return (await this.request<{ message: Message }>('PATCH', `/api/rooms/${room}/messages/${seq}`, { body })).message;
  }
  async remove(room: number, seq: number): Promise<Message> {
    return (await this.request<{ message: Message }>('DELETE', `/api/rooms/${room}/messages/${seq}`)).message;
  }
  async read(room: number, seq: number): Promise<number> {
    return (await this.request<{ read_seq: number }>('POST', `/api/rooms/${room}/read`, { seq })).read_seq;
  }
  /** Both lists' first pages, or with `list` and `cursor` the next page of that list. */
  async readers(
    room: number,
    seq: number,
    page: { list?: 'read' | 'unread'; cursor?: string; limit?: number } = {},
  ): Promise<ReadersPage> {
    const qs = new URLSearchParams({ limit: String(page.limit ?? 100) });
    if (page.list) qs.set('list', page.list);
    if (page.cursor) qs.set('cursor', page.cursor);
    return this.request('GET', `/api/rooms/${room}/messages/${seq}/readers?${qs}`);
  }
}
