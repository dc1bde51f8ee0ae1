import { fileURLToPath } from 'node:url';
import { outpostPwa } from '@outpost/pwa/vite';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { LOGO_COLOURS } from './build/icons.js';
import { webAppManifest } from './build/web-app-manifest.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The browser app lives in src/client and builds to dist/client, next to the server's dist/server.
export default defineConfig({
  root: here('src/client'),
  base: '/',
  publicDir: false,
  plugins: [
    preact(),
    webAppManifest({
      name: 'Outpost',
      shortName: 'Outpost',
      description: 'Music, mail, chat and news that keep working offline.',
      themeColor: LOGO_COLOURS.background,
      backgroundColor: '#f6f7f7',
    }),
    outpostPwa({ sw: here('src/sw.ts') }),
  ],
  build: {
    outDir: here('dist/client'),
    emptyOutDir: true,
    target: 'es2022',
  },
});
