/**
 * Time limits Node's HTTP server puts on a request before any handler sees it, the same for every
 * AutoLabs process. Fastify turns Node's request timeout off and Node checks its header timeout only
 * every 30 s, so a client trickling its headers (a WebSocket upgrade is only headers) or a body could
 * hold a connection for minutes and, many times over, the server's sockets. An upgraded WebSocket
 * leaves the HTTP parser at 101: these limits do not apply to it (its hello has its own timeout).
 */
export const HTTP_TIMEOUTS = {
  /** All request headers within this time, else 408 and the connection is closed. */
  headersTimeoutMs: 10_000,
  /** The whole request (headers and body) within this time; bodies are at most a few MB. */
  requestTimeoutMs: 60_000,
  /** How often Node looks for connections past those limits (so a cut happens up to this much later). */
  checkIntervalMs: 2_000,
} as const;

/** The fastify server options carrying HTTP_TIMEOUTS. */
export const httpTimeoutOptions = {
  requestTimeout: HTTP_TIMEOUTS.requestTimeoutMs,
  http: { headersTimeout: HTTP_TIMEOUTS.headersTimeoutMs, connectionsCheckingInterval: HTTP_TIMEOUTS.checkIntervalMs },
};
