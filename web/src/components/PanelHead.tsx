import { t } from '../i18n';
import { store } from '../state/app';
import { Icon } from './Icon';

/** Header of the details pane: back (phone) or close (PC). */
export function PanelHead({ title, id }: { title: string; id: string }) {
  const close = () => {
    const r = store.state.route;
    store.navigate({ room: r.room, panel: null });
  };
  return (
    <header class="panel-head">
      <button type="button" class="icon-btn back-btn" onClick={() => store.back()} aria-label={t('back')}>
        <Icon name="back" />
      </button>
      <h2 id={id} class="panel-title">
        {title}
      </h2>
      <button type="button" class="icon-btn close-btn" onClick={close} aria-label={t('close')}>
        <Icon name="close" />
      </button>
    </header>
  );
}
