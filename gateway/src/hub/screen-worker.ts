/**
 * Worker thread entry: the headless terminals of the screen mirrors. Parsing terminal output is the
 * costliest thing the gateway does per byte, so it runs here, beside the main thread that moves bytes
 * between PTYs and sockets, instead of on it. A session's terminal is created on its first write or
 * snapshot: most sessions never need one (screen-mirror.ts).
 */
import { parentPort } from 'node:worker_threads';
import headless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { FromScreenWorker, ToScreenWorker } from './screen-messages';

interface Screen {
  cols: number;
  rows: number;
  scrollback: number;
  term: headless.Terminal | null;
  serializer: serializeAddon.SerializeAddon | null;
}

if (!parentPort) throw new Error('screen-worker must run in a worker thread');
const port = parentPort;
const screens = new Map<number, Screen>();
const post = (m: FromScreenWorker) => port.postMessage(m);

function terminal(screen: Screen): { term: headless.Terminal; serializer: serializeAddon.SerializeAddon } {
  if (!screen.term || !screen.serializer) {
    screen.term = new headless.Terminal({ cols: screen.cols, rows: screen.rows, scrollback: screen.scrollback, allowProposedApi: true });
    screen.serializer = new serializeAddon.SerializeAddon();
    screen.term.loadAddon(screen.serializer);
  }
  return { term: screen.term, serializer: screen.serializer };
}

port.on('message', (m: ToScreenWorker) => {
  if (m.type === 'open') {
    screens.set(m.id, { cols: m.cols, rows: m.rows, scrollback: m.scrollback, term: null, serializer: null });
    return;
  }
  const screen = screens.get(m.id);
  if (!screen) return;
  switch (m.type) {
    case 'write': {
      const bytes = m.data.byteLength;
      terminal(screen).term.write(m.data, () => post({ type: 'parsed', id: m.id, bytes }));
      return;
    }
    case 'resize':
      screen.cols = m.cols;
      screen.rows = m.rows;
      // Applied after the output written before it, as the PTY saw them.
      if (screen.term) screen.term.write(new Uint8Array(0), () => screen.term?.resize(m.cols, m.rows));
      return;
    case 'snapshot': {
      const { term, serializer } = terminal(screen);
      const bytes = m.data.byteLength;
      term.write(m.data, () => {
        // Disposed meanwhile: its mirror stopped waiting (and the terminal can no longer be read).
        if (screens.get(m.id) !== screen) return;
        post({
          type: 'snapshot',
          id: m.id,
          request: m.request,
          seq: m.seq,
          data: serializer.serialize({ scrollback: m.scrollback }),
          cols: term.cols,
          rows: term.rows,
          bytes,
        });
      });
      return;
    }
    case 'text': {
      const { term } = terminal(screen);
      const bytes = m.data.byteLength;
      term.write(m.data, () => {
        if (screens.get(m.id) !== screen) return;
        const buffer = term.buffer.active;
        const rows = Math.min(term.rows, m.maxRows);
        const lines: string[] = [];
        for (let y = 0; y < rows; y++) lines.push((buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '').slice(0, m.maxCols));
        while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
        post({ type: 'text', id: m.id, request: m.request, seq: m.seq, lines, cols: term.cols, rows: term.rows, cursorX: buffer.cursorX, cursorY: buffer.cursorY, bytes });
      });
      return;
    }
    case 'dispose':
      screen.term?.dispose();
      screens.delete(m.id);
      return;
  }
});
