import { describe, expect, it } from 'vitest';
import { pullError, unpackError } from './image-errors';

const fatal = (msg: string) => `time="2026-01-01T00:00:00Z" level=fatal msg="${msg}"`;

describe('pullError', () => {
  it.each([
    [fatal('initializing source docker://r:5000/t/tiny:nope: reading manifest nope in r:5000/t/tiny: manifest unknown: manifest unknown'), 'the image or tag does not exist in r:5000'],
    [fatal('initializing source docker://r:5000/t/tiny:1: reading manifest 1 in r:5000/t/tiny: unauthorized: authentication required'), 'r:5000 refused access: check the registry credentials'],
    [fatal('reading manifest 1 in docker.io/x/y: requested access to the resource is denied'), 'refused access'],
    [fatal('pinging container registry r:5000: Get "http://r:5000/v2/": dial tcp r:5000: connect: connection refused'), 'the registry r:5000 cannot be reached'],
    [fatal('pinging container registry r:5000: Get "https://r:5000/v2/": dial tcp: lookup r on 10.0.0.1:53: no such host'), 'the registry r:5000 cannot be reached'],
    [fatal('pinging container registry r:5000: Get "https://r:5000/v2/": http: server gave HTTP response to HTTPS client'), 'r:5000 speaks plain http, and it is not listed as an insecure registry'],
    [fatal('pinging container registry r:5000: Get "https://r:5000/v2/": x509: certificate signed by unknown authority'), 'the TLS certificate of r:5000 is not trusted'],
    [fatal('writing blob: happened during read: Digest did not match, expected sha256:3bc0, got sha256:b4cc'), 'does not match its digest'],
    [fatal('writing blob: write /d/oci/oci-put-blob1: no space left on device'), 'the disk of the image store is full'],
    [fatal('choosing an image from manifest list docker://x: no image found in manifest list for architecture amd64, variant "", OS linux'), 'not built for the architecture'],
    [fatal('pinging container registry 127.0.0.1:40411: Get "https://127.0.0.1:40411/v2/": http: server gave HTTP response to HTTPS client'), 'speaks plain http'],
    [fatal('reading manifest 1 in 127.0.0.1:44013/t/tiny: manifest unknown'), 'the image or tag does not exist'],
    [fatal('something new'), 'pulling from r:5000 failed'],
  ])('%s', (stderr, why) => {
    const e = pullError('tiny:1', 'r:5000', stderr);
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toContain('image "tiny:1": ');
    expect(e.message).toContain(why);
    expect(e.message).not.toContain('level=fatal');
    expect(e.detail).toEqual({ tool: 'skopeo', stderr });
  });
});

describe('unpackError', () => {
  it('says corrupt, disk full, or just failed, and keeps the output for the log', () => {
    expect(unpackError('x', 'unpack layer: read next entry: archive/tar: invalid tar header').message).toBe('image "x": a stored layer is corrupt');
    expect(unpackError('x', 'write rootfs/bin/sh: no space left on device').message).toBe('image "x": the disk of the image store is full');
    expect(unpackError('x', 'weird').message).toBe('image "x": unpacking the image failed');
    expect(unpackError('x', 'weird').detail).toEqual({ tool: 'umoci', stderr: 'weird' });
  });
});
