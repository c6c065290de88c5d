/**
 * The chart's Ingress, played by the test (the cluster has no ingress controller): one origin on this
 * machine that sends `/gateway` to the gateway's Service and everything else to the API's, HTTP and
 * WebSocket upgrades alike, with the Host header unchanged, as ingress-nginx does. The Services are NodePorts
 * on the real node's address, so the same origin keeps working when a rollout replaces the pods.
 */
import http from 'node:http';
import net from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface FrontDoor {
  url: string;
  /** Where the two paths go; set once the Services exist (the origin must be known before the install). */
  route(api: Upstream, gateway: Upstream): void;
  close(): Promise<void>;
}

export async function startFrontDoor(): Promise<FrontDoor> {
  let routes: { api: Upstream; gateway: Upstream } | undefined;
  const sockets = new Set<net.Socket>();
  const upstreamOf = (url = '/'): Upstream => {
    if (!routes) throw new Error('front door: no routes yet');
    return url === '/gateway' || url.startsWith('/gateway/') ? routes.gateway : routes.api;
  };
  const server = http.createServer((req, res) => {
    let to: Upstream;
    try {
      to = upstreamOf(req.url);
    } catch (e) {
      res.writeHead(503).end((e as Error).message);
      return;
    }
    const out = http.request({ host: to.host, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    out.on('error', (e) => (res.headersSent ? res.destroy() : res.writeHead(502).end(e.message)));
    req.pipe(out);
  });
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const to = upstreamOf(req.url);
    const upstream = net.connect(to.port, to.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined).on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    route(api, gateway) {
      routes = { api, gateway };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
