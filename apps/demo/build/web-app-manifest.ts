import type { Plugin } from 'vite';
import { drawIcon } from './icons.js';

/** What goes into the web app manifest besides the generated icons. */
export interface WebAppManifestOptions {
  name: string;
  shortName: string;
  description: string;
  themeColor: string;
  backgroundColor: string;
  /** Icon sizes to draw; each gets an `any` and a `maskable` PNG. */
  iconSizes?: readonly number[];
}

/**
 * Emits `manifest.webmanifest` and its icons (drawn at build time, no binary dependencies) into the bundle, and
 * links them from index.html. Emitting them as bundle assets means `@outpost/pwa/vite` precaches them too.
 */
export function webAppManifest(options: WebAppManifestOptions): Plugin {
  const sizes = options.iconSizes ?? [192, 512];
  let base = '/';
  return {
    name: 'outpost-demo-web-app-manifest',
    configResolved(config) {
      base = config.base;
    },
    generateBundle() {
      const icons = sizes.flatMap((size) =>
        (['any', 'maskable'] as const).map((purpose) => {
          const fileName = `icons/${purpose}-${size}.png`;
          this.emitFile({ type: 'asset', fileName, source: drawIcon(size, purpose) });
          return { src: base + fileName, sizes: `${size}x${size}`, type: 'image/png', purpose };
        }),
      );
      const manifest = {
        name: options.name,
        short_name: options.shortName,
        description: options.description,
        id: base,
        start_url: base,
        scope: base,
        display: 'standalone',
        theme_color: options.themeColor,
        background_color: options.backgroundColor,
        icons,
      };
      this.emitFile({
        type: 'asset',
        fileName: 'manifest.webmanifest',
        source: `${JSON.stringify(manifest, null, 2)}\n`,
      });
    },
    transformIndexHtml() {
      return [
        { tag: 'link', attrs: { rel: 'manifest', href: `${base}manifest.webmanifest` }, injectTo: 'head' },
        { tag: 'link', attrs: { rel: 'icon', type: 'image/png', href: `${base}icons/any-192.png` }, injectTo: 'head' },
        { tag: 'link', attrs: { rel: 'apple-touch-icon', href: `${base}icons/maskable-192.png` }, injectTo: 'head' },
        { tag: 'meta', attrs: { name: 'theme-color', content: options.themeColor }, injectTo: 'head' },
      ];
    },
  };
}
