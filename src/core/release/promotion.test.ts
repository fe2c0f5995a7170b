import { describe, expect, it } from 'vitest';
import { NOT_STARTED, type ReleaseRecord } from './release.js';
import { imageRepository, imageSlots, pinnedReference, promotedSpec, promotionProblem } from './promotion.js';
import { renderSpec } from './spec-render.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

const MANIFESTS = `# the web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: shop/migrate:\${TAG}
      containers:
        - name: web
          image: registry.local:5000/shop/web:\${TAG}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: shop/report@${D2}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  containers: none
`;

function release(over: Partial<ReleaseRecord>): ReleaseRecord {
  const spec = over.spec ?? { manifests: MANIFESTS };
  const parameters = over.parameters ?? { TAG: '1.2' };
  return {
    id: 'r1',
    application: 'web',
    environment: 'staging',
    runtime: 'kubernetes',
    kind: 'deploy',
    rollbackOf: null,
    rollbackTo: null,
    state: 'succeeded',
    spec,
    parameters,
    renderedSpec: renderSpec(spec, parameters),
    description: null,
    draftRevision: 1,
    draftDigest: 'sha256:x',
    channel: 'api',
    conversationId: null,
    createdBy: 'dana',
    createdAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T10:00:00.000Z',
    ticketId: null,
    previewId: null,
    execution: { ...NOT_STARTED, stage: 'completed', finishedAt: '2026-11-26T10:05:00.000Z' },
    runtimeState: null,
    authors: ['dana'],
    provenance: null,
    ...over,
  };
}

