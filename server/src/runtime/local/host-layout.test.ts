import { describe, expect, it } from 'vitest';
import { hostEditorEnv } from './host-layout';

describe('hostEditorEnv', () => {
  it("keeps the lab's editor when the host has it", () => {
    expect(hostEditorEnv({ EDITOR: 'nano', LANG: 'C' }, { editors: ['nano', 'vi'] })).toEqual({ EDITOR: 'nano', LANG: 'C' });
  });
  it('replaces a known editor the host lacks with the first the host has, for EDITOR and VISUAL', () => {
    expect(hostEditorEnv({ EDITOR: 'nano', VISUAL: 'micro' }, { editors: ['vim', 'vi'] })).toEqual({ EDITOR: 'vim', VISUAL: 'vim' });
  });
  it('leaves a path, an unknown editor, no editor and a host without any editor alone', () => {
    expect(hostEditorEnv({ EDITOR: '/opt/bin/nano', VISUAL: 'kate' }, { editors: ['vi'] })).toEqual({ EDITOR: '/opt/bin/nano', VISUAL: 'kate' });
    expect(hostEditorEnv({ LANG: 'C' }, { editors: ['vi'] })).toEqual({ LANG: 'C' });
    expect(hostEditorEnv({ EDITOR: 'nano' }, { editors: [] })).toEqual({ EDITOR: 'nano' });
  });
});
