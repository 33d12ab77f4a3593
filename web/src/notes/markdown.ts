// The safe Markdown subset of notes (docs/api.md "Notes"), parsed to a small tree that
// Markdown.tsx turns into Preact elements: never HTML, so nothing a note says can run.
// Written here rather than taken from npm: markdown-it or marked weigh 30-100 KB minified and
// would still need their tokens mapped to elements; this subset is ~4 KB and every rule is ours.
//
// Blocks: ATX headings, paragraphs (a newline is a line break), ``` / ~~~ code blocks, bullet
// and numbered lists (nested by indentation), checklists `- [ ]` / `- [x]`, GFM pipe tables,
// block quotes, horizontal rules. Inlines: **bold**, *italic*, `code`, [links](url), <url> and
// bare http(s) URLs, backslash escapes. Links keep only absolute http, https and mailto
// targets; any other link is shown as the text it was written as. Raw HTML is text.
// Every loop is linear or bounded, and nesting stops at MAX_DEPTH (deeper is plain text), so a
// 30,000-character hostile body parses in milliseconds and renders without deep recursion.

export type Inline =
  | string
  | { t: 'strong' | 'em'; c: Inline[] }
  | { t: 'code'; text: string }
  | { t: 'a'; href: string; c: Inline[] }
  | { t: 'br' };

export type Align = '' | 'left' | 'center' | 'right';

export interface Item {
  /** A checklist item: checked or not; null: a plain item. */
  check: boolean | null;
  c: Block[];
}

export type Block =
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'p'; c: Inline[] }
  | { t: 'pre'; text: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'list'; ordered: boolean; start: number; items: Item[] }
  | { t: 'hr' }
  | { t: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] };

/** Lists and quotes nested deeper than this, and emphasis inside emphasis, become plain text. */
export const MAX_DEPTH = 8;
const MAX_URL = 2048;
const ALLOWED = new Set(['http:', 'https:', 'mailto:']);

/** The absolute http, https or mailto URL `raw` stands for, or null for any other target. */
export function safeHref(raw: string): string | null {
  try {
    const u = new URL(raw.trim());
    return ALLOWED.has(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

export function parse(src: string): Block[] {
  return blocks(src.replace(/\r\n?/g, '\n').split('\n'), 0);
}

// ---- blocks --------------------------------------------------------------------------------

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
// A backtick fence's info string has no backtick (```a``` at a line's start is inline code).
const FENCE = /^( {0,3})(`{3,}(?=[^`]*$)|~{3,})/;
const QUOTE = /^ {0,3}> ?/;
const BULLET = /^( *)([-*+])([ \t]+|$)/;
const ORDERED = /^( *)(\d{1,9})([.)])([ \t]+|$)/;
const TABLE_DELIM = /^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/;

const blank = (l: string) => !l.trim();
const indentOf = (l: string) => l.length - l.trimStart().length;

/**
 * A line that starts a block other than a paragraph, so ends one. A numbered list must start
 * at 1 to do so (as in CommonMark): "2024. 4. 1 実施" goes on a paragraph.
 */
function startsBlock(l: string): boolean {
  const m = listMarker(l);
  return HEADING.test(l) || HR.test(l) || FENCE.test(l) || QUOTE.test(l) || (!!m && (!m.ordered || m.start === 1));
}

interface Marker {
  indent: number;
  /** The column where the item's text starts. */
  content: number;
  ordered: boolean;
  start: number;
  /** The bullet or delimiter: a different one starts a new list. */
  kind: string;
}

function listMarker(l: string): Marker | null {
  let m = BULLET.exec(l);
  if (m) {
    if (HR.test(l)) return null;
    return { indent: m[1].length, content: m[0].length, ordered: false, start: 1, kind: m[2] };
  }
  m = ORDERED.exec(l);
  if (m) return { indent: m[1].length, content: m[0].length, ordered: true, start: Number(m[2]), kind: m[3] };
  return null;
}

