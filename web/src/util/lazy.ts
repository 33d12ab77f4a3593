// Code-split components: the first render shows nothing until the chunk has arrived (it is
// prefetched when the browser is idle, so in practice it is already there).
import { h, type FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazy<P extends object>(load: () => Promise<FunctionComponent<P>>) {
  let C: FunctionComponent<P> | null = null;
  let pending: Promise<FunctionComponent<P>> | null = null;
  const get = () => (pending ??= load().then((c) => (C = c)).catch((e) => ((pending = null), Promise.reject(e))));
  function Lazy(props: P) {
    const [, setReady] = useState(!!C);
    useEffect(() => {
      if (!C) get().then(() => setReady(true), () => {});
    }, []);
    return C ? h(C, props) : null;
  }
  Lazy.preload = () => void get().catch(() => {});
  return Lazy;
}
