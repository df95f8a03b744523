import { defineConfig } from 'vite';

// The dashboard is built into client/dist, which the service itself serves at `/`: no CDN.
export default defineConfig(({ mode }) => ({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No source map in a production build: the service would serve its ~1 MB of source to anyone.
    // `vite build --mode development client` makes one for debugging.
    sourcemap: mode !== 'production',
  },
  server: {
    // `vite client` for front-end work: the API (and its event stream) from a local service.
    proxy: { '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false } },
  },
}));
