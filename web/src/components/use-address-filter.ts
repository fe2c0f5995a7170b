import { useSearchParams } from 'wouter';

/**
 * A filter kept in the address bar's query, so that a filtered page can be shared: its parameters, and `set`, which
 * sets one (an empty value removes it) in place of the current history entry.
 */
export function useAddressFilter(): { params: URLSearchParams; set: (key: string, value: string) => void } {
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return { params, set };
}
