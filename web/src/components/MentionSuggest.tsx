// The @mention candidate list under the composer (a listbox driven from the textarea).
import type { User } from '../api/types';
import { t } from '../i18n';
import { Avatar } from './Avatar';

export interface Candidate {
  id: number;
  name: string;
  user?: User;
  all?: boolean;
}

export function MentionSuggest({
  items,
  active,
  onPick,
}: {
  items: Candidate[];
  active: number;
  onPick: (c: Candidate) => void;
}) {
  return (
    <ul class="mention-list" id="mention-list" role="listbox" aria-label={t('mentionSuggestions')}>
      {items.map((c, i) => (
        <li
          key={c.all ? 'all' : c.id}
          id={'mention-opt-' + i}
          role="option"
          aria-selected={i === active}
          class={i === active ? 'active' : ''}
          onMouseDown={(e) => {
            e.preventDefault(); // keep the focus in the textarea
            onPick(c);
          }}
        >
          {c.all ? (
            <>
              <span class="avatar avatar-all" aria-hidden="true">
                @
              </span>
              <span class="person-text">
                <span class="person-name">@all（{t('mentionAll')}）</span>
                <span class="person-sub">{t('mentionAllHint')}</span>
              </span>
            </>
          ) : (
            <>
              <Avatar name={c.name} id={c.id} size={28} />
              <span class="person-text">
                <span class="person-name">{c.name}</span>
                <span class="person-sub">
                  {c.user?.reading}
                  {c.user?.department ? ` · ${c.user.department.name}` : ''}
                </span>
              </span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
