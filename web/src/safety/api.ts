// The REST calls of 安否確認 (docs/api.md "安否確認 (safety confirmations)"). Loaded with the
// safety screens, never in the initial load.
import type { Api } from '../api/client';
import type { Safety, SafetyAnswer, SafetyAnswerRecord, SafetyQuestion, SafetyTally } from '../api/types';

const path = (id: number) => `/api/safety/${id}`;

export interface SafetyTemplate {
  key: string;
  title: string;
  training: boolean;
  questions: SafetyQuestion[];
}

/** What a manager may do with a check (GET /api/safety/{id}). */
export interface SafetyCan {
  close: boolean;
  remind: boolean;
  answer_for: boolean;
  export: boolean;
}

export interface SafetyView {
  safety: Safety;
  target: boolean;
  tally?: SafetyTally;
  scope?: number;
  can?: SafetyCan;
}

/** One target in a manager's list (五十音). */
export interface SafetyTarget {
  user: { id: number; name: string; reading: string; dept: number; dept_path: string; extension: string };
  answered_at: number;
  answered_by: number;
  proxy: boolean;
  answer: SafetyAnswer | null;
}

export interface StartInput {
  template?: string;
  title?: string;
  training?: boolean;
  scope: 'all' | { depts: number[] };
  internet_answer?: boolean;
}

export interface TargetFilter {
  state?: '' | 'answered' | 'unanswered';
  dept?: number;
  /** "status:2": whose latest answer picked option 2 of question `status`. */
  q?: string;
}

export async function templates(api: Api): Promise<SafetyTemplate[]> {
  return (await api.request<{ templates: SafetyTemplate[] }>('GET', '/api/safety/templates')).templates;
}

/** Managers' list, newest first (`before`: the `next` of the page before). */
export function listManaged(api: Api, before = 0): Promise<{ safety: Safety[]; managed?: Safety[]; next?: number | null }> {
  return api.request('GET', '/api/safety?limit=30' + (before ? '&before=' + before : ''));
}

export function getSafety(api: Api, id: number): Promise<SafetyView> {
  return api.request('GET', path(id));
}

export async function startSafety(api: Api, input: StartInput): Promise<Safety> {
  return (await api.request<{ safety: Safety }>('POST', '/api/safety', input)).safety;
}

/** Stores an answer (mine, or with `forUser` a 代理回答); the same client_id twice stores it once. */
export async function putAnswer(api: Api, id: number, clientId: string, answer: SafetyAnswer, forUser = 0): Promise<SafetyAnswerRecord> {
  const body = { client_id: clientId, answer, ...(forUser ? { for_user: forUser } : {}) };
  return (await api.request<{ answer: SafetyAnswerRecord }>('PUT', path(id) + '/answer', body)).answer;
}

/** The most rows a page of targets may have (docs/api.md, paged member lists). */
export const MAX_TARGETS = 500;

export function targets(api: Api, id: number, f: TargetFilter, cursor = '', limit = 50): Promise<{ targets: SafetyTarget[]; next: string | null }> {
  const qs = new URLSearchParams({ limit: String(limit) });
  if (f.state) qs.set('state', f.state);
  if (f.dept) qs.set('dept', String(f.dept));
  if (f.q) qs.set('q', f.q);
  if (cursor) qs.set('cursor', cursor);
  return api.request('GET', `${path(id)}/targets?${qs}`);
}

/** Reminds who has not answered (of `dept`'s subtree); how many. 429 within 5 minutes. */
export async function remind(api: Api, id: number, dept = 0): Promise<number> {
  return (await api.request<{ count: number }>('POST', path(id) + '/remind', dept ? { dept } : {})).count;
}

export async function closeSafety(api: Api, id: number): Promise<Safety> {
  return (await api.request<{ safety: Safety }>('POST', path(id) + '/close')).safety;
}

export const exportUrl = (id: number, sjis: boolean) => `${path(id)}/export.csv?encoding=${sjis ? 'shift_jis' : 'utf-8'}`;
export const printUrl = (id: number) => `${path(id)}/print`;
