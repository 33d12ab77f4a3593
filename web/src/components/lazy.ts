// Dialogs, the image viewer and the attachment tray: used now and then, so not part of the
// initial load.
import {
  loadActionTexts,
  loadCollabTexts,
  loadFileTexts,
  loadLoginTexts,
  loadNoteTexts,
  loadRoomTexts,
  loadSafetyTexts,
  loadSearchTexts,
} from '../i18n';
import { store } from '../state/app';
import { lazy } from '../util/lazy';

// The login page: a session lasts 30 days, so most loads never show it.
export const Login = lazy(() => Promise.all([import('./Login'), loadLoginTexts()]).then(([m]) => m.Login));
// The one-time offer to turn on notifications.
export const NotifyHint = lazy(() => import('./NotifyHint').then((m) => m.NotifyHint));
export const SettingsDialog = lazy(() => import('./SettingsDialog').then((m) => m.SettingsDialog));
export const ConfirmDialog = lazy(() => import('./ConfirmDialog').then((m) => m.ConfirmDialog));
// These two show texts of i18n/ja-files.ts: they come with them.
export const Viewer = lazy(() => Promise.all([import('./Viewer'), loadFileTexts()]).then(([m]) => m.Viewer));
export const AttachmentTray = lazy(() =>
  Promise.all([import('./AttachmentTray'), loadFileTexts()]).then(([m]) => m.AttachmentTray),
);

// Rooms and people (rules, roles, system messages, details, profiles, pickers, readers):
// with the room texts (i18n/ja-rooms.ts).
const withRoomTexts = <M>(module: Promise<M>) => Promise.all([module, loadRoomTexts()]).then(([m]) => m);
export const NewChatDialog = lazy(() => withRoomTexts(import('./NewChatDialog')).then((m) => m.NewChatDialog));
export const AddMembersDialog = lazy(() => withRoomTexts(import('./AddMembersDialog')).then((m) => m.AddMembersDialog));
export const ReadersDialog = lazy(() => withRoomTexts(import('./ReadersDialog')).then((m) => m.ReadersDialog));
const notes = () => withRoomTexts(import('./RoomNotes'));
export const SystemText = lazy(() => notes().then((m) => m.SystemText));
export const SystemNoticeText = lazy(() => notes().then((m) => m.SystemNoticeText));
export const RoomSub = lazy(() => notes().then((m) => m.RoomSub));
export const DisabledMark = lazy(() => notes().then((m) => m.DisabledMark));
export const PostingClosed = lazy(() => notes().then((m) => m.PostingClosed));
export const DetailsPanel = lazy(() => withRoomTexts(import('./DetailsPanel')).then((m) => m.DetailsPanel));
export const ProfileView = lazy(() => withRoomTexts(import('./ProfileView')).then((m) => m.ProfileView));
export const RoomSettingsDialog = lazy(() => withRoomTexts(import('./RoomSettingsDialog')).then((m) => m.RoomSettingsDialog));
// Notes (notes/: the list, the note, the editor, the Markdown renderer), with their texts.
export const NotesPanel = lazy(() =>
  Promise.all([withRoomTexts(import('../notes/NotesPanel')), loadNoteTexts()]).then(([m]) => m.NotesPanel),
);

// Full-text search (search/: the view, its state, opening a result), with its texts and
// rooms.css (its panel head; RoomNotes brings it).
export const SearchView = lazy(() =>
  Promise.all([import('../search/SearchView'), loadSearchTexts(), notes()]).then(([m]) => m.SearchView),
);

// Stamps, reactions and pins (with the texts of i18n/ja-collab.ts), one chunk: a timeline
// shows stamps and reactions as soon as it loads.
const collab = () => Promise.all([import('./collab'), loadCollabTexts()]).then(([m]) => m);
export const StampImg = lazy(() => collab().then((m) => m.StampImg));
export const Reactions = lazy(() => collab().then((m) => m.Reactions));
export const StampPicker = lazy(() => collab().then((m) => m.StampPicker));
export const ReactionPicker = lazy(() => collab().then((m) => m.ReactionPicker));
export const PinnedBar = lazy(() => collab().then((m) => m.PinnedBar));

// Action stamps (the card in the timeline, the creation dialog): one chunk, with their
// texts (i18n/ja-actions.ts) and the room texts (the people in their results).
const actions = () =>
  Promise.all([import('./ActionStamps'), loadActionTexts(), loadRoomTexts()]).then(([m]) => m);
export const ActionCard = lazy(() => actions().then((m) => m.ActionCard));
export const ActionDialog = lazy(() => actions().then((m) => m.ActionDialog));
// 確認必須: the card of such a message (m), or the composer's toggle (on, onToggle): one
// wrapper for both, the initial load being tight.
export const Ack = lazy(() => actions().then((m) => m.Ack));

// 安否確認 (safety/): the banner and its answer sheet, shown once a check is open (the
// state is in state/safety.ts); the managers' list and dashboard, with the room texts.
const safety = () => Promise.all([import('../safety/Safety'), loadSafetyTexts(), loadRoomTexts()]).then(([m]) => m);
export const SafetyBanner = lazy(() => safety().then((m) => m.SafetyBanner));
export const SafetyView = lazy(() => safety().then((m) => m.SafetyView));
// A restricted account in the Internet zone: only this screen (state/store.ts startApp).
export const AnswerOnly = lazy(() => safety().then((m) => m.AnswerOnly));

/**
 * Answers of `user` still queued from an earlier page (safety/queue.ts) go now, even with no
 * check open any more: a refusal (the check closed meanwhile) is then said, and dropped.
 */
export function sendQueuedAnswers(user: number): void {
  if (store.hub.env.storage?.getItem('tonari.safetyAnswers.' + user)) void safety().then((m) => m.answers());
}

/** Fetch them once the app is idle, so opening one is instant even on a slow line. */
export function preloadDialogs(): void {
  // The room notes at once: a timeline may show system messages as soon as it loads.
  SystemText.preload();
  StampImg.preload();
  const run = () => {
    [
      NewChatDialog,
      SettingsDialog,
      AddMembersDialog,
      ReadersDialog,
      ConfirmDialog,
      Viewer,
      AttachmentTray,
      DetailsPanel,
      ProfileView,
      RoomSettingsDialog,
      ActionCard,
      NotesPanel,
      SearchView,
    ].forEach((c) => c.preload());
    store.attachments.load().catch(() => {});
  };
  const w = window as Window & { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number };
  if (w.requestIdleCallback) w.requestIdleCallback(run, { timeout: 5000 });
  else setTimeout(run, 2000);
}
