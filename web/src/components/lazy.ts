// Dialogs, the image viewer and the attachment tray: used now and then, so not part of the
// initial load.
import { loadFileTexts } from '../i18n';
import { store } from '../state/app';
import { lazy } from '../util/lazy';

export const NewChatDialog = lazy(() => import('./NewChatDialog').then((m) => m.NewChatDialog));
export const SettingsDialog = lazy(() => import('./SettingsDialog').then((m) => m.SettingsDialog));
export const AddMembersDialog = lazy(() => import('./AddMembersDialog').then((m) => m.AddMembersDialog));
export const ReadersDialog = lazy(() => import('./ReadersDialog').then((m) => m.ReadersDialog));
export const ConfirmDialog = lazy(() => import('./ConfirmDialog').then((m) => m.ConfirmDialog));
// These two show texts of i18n/ja-files.ts: they come with them.
export const Viewer = lazy(() => Promise.all([import('./Viewer'), loadFileTexts()]).then(([m]) => m.Viewer));
export const AttachmentTray = lazy(() =>
  Promise.all([import('./AttachmentTray'), loadFileTexts()]).then(([m]) => m.AttachmentTray),
);

/** Fetch them once the app is idle, so opening one is instant even on a slow line. */
export function preloadDialogs(): void {
  const run = () => {
    [NewChatDialog, SettingsDialog, AddMembersDialog, ReadersDialog, ConfirmDialog, Viewer, AttachmentTray].forEach((c) => c.preload());
    store.attachments.load().catch(() => {});
  };
  const w = window as Window & { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number };
  if (w.requestIdleCallback) w.requestIdleCallback(run, { timeout: 5000 });
  else setTimeout(run, 2000);
}
