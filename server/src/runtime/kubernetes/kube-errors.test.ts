import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { isAlreadyExists, isNotFound, isTransient, kubeCall, toAppError } from './kube-errors';

const status = (code: number, body: object) => new ApiException(code, 'HTTP-Code', JSON.stringify(body), {});

describe('toAppError', () => {
  it('keeps the apiserver message and names the first field it complains about', () => {
    const e = toAppError(
      status(422, {
        kind: 'Status',
        reason: 'Invalid',
        message: 'Pod "x" is invalid: spec.containers[0].image: Required value',
        details: { causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }] },
      }),
    );
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({
      code: 'BAD_INPUT',
      message: 'Pod "x" is invalid: spec.containers[0].image: Required value',
      field: 'spec.containers[0].image',
      detail: { httpStatus: 422, reason: 'Invalid', transient: false },
    });
  });

  it('maps HTTP statuses to stable codes; 409 AlreadyExists is recognisable', () => {
    expect(toAppError(status(404, { reason: 'NotFound', message: 'pods "p" not found' }))).toSatisfy(isNotFound);
    expect(toAppError(status(409, { reason: 'AlreadyExists', message: 'pods "p" already exists' }))).toSatisfy(isAlreadyExists);
    expect(toAppError(status(409, { reason: 'Conflict', message: 'the object has been modified' }))).not.toSatisfy(isAlreadyExists);
    expect(toAppError(status(403, { message: 'forbidden' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(toAppError(status(500, { message: 'etcd timeout' }))).toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: 'etcd timeout' });
  });

  it('falls back to the status code when the body is not a Status', () => {
    expect(toAppError(new ApiException(502, 'bad gateway', '', {}))).toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: 'Kubernetes API answered 502' });
    expect(toAppError(new ApiException(503, 'x', null, {}))).toMatchObject({ message: 'Kubernetes API answered 503' });
  });

  it('marks what may pass by itself as transient: 429 and 5xx, not a refusal of the request', () => {
    for (const code of [429, 500, 503, 504]) expect(toAppError(status(code, { message: 'busy' }))).toSatisfy(isTransient);
    for (const code of [400, 403, 404, 409, 422]) expect(toAppError(status(code, { message: 'no' }))).not.toSatisfy(isTransient);
  });
});

describe('kubeCall', () => {
  it('turns a connection failure into RUNTIME_UNAVAILABLE and lets a programming error through unchanged', async () => {
    const refused = Object.assign(new Error('request to https://127.0.0.1:1/api failed, reason: connect ECONNREFUSED 127.0.0.1:1'), { name: 'FetchError', code: 'ECONNREFUSED' });
    await expect(kubeCall(() => Promise.reject(refused))).rejects.toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: expect.stringContaining('ECONNREFUSED') });
    await expect(kubeCall(() => Promise.reject(refused))).rejects.toSatisfy(isTransient);
    const bug = new TypeError('x is not a function');
    await expect(kubeCall(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
