import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const devServer = process.env.LATCHKEY_DEV_URL ?? 'http://localhost:3000';

// The console is served by Latchkey itself under /console (src/http/routes/console.ts), with a CSP
// that allows only same-origin scripts: no inline scripts, no external resources.
export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  // The console shares the server's contracts (src/contracts) and nothing else of the server.
  resolve: { alias: { '@contracts': fileURLToPath(new URL('../src/contracts', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Inline assets would become data: URLs for scripts, which the CSP refuses; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 800,
    sourcemap: false,
  },
  server: {
    // `npx vite --config console/vite.config.ts` for development, with hot reload: the API and the
    // sign-in pages come from a running Latchkey (`npm run dev`) at LATCHKEY_DEV_URL or port 3000.
    // Sign in at that server's /console first (the session cookie is shared by host, not port).
    proxy: Object.fromEntries(
      ['/console/api', '/console/auth', '/oauth2', '/.well-known', '/api/v1', '/interaction'].map((path) => [
        path,
        {
          target: devServer,
          // The server accepts console writes only from its own origin (CSRF): present that origin.
          configure: (proxy: { on(event: 'proxyReq', listener: (request: { setHeader(name: string, value: string): void }) => void): void }) =>
            proxy.on('proxyReq', (request) => request.setHeader('origin', new URL(devServer).origin)),
        },
      ]),
    ),
  },
});
