// Builds the console UI into <package>/dist/console, served by `workrail console` under /console/.
// `npx vite --config ui/vite.config.ts` proxies /api to a console running on 127.0.0.1:3456.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // React Query and @xyflow/react mark their modules "use client" for server-component bundlers; a browser-only
      // bundle drops the directive harmlessly, so that one warning is noise.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('"use client"')) return;
        warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3456' } },
});
