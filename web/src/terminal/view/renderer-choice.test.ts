import { describe, expect, it } from 'vitest';
import { chooseRenderer, isSoftwareGl, RENDERER_PREFERENCE_KEY, storedRendererPreference } from './renderer-choice';

describe('renderer choice', () => {
  it('takes WebGL on a GPU and the DOM renderer where WebGL is drawn in software', () => {
    const names = {
      gpu: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)',
      intel: 'Mesa Intel(R) UHD Graphics 620 (KBL GT2)',
      swiftshader: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      llvmpipe: 'llvmpipe (LLVM 15.0.6, 256 bits)',
      windows: 'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
    };
    expect(isSoftwareGl(names.gpu)).toBe(false);
    expect(isSoftwareGl(names.intel)).toBe(false);
    expect(isSoftwareGl(names.swiftshader)).toBe(true);
    expect(isSoftwareGl(names.llvmpipe)).toBe(true);
    expect(isSoftwareGl(names.windows)).toBe(true);
    expect(chooseRenderer('auto', () => names.gpu)).toEqual({ webgl: true, why: names.gpu });
    expect(chooseRenderer('auto', () => names.llvmpipe)).toEqual({ webgl: false, why: `WebGL is drawn in software here (${names.llvmpipe})` });
    // No name to go by (WebGL missing, or the name withheld): WebGL is tried, and falls back if it fails.
    expect(chooseRenderer('auto', () => null).webgl).toBe(true);
  });

  it('follows a stored choice either way, without probing WebGL', () => {
    const probe = () => {
      throw new Error('probed');
    };
    expect(chooseRenderer('dom', probe)).toEqual({ webgl: false, why: 'chosen in this browser' });
    expect(chooseRenderer('webgl', probe)).toEqual({ webgl: true, why: 'chosen in this browser' });
    const storage = (value: string | null) => ({ getItem: (key: string) => (key === RENDERER_PREFERENCE_KEY ? value : null) });
    expect(storedRendererPreference(storage('dom'))).toBe('dom');
    expect(storedRendererPreference(storage('webgl'))).toBe('webgl');
    expect(storedRendererPreference(storage('fast please'))).toBe('auto');
    expect(storedRendererPreference(storage(null))).toBe('auto');
    expect(storedRendererPreference(undefined)).toBe('auto');
  });
});
