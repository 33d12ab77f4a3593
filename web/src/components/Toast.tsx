import { useStore } from '../state/useStore';

export function Toast() {
  const toast = useStore((s) => s.toast);
  return (
    <div class="toast-region" role="status" aria-live="polite">
      {toast && <div class={'toast toast-' + toast.kind}>{toast.text}</div>}
    </div>
  );
}
