import { describe, expect, it } from 'vitest';
import { renderSpec } from './spec-render.js';
import { draftDigest } from '../preview/draft-digest.js';
import { isShipgateError } from '../errors.js';

describe('spec rendering and the draft digest', () => {
  it('substitutes parameters and keeps escaped references', () => {
    const spec = { compose: 'services:\n  web:\n    image: web:${TAG}\n    command: echo $${HOME}\n' };
    expect(renderSpec(spec, { TAG: '1.4.2' })).toBe('services:\n  web:\n    image: web:1.4.2\n    command: echo ${HOME}\n');
  });

  it('refuses unknown references, bad names and broken YAML', () => {
    for (const [text, params] of [
      ['image: ${NOPE}', {}],
      ['image: ${1BAD}', {}],
      ['a: [1', {}],
      ['a: 1', { 'bad-name': 'x' }],
    ] as const) {
      try {
        renderSpec({ compose: text }, params);
        expect.unreachable(text);
      } catch (error) {
        expect(isShipgateError(error, 'VALIDATION_FAILED'), text).toBe(true);
      }
    }
  });

  it('digests meaning, not layout', () => {
    const a = { compose: 'services:\n  web: {image: x, ports: ["80"]}\n' };
    const b = { compose: '# comment\nservices:\n  web:\n    ports:\n      - "80"\n    image: x\n' };
    const da = draftDigest(a, renderSpec(a, {}), {});
    expect(da).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(draftDigest(b, renderSpec(b, {}), {})).toBe(da);
    expect(draftDigest(a, renderSpec(a, {}), { X: '1' })).not.toBe(da);
    const k = { manifests: a.compose };
    expect(draftDigest(k, renderSpec(k, {}), {})).not.toBe(da);
  });
});
