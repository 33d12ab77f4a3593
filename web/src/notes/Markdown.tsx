// A note's body as Preact elements, from the tree of markdown.ts. Only the elements below are
// ever made (ALLOWED_TAGS, checked by markdown.test.ts), text always as text nodes, links only
// to the http/https/mailto URLs markdown.ts let through, opened in a new tab without opener.
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { t } from '../i18n';
import { parse, type Block, type Inline } from './markdown';

export const ALLOWED_TAGS = new Set([
  'div', 'p', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 'code', 'pre', 'ul', 'ol', 'li', 'span',
  'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'blockquote', 'hr', 'br',
]);

function inline(n: Inline, k: number): ComponentChildren {
  if (typeof n === 'string') return n;
  switch (n.t) {
    case 'strong':
      return <strong key={k}>{n.c.map(inline)}</strong>;
    case 'em':
      return <em key={k}>{n.c.map(inline)}</em>;
    case 'code':
      return <code key={k}>{n.text}</code>;
    case 'br':
      return <br key={k} />;
    case 'a':
      return (
        <a key={k} href={n.href} target="_blank" rel="noopener noreferrer">
          {n.c.map(inline)}
        </a>
      );
  }
}

// The note's title is the page's h2: Markdown's # is h3, and ### and below are all h6.
const HEADINGS = ['h3', 'h4', 'h5', 'h6'] as const;

function block(b: Block, k: number): ComponentChildren {
  switch (b.t) {
    case 'h': {
      const H = HEADINGS[Math.min(b.level, 4) - 1];
      return <H key={k}>{b.c.map(inline)}</H>;
    }
    case 'p':
      return <p key={k}>{b.c.map(inline)}</p>;
    case 'pre':
      return (
        <pre key={k}>
          <code>{b.text}</code>
        </pre>
      );
    case 'quote':
      return <blockquote key={k}>{b.c.map(block)}</blockquote>;
    case 'hr':
      return <hr key={k} />;
    case 'list': {
      const items = b.items.map((it, j) => (
        <li key={j} class={it.check === null ? undefined : 'md-task'}>
          {it.check !== null && (
            <span
              class={'md-check' + (it.check ? ' is-on' : '')}
              role="img"
              aria-label={t(it.check ? 'noteChecked' : 'noteUnchecked')}
            />
          )}
          {it.c.map(block)}
        </li>
      ));
      return b.ordered ? (
        <ol key={k} start={b.start === 1 ? undefined : b.start}>
          {items}
        </ol>
      ) : (
        <ul key={k}>{items}</ul>
      );
    }
    case 'table':
      // Wide tables scroll sideways in their own box, not the page (phones).
      return (
        <div key={k} class="md-table">
          <table>
            <thead>
              <tr>
                {b.head.map((c, j) => (
                  <th key={j} scope="col" class={b.align[j] ? 'al-' + b.align[j] : undefined}>
                    {c.map(inline)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j} class={b.align[j] ? 'al-' + b.align[j] : undefined}>
                      {c.map(inline)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

/** The elements of a parsed body (also for tests, which walk them without a DOM). */
export function renderBlocks(blocks: Block[]): ComponentChildren {
  return blocks.map(block);
}

export function Markdown({ src }: { src: string }) {
  const body = useMemo(() => renderBlocks(parse(src)), [src]);
  return <div class="md">{body}</div>;
}
