/**
 * Loads data for a page and reloads it on demand or on an interval (live status). A reload keeps the
 * previous data on screen, so polling never flickers; a stale answer never overwrites a newer one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, type ShownError } from './describe-error';

export interface Loaded<T> {
  data: T | undefined;
  error: ShownError | undefined;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], opts: { pollMs?: number } = {}): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ShownError>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(describeError(e));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setData(undefined);
    reload();
    if (!opts.pollMs) return;
    const timer = setInterval(reload, opts.pollMs);
    return () => clearInterval(timer);
  }, [...deps, opts.pollMs]);

  return { data, error, loading, reload };
}
