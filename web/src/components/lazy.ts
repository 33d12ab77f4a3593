// Dialogs that a user opens now and then: not part of the initial load.
import { lazy } from '../util/lazy';

export const NewChatDialog = lazy(() => import('./NewChatDialog').then((m) => m.NewChatDialog));
export const SettingsDialog = lazy(() => import('./SettingsDialog').then((m) => m.SettingsDialog));
export const AddMembersDialog = lazy(() => import('./AddMembersDialog').then((m) => m.AddMembersDialog));
export const ReadersDialog = lazy(() => import('./ReadersDialog').then((m) => m.ReadersDialog));

/** Fetch them once the app is idle, so opening one is instant even on a slow line. */
export function preloadDialogs(): void {
  const run = () => [NewChatDialog, SettingsDialog, AddMembersDialog, ReadersDialog].forEach((c) => c.preload());
  const w = window as Window & { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number };
  if (w.requestIdleCallback) w.requestIdleCallback(run, { timeout: 5000 });
  else setTimeout(run, 2000);
}
