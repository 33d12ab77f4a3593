import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { t, type Lang } from '../i18n';
import { store } from '../state/app';
import { useStore } from '../state/useStore';
import './login.css';

const TENANT_KEY = 'tonari.tenant';

/** A lock-out's wait in whole minutes (the server says seconds; a lock-out lasts minutes). */
function minutes(err: ApiError): number {
  const ms = typeof err.detail.retry_after_ms === 'number' ? err.detail.retry_after_ms : (err.retryAfter ?? 60) * 1000;
  return Math.max(1, Math.ceil(ms / 60000));
}

function remembered(): string {
  try {
    return localStorage.getItem(TENANT_KEY) || '';
  } catch {
    return '';
  }
}

export function Login() {
  const message = useStore((s) => s.loginMessage);
  const lang = useStore((s) => s.settings.lang);
  const [tenant, setTenant] = useState(remembered);
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await store.login(tenant.trim(), login.trim(), password);
      try {
        localStorage.setItem(TENANT_KEY, tenant.trim());
      } catch {
        /* ignore */
      }
    } catch (err) {
      // Only a refused password is cleared: after a network error the user just tries again.
      if (err instanceof ApiError && (err.status === 401 || err.status === 400)) setPassword('');
      if (err instanceof ApiError && err.status === 429) setError(t('loginRateLimited', { n: minutes(err) }));
      else if (err instanceof ApiError && err.status === 503) setError(t('loginBusy', { n: err.retryAfter ?? 5 }));
      else if (err instanceof ApiError && (err.status === 401 || err.status === 400)) setError(t('loginFailed'));
      else if (err instanceof ApiError && err.status === 0) setError(t('errNetwork'));
      else if (err instanceof ApiError && err.code === 'zone_forbidden') setError(t('loginZoneForbidden'));
      else setError(store.state.phase === 'app' ? null : t('errGeneric', { msg: (err as Error).message }));
      setBusy(false);
    }
  };

  return (
    <main class="login-page" id="main">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div class="login-brand">
          <span class="brand-mark" aria-hidden="true">
            隣
          </span>
          <div>
            <div class="brand-name">{t('appName')}</div>
            <div class="brand-tagline">{t('appTagline')}</div>
          </div>
        </div>
        <h1 id="login-title">{t('loginTitle')}</h1>
        {(error || message) && (
          <p class="form-error" role="alert">
            {error || message}
          </p>
        )}
        <label class="field">
          <span>{t('tenantCode')}</span>
          <input
            name="tenant"
            inputMode="numeric"
            autoComplete="organization"
            required
            value={tenant}
            onInput={(e) => setTenant(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{t('loginId')}</span>
          <input
            name="login"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={login}
            onInput={(e) => setLogin(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{t('password')}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <button class="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? t('loggingIn') : t('loginButton')}
        </button>
        <label class="field field-inline lang-switch">
          <span>{t('language')}</span>
          <select value={lang} onChange={(e) => store.updateSettings({ lang: e.currentTarget.value as Lang })}>
            <option value="ja">日本語</option>
            <option value="en">English</option>
          </select>
        </label>
      </form>
    </main>
  );
}
