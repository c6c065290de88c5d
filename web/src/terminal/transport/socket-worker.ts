/**
 * The worker end of WorkerSocket (worker-socket.ts): holds the terminal's WebSocket on a thread of its own
 * and passes its events to the page, each received message's buffer transferred, not copied.
 * Messages in: { op: 'open', url } | { op: 'send', data } | { op: 'close', code?, reason? }.
 * Messages out: { ev: 'open' } | { ev: 'message', data } | { ev: 'close', code, reason }.
 */
export type ToWorker = { op: 'open'; url: string } | { op: 'send'; data: string | ArrayBuffer } | { op: 'close'; code?: number; reason?: string };
export type FromWorker = { ev: 'open' } | { ev: 'message'; data: string | ArrayBuffer } | { ev: 'close'; code: number; reason: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  close(): void;
}

const scope = self as unknown as WorkerScope;
let socket: WebSocket | null = null;

scope.onmessage = (e) => {
  const m = e.data;
  if (m.op === 'open') {
    const ws = new WebSocket(m.url);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => scope.postMessage({ ev: 'open' });
    ws.onmessage = (ev: MessageEvent<string | ArrayBuffer>) => {
      const data = ev.data;
      if (typeof data === 'string') scope.postMessage({ ev: 'message', data });
      else scope.postMessage({ ev: 'message', data }, [data]);
    };
    ws.onclose = (ev) => {
      scope.postMessage({ ev: 'close', code: ev.code, reason: ev.reason });
      scope.close();
    };
  } else if (m.op === 'send') {
    if (socket?.readyState === WebSocket.OPEN) socket.send(m.data);
  } else if (m.op === 'close') {
    socket?.close(m.code, m.reason);
  }
};
