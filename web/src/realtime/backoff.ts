// Reconnect delays: exponential with jitter, capped. attempt 0 is the first retry.
export interface BackoffOptions {
  base: number;
  factor: number;
  max: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { base: 500, factor: 2, max: 15000 };

export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const raw = Math.min(opts.max, opts.base * Math.pow(opts.factor, Math.max(0, attempt)));
  // "Equal jitter": between half and the whole of the raw delay, so clients that lost the
  // same server do not all come back in the same millisecond.
  return Math.round(raw / 2 + (raw / 2) * random());
}
