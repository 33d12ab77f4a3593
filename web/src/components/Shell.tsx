// The logged-in layout. PC: room list | timeline | details. Phone (≤ 480 px): one pane at a
// time, chosen by the route, with back navigation. The panes are the page's main landmark
// (on a phone the room list is all there is to see).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { useStore } from '../state/useStore';
import { ConnectionBanner } from './ConnectionBanner';
import { ConfirmHost } from './confirm';
import { onShortcut } from '../state/searchBridge';
import { DetailsPanel, NewChatDialog, NotesPanel, preloadDialogs, ProfileView, SafetyBanner, SafetyView, SearchView, sendQueuedAnswers, SettingsDialog } from './lazy';
import { RoomList } from './RoomList';
import { RoomView } from './RoomView';
import { Toast } from './Toast';
import { TopBar } from './TopBar';

export function Shell() {
  const route = useStore((s) => s.route);
  const checks = useStore((s) => s.safety.length);
  const me = useStore((s) => s.me?.id ?? 0);
  const [dialog, setDialog] = useState<null | 'new' | 'settings'>(null);
  const panel = route.panel;
  // 安否確認's list (0) or a check's dashboard: the room's place.
  const safety = panel === 'safety' ? 0 : panel && typeof panel === 'object' && 'safety' in panel ? panel.safety : null;
  const pane = route.room === null && panel === null ? 'list' : panel === null || safety !== null ? 'room' : 'details';
  const profile = panel && typeof panel === 'object' && 'user' in panel ? panel.user : null;
  // The room's notes, maybe with one of them open (notes/NotesPanel.tsx).
  const note = panel && typeof panel === 'object' && 'note' in panel ? panel.note : null;
  const notes = panel === 'notes' || note !== null;
  const search = panel === 'search';
  useEffect(preloadDialogs, []);
  useEffect(() => {
    if (me) sendQueuedAnswers(me);
  }, [me]);
  // `/` and Ctrl+K / ⌘K go to the search box.
  useEffect(() => {
    document.addEventListener('keydown', onShortcut);
    return () => document.removeEventListener('keydown', onShortcut);
  }, []);
  // Files dropped beside the room (which attaches them) must not make the browser open them
  // in place of the app.
  useEffect(() => {
    const keep = (e: DragEvent) => {
      if (e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', keep);
    window.addEventListener('drop', keep);
    return () => {
      window.removeEventListener('dragover', keep);
      window.removeEventListener('drop', keep);
    };
  }, []);

  return (
    <div class="app" data-pane={pane} data-panel={panel && safety === null ? 'open' : 'closed'}>
      <a class="skip-link" href="#main">
        {t('skipToMain')}
      </a>
      <TopBar onSettings={() => setDialog('settings')} />
      {checks > 0 && <SafetyBanner />}
      <ConnectionBanner />
      <main class="panes">
        <nav class="pane pane-list" aria-label={t('roomList')}>
          <RoomList onNew={() => setDialog('new')} />
        </nav>
        <div class="pane pane-room" id="main" tabIndex={-1}>
          {route.room !== null ? (
            <RoomView key={route.room} room={route.room} />
          ) : safety !== null ? (
            <SafetyView id={safety} />
          ) : (
            <div class="empty-state">
              <span class="brand-mark brand-mark-large" aria-hidden="true">
                隣
              </span>
              <p>{t('selectRoom')}</p>
            </div>
          )}
        </div>
        {(route.room !== null || profile !== null || search) && (
          <aside class="pane pane-details" aria-label={profile !== null ? t('profile') : t(search ? 'filterRooms' : notes ? 'notes' : 'detailsTitle')}>
            {search ? (
              <SearchView />
            ) : profile !== null ? (
              <ProfileView key={profile} user={profile} />
            ) : notes ? (
              <NotesPanel key={route.room!} room={route.room!} open={note} />
            ) : (
              <DetailsPanel key={route.room!} room={route.room!} />
            )}
          </aside>
        )}
      </main>
      {dialog === 'new' && <NewChatDialog onClose={() => setDialog(null)} />}
      {dialog === 'settings' && <SettingsDialog onClose={() => setDialog(null)} />}
      <Toast />
      <ConfirmHost />
    </div>
  );
}
