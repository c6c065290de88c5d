/**
 * Worker thread entry: the headless terminals of the screen mirrors. Parsing terminal output is the
 * costliest thing the gateway does per byte, so it runs here, beside the main thread that moves bytes
 * between PTYs and sockets, instead of on it.
 */
import { parentPort } from 'node:worker_threads';
import headless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { FromScreenWorker, ToScreenWorker } from './screen-messages';

interface Screen {
  term: headless.Terminal;
  serializer: serializeAddon.SerializeAddon;
  /** Seq of the last frame parsed. */
  seq: number;
}

if (!parentPort) throw new Error('screen-worker must run in a worker thread');
const port = parentPort;
const screens = new Map<number, Screen>();
const post = (m: FromScreenWorker) => port.postMessage(m);

port.on('message', (m: ToScreenWorker) => {
  if (m.type === 'open') {
    const term = new headless.Terminal({ cols: m.cols, rows: m.rows, scrollback: m.scrollback, allowProposedApi: true });
    const serializer = new serializeAddon.SerializeAddon();
    term.loadAddon(serializer);
    screens.set(m.id, { term, serializer, seq: 0 });
    return;
  }
  const screen = screens.get(m.id);
  if (!screen) return;
  switch (m.type) {
    case 'write': {
      const bytes = m.data.byteLength;
      screen.term.write(m.data, () => {
        screen.seq = m.seq;
        post({ type: 'parsed', id: m.id, bytes });
      });
      return;
    }
    case 'resize':
      // Applied after the output written before it, as the PTY saw them.
      screen.term.write(new Uint8Array(0), () => screen.term.resize(m.cols, m.rows));
      return;
    case 'snapshot':
      screen.term.write(new Uint8Array(0), () =>
        post({
          type: 'snapshot',
          id: m.id,
          request: m.request,
          seq: screen.seq,
          data: screen.serializer.serialize({ scrollback: m.scrollback }),
          cols: screen.term.cols,
          rows: screen.term.rows,
        }),
      );
      return;
    case 'dispose':
      screen.term.dispose();
      screens.delete(m.id);
      return;
  }
});