function blocks(lines: string[], depth: number): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (blank(l)) {
      i++;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = FENCE.exec(l))) {
      const fence = m[2];
      const strip = m[1].length;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const c = lines[i].trimStart();
        if (c.startsWith(fence) && !c.slice(fence.length).trim() && indentOf(lines[i]) < 4) {
          i++;
          break;
        }
        body.push(lines[i].slice(Math.min(strip, indentOf(lines[i]))));
        i++;
      }
      out.push({ t: 'pre', text: body.join('\n') });
      continue;
    }
    if ((m = HEADING.exec(l))) {
      out.push({ t: 'h', level: m[1].length, c: inlines(m[2] ?? '') });
      i++;
      continue;
    }
    if (HR.test(l)) {
      out.push({ t: 'hr' });
      i++;
      continue;
    }
    if (depth < MAX_DEPTH && QUOTE.test(l)) {
      const inner: string[] = [];
      // The quote goes on over quoted lines and lazy continuation lines of its paragraph.
      while (i < lines.length && !blank(lines[i]) && (QUOTE.test(lines[i]) || !startsBlock(lines[i]))) {
        inner.push(lines[i].replace(QUOTE, ''));
        i++;
      }
      out.push({ t: 'quote', c: blocks(inner, depth + 1) });
      continue;
    }
    const marker = depth < MAX_DEPTH ? listMarker(l) : null;
    if (marker) {
      i = list(lines, i, marker, depth, out);
      continue;
    }
    if (tableAt(lines, i)) {
      const t = table(lines, i);
      out.push(t.block);
      i = t.next;
      continue;
    }
    const para: string[] = [l.trim()];
    i++;
    while (i < lines.length && !blank(lines[i]) && !startsBlock(lines[i]) && !tableAt(lines, i)) para.push(lines[i++].trim());
    out.push({ t: 'p', c: inlines(para.join('\n')) });
  }
  return out;
}

/**
 * The list starting at lines[i]: its items, each the lines indented past its marker (and lazy
 * continuation lines of its text), parsed as blocks one level deeper. Returns the next line.
 */
function list(lines: string[], i: number, first: Marker, depth: number, out: Block[]): number {
  const items: Item[] = [];
  let m: Marker | null = first;
  while (m && m.indent === first.indent && m.ordered === first.ordered && m.kind === first.kind) {
    const body = [lines[i].slice(m.content)];
    i++;
    while (i < lines.length) {
      const l = lines[i];
      if (blank(l)) {
        // A blank line ends the item unless what follows is indented past the marker.
        let j = i + 1;
        while (j < lines.length && blank(lines[j])) j++;
        if (j < lines.length && indentOf(lines[j]) > m.indent) {
          while (i < j) body.push(lines[i++]);
          continue;
        }
        break;
      }
      if (indentOf(l) > m.indent) body.push(l.slice(Math.min(indentOf(l), m.content)));
      else if (!startsBlock(l) && !listMarker(l) && !blank(body[body.length - 1])) body.push(l);
      else break;
      i++;
    }
    let check: boolean | null = null;
    const task = /^\[([ xX])\](?:[ \t]+|$)/.exec(body[0]);
    if (task) {
      check = task[1] !== ' ';
      body[0] = body[0].slice(task[0].length);
    }
    items.push({ check, c: blocks(body, depth + 1) });
    m = i < lines.length ? listMarker(lines[i]) : null;
  }
  out.push({ t: 'list', ordered: first.ordered, start: first.start, items });
  return i;
}

const tableAt = (lines: string[], i: number) =>
  i + 1 < lines.length && lines[i].includes('|') && TABLE_DELIM.test(lines[i + 1]) && cells(lines[i]).length === cells(lines[i + 1]).length;

