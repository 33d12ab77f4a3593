// @mentions in the composer and in message bodies.

export interface MentionQuery {
  /** Index of the '@'. */
  start: number;
  /** What was typed after '@' (no white space). */
  query: string;
}

const ALL_RE = /@(?:all|全員)(?=$|[\s\u3000、。,.!?！？])/i;

/** The mention being typed just before the caret, if any: "…@たな|" → {start, query: 'たな'}. */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  // Not after a letter or digit of an e-mail address (mail@example).
  const m = /(^|[^A-Za-z0-9._%+\-])[@＠]([^\s\u3000@＠]{0,20})$/.exec(before);
  if (!m) return null;
  return { start: before.length - m[2].length - 1, query: m[2] };
}

/** Replaces "@query" at `q` with "@name " and returns the new text and caret. */
export function insertMention(text: string, q: MentionQuery, caret: number, name: string): { text: string; caret: number } {
  const ins = '@' + name + ' ';
  const next = text.slice(0, q.start) + ins + text.slice(caret);
  return { text: next, caret: q.start + ins.length };
}

/** Ids of the candidates whose "@name" still occurs in `body`, and whether @all does. */
export function collectMentions(
  body: string,
  candidates: { id: number; name: string }[],
): { mentions: number[]; mention_all: boolean } {
  const ids = new Set<number>();
  for (const c of candidates) {
    if (c.name && body.includes('@' + c.name)) ids.add(c.id);
  }
  return { mentions: [...ids], mention_all: ALL_RE.test(body) };
}

export type Segment = { t: 'text' | 'mention' | 'link'; s: string };

const URL_RE = /https?:\/\/[^\s\u3000<>"'「」]+/g;

function linkify(s: string, out: Segment[]) {
  let last = 0;
  for (const m of s.matchAll(URL_RE)) {
    const i = m.index ?? 0;
    if (i > last) out.push({ t: 'text', s: s.slice(last, i) });
    out.push({ t: 'link', s: m[0] });
    last = i + m[0].length;
  }
  if (last < s.length) out.push({ t: 'text', s: s.slice(last) });
}

/**
 * Splits a body into text, mention and link segments. `names` are the display names of the
 * mentioned users (they may contain a space, "田中 太郎"); @all / @全員 are always mentions.
 */
export function splitBody(body: string, names: string[]): Segment[] {
  const tokens = ['@all', '@全員', ...names.filter(Boolean).map((n) => '@' + n)].sort((a, b) => b.length - a.length);
  const out: Segment[] = [];
  let buf = '';
  let i = 0;
  outer: while (i < body.length) {
    if (body[i] === '@') {
      for (const tok of tokens) {
        if (body.startsWith(tok, i)) {
          if (buf) linkify(buf, out);
          buf = '';
          out.push({ t: 'mention', s: tok });
          i += tok.length;
          continue outer;
        }
      }
    }
    buf += body[i];
    i++;
  }
  if (buf) linkify(buf, out);
  return out;
}
