/**
 * Which xterm renderer a terminal uses. WebGL is the fast one on a GPU; where the browser has no GPU to
 * give it (a VM, a remote desktop, a blocklisted driver), WebGL is drawn in software (SwiftShader,
 * llvmpipe) and every frame costs tens of milliseconds of CPU: there the DOM renderer draws a flood about
 * twice as fast and leaves the CPU to the page (npm run bench:browser, README). `auto` picks by that; a
 * user (or a test) may insist on either, stored per browser.
 */
export type RendererPreference = 'auto' | 'webgl' | 'dom';

export const RENDERER_PREFERENCE_KEY = 'autolabs.terminal.renderer';

/** Renderer names of WebGL drawn on the CPU, as browsers report them (WEBGL_debug_renderer_info). */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i;

export function storedRendererPreference(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): RendererPreference {
  const value = storage?.getItem(RENDERER_PREFERENCE_KEY);
  return value === 'webgl' || value === 'dom' ? value : 'auto';
}

export function storeRendererPreference(preference: RendererPreference, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(RENDERER_PREFERENCE_KEY, preference);
  } catch {
    // Storage refused (private mode, quota): the choice holds for this terminal only.
  }
}

/** What the probe found, once per page: the browser's GPU does not change under it. */
let probed: { name: string | null } | null = null;

/**
 * The GPU name WebGL reports here (null where WebGL or the name is unavailable), probed with a context
 * of its own on the first terminal of the page.
 */
export function webglRendererName(doc: Document = document): string | null {
  probed ??= { name: probeRendererName(doc) };
  return probed.name;
}

function probeRendererName(doc: Document): string | null {
  const gl = doc.createElement('canvas').getContext('webgl2');
  if (!gl) return null;
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    return typeof name === 'string' ? name : null;
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

export function isSoftwareGl(rendererName: string | null): boolean {
  return rendererName !== null && SOFTWARE_GL.test(rendererName);
}

/** Whether to try the WebGL renderer, and why not when not. */
export function chooseRenderer(preference: RendererPreference, rendererName: () => string | null): { webgl: boolean; why: string } {
  if (preference === 'dom') return { webgl: false, why: 'chosen in this browser' };
  if (preference === 'webgl') return { webgl: true, why: 'chosen in this browser' };
  const name = rendererName();
  if (isSoftwareGl(name)) return { webgl: false, why: `WebGL is drawn in software here (${name})` };
  return { webgl: true, why: name ?? 'GPU' };
}
