import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  lastLine,
  login,
  PROMPT_AT_END,
  screenshot,
  startLabAndOpenTerminal,
  terminalText,
  useApp,
  useBrowser,
  waitForTerminal,
  waitForTerminalState,
} from './harness';

const app = useApp();
const browser = useBrowser();

beforeAll(async () => {
  await login(browser.page, app, 'student');
  await browser.page.getByRole('article').first().waitFor();
  await screenshot(browser.page, 'my-labs');
  await startLabAndOpenTerminal(browser.page, app);
}, 180_000);

// Each case starts from the lab running and its terminal opened anew from My labs in a laptop-sized window,
// live and focused, whatever the case before it left: the lab stopped, another page, a small window, the
// DOM renderer after a lost WebGL context.
beforeEach(async () => {
  const { page } = browser;
  await page.setViewportSize({ width: 1280, height: 800 });
  await startLabAndOpenTerminal(page, app);
  await page.getByTestId('terminal-status').getByText('live', { exact: true }).waitFor();
  await page.getByTestId('terminal').click();
}, 120_000);

const countLines = (text: string, line: string) => text.split('\n').filter((l) => l.trim() === line).length;

describe('student terminal in the browser', () => {
  it('runs echo hello typed on the keyboard and shows hello', async () => {
    const { page } = browser;
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo hello\n');
    const text = await waitForTerminal(page, /^hello\s*$/m);
    expect(countLines(text, 'hello')).toBe(1);
    // The terminal's WebSocket lives in a worker of its own (web/src/terminal/transport/worker-socket.ts).
    expect(page.workers().map((w) => w.url())).toContainEqual(expect.stringMatching(/\/assets\/socket-worker-[\w-]+\.js$/));
    await screenshot(page, 'terminal');
  });

  it('shows every output line exactly once when the connection is cut and restored mid-output', async () => {
    const { page } = browser;
    await page.keyboard.type('for i in 1 2 3 4 5 6 7 8; do echo "line-$i"; sleep 0.3; done\n');
    await waitForTerminal(page, /^line-2\s*$/m);
    await page.evaluate(() => window.__autolabs?.dropSocket());
    await waitForTerminalState(page, 'reconnecting', 5000).catch(() => undefined);
    await waitForTerminalState(page, 'live');
    await waitForTerminal(page, /^line-5\s*$/m);
    // A second cut while output continues.
    await page.evaluate(() => window.__autolabs?.dropSocket());
    await waitForTerminalState(page, 'live');
    const text = await waitForTerminal(page, /^line-8\s*$/m);
    for (let i = 1; i <= 8; i++) expect(countLines(text, `line-${i}`), `line-${i} in:\n${text}`).toBe(1);
    await waitForTerminal(page, PROMPT_AT_END);
  });

  it('keeps typing working after a reconnect', async () => {
    const { page } = browser;
    await page.evaluate(() => window.__autolabs?.dropSocket());
    await waitForTerminalState(page, 'live');
    await page.keyboard.type('echo after-$((20+22))\n');
    const text = await waitForTerminal(page, /^after-42\s*$/m);
    expect(countLines(text, 'after-42')).toBe(1);
  });

  it('says the connection is stalled while heartbeats go unanswered, and is live again when the network is back', async () => {
    const { page, context } = browser;
    const badge = page.getByTestId('terminal-status').locator('[data-status]').first();
    expect(await badge.textContent()).toBe('live');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    // The socket stays open (no close ever comes, as when a network drops silently): 'stalled' shows only
    // while the connection is live and a ping it sent went unanswered (the socket is in the page's worker,
    // whose traffic the page's network conditions govern too).
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    try {
      await page.getByTestId('terminal-status').getByText('stalled', { exact: true }).waitFor({ timeout: 60_000 });
      expect(await page.evaluate(() => window.__autolabs?.status())).toMatchObject({ state: 'live', stalled: true });
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    await page.getByTestId('terminal-status').getByText('live', { exact: true }).waitFor({ timeout: 60_000 });
    await waitForTerminalState(page, 'live');
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo back-$((30+3))\n');
    await waitForTerminal(page, /^back-33\s*$/m);
  }, 150_000);

  it('copies the selection with Ctrl+Shift+C and types what a paste event carries', async () => {
    const { page, context } = browser;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
    await page.keyboard.type('clear; stty size; echo copy-me-$((5*5))\n');
    const shown = await waitForTerminal(page, /^copy-me-25\s*$/m);
    const rows = Number(/^(\d+) \d+\s*$/m.exec(shown)?.[1]);
    // After `clear` the command, the size and the output are the top three rows: drag across them.
    const screen = await page.locator('.xterm-screen').boundingBox();
    if (!screen || !rows) throw new Error('terminal screen not measurable');
    const cell = screen.height / rows;
    await page.mouse.move(screen.x + 1, screen.y + cell / 2);
    await page.mouse.down();
    await page.mouse.move(screen.x + 300, screen.y + cell * 2.5, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.press('Control+Shift+C');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain('copy-me-25');

    await page.evaluate(() => {
      const area = document.querySelector<HTMLTextAreaElement>('.xterm-helper-textarea');
      const data = new DataTransfer();
      data.setData('text/plain', 'echo pasted-$((3*3))');
      area?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /^pasted-9\s*$/m);
  });

  it('interrupts with the key bar: sticky Ctrl then c', async () => {
    const { page } = browser;
    // The key goes in only once sleep runs in the foreground: sent while the shell is still starting it, the
    // interrupt reaches the shell instead and sleep runs on. A subshell is in the foreground before it runs
    // its first command, so its echo is the evidence (the command line on the screen is not: it is echoed
    // before the shell starts the command).
    await page.keyboard.type('(echo sleeping-$((3*3)); sleep 30)\n');
    await waitForTerminal(page, /^sleeping-9\s*$/m);
    await page.getByRole('toolbar', { name: 'Terminal keys' }).getByRole('button', { name: 'Ctrl' }).click();
    expect(await page.getByRole('button', { name: 'Ctrl' }).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.type('c');
    await page.keyboard.type('echo after-sleep\n');
    await waitForTerminal(page, /^after-sleep\s*$/m, 5000);
    expect(await page.getByRole('button', { name: 'Ctrl' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('resizes the remote terminal when the window shrinks', async () => {
    const { page } = browser;
    // What the shell says its size is, from a command typed now: the tag tells its output from an older
    // command's (an earlier case leaves a size on the screen too, and matching that one let this case go
    // on before its own command had run).
    let tags = 0;
    const shellSize = async (): Promise<{ rows: number; cols: number }> => {
      const tag = `size${++tags}`;
      await page.keyboard.type(`clear; echo ${tag}-$(stty size | tr ' ' x)\n`);
      const shown = await waitForTerminal(page, new RegExp(`^${tag}-\\d+x\\d+\\s*$`, 'm'));
      const [rows, cols] = new RegExp(`^${tag}-(\\d+)x(\\d+)\\s*$`, 'm').exec(shown)!.slice(1).map(Number);
      return { rows, cols };
    };
    const before = await shellSize();
    await page.setViewportSize({ width: 900, height: 600 });
    // The terminal refits to the smaller frame and tells the gateway in the same step: once xterm shows the
    // size its frame fits, the new size is on its way ahead of the command typed next.
    await page.waitForFunction(
      (cols) => {
        const shown = window.__autolabs?.size();
        const fits = window.__autolabs?.fits();
        return !!shown && !!fits && shown.cols < cols && shown.cols === fits.cols && shown.rows === fits.rows;
      },
      before.cols,
      { timeout: 10_000 },
    );
    let after = before;
    await expect
      .poll(async () => {
        after = await shellSize();
        return after.cols;
      })
      .toBeLessThan(before.cols);
    expect(after.rows).toBeLessThan(before.rows);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('runs the lab checks from the terminal page and counts more passes after the work is done', async () => {
    const { page } = browser;
    const panel = page.getByRole('status', { name: 'Check results' });
    const passedCount = async () => Number(/(\d+) of \d+ checks passed/.exec((await panel.textContent()) ?? '')?.[1]);
    await page.getByRole('button', { name: 'Check my work' }).click();
    await panel.getByText(/checks passed/).waitFor({ timeout: 30_000 });
    const before = await passedCount();
    await screenshot(page, 'checks');
    await page.getByTestId('terminal').click();
    await page.keyboard.type("mkdir -p ~/project && echo 'hello linux' > ~/project/notes.txt && chmod 600 ~/project/notes.txt && echo done-$((1+1))\n");
    await waitForTerminal(page, /^done-2\s*$/m);
    await page.getByRole('button', { name: 'Check my work' }).click();
    await expect.poll(passedCount, { timeout: 30_000 }).toBeGreaterThan(before);
  });

  // How fast is measured by `npm run bench` (Ctrl-C latency beside a direct PTY), not here.
  it('stops yes with Ctrl-C and returns to the prompt', async () => {
    const { page } = browser;
    await page.getByTestId('terminal').click();
    await page.keyboard.type('clear\n');
    await waitForTerminal(page, PROMPT_AT_END);
    await page.keyboard.type('yes\n');
    await waitForTerminal(page, /(^y\s*\n){20}/m);
    await page.keyboard.press('Control+C');
    // Reads only the screen's last lines, so polling does not compete with the terminal for the CPU.
    await page.waitForFunction(
      () => {
        const lines = (window.__autolabs?.terminalText(80) ?? '').split('\n').filter((l) => l.trim() !== '');
        const last = lines[lines.length - 1] ?? '';
        return /[$#>] ?$/.test(last) && last.trim() !== 'y';
      },
      undefined,
      { timeout: 10_000, polling: 20 },
    );
    expect(lastLine(await terminalText(page))).toMatch(PROMPT_AT_END);
  });

  it('draws with the DOM renderer where WebGL is drawn in software, says why, and switches to the GPU renderer on request, remembered', async () => {
    const { page } = browser;
    await page.evaluate(() => localStorage.removeItem('autolabs.terminal.renderer'));
    await startLabAndOpenTerminal(page, app);
    // Headless Chromium with --disable-gpu (test/browser/chromium.ts) draws WebGL with SwiftShader.
    const glName = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      return info ? String(gl?.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null;
    });
    expect(glName).toMatch(/SwiftShader/);
    const button = page.getByTestId('terminal-renderer');
    expect(await page.evaluate(() => window.__autolabs?.renderer())).toBe('dom');
    expect(await button.textContent()).toBe('DOM renderer');
    expect(await button.getAttribute('title')).toContain('WebGL is drawn in software here (');

    await button.click();
    await page.waitForFunction(() => window.__autolabs?.renderer() === 'webgl');
    expect(await button.textContent()).toBe('GPU renderer');
    expect(await button.getAttribute('title')).toContain('chosen in this browser');
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo gpu-$((40+2))\n');
    await waitForTerminal(page, /^gpu-42\s*$/m);
    // The DOM renderer's rows are gone: the canvas draws now.
    expect(await page.locator('.xterm-rows').count()).toBe(0);

    // The next terminal in this browser starts on the renderer chosen.
    await startLabAndOpenTerminal(page, app);
    expect(await page.evaluate(() => window.__autolabs?.renderer())).toBe('webgl');
  });

  it('keeps working on the DOM renderer after the WebGL context is lost', async () => {
    const { page } = browser;
    await page.evaluate(() => localStorage.setItem('autolabs.terminal.renderer', 'webgl'));
    await startLabAndOpenTerminal(page, app);
    expect(await page.evaluate(() => window.__autolabs?.renderer())).toBe('webgl');
    const lost = await page.evaluate(() => {
      // getContext returns the canvas's existing context only for the type it was created with.
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>('.xterm-screen canvas')) {
        const gl = canvas.getContext('webgl2');
        const ext = gl?.getExtension('WEBGL_lose_context');
        if (ext) {
          ext.loseContext();
          return true;
        }
      }
      return false;
    });
    expect(lost).toBe(true);
    await page.waitForFunction(() => window.__autolabs?.renderer() === 'dom', undefined, { timeout: 10_000 });
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo still-$((40+2))\n');
    await waitForTerminal(page, /^still-42\s*$/m);
    await page.locator('.xterm-rows').getByText('still-42', { exact: true }).waitFor();
  });

  it('stops the lab from My labs and offers to start it again', async () => {
    const { page } = browser;
    await page.goto(`${app.baseUrl}/#/my-labs`);
    const card = page.getByRole('article').first();
    await card.getByRole('button', { name: 'Stop' }).click();
    await card.getByRole('button', { name: 'Start again' }).waitFor({ timeout: 30_000 });
    expect(await card.locator('[data-status]').getAttribute('data-status')).toMatch(/stopped|archived/);
  });
});
