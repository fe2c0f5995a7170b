import type { paths } from '../../web/src/api/generated/schema.js';

// The API's own types, from the client generated from its OpenAPI document: the CLI and the web UI read one schema.

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Release = Json<'/api/v1/releases/{id}', 'get', 200>;
export type ReleaseList = Json<'/api/v1/releases', 'get', 200>;
export type PreviewResponse = Json<'/api/v1/releases/{id}/preview', 'post', 201>;
export type Preview = PreviewResponse['preview'];
export type TimelineEvent = Json<'/api/v1/releases/{id}/timeline', 'get', 200>['items'][number];
export type TimelinePage = Json<'/api/v1/releases/{id}/timeline', 'get', 200>;
export type Diagnostics = Json<'/api/v1/releases/{id}/diagnostics', 'get', 200>;
export type Environment = Json<'/api/v1/environments/{name}', 'get', 200>;
export type EnvironmentList = Json<'/api/v1/environments', 'get', 200>;
export type ApprovalList = Json<'/api/v1/approvals', 'get', 200>;
export type Me = Json<'/api/v1/me', 'get', 200>;