/** Splits a table row at unescaped pipes outside code spans. */
function cells(row: string): string[] {
  let s = row.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const out: string[] = [];
  let cur = '';
  let tick = false;
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (ch === '\\' && s[k + 1] === '|') {
      cur += '|';
      k++;
    } else if (ch === '`') {
      tick = !tick;
      cur += ch;
    } else if (ch === '|' && !tick) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** The table at lines[i] (tableAt() said there is one). */
function table(lines: string[], i: number): { block: Block; next: number } {
  const head = cells(lines[i]);
  const delim = cells(lines[i + 1]);
  const align = delim.map((d): Align => {
    const l = d.startsWith(':');
    const r = d.endsWith(':');
    return l && r ? 'center' : r ? 'right' : l ? 'left' : '';
  });
  const rows: Inline[][][] = [];
  let j = i + 2;
  while (j < lines.length && !blank(lines[j]) && !startsBlock(lines[j])) {
    const row = cells(lines[j]);
    // Rows keep the header's width: missing cells are empty, extra ones are dropped.
    rows.push(head.map((_, k) => inlines(row[k] ?? '')));
    j++;
  }
  return { block: { t: 'table', align, head: head.map((c) => inlines(c)), rows }, next: j };
}

// ---- inlines -------------------------------------------------------------------------------

const PUNCT = /[!-/:-@[-`{-~]/;
const URL_CHARS = /[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;
const TRAILING = /[.,:;!?'"\]]+$/;

/** A run of * or _ that may open or close emphasis. */
interface Delim {
  ch: string;
  len: number;
  open: boolean;
  close: boolean;
}

type Node = Inline | Delim;
const isDelim = (n: Node): n is Delim => typeof n === 'object' && 'ch' in n;

/**
 * Parses text into inlines (links: false inside a link's text). Emphasis follows a simplified CommonMark delimiter rule: a run of
 * * or _ opens if not followed by white space and closes if not preceded by it (_ also not
 * inside an ASCII word), and a closer pairs with the nearest opener of its character, which
 * keeps Japanese emphasis (**「重要」**です) working and the pairing linear.
 */
export function inlines(src: string, links = true): Inline[] {
  const nodes: Node[] = [];
  let text = '';
  const flush = () => {
    if (text) nodes.push(text);
    text = '';
  };
  // Backtick runs by length, each with the index of the first one not yet passed: finding a
  // code span's closing run stays linear.
  const ticks = new Map<number, { at: number[]; k: number }>();
  for (const m of src.matchAll(/`+/g)) {
    const runs = ticks.get(m[0].length) ?? { at: [], k: 0 };
    runs.at.push(m.index!);
    ticks.set(m[0].length, runs);
  }
  const plain = /[^\\\n`[<hH*_]+/y;
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    plain.lastIndex = i;
    if (plain.test(src)) {
      text += src.slice(i, plain.lastIndex);
      i = plain.lastIndex;
    } else if (ch === '\\' && i + 1 < src.length && PUNCT.test(src[i + 1])) {
      text += src[i + 1];
      i += 2;
    } else if (ch === '\n') {
      flush();
      nodes.push({ t: 'br' });
      i++;
    } else if (ch === '`') {
      let n = 1;
      while (src[i + n] === '`') n++;
      const runs = ticks.get(n)!;
      while (runs.k < runs.at.length && runs.at[runs.k] <= i) runs.k++;
      const end = runs.k < runs.at.length ? runs.at[runs.k++] : -1;
      if (end < 0) {
        text += src.slice(i, i + n);
        i += n;
        continue;
      }
      flush();
      let code = src.slice(i + n, end).replace(/\n/g, ' ');
      if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim()) code = code.slice(1, -1);
      nodes.push({ t: 'code', text: code });
      i = end + n;
    } else if (ch === '[' && links) {
      const link = linkAt(src, i);
      if (link) {
        flush();
        nodes.push(link.node);
        i = link.next;
      } else {
        text += ch;
        i++;
      }
    } else if (ch === '<' && links) {
      const m = /^<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/.exec(src.slice(i, i + MAX_URL));
      const href = m && safeHref(m[1]);
      if (m && href) {
        flush();
        nodes.push({ t: 'a', href, c: [m[1]] });
        i += m[0].length;
      } else {
        text += ch;
        i++;
      }
    } else if ((ch === 'h' || ch === 'H') && links && !/[A-Za-z0-9]/.test(src[i - 1] ?? '') && /^https?:\/\//i.test(src.slice(i, i + 8))) {
      let j = i;
      while (j < src.length && j - i < MAX_URL && URL_CHARS.test(src[j])) j++;
      // Punctuation ends it, and so does a closing parenthesis that it did not open:
      // (https://x.jp/a_(b)).
      let url = src.slice(i, j);
      for (let prev = ''; prev !== url; ) {
        prev = url;
        url = url.replace(TRAILING, '');
        if (url.endsWith(')') && url.split('(').length < url.split(')').length) url = url.slice(0, -1);
      }
      const href = safeHref(url);
      if (href && url.length > 8) {
        flush();
        nodes.push({ t: 'a', href, c: [url] });
        i += url.length;
      } else {
        text += ch;
        i++;
      }
    } else if (ch === '*' || ch === '_') {
      let n = 1;
      while (src[i + n] === ch) n++;
      const before = src[i - 1] ?? ' ';
      const after = src[i + n] ?? ' ';
      const word = /[A-Za-z0-9]/;
      let open = !/\s/.test(after);
      let close = !/\s/.test(before);
      if (ch === '_') {
        open &&= !word.test(before);
        close &&= !word.test(after);
      }
      flush();
      if (open || close) nodes.push({ ch, len: n, open, close });
      else nodes.push(src.slice(i, i + n));
      i += n;
    } else {
      text += ch;
      i++;
    }
  }
  flush();
  return emphasis(nodes);
}

