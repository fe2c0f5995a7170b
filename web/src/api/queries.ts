import { useQuery } from '@tanstack/react-query';
import { readToken, saveCsrf } from '../session/session';
import { api, unwrap, type Insights, type Me, type Release, type ReleaseState } from './client';
import { DIAGNOSABLE_STATES } from './release-states';

/** Which releases a list shows; a field left out matches any. */
export interface ReleaseFilter {
  environment?: string;
  application?: string;
  state?: ReleaseState;
}

/** Which releases insights count: an environment and an application (any when left out), over `windowDays` days. */
export interface InsightsFilter {
  environment?: string;
  application?: string;
  windowDays: number;
}

/** Every query key of the UI: the hooks below read under them, and every invalidation or cache write names them. */
export const queryKeys = {
  me: (token: string | null) => ['me', token] as const,
  environments: ['environments'] as const,
  environment: (name: string | undefined) => ['environment', name] as const,
  drift: (environment: string) => ['drift', environment] as const,
  releases: {
    all: ['releases'] as const,
    list: (filter: ReleaseFilter) => ['releases', filter] as const,
  },
  release: (id: string) => ['release', id] as const,
  diagnostics: (id: string, state: ReleaseState) => ['diagnostics', id, state] as const,
  approvals: {
    all: ['approvals'] as const,
    pending: ['approvals', 'pending'] as const,
  },
  conversations: ['conversations'] as const,
  webhooks: ['webhooks'] as const,
  tokens: ['tokens'] as const,
  roleMappings: ['role-mappings'] as const,
  deliveries: (webhookId: string) => ['webhooks', webhookId, 'deliveries'] as const,
  conversation: (id: string | undefined) => ['conversation', id] as const,
  insights: (filter: InsightsFilter) => ['insights', filter] as const,
};

/** The signed-in user (GET /me), or null without a token. */
export function useMe() {
  return useQuery<Me | null>({
    queryKey: queryKeys.me(readToken()),
    // Without a token, the session cookie of a sign-in at the identity provider may still answer for the user.
    queryFn: async () => {
      const who = await unwrap(api.GET('/api/v1/me'));
      saveCsrf(readToken() ? null : (who.csrf ?? null));
      return who;
    },
    staleTime: 60_000,
    retry: false,
  });
}

/** The runtimes the server drives and whether each answers (the first screen says how to reach a Docker engine). */
export function useRuntimes() {
  return useQuery({ queryKey: ['runtimes'] as const, queryFn: () => unwrap(api.GET('/api/v1/runtimes')), staleTime: 30_000 });
}

/** Every environment the user may read. */
export function useEnvironments() {
  return useQuery({ queryKey: queryKeys.environments, queryFn: () => unwrap(api.GET('/api/v1/environments')) });
}

/** The drift of each application of an environment, as last checked, polled. */
export function useDrift(environment: string) {
  return useQuery({
    queryKey: queryKeys.drift(environment),
    queryFn: () => unwrap(api.GET('/api/v1/environments/{name}/drift', { params: { path: { name: environment } } })),
    refetchInterval: 30_000,
    retry: false,
  });
}

/** Up to 100 releases matching `filter`, newest first, polled. */
export function useReleases(filter: ReleaseFilter) {
  const { environment, application, state } = filter;
  const query = {
    limit: 100,
    ...(environment ? { environment } : {}),
    ...(application ? { application } : {}),
    ...(state ? { state } : {}),
  };
  return useQuery({
    queryKey: queryKeys.releases.list(filter),
    queryFn: () => unwrap(api.GET('/api/v1/releases', { params: { query } })),
    refetchInterval: 5000,
  });
}

/** One release; a refusal is final (not retried), so that "not allowed" shows at once. */
export function useRelease(id: string) {
  return useQuery({
    queryKey: queryKeys.release(id),
    queryFn: () => unwrap(api.GET('/api/v1/releases/{id}', { params: { path: { id } } })),
    retry: false,
  });
}

/** The diagnostics of a release, once it has been applied; asked again when its state changes. */
export function useDiagnostics(release: Release) {
  return useQuery({
    queryKey: queryKeys.diagnostics(release.id, release.state),
    queryFn: () => unwrap(api.GET('/api/v1/releases/{id}/diagnostics', { params: { path: { id: release.id } } })),
    enabled: DIAGNOSABLE_STATES.includes(release.state),
    retry: false,
  });
}

/** Every pending approval ticket the user may read, polled. */
export function usePendingApprovals() {
  return useQuery({
    queryKey: queryKeys.approvals.pending,
    queryFn: () => unwrap(api.GET('/api/v1/approvals', { params: { query: { status: 'pending' } } })),
    refetchInterval: 5000,
  });
}

/** The signed-in user's command-center conversations. */
export function useConversations() {
  return useQuery({ queryKey: queryKeys.conversations, queryFn: () => unwrap(api.GET('/api/v1/ai/conversations')) });
}

/** One conversation with its messages, when `id` is set. */
export function useConversation(id: string | undefined) {
  return useQuery({
    queryKey: queryKeys.conversation(id),
    queryFn: () => unwrap(api.GET('/api/v1/ai/conversations/{id}', { params: { path: { id: id! } } })),
    enabled: Boolean(id),
  });
}

/** Every webhook subscription (admin). */
export function useWebhooks(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.webhooks, queryFn: () => unwrap(api.GET('/api/v1/webhooks')), enabled, retry: false });
}

/** The newest deliveries of a subscription, polled while the page is open. */
export function useDeliveries(webhookId: string) {
  return useQuery({
    queryKey: queryKeys.deliveries(webhookId),
    queryFn: () => unwrap(api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: webhookId } } })),
    refetchInterval: 2_000,
    retry: false,
  });
}

/** The claim → role mappings of provider sign-in and CI workload tokens, in order (admin). */
export function useRoleMappings(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.roleMappings, queryFn: () => unwrap(api.GET('/api/v1/role-mappings')), enabled, retry: false });
}

/** Every token, revoked ones too, without secrets (admin). */
export function useTokens(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.tokens, queryFn: () => unwrap(api.GET('/api/v1/tokens')), enabled, retry: false });
}

/** The four DORA keys and the daily series over `filter`, polled; a refusal is final (not retried). */
export function useInsights(filter: InsightsFilter) {
  const { environment, application, windowDays } = filter;
  const query = { windowDays, ...(environment ? { environment } : {}), ...(application ? { application } : {}) };
  return useQuery<Insights>({
    queryKey: queryKeys.insights(filter),
    queryFn: () => unwrap(api.GET('/api/v1/insights', { params: { query } })),
    refetchInterval: 60_000,
    retry: false,
  });
}
