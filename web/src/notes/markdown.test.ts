// The notes Markdown subset: what each construct parses to, and that hostile bodies render
// to nothing but the allowed elements, text and http/https/mailto links (walked as VNodes).
import type { VNode } from 'preact';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNoteTexts } from '../i18n';
import { cpuMs } from './cpuTime';
import { inlines, MAX_DEPTH, parse, safeHref } from './markdown';
import { ALLOWED_TAGS, renderBlocks } from './Markdown';

beforeAll(() => loadNoteTexts());

type Node = VNode<Record<string, unknown>> | string | number | boolean | null | undefined | Node[];
type El = VNode<Record<string, unknown>>;

function walk(n: Node, visit: (v: El, depth: number) => void, depth = 0): void {
  if (Array.isArray(n)) n.forEach((c) => walk(c, visit, depth));
  else if (n && typeof n === 'object') {
    visit(n, depth);
    walk(n.props.children as Node, visit, depth + 1);
  }
}

function text(n: Node): string {
  if (Array.isArray(n)) return n.map(text).join('');
  if (n === null || n === undefined || typeof n === 'boolean') return '';
  if (typeof n !== 'object') return String(n);
  return text(n.props.children as Node);
}

const render = (src: string) => renderBlocks(parse(src)) as Node;

/** Fails on any element, attribute or link target a note may not make. */
function assertSafe(src: string): Node {
  const out = render(src);
  const bad: string[] = [];
  walk(out, (v) => {
    if (typeof v.type !== 'string' || !ALLOWED_TAGS.has(v.type)) bad.push('element ' + String(v.type));
    for (const k of Object.keys(v.props)) if (/^on|dangerously|style|src/i.test(k)) bad.push('attribute ' + k);
    const href = v.props.href;
    if (v.type === 'a' ? !/^(https?:\/\/|mailto:)/.test(String(href)) : href !== undefined) bad.push('href ' + href);
  });
  expect(bad).toEqual([]);
  return out;
}

const tags = (n: Node) => {
  const out: string[] = [];
  walk(n, (v) => out.push(v.type as string));
  return out;
};

describe('blocks', () => {
  it('headings, paragraphs with line breaks, rules', () => {
    expect(parse('# 見出し\n本文の\n二行目\n\n---\n### 小見出し ###')).toEqual([
      { t: 'h', level: 1, c: ['見出し'] },
      { t: 'p', c: ['本文の', { t: 'br' }, '二行目'] },
      { t: 'hr' },
      { t: 'h', level: 3, c: ['小見出し'] },
    ]);
    expect(parse('#ハッシュタグ')).toEqual([{ t: 'p', c: ['#ハッシュタグ'] }]);
    expect(tags(render('# a\n## b\n###### c'))).toEqual(['h3', 'h4', 'h6']);
  });

  it('code blocks keep their text as it is', () => {
    expect(parse('```js\n<b>**x**</b>\n  y\n```\nafter')).toEqual([
      { t: 'pre', text: '<b>**x**</b>\n  y' },
      { t: 'p', c: ['after'] },
    ]);
    expect(parse('~~~\nnot closed')).toEqual([{ t: 'pre', text: 'not closed' }]);
    expect(parse('```a``` b')[0]).toEqual({ t: 'p', c: [{ t: 'code', text: 'a' }, ' b'] });
  });

  it('bullet, numbered and nested lists', () => {
    const b = parse('- 一\n- 二\n  - 二の一\n    続き\n- 三\n\n3. c\n4. d');
    expect(b).toEqual([
      {
        t: 'list',
        ordered: false,
        start: 1,
        items: [
          { check: null, c: [{ t: 'p', c: ['一'] }] },
          {
            check: null,
            c: [
              { t: 'p', c: ['二'] },
              { t: 'list', ordered: false, start: 1, items: [{ check: null, c: [{ t: 'p', c: ['二の一', { t: 'br' }, '続き'] }] }] },
            ],
          },
          { check: null, c: [{ t: 'p', c: ['三'] }] },
        ],
      },
      {
        t: 'list',
        ordered: true,
        start: 3,
        items: [
          { check: null, c: [{ t: 'p', c: ['c'] }] },
          { check: null, c: [{ t: 'p', c: ['d'] }] },
        ],
      },
    ]);
    const ol = render('3. c');
    walk(ol, (v) => v.type === 'ol' && expect(v.props.start).toBe(3));
  });

  it('only a list numbered from 1 interrupts a paragraph', () => {
    expect(parse('予定\n2024. 4. 1 実施')).toEqual([{ t: 'p', c: ['予定', { t: 'br' }, '2024. 4. 1 実施'] }]);
    expect(parse('予定\n1. 集合')[1]).toMatchObject({ t: 'list', ordered: true, start: 1 });
  });

  it('a lazy line continues the item; a blank line then indented text stays in it', () => {
    expect(parse('- a\nb\n\n  c\n\nd')).toEqual([
      {
        t: 'list',
        ordered: false,
        start: 1,
        items: [{ check: null, c: [{ t: 'p', c: ['a', { t: 'br' }, 'b'] }, { t: 'p', c: ['c'] }] }],
      },
      { t: 'p', c: ['d'] },
    ]);
  });

  it('checklists', () => {
    const b = parse('- [ ] 未\n- [x] 済\n- [X]\n- [y] 違う');
    expect(b[0].t === 'list' && b[0].items.map((i) => i.check)).toEqual([false, true, true, null]);
    const out = render('- [x] 済');
    const checks: El[] = [];
    walk(out, (v) => v.props.role === 'img' && checks.push(v));
    expect(checks.map((c) => [c.props.class, c.props['aria-label']])).toEqual([['md-check is-on', '完了']]);
    expect(text(out)).toBe('済');
  });

  it('GFM tables with alignment; rows keep the header width', () => {
    expect(parse('| 項目 | 数 |\n|:--|--:|\n| `a|b` | 1 | extra\n| x \\| y |\nafter')).toEqual([
      {
        t: 'table',
        align: ['left', 'right'],
        head: [['項目'], ['数']],
        rows: [
          [[{ t: 'code', text: 'a|b' }], ['1']],
          [['x | y'], []],
          [['after'], []],
        ],
      },
    ]);
    expect(tags(render('a|b\n-|-\n1|2'))).toEqual(['div', 'table', 'thead', 'tr', 'th', 'th', 'tbody', 'tr', 'td', 'td']);
    // A delimiter row of another width: no table.
    expect(parse('a|b\n---')[0].t).toBe('p');
  });

  it('block quotes nest and take lazy lines', () => {
    expect(parse('> 引用\n続き\n> > 二重')).toEqual([
      { t: 'quote', c: [{ t: 'p', c: ['引用', { t: 'br' }, '続き'] }, { t: 'quote', c: [{ t: 'p', c: ['二重'] }] }] },
    ]);
  });
});