/** [text](url "title"): the link, or null when `[` does not start one. */
function linkAt(src: string, i: number): { node: Inline; next: number } | null {
  // The text may not contain brackets: each [ looks only as far as the next bracket.
  let j = i + 1;
  while (j < src.length && src[j] !== ']' && src[j] !== '[') j += src[j] === '\\' ? 2 : 1;
  if (src[j] !== ']' || src[j + 1] !== '(') return null;
  const m = /^\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+"[^"\n]*")?\s*\)/.exec(src.slice(j + 1, j + 1 + MAX_URL));
  if (!m) return null;
  const url = m[1].startsWith('<') ? m[1].slice(1, -1) : m[1];
  const next = j + 1 + m[0].length;
  const href = safeHref(url);
  // Not an allowed target: the whole link stays the text it was written as.
  if (!href) return { node: src.slice(i, next), next };
  const label = inlines(src.slice(i + 1, j), false);
  return { node: { t: 'a', href, c: label.length ? label : [url] }, next };
}

interface Opener {
  /** The index in `out` of the run's text. */
  at: number;
  ch: string;
  len: number;
  /** The deepest level of what follows it in `out` up to the next opener (then: to the end). */
  deepest: number;
}

/**
 * Pairs the delimiter runs into strong and em nodes (see inlines()). `out` is the result so
 * far; `stack` the runs that may still open. A pair wraps everything after its opener's text;
 * openers inside it are left as plain text, so each element is wrapped at most MAX_DEPTH times.
 */
function emphasis(nodes: Node[]): Inline[] {
  const out: Inline[] = [];
  const stack: Opener[] = [];
  const open = { '*': 0, _: 0 } as Record<string, number>;
  const top = () => stack[stack.length - 1];
  const cut = (len: number) => {
    while (stack.length > len) {
      const o = stack.pop()!;
      open[o.ch]--;
      if (stack.length) top().deepest = Math.max(top().deepest, o.deepest);
    }
  };
  // `level`: how deep the pushed node's emphasis nests (only pairs made here nest).
  const push = (n: Inline, level = 0) => {
    out.push(n);
    if (stack.length) top().deepest = Math.max(top().deepest, level);
  };
  for (const n of nodes) {
    if (!isDelim(n)) {
      push(n);
      continue;
    }
    let left = n.len;
    while (n.close && left > 0 && open[n.ch] > 0) {
      let s = stack.length - 1;
      while (stack[s].ch !== n.ch) s--;
      cut(s + 1);
      const o = stack[s];
      if (o.deepest >= MAX_DEPTH) {
        cut(s);
        break;
      }
      const use = o.len >= 2 && left >= 2 ? 2 : 1;
      const node: Inline = { t: use === 2 ? 'strong' : 'em', c: merge(out.splice(o.at + 1)) };
      const level = o.deepest + 1;
      o.len -= use;
      left -= use;
      out[o.at] = n.ch.repeat(o.len);
      o.deepest = 0;
      push(node, level);
      if (o.len === 0) cut(s);
    }
    if (!left) continue;
    push(n.ch.repeat(left));
    if (n.open) {
      stack.push({ at: out.length - 1, ch: n.ch, len: left, deepest: 0 });
      open[n.ch]++;
    }
  }
  return merge(out);
}

/** Joins adjacent strings and drops empty ones. */
function merge(list: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const n of list) {
    if (n === '') continue;
    if (typeof n === 'string' && typeof out[out.length - 1] === 'string') out[out.length - 1] += n;
    else out.push(n);
  }
  return out;
}
