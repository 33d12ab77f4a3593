import { render } from 'preact';
import { App } from './components/App';
import { loadLang, setLang } from './i18n';
import { store } from './state/app';
import './styles.css';

const lang = store.state.settings.lang;
void store.boot(location.pathname);
loadLang(lang)
  .catch(() => {})
  .finally(() => {
    setLang(lang);
    render(<App />, document.getElementById('app')!);
  });