describe('inlines', () => {
  it('bold, italic and code, also around Japanese punctuation', () => {
    expect(inlines('**「重要」**です、*斜体*と`a*b`')).toEqual([
      { t: 'strong', c: ['「重要」'] },
      'です、',
      { t: 'em', c: ['斜体'] },
      'と',
      { t: 'code', text: 'a*b' },
    ]);
    expect(inlines('***両方***')).toEqual([{ t: 'em', c: [{ t: 'strong', c: ['両方'] }] }]);
    expect(inlines('snake_case_name と 2 * 3 * 4')).toEqual(['snake_case_name と 2 * 3 * 4']);
    expect(inlines('__太字__ _斜体_')).toEqual([{ t: 'strong', c: ['太字'] }, ' ', { t: 'em', c: ['斜体'] }]);
    expect(inlines('\\*not\\* **open')).toEqual(['*not* **open']);
    expect(inlines('``a ` b``')).toEqual([{ t: 'code', text: 'a ` b' }]);
  });

  it('links: http, https and mailto only; the rest stays the text it was', () => {
    expect(inlines('[市のサイト](https://www.city.example.jp/ "題") と <mailto:a@example.jp>')).toEqual([
      { t: 'a', href: 'https://www.city.example.jp/', c: ['市のサイト'] },
      ' と ',
      { t: 'a', href: 'mailto:a@example.jp', c: ['mailto:a@example.jp'] },
    ]);
    expect(inlines('[x](javascript:alert(1))')).toEqual(['[x](javascript:alert(1))']);
    expect(inlines('[x](JaVaScRiPt:alert(1)) [y](data:text/html,hi) [z](/rooms/1) <javascript:alert(1)>')).toEqual([
      '[x](JaVaScRiPt:alert(1)) [y](data:text/html,hi) [z](/rooms/1) <javascript:alert(1)>',
    ]);
    expect(inlines('詳細はhttps://example.jp/a_(b)を参照。')).toEqual([
      '詳細は',
      { t: 'a', href: 'https://example.jp/a_(b)', c: ['https://example.jp/a_(b)'] },
      'を参照。',
    ]);
    expect(inlines('(https://example.jp/x).')).toEqual(['(', { t: 'a', href: 'https://example.jp/x', c: ['https://example.jp/x'] }, ').']);
    // A link's text holds no other link.
    expect(inlines('[see https://a.example](https://b.example)')).toEqual([
      { t: 'a', href: 'https://b.example/', c: ['see https://a.example'] },
    ]);
  });

  it('safeHref reads URLs as the browser does', () => {
    expect(safeHref(' java\tscript:alert(1)')).toBeNull();
    expect(safeHref('\u0001javascript:alert(1)')).toBeNull();
    expect(safeHref('vbscript:x')).toBeNull();
    expect(safeHref('file:///etc/passwd')).toBeNull();
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref('HTTPS://Example.JP/a b')).toBe('https://example.jp/a%20b');
  });
});

