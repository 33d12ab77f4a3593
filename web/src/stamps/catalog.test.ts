// The client's stamp catalog is the server's (src/core/stamps.cc), and every stamp's SVG is
// well-formed XML made only of shapes and its words: safe as an <img> under the CSP.
import { describe, expect, it } from 'vitest';
import serverCatalog from '../../../src/core/stamps.cc?raw';
import { findStamp, STAMPS, stampUrl } from './catalog';

const files = import.meta.glob<string>('../../public/stamps/*.svg', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const svgOf = (id: string): string | undefined => files[`../../public/stamps/${id}.svg`];

function serverStamps(): { id: string; ja: string; en: string }[] {
  const str = '"((?:[^"\\\\]|\\\\.)*)"';
  const re = new RegExp(`StampInfo\\{${str}, ${str}, ${str}\\}`, 'g');
  const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
  return [...serverCatalog.matchAll(re)].map((m) => ({ id: unescape(m[1]), ja: unescape(m[2]), en: unescape(m[3]) }));
}

// What a stamp may contain: shapes, groups and text, painted by presentation attributes.
const ELEMENTS = new Set(['svg', 'g', 'path', 'circle', 'ellipse', 'rect', 'line', 'polyline', 'polygon', 'text', 'tspan']);
const REFERENCE = /^(href|xlink:href|src|style|class)$/i;
const ENTITY = /&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

interface Checked {
  problems: string[];
  root: string;
  rootAttrs: Map<string, string>;
  /** The text of the <text> elements, in order. */
  words: string;
}

/**
 * A strict XML well-formedness check (one root, tags nested and closed, attributes quoted and
 * unique, only predefined or numeric entities, no DOCTYPE, comment, CDATA or processing
 * instruction), plus the stamp rules: allowed elements only, no event attribute, no link, no
 * style, no url() but to an element of the file itself.
 */
function check(xml: string): Checked {
  const out: Checked = { problems: [], root: '', rootAttrs: new Map(), words: '' };
  const bad = (p: string) => out.problems.push(p);
  const stack: string[] = [];
  let roots = 0;
  for (const [token] of xml.matchAll(/<[^>]*>?|[^<]+/g)) {
    if (!token.startsWith('<')) {
      if (ENTITY.test(token)) bad('bare & in text');
      if (stack.length === 0) {
        if (token.trim()) bad('text outside the root');
      } else if (stack.includes('text')) {
        out.words += token;
      } else if (token.trim()) {
        bad(`text in <${stack[stack.length - 1]}>`);
      }
      continue;
    }
    if (!token.endsWith('>')) {
      bad('unclosed tag');
      continue;
    }
    const end = /^<\/([A-Za-z][\w:.-]*)\s*>$/.exec(token);
    if (end) {
      if (stack.pop() !== end[1]) bad(`</${end[1]}> does not close the open element`);
      continue;
    }
    const start = /^<([A-Za-z][\w:.-]*)((?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>$/.exec(token);
    if (!start) {
      bad(`not an element tag: ${token.slice(0, 40)}`);
      continue;
    }
    const [, name, attrText, selfClosing] = start;
    if (!ELEMENTS.has(name)) bad(`element <${name}>`);
    const attrs = new Map<string, string>();
    for (const [, attr, dq, sq] of attrText.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      const value = dq ?? sq;
      if (!/^[A-Za-z_:][\w:.-]*$/.test(attr)) bad(`attribute name ${attr}`);
      if (attrs.has(attr)) bad(`attribute ${attr} twice`);
      if (value.includes('<') || ENTITY.test(value)) bad(`attribute ${attr}: < or bare &`);
      if (/^on/i.test(attr)) bad(`event attribute ${attr}`);
      if (REFERENCE.test(attr)) bad(`attribute ${attr}`);
      if (/url\(\s*['"]?(?!#)/i.test(value)) bad(`attribute ${attr}: url() to another file`);
      attrs.set(attr, value);
    }
    if (stack.length === 0) {
      roots++;
      out.root = name;
      out.rootAttrs = attrs;
    }
    if (!selfClosing) stack.push(name);
  }
  if (stack.length) bad(`<${stack.join('>, <')}> not closed`);
  if (roots !== 1) bad(`${roots} root elements`);
  return out;
}

describe('stamp catalog', () => {
  it('is the server catalog: same ids, order, Japanese and English words', () => {
    const server = serverStamps();
    expect(server.length).toBe(40);
    expect(STAMPS).toEqual(server);
  });

  it('finds stamps by id and points at their pictures', () => {
    expect(findStamp('shikyu')).toEqual({ id: 'shikyu', ja: '至急', en: 'Urgent' });
    expect(findStamp('nope')).toBeUndefined();
    expect(stampUrl('ryokai')).toBe('/stamps/ryokai.svg');
    expect(stampUrl('../x')).toBe('/stamps/..%2Fx.svg');
  });

  it('has one SVG per stamp and no other', () => {
    const ids = Object.keys(files).map((f) => f.replace(/^.*\/(.*)\.svg$/, '$1'));
    expect(ids.sort()).toEqual(STAMPS.map((s) => s.id).sort());
  });

  it.each(STAMPS.map((s) => [s.id, s] as const))('%s.svg is a small, safe SVG with its words', (id, stamp) => {
    const svg = svgOf(id)!;
    expect(svg.length).toBeLessThan(2048);
    const c = check(svg);
    expect(c.problems).toEqual([]);
    expect(c.root).toBe('svg');
    expect(c.rootAttrs.get('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(c.rootAttrs.get('viewBox')).toBe('0 0 120 120');
    expect(svg).not.toMatch(/<script|foreignObject|<style|<!|<\?|javascript:/i);
    expect(c.words).toBe(stamp.ja);
  });

  it('the checker refuses what a stamp must not contain', () => {
    const ok = '<svg xmlns="http://www.w3.org/2000/svg"><g><text>あ</text></g></svg>';
    expect(check(ok).problems).toEqual([]);
    for (const bad of [
      '<svg><script>alert(1)</script></svg>',
      '<svg><rect onload="x()"/></svg>',
      '<svg><image href="https://example.com/a.png"/></svg>',
      '<svg><use xlink:href="other.svg#a"/></svg>',
      '<svg><foreignObject/></svg>',
      '<svg><rect fill="url(https://example.com/p)"/></svg>',
      '<svg><rect style="fill:red"/></svg>',
      '<svg><g></svg>',
      '<svg><rect x=1/></svg>',
      '<svg><rect x="1" x="2"/></svg>',
      '<svg><text>a & b</text></svg>',
      '<!DOCTYPE svg><svg/>',
      '<svg/><svg/>',
    ]) {
      expect(check(bad).problems, bad).not.toEqual([]);
    }
  });
});
