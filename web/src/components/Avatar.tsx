// A round initial in one of a few colours (all with white text at ≥ 4.5:1 contrast).
const COLORS = ['#1d5fa8', '#2f7d32', '#a23b72', '#b04a00', '#5e35b1', '#00707a', '#8a5a00', '#b3261e'];

export function initialOf(name: string): string {
  const s = name.trim();
  return s ? Array.from(s)[0] : '?';
}

export function Avatar({ name, id, size = 36, group = false }: { name: string; id: number; size?: number; group?: boolean }) {
  const bg = COLORS[Math.abs(id) % COLORS.length];
  return (
    <span
      class={'avatar' + (group ? ' avatar-group' : '')}
      style={{ width: size + 'px', height: size + 'px', background: bg, fontSize: Math.round(size * 0.44) + 'px' }}
      aria-hidden="true"
    >
      {initialOf(name)}
    </span>
  );
}
