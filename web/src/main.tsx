import { render } from 'preact';
import { App } from './components/App';
import { loadLang, setLang } from './i18n';
import { store } from './state/app';
import './styles.css';
import { registerServiceWorker } from './util/sw';

const lang = store.state.settings.lang;
void store.boot(location.pathname);
registerServiceWorker((reload) => {
  let route = store.state.route;
  store.subscribe(() => {
    if (store.state.route !== route) {
      route = store.state.route;
      reload();
    }
  });
});
loadLang(lang)
  .catch(() => {})
  .finally(() => {
    setLang(lang);
    render(<App />, document.getElementById('app')!);
  });
