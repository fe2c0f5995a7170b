import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Me } from '../api/client';
import { readToken } from './session';

/** The signed-in user (GET /me), or null without a token. */
export function useMe() {
  return useQuery<Me | null>({
    queryKey: ['me', readToken()],
    queryFn: async () => (readToken() ? unwrap(api.GET('/api/v1/me')) : null),
    staleTime: 60_000,
    retry: false,
  });
}
