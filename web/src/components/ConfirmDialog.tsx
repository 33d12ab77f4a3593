// The question of confirm() as a real dialog: the question, a cancel button (focused first:
// a stray Enter does not delete anything) and the button that does it.
import { t } from '../i18n';
import { Dialog } from './Dialog';

export interface ConfirmProps {
  text: string;
  /** The label of the button that does it (削除, 退出, …). */
  action: string;
  onAnswer: (yes: boolean) => void;
}

export function ConfirmDialog({ text, action, onAnswer }: ConfirmProps) {
  return (
    <Dialog title={t('confirmTitle')} onClose={() => onAnswer(false)}>
      <p class="confirm-text">{text}</p>
      <div class="dialog-actions">
        <button type="button" class="btn" data-autofocus onClick={() => onAnswer(false)}>
          {t('cancel')}
        </button>
        <button type="button" class="btn btn-danger" onClick={() => onAnswer(true)}>
          {action}
        </button>
      </div>
    </Dialog>
  );
}
