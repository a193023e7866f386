// Where the project's non-code folders (views/, locales/) are, whether Keyturn runs from src/ under tsx or
// from the compiled dist/src/: the nearest ancestor folder holding package.json.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let folder = start;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`no package.json above ${start}`);
    folder = parent;
  }
  return folder;
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const viewsDirectory = join(projectRoot, 'views');
export const localesDirectory = join(projectRoot, 'locales');
