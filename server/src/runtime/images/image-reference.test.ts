import { describe, expect, it } from 'vitest';
import { formatReference, normalizeReference, parseReference } from './image-reference';
import { imageRewritesFromEnv, resolveLabImage, rewriteReference } from './image-rewrites';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('normalizeReference', () => {
  it.each([
    ['debian:12', 'docker.io/library/debian:12'],
    ['debian', 'docker.io/library/debian:latest'],
    ['autolabs/netlab:latest', 'docker.io/autolabs/netlab:latest'],
    ['autolabs/netlab', 'docker.io/autolabs/netlab:latest'],
    ['docker.io/debian:12', 'docker.io/library/debian:12'],
    ['index.docker.io/library/debian:12', 'docker.io/library/debian:12'],
    ['ghcr.io/o/i:v1.2', 'ghcr.io/o/i:v1.2'],
    [`ghcr.io/o/i@${DIGEST}`, `ghcr.io/o/i@${DIGEST}`],
    [`debian:12@${DIGEST}`, `docker.io/library/debian@${DIGEST}`],
    ['localhost/tiny', 'localhost/tiny:latest'],
    ['127.0.0.1:5000/test/tiny:1', '127.0.0.1:5000/test/tiny:1'],
    ['registry.example.org:8443/a/b/c:x_y-z.1', 'registry.example.org:8443/a/b/c:x_y-z.1'],
    ['my_org/my-image__x:1', 'docker.io/my_org/my-image__x:1'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeReference(input)).toBe(expected);
  });

  it('splits registry, repository, tag and digest', () => {
    expect(parseReference('127.0.0.1:5000/test/tiny')).toEqual({ registry: '127.0.0.1:5000', repository: 'test/tiny', tag: 'latest', digest: null });
    expect(parseReference(`quay.io/a/b@${DIGEST}`)).toEqual({ registry: 'quay.io', repository: 'a/b', tag: null, digest: DIGEST });
  });

  it.each([
    ['', 'empty'],
    ['Debian:12', 'lowercase'],
    ['debian:', 'not a valid tag'],
    ['debian:a/b', 'registry name'],
    ['debian@sha256:xyz', 'digest'],
    ['ghcr.io/o/i:-bad', 'not a valid tag'],
    ['-bad.io/x/y', 'registry name'],
    ['bad_host.io/x/y', 'registry name'],
    ['a//b', 'lowercase'],
    [`x/${'a'.repeat(260)}`, 'longer than 255'],
  ])('refuses %j with BAD_INPUT saying why', (input, why) => {
    expect(() => parseReference(input)).toThrow(expect.objectContaining({ code: 'BAD_INPUT', field: 'image', message: expect.stringContaining(why) }));
  });
});

describe('rewriteReference', () => {
  const rewrites = [
    { from: 'docker.io/autolabs/', to: '127.0.0.1:5000/autolabs/' },
    { from: 'docker.io/autolabs/netlab', to: 'mirror.example.org/never/netlab' },
    { from: 'docker.io/library/', to: 'mirror.example.org/hub/' },
  ];

  it('applies the first matching prefix rule only', () => {
    expect(formatReference(rewriteReference('docker.io/autolabs/netlab:latest', rewrites))).toBe('127.0.0.1:5000/autolabs/netlab:latest');
    expect(formatReference(rewriteReference('docker.io/library/debian:12', rewrites))).toBe('mirror.example.org/hub/debian:12');
  });

  it('leaves a reference no rule matches as it is', () => {
    expect(formatReference(rewriteReference('ghcr.io/o/i:1', rewrites))).toBe('ghcr.io/o/i:1');
    expect(formatReference(rewriteReference('docker.io/autolabsx/i:1', rewrites))).toBe('docker.io/autolabsx/i:1');
  });

  it('keeps a digest through the rewrite', () => {
    expect(formatReference(rewriteReference(`docker.io/autolabs/x@${DIGEST}`, rewrites))).toBe(`127.0.0.1:5000/autolabs/x@${DIGEST}`);
  });
});

describe('resolveLabImage with the rewrites from the environment', () => {
  it('sends autolabs/* to LAB_IMAGE_REGISTRY, then applies LAB_IMAGE_REWRITES', () => {
    const rewrites = imageRewritesFromEnv({ LAB_IMAGE_REGISTRY: '172.31.255.1:5000', LAB_IMAGE_REWRITES: 'docker.io/library/=mirror.example.org/hub/' });
    expect(resolveLabImage('autolabs/sqli-target:latest', rewrites)).toBe('172.31.255.1:5000/autolabs/sqli-target:latest');
    expect(resolveLabImage('debian:12', rewrites)).toBe('mirror.example.org/hub/debian:12');
    expect(resolveLabImage('ghcr.io/o/i', rewrites)).toBe('ghcr.io/o/i:latest');
  });

  it('leaves images alone when nothing is configured', () => {
    expect(imageRewritesFromEnv({})).toEqual([]);
    expect(resolveLabImage('autolabs/netlab', [])).toBe('docker.io/autolabs/netlab:latest');
  });
});
