import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

const apiServer = 'http://localhost:3000';

export default defineConfig({
  plugins: [
    react(),
    // Compressed once here, at the highest levels, and served as they are (server/src/app.ts): raters download the
    // smallest file their browser accepts without the server compressing on every request.
    compression({
      include: /\.(js|css|svg)$/,
      algorithms: [defineAlgorithm('gzip', { level: 9 }), defineAlgorithm('brotliCompress')],
      logLevel: 'silent',
    }),
  ],
  resolve: {
    // The shared contract (the @anchor/shared workspace package) is read from its TypeScript source through its
    // "source" export condition, so the client needs no build of shared/.
    conditions: ['source', ...defaultClientConditions],
    alias: {
      // Cross-folder imports (lib/, components/, features/) go through `@/`; relative paths stay within a folder.
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': apiServer,
      '/socket.io': { target: apiServer, ws: true },
      '/healthz': apiServer,
      '/readyz': apiServer,
    },
  },
});
