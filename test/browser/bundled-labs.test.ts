/**
 * Every bundled lab completed by a student in Chromium, against the embedded app in pod mode: every
 * container runs from the image `npm run images` builds (published into the app's data directory, as on a
 * teacher's laptop). Per lab the student starts it from My labs, opens the terminal, sees the lab's checks
 * fail on the page, types the work of the lab's description into the terminal (real keystrokes through
 * xterm) and sees every check pass (bundled-lab-flow.ts). The three labs share one app and one browser.
 */
import { beforeAll, describe, it } from 'vitest';
import { BUNDLED_LAB_STUDENTS } from '../fixtures/bundled-lab-students';
import { buildImages, requireTools } from '../integration/lab-image-fixture';
import { completeBundledLab } from './bundled-lab-flow';
import { login, useApp, useBrowser } from './harness';

// Root runs pods; skopeo publishes the images, umoci unpacks them, bubblewrap runs them.
requireTools(['skopeo', 'umoci', 'bwrap']);

const app = useApp({
  env: { LOCAL_LAB_IMAGES: 'images', LAB_IMAGE_REGISTRY: '' },
  // From the content cache in seconds; a cold cache builds every image first (minutes).
  prepareDataDir: async (dataDir) => void (await buildImages({ AUTOLABS_DATA_DIR: dataDir, LAB_IMAGE_REGISTRY: '' })),
  hookTimeoutMs: 3_600_000,
});
const browser = useBrowser();

beforeAll(async () => {
  await login(browser.page, app, 'student');
}, 60_000);

/** Lab start in pod mode: a first start unpacks every image (26 s for network-analysis on a quiet machine). */
const START_TIMEOUT_MS = 240_000;

describe('every bundled lab completed by a student in Chromium, in pod mode', () => {
  for (const lab of Object.keys(BUNDLED_LAB_STUDENTS)) {
    it(`${lab}: started from My labs, its checks fail in the page, pass after the student's work in the terminal`, async () => {
      await completeBundledLab(browser.page, app, lab, { startTimeoutMs: START_TIMEOUT_MS, shot: 'bundled' });
    }, 600_000);
  }
});
