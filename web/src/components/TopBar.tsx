import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { store } from '../state/app';
import { isSafetyManager } from '../state/safety';
import { useStore } from '../state/useStore';
import { Avatar } from './Avatar';
import { Icon } from './Icon';

export function TopBar({ onSettings }: { onSettings: () => void }) {
  const me = useStore((s) => s.me);
  const tenant = useStore((s) => s.tenant);
  const conn = useStore((s) => s.conn);
  const lang = useStore((s) => s.settings.lang);
  const [open, setOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  const btnRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const first = menuRef.current?.querySelector<HTMLElement>('[role=menuitem]');
    first?.focus();
    const onDown = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node) && !btnRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    btnRef.current?.focus();
  };

  const onMenuKey = (e: KeyboardEvent) => {
    const items = Array.from(menuRef.current!.querySelectorAll<HTMLElement>('[role=menuitem]'));
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      items[(i + 1) % items.length].focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length].focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  if (!me) return null;
  return (
    <header class="topbar">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true">
          隣
        </span>
        <span class="brand-name">{t('appName')}</span>
        {tenant && <span class="tenant">{tenant.name}</span>}
      </div>
      <span class={'conn-dot conn-' + conn} title={conn === 'live' ? t('connLive') : t('connReconnecting')}>
        <span class="sr-only">{conn === 'live' ? t('connLive') : t('connReconnecting')}</span>
      </span>
      <div class="menu-wrap">
        <button
          ref={btnRef}
          type="button"
          class="user-btn"
          aria-haspopup="menu"
          aria-expanded={open}
          aria-controls="user-menu"
          onClick={() => setOpen(!open)}
        >
          <Avatar name={me.name} id={me.id} size={30} />
          <span class="user-name">{me.name}</span>
          <span class="sr-only">{t('accountMenu')}</span>
          <Icon name="down" size={16} />
        </button>
        {open && (
          <div ref={menuRef} id="user-menu" class="menu" role="menu" aria-label={t('menu')} onKeyDown={onMenuKey}>
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false);
                store.navigate({ room: store.state.route.room, panel: { user: me.id } });
              }}
            >
              <Icon name="user" size={18} /> {t('myProfile')}
            </button>
            {isSafetyManager(me) && (
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setOpen(false);
                  store.navigate({ room: null, panel: 'safety' });
                }}
              >
                <Icon name="check" size={18} /> {t('safety')}
              </button>
            )}
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false);
                onSettings();
              }}
            >
              <Icon name="gear" size={18} /> {t('settings')}
            </button>
            <button
              type="button"
              role="menuitem"
              lang={lang === 'ja' ? 'en' : 'ja'}
              onClick={() => {
                setOpen(false);
                store.updateSettings({ lang: lang === 'ja' ? 'en' : 'ja' });
              }}
            >
              <span class="menu-icon-text" aria-hidden="true">
                A/あ
              </span>{' '}
              {lang === 'ja' ? 'English' : '日本語'}
            </button>
            <button type="button" role="menuitem" onClick={() => store.logout()}>
              <Icon name="logout" size={18} /> {t('logout')}
            </button>
          </div>
        )}
      </div>
    </header>
  );
}
