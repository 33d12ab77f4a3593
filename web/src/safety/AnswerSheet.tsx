// The answer sheet of a check (a sheet at the bottom on a phone): every question, choices as
// big buttons, 現在地 as text or a position shared on purpose (navigator.geolocation only when
// 現在地を送る is pressed), コメント. My own answer goes as soon as the last required choice is
// picked (the banner's tap was the first), through the queue (answers.ts); the sheet then
// says 送信待ち / 送信しました and the optional fields can follow as a new answer (the latest
// counts). With `forUser` it is a manager's 代理回答, sent with its button only.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Safety, SafetyAnswer, SafetyQuestion } from '../api/types';
import { Dialog } from '../components/Dialog';
import { t } from '../i18n';
import { store } from '../state/app';
import { answers, complete, useAnswers } from './answers';
import { putAnswer } from './api';
import { newClientId } from '../state/outbox';
import { TrainingTag } from './SafetyBanner';

type Place = { text?: string; lat?: number; lon?: number };

/** The answer as the server wants it: empty texts and places left out. */
export function cleaned(questions: SafetyQuestion[], a: SafetyAnswer): SafetyAnswer {
  const out: SafetyAnswer = {};
  for (const q of questions) {
    const v = a[q.key];
    if (typeof v === 'number') out[q.key] = v;
    else if (typeof v === 'string' && v.trim()) out[q.key] = v.trim();
    else if (v && typeof v === 'object') {
      const p: Place = {};
      if (typeof v.lat === 'number' && typeof v.lon === 'number') Object.assign(p, { lat: v.lat, lon: v.lon });
      if (v.text?.trim()) p.text = v.text.trim();
      if (Object.keys(p).length) out[q.key] = p;
    }
  }
  return out;
}

export function AnswerSheet({
  c,
  start,
  sendNow = false,
  forUser,
  onClose,
  onSent,
}: {
  c: Safety;
  start: SafetyAnswer;
  /** The banner's tap picked a choice: send as soon as the answer is complete. */
  sendNow?: boolean;
  forUser?: { id: number; name: string };
  onClose: () => void;
  onSent?: () => void;
}) {
  const queue = useAnswers();
  const [a, setA] = useState<SafetyAnswer>(start);
  const [sent, setSent] = useState('');
  const [busy, setBusy] = useState(false);
  const [geo, setGeo] = useState('');
  const qs = c.questions;
  const ok = complete(qs, a);
  const waiting = !!sent && queue.of(c.id)?.client_id === sent;
  // A 代理回答's client_id: the same for every try of one answer (a 再試行 after a lost reply
  // stores it once); a new one for a changed answer, and once it is stored.
  const proxyId = useRef({ id: '', body: '' });

  const send = async (next: SafetyAnswer) => {
    const body = cleaned(qs, next);
    if (!forUser) {
      setSent(answers().add(c.id, body).client_id);
      return;
    }
    setBusy(true);
    const json = JSON.stringify(body);
    if (proxyId.current.body !== json) proxyId.current = { id: newClientId(), body: json };
    const id = proxyId.current.id;
    const done = await store.hub.attempt(async () => {
      await putAnswer(store.api, c.id, id, body, forUser.id);
    });
    setBusy(false);
    if (done) {
      proxyId.current = { id: '', body: '' };
      setSent('proxy');
      onSent?.();
    }
  };
  // The banner's tap may have completed it already (a single required question).
  useEffect(() => {
    if (sendNow && ok) void send(a);
  }, []);

  const pick = (q: SafetyQuestion, i: number) => {
    const next = { ...a, [q.key]: i };
    setA(next);
    if (!forUser && complete(qs, next) && a[q.key] !== i) void send(next);
  };
  const place = (q: SafetyQuestion): Place => {
    const v = a[q.key];
    return v && typeof v === 'object' ? v : {};
  };
  const locate = (q: SafetyQuestion) => {
    if (!navigator.geolocation) return setGeo(t('sfGeoNone'));
    setGeo(t('sfGeoWorking'));
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setA((cur) => {
          const v = cur[q.key];
          const text = v && typeof v === 'object' ? v.text : undefined;
          return { ...cur, [q.key]: { text, lat: Math.round(p.coords.latitude * 1e5) / 1e5, lon: Math.round(p.coords.longitude * 1e5) / 1e5 } };
        });
        setGeo('');
      },
      () => setGeo(t('sfGeoFailed')),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  };

  const title = forUser ? t('sfProxyTitle', { name: forUser.name }) : t('safety');
  return (
    <Dialog title={title} onClose={onClose} sheet cls="sf-sheet">
      <p class="sf-sheet-title">
        <TrainingTag on={c.training} /> {c.title}
      </p>
      {qs.map((q) => {
        const id = `sf-${c.id}-${q.key}`;
        if (q.kind === 'choice') {
          return (
            <div key={q.key} class="sf-question" role="group" aria-labelledby={id}>
              <p id={id} class="sf-q">
                {q.label}
                {q.required && <span class="sf-req">{t('sfRequired')}</span>}
              </p>
              <div class="sf-options">
                {q.options!.map((o, i) => (
                  <button key={i} type="button" class={'sf-big sf-opt-' + i} aria-pressed={a[q.key] === i} onClick={() => pick(q, i)}>
                    {o}
                  </button>
                ))}
              </div>
            </div>
          );
        }
        if (q.kind === 'location') {
          const p = place(q);
          return (
            <div key={q.key} class="sf-question">
              <label for={id} class="sf-q">
                {q.label}
              </label>
              <input id={id} class="sf-input" value={p.text ?? ''} maxLength={500} placeholder={t('sfPlacePh')} onInput={(e) => setA({ ...a, [q.key]: { ...p, text: e.currentTarget.value } })} />
              <div class="sf-geo">
                <button type="button" class="btn btn-small" onClick={() => locate(q)}>
                  {t('sfGeoSend')}
                </button>
                {p.lat !== undefined && (
                  <span>
                    {t('sfGeoAt', { lat: p.lat, lon: p.lon! })}{' '}
                    <button type="button" class="btn btn-small" onClick={() => setA({ ...a, [q.key]: { text: p.text } })}>
                      {t('sfGeoClear')}
                    </button>
                  </span>
                )}
                {geo && <span class="muted" role="status">{geo}</span>}
              </div>
            </div>
          );
        }
        return (
          <div key={q.key} class="sf-question">
            <label for={id} class="sf-q">
              {q.label}
            </label>
            <textarea id={id} class="sf-input" rows={2} maxLength={500} value={typeof a[q.key] === 'string' ? (a[q.key] as string) : ''} onInput={(e) => setA({ ...a, [q.key]: e.currentTarget.value })} />
          </div>
        );
      })}
      <div class="sf-sheet-foot">
        <span role="status" class="sf-status">
          {sent && (waiting ? t('sfWaiting') : t('sfSent'))}
        </span>
        <button type="button" class="btn btn-primary" disabled={!ok || busy} onClick={() => void send(a)}>
          {forUser ? t('sfProxySend') : sent ? t('sfSendMore') : t('sfSend')}
        </button>
        <button type="button" class="btn" onClick={onClose}>
          {t('close')}
        </button>
      </div>
    </Dialog>
  );
}
