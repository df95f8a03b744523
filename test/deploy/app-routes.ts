import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = join(__dirname, '..', '..', 'src');

function controllerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return controllerFiles(path);
    return entry.name.endsWith('.controller.ts') ? [path] : [];
  });
}

const joinPath = (...parts: string[]): string =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;

/**
 * The app's GET routes (`/api/health/ready`…), read from the controllers' Nest metadata, so
 * that a probe path is checked against what the app serves rather than against a copy of it.
 */
export function appGetRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const file of controllerFiles(SOURCE)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- every controller file, found at run time
    for (const exported of Object.values(require(file) as Record<string, unknown>)) {
      if (typeof exported !== 'function') continue;
      const base = Reflect.getMetadata(PATH_METADATA, exported) as string | string[] | undefined;
      if (base === undefined) continue;
      const prototype = exported.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[];
        for (const prefix of [base].flat())
          for (const suffix of [path].flat()) routes.add(joinPath(prefix, suffix));
      }
    }
  }
  return routes;
}