describe('promotion', () => {
  it('finds every container image of any pod spec, at any depth, and nothing else', () => {
    const r = release({});
    expect(imageSlots(r.spec, r.renderedSpec).map((s) => [s.doc, s.resource, s.ref])).toEqual([
      [0, 'Deployment/web/migrate', 'shop/migrate:1.2'],
      [0, 'Deployment/web/web', 'registry.local:5000/shop/web:1.2'],
      [1, 'CronJob/report/report', `shop/report@${D2}`],
    ]);
  });

  it('finds the images custom resources run outside a pod spec, however deep, and none in data or metadata', () => {
    let deep = '{template: {spec: {containers: [{name: deep, image: "shop/deep:1"}]}}}';
    for (let i = 0; i < 20; i++) deep = `{l${i}: ${deep}}`;
    const manifests =
      'kind: Workflow\nmetadata: {name: nightly, annotations: {image: "not/an:image"}}\nspec:\n  templates:\n' +
      '    - name: main\n      container: {image: "shop/tool:1"}\n' +
      `---\nkind: Bundle\nmetadata: {name: b}\nspec: ${deep}\n` +
      '---\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {image: "shop/listed:1"}\n';
    expect(imageSlots({ manifests }, manifests).map((s) => [s.doc, s.resource, s.ref])).toEqual([
      [0, 'Workflow/nightly/spec/templates/0/container', 'shop/tool:1'],
      [1, 'Bundle/b/deep', 'shop/deep:1'],
    ]);
    // Nothing recorded them: only a reference that already is a digest can be promoted.
    const r = release({ spec: { manifests }, parameters: {}, runtimeState: { images: { 'Bundle/b/deep': { digest: D1 } } } });
    expect(() => promotedSpec(r)).toThrow(/Workflow\/nightly\/spec\/templates\/0\/container was not recorded/);
  });

  it('refuses to pin a spec whose image sits behind a YAML alias', () => {
    const compose = 'x-web: &web\n  image: shop/web:1\nservices:\n  web: *web\n';
    const r = release({ spec: { compose }, parameters: {}, runtimeState: { images: { web: { id: D1 } } } });
    expect(() => promotedSpec(r)).toThrow(/cannot be pinned/);
  });

  it('names the repository of a reference, registry port included', () => {
    expect(imageRepository('registry.local:5000/shop/web:1.2')).toBe('registry.local:5000/shop/web');
    expect(imageRepository('web')).toBe('web');
    expect(imageRepository(`web:1@${D1}`)).toBe('web');
    expect(imageRepository('registry.local:5000/web')).toBe('registry.local:5000/web');
  });

  it('pins to the digest that ran, keeps references that are already digests, and refuses what was not recorded', () => {
    const slot = { doc: 0, path: [], resource: 'Deployment/web/web', ref: 'shop/web:1.2' };
    expect(pinnedReference(slot, { images: { 'Deployment/web/web': { ref: 'shop/web:1.2', digest: D1 } } })).toBe(`shop/web@${D1}`);
    expect(pinnedReference({ ...slot, resource: 'web' }, { images: { web: { id: D2, repoDigest: `shop/web@${D1}` } } })).toBe(
      `shop/web@${D1}`,
    );
    expect(pinnedReference({ ...slot, resource: 'web' }, { images: { web: { id: D2, repoDigest: null } } })).toBe(D2);
    expect(pinnedReference({ ...slot, ref: `shop/web@${D1}` }, null)).toBe(`shop/web@${D1}`);
    expect(pinnedReference(slot, { images: { 'Deployment/web/web': { digest: 'sha256:short' } } })).toBeNull();
    expect(pinnedReference(slot, null)).toBeNull();
  });

  it('pins the template, keeping comments, other documents and the other parameter references', () => {
    const r = release({
      runtimeState: {
        images: {
          'Deployment/web/migrate': { ref: 'shop/migrate:1.2', digest: D1 },
          'Deployment/web/web': { ref: 'registry.local:5000/shop/web:1.2', digest: D2 },
        },
      },
    });
    const { spec, images } = promotedSpec(r);
    const text = 'manifests' in spec ? spec.manifests : '';
    expect(text).toContain('# the web tier');
    expect(text).toContain(`image: shop/migrate@${D1}`);
    expect(text).toContain(`image: registry.local:5000/shop/web@${D2}`);
    expect(text).toContain('containers: none');
    expect(text.match(/^---$/gm)).toHaveLength(2);
    expect(images.map((i) => i.pinned)).toEqual([`shop/migrate@${D1}`, `registry.local:5000/shop/web@${D2}`, `shop/report@${D2}`]);
    expect(() => promotedSpec(release({ runtimeState: null }))).toThrow(/not recorded/);
  });

  it('holds a release to promoting what still runs upstream, soaked, with the pinned images', () => {
    const rule = { from: 'staging', soakSeconds: 600 };
    const source = release({});
    const provenance = {
      releaseId: 'r1',
      environment: 'staging',
      succeededAt: '2026-11-26T10:05:00.000Z',
      images: [{ resource: 'web', ref: 'web:1', pinned: D1 }],
    };
    const promoted = release({
      id: 'r2',
      environment: 'production',
      spec: { compose: `services:\n  web:\n    image: ${D1}\n` },
      provenance,
    });
    const soaked = new Date('2026-11-26T10:15:00.000Z');
    const upstream = { source, current: source };
    expect(promotionProblem(rule, promoted, upstream, soaked)).toBeNull();
    expect(promotionProblem(rule, promoted, upstream, new Date('2026-11-26T10:14:59.000Z'))).toMatch(/until 2026-11-26T10:15:00/);
    expect(promotionProblem(rule, { ...promoted, provenance: null }, upstream, soaked)).toMatch(/must be promotions/);
    expect(promotionProblem(rule, { ...promoted, provenance: { ...provenance, environment: 'qa' } }, upstream, soaked)).toMatch(
      /must be promotions/,
    );
    expect(promotionProblem(rule, promoted, { source, current: release({ id: 'r3' }) }, soaked)).toMatch(/no longer the current/);
    expect(promotionProblem(rule, promoted, { source: { ...source, state: 'rolled_back' }, current: null }, soaked)).toMatch(
      /no longer succeeded/,
    );
    expect(promotionProblem(rule, { ...promoted, kind: 'rollback', provenance: null }, upstream, soaked)).toBeNull();
    const other = `services:\n  web:\n    image: ${D2}\n`;
    const swapped = { ...promoted, spec: { compose: other }, renderedSpec: other };
    expect(promotionProblem(rule, swapped, upstream, soaked)).toMatch(/not the one that ran/);
  });
});
