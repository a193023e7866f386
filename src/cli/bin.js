#!/usr/bin/env node
// The `keyturn` command: the TypeScript sources through tsx's loader where tsx is installed (development:
// no build step), else the CLI `npm run build` compiled into dist/ (a production install without
// development dependencies).
let tsx;
try {
  tsx = await import('tsx/esm/api');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
}
if (tsx) {
  tsx.register();
  await import('./main.ts');
} else {
  await import(new URL('../../dist/src/cli/main.js', import.meta.url).href);
}
