import { describe, expect, it } from 'vitest';
import { imageProcess } from './image-process';

describe('imageProcess', () => {
  it('reads entrypoint, cmd, env, working dir and user from an image config', () => {
    const config = {
      architecture: 'amd64',
      config: { User: '1000:1000', Env: ['PATH=/bin', 'A=1=2', 'EMPTY='], Entrypoint: ['/bin/busybox'], Cmd: ['sh', '-c', 'x'], WorkingDir: '/work' },
    };
    expect(imageProcess(config)).toEqual({
      entrypoint: ['/bin/busybox'],
      cmd: ['sh', '-c', 'x'],
      env: { PATH: '/bin', A: '1=2', EMPTY: '' },
      workingDir: '/work',
      user: '1000:1000',
    });
  });

  it('treats Docker nulls and a missing config as root in / with nothing to run', () => {
    const none = { entrypoint: [], cmd: [], env: {}, workingDir: '/', user: '0' };
    expect(imageProcess({ config: { Entrypoint: null, Cmd: null, Env: null, WorkingDir: '', User: '' } })).toEqual(none);
    expect(imageProcess({ architecture: 'arm64' })).toEqual(none);
  });

  it('refuses a blob that is not an image config', () => {
    expect(() => imageProcess({ config: { Cmd: 'sh' } })).toThrow();
  });
});
