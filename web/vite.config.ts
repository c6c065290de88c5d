import { defineConfig } from 'vite';

/**
 * The web app is static files served by the embedded server (web/dist) or any CDN. In development the
 * Vite server forwards the API and the terminal WebSocket to a running AutoLabs on port 3000, so the
 * browser sees one origin exactly as in production (cookies stay SameSite=Lax, no CORS).
 */
const backend = process.env.AUTOLABS_DEV_BACKEND ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  // The server replaces this in index.html with a fresh nonce per response (server/src/web/serve-web-app.ts);
  // xterm's <style> elements carry it (src/terminal/view/style-nonce.ts).
  html: { cspNonce: '__CSP_NONCE__' },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    // xterm is only needed on terminal pages (loaded lazily); one named chunk keeps it cacheable.
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'xterm', test: /node_modules[\\/]@xterm/ }] } } },
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/gateway': { target: backend, ws: true, changeOrigin: false },
    },
  },
});
