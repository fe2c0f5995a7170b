import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/schema';
import { readCsrf, readToken } from '../session/session';

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Release = Json<'/api/v1/releases/{id}', 'get', 200>;
export type Preview = Json<'/api/v1/releases/{id}/preview', 'post', 201>['preview'];
export type TimelineEvent = Json<'/api/v1/releases/{id}/timeline', 'get', 200>['items'][number];
export type Diagnostics = Json<'/api/v1/releases/{id}/diagnostics', 'get', 200>;
export type Environment = Json<'/api/v1/environments/{name}', 'get', 200>;
export type Approval = Json<'/api/v1/approvals/{id}', 'get', 200>;
export type Me = Json<'/api/v1/me', 'get', 200>;
export type Change = Preview['changes'][number];
export type PolicyResult = Preview['policy'];
export type PolicyViolation = PolicyResult['violations'][number];
export type Drift = Json<'/api/v1/environments/{name}/drift', 'get', 200>['items'][number];
export type Webhook = Json<'/api/v1/webhooks', 'get', 200>['items'][number];
export type CreatedWebhook = Json<'/api/v1/webhooks', 'post', 201>;
export type Delivery = Json<'/api/v1/webhooks/{id}/deliveries', 'get', 200>['items'][number];
export type Token = Json<'/api/v1/tokens', 'get', 200>['items'][number];
export type CreatedToken = Json<'/api/v1/tokens', 'post', 201>;
export type AuditVerification = Json<'/api/v1/audit/verify', 'get', 200>;
export type RoleMapping = Json<'/api/v1/role-mappings', 'get', 200>['items'][number];
export type AuthConfig = Json<'/auth/config', 'get', 200>;
export type Insights = Json<'/api/v1/insights', 'get', 200>;

// The API's enums, named once: lists and tables over them are checked against these at compile time.
export type ReleaseState = Release['state'];
export type ApprovalStatus = Release['approval']['status'];
export type ExecutionStage = Release['execution']['stage'];
export type Decision = Approval['decisions'][number]['decision'];
export type Channel = Release['channel'];
export type FindingSeverity = Diagnostics['findings'][number]['severity'];
export type ChangeAction = Change['action'];
export type DriftStatus = Drift['status'];
export type WebhookFormat = Webhook['format'];
export type WebhookEventType = Webhook['events'][number];
export type DeliveryStatus = Delivery['status'];
export type Role = Token['bindings'][number]['role'];
export type Binding = Token['bindings'][number];

/** An RFC 9457 problem as the API sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  reason?: string;
  requestId?: string;
  errors?: Array<{ path: string; message: string }>;
  /** With POLICY_DENIED: the runtime policy's deny violations. */
  violations?: PolicyViolation[];
}

/** Thrown by {@link unwrap} for every error answer; carries the problem body. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = readToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    const csrf = readCsrf();
    if (!token && csrf && request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('x-shipgate-csrf', csrf);
    request.headers.set('x-shipgate-channel', 'ui');
    return request;
  },
};

/** The typed client of `/api/v1`, generated from the server's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** The data of a response, or an {@link ApiError} with its problem. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const problem = (error && typeof error === 'object' ? error : null) as Problem | null;
    throw new ApiError(
      problem ?? {
        type: 'about:blank',
        title: response.statusText,
        status: response.status,
        detail: response.statusText,
        code: 'HTTP_' + response.status,
      },
    );
  }
  return data as T;
}
