import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Query } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs an admin API path, again whenever the path or query changes or `reload` is called. */
export function useApi<T>(path: string, query: Query = {}): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const key = `${path}?${JSON.stringify(query)}`;
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    api.get<T>(path, query).then(
      (data) => current && setState({ data, loading: false }),
      (error) => current && setState({ error: toApiError(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'network_error', `the gateway could not be reached: ${String((error as Error)?.message ?? error)}`);
}
