// The full-screen image viewer: one of a message's images, inline from the server
// (?inline=1), zoom by buttons, wheel or pinch (a CSS transform), drag to pan when zoomed,
// previous/next by the arrow keys, the side buttons or a swipe; Esc closes it and focus goes
// back to the thumbnail.
import { useRef, useState } from 'preact/hooks';
import { probe, saveUrl } from '../api/files';
import type { FileInfo } from '../api/types';
import { t } from '../i18n';
import { useStore } from '../state/useStore';
import { fetchErrorText } from '../util/fileErrors';
import { contentUrl, servedName } from '../util/files';
import { trapTab, useModalFocus } from '../util/focus';
import { Icon } from './Icon';
import './viewer.css';

const MIN = 1;
const MAX = 8;
const STEP = 1.5;
const SWIPE_PX = 50;

interface Gesture {
  x: number;
  y: number;
  panX: number;
  panY: number;
  dist: number;
  scale: number;
}

export function Viewer({ images, index, onClose }: { images: FileInfo[]; index: number; onClose: () => void }) {
  const zone = useStore((s) => s.zone);
  const [i, setI] = useState(Math.max(0, Math.min(index, images.length - 1)));
  const [scale, setScale] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const gesture = useRef<Gesture | null>(null);
  useModalFocus(ref);

  const f = images[i];
  const n = images.length;
  const name = f ? servedName(f, zone) : '';

  const zoomTo = (s: number) => {
    const next = Math.min(MAX, Math.max(MIN, s));
    setScale(next);
    if (next === 1) setPan({ x: 0, y: 0 });
  };
  const go = (d: number) => {
    if (n < 2) return;
    setI((cur) => (cur + d + n) % n);
    setScale(1);
    setPan({ x: 0, y: 0 });
    setError(null);
  };
  const download = async () => {
    const err = await probe(contentUrl(f.id));
    if (err) setError(fetchErrorText(err, t));
    else saveUrl(contentUrl(f.id));
  };
  const failed = async () => {
    const err = await probe(contentUrl(f.id, true));
    setError(err ? fetchErrorText(err, t) : t('errGeneric', { msg: name }));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      go(-1);
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      go(1);
    } else if (e.key === '+' || e.key === '=') {
      zoomTo(scale * STEP);
    } else if (e.key === '-') {
      zoomTo(scale / STEP);
    } else if (e.key === '0') {
      zoomTo(1);
    } else {
      trapTab(e, ref.current!);
    }
  };

  const start = () => {
    const pts = [...pointers.current.values()];
    const [a, b] = pts;
    gesture.current = {
      x: a.x,
      y: a.y,
      panX: pan.x,
      panY: pan.y,
      dist: b ? Math.hypot(a.x - b.x, a.y - b.y) : 0,
      scale,
    };
  };
  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    start();
  };
  const onPointerMove = (e: PointerEvent) => {
    const p = pointers.current.get(e.pointerId);
    const g = gesture.current;
    if (!p || !g) return;
    p.x = e.clientX;
    p.y = e.clientY;
    const pts = [...pointers.current.values()];
    if (pts.length >= 2 && g.dist > 0) {
      zoomTo((g.scale * Math.hypot(pts[0].x - pts[1].x, pts[0].y - pts[1].y)) / g.dist);
    } else if (pts.length === 1 && scale > 1) {
      setPan({ x: g.panX + (p.x - g.x), y: g.panY + (p.y - g.y) });
    }
  };
  const onPointerUp = (e: PointerEvent) => {
    const p = pointers.current.get(e.pointerId);
    const g = gesture.current;
    pointers.current.delete(e.pointerId);
    if (p && g && pointers.current.size === 0 && scale === 1 && g.dist === 0) {
      const dx = p.x - g.x;
      const dy = p.y - g.y;
      if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 1.5 * Math.abs(dy)) go(dx < 0 ? 1 : -1);
    }
    if (pointers.current.size) start();
    else gesture.current = null;
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    zoomTo(scale * Math.exp(-e.deltaY * 0.002));
  };

  if (!f) return null;
  return (
    <div ref={ref} class="viewer" role="dialog" aria-modal="true" aria-label={t('viewer')} tabIndex={-1} onKeyDown={onKeyDown}>
      <div class="viewer-bar">
        <span class="viewer-title" aria-live="polite">
          <span class="viewer-name">{name}</span>
          {n > 1 && <span class="viewer-count">{t('viewerCount', { i: i + 1, n })}</span>}
        </span>
        <button type="button" class="icon-btn" onClick={() => zoomTo(scale / STEP)} aria-label={t('zoomOut')} disabled={scale <= MIN}>
          <Icon name="minus" />
        </button>
        <button type="button" class="viewer-zoom" onClick={() => zoomTo(1)}>
          {Math.round(scale * 100)}%<span class="sr-only">（{t('zoomReset')}）</span>
        </button>
        <button type="button" class="icon-btn" onClick={() => zoomTo(scale * STEP)} aria-label={t('zoomIn')} disabled={scale >= MAX}>
          <Icon name="plus" />
        </button>
        <button type="button" class="icon-btn" onClick={() => void download()} aria-label={t('downloadOf', { name })} title={t('download')}>
          <Icon name="download" />
        </button>
        <button type="button" class="icon-btn" onClick={onClose} aria-label={t('close')} data-autofocus>
          <Icon name="close" />
        </button>
      </div>
      <div
        class={'viewer-stage' + (scale > 1 ? ' zoomed' : '')}
        onWheel={onWheel}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        <img
          key={f.id}
          class="viewer-img"
          src={contentUrl(f.id, true)}
          alt={name}
          draggable={false}
          data-file={f.id}
          style={{ transform: `translate(${pan.x}px, ${pan.y}px) scale(${scale})` }}
          onError={() => void failed()}
        />
        {error && (
          <p class="viewer-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {n > 1 && (
        <>
          <button type="button" class="viewer-nav viewer-prev" onClick={() => go(-1)} aria-label={t('prevImage')}>
            <Icon name="back" size={28} />
          </button>
          <button type="button" class="viewer-nav viewer-next" onClick={() => go(1)} aria-label={t('nextImage')}>
            <Icon name="right" size={28} />
          </button>
        </>
      )}
    </div>
  );
}