describe('hostile bodies', () => {
  it('raw HTML is text', () => {
    const src = '<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n<a href="javascript:alert(1)">x</a>\n<iframe src="https://evil.example">';
    const out = assertSafe(src);
    // The one link: the https URL in the text (a bare URL is a link; the tag stays text).
    expect(tags(out)).toEqual(['p', 'br', 'br', 'br', 'a']);
    expect(text(out)).toBe(src.replace(/\n/g, ''));
  });

  it('javascript: and other schemes never become links', () => {
    const out = assertSafe(
      [
        '[a](javascript:alert(1))',
        '[b](  javascript:alert(1)  )',
        '[c](<javascript:alert(1)>)',
        '[d](java&#115;cript:alert(1))',
        '[e](data:text/html;base64,PHNjcmlwdD4=)',
        '<javascript:alert(1)>',
        'javascript:alert(1)',
        '![img](https://evil.example/x.png)',
        '[f](https://ok.example/ "t")',
      ].join('\n\n'),
    );
    const links: string[] = [];
    walk(out, (v) => v.type === 'a' && links.push(String(v.props.href)));
    expect(links).toEqual(['https://evil.example/x.png', 'https://ok.example/']);
  });

  it('deeply nested lists and quotes stop nesting at MAX_DEPTH', () => {
    let src = '';
    for (let i = 0; i < 500; i++) src += ' '.repeat(i * 2) + '- level ' + i + '\n';
    let deepest = 0;
    walk(assertSafe(src), (_, d) => (deepest = Math.max(deepest, d)));
    expect(deepest).toBeLessThan(MAX_DEPTH * 4);
    walk(assertSafe('> '.repeat(5000) + 'x'), (_, d) => (deepest = Math.max(deepest, d)));
    walk(assertSafe('1. '.repeat(5000) + 'x'), (_, d) => (deepest = Math.max(deepest, d)));
    expect(deepest).toBeLessThan(MAX_DEPTH * 4);
  }, 30000);

  it('deeply nested emphasis stops at MAX_DEPTH', () => {
    let depth = 0;
    walk(assertSafe('*'.repeat(15000) + 'x' + '*'.repeat(15000)), (_, d) => (depth = Math.max(depth, d)));
    expect(depth).toBeLessThanOrEqual(MAX_DEPTH + 1);
    walk(assertSafe('*a _b '.repeat(3000) + ' c_ d*'.repeat(3000)), (_, d) => (depth = Math.max(depth, d)));
    expect(depth).toBeLessThanOrEqual(MAX_DEPTH + 1);
  }, 30000);

  it('30,000-character bodies of every shape parse quickly', () => {
    const bodies = [
      '['.repeat(30000),
      '[a]('.repeat(7500),
      '`'.repeat(30000),
      '` ``'.repeat(7500),
      '*_'.repeat(15000),
      '<'.repeat(30000),
      'https://'.repeat(3750),
      '| a '.repeat(7500) + '\n' + '|-'.repeat(7500) + '\n' + '| x '.repeat(7500),
      '- [ ] x\n'.repeat(3750),
      '> - '.repeat(7500),
      ('あいうえお**強調**と[リンク](https://example.jp/)。\n').repeat(700),
    ];
    for (const b of bodies) {
      // CPU time, not wall time: a loaded machine must not fail this (it is ~20 ms at most).
      expect(cpuMs(() => render(b.slice(0, 30000))), b.slice(0, 20)).toBeLessThan(500);
      assertSafe(b.slice(0, 30000));
    }
  }, 60000);

  it('nothing in a mixed document escapes the allowed set', () => {
    const src = [
      '# <h1 onclick="x">T</h1>',
      '- [x] <b>done</b> **[ok](https://example.jp)**',
      '| <td> | `</table>` |',
      '|---|---|',
      '| [x](javascript:1) | <style>*{}</style> |',
      '> <blockquote onmouseover=alert(1)>',
      '```html',
      '<script>alert(1)</script>',
      '```',
      '***',
      'a <br> b',
    ].join('\n');
    const out = assertSafe(src);
    expect(text(out)).toContain('<script>alert(1)</script>');
    expect(text(out)).toContain('[x](javascript:1)');
  });
});
