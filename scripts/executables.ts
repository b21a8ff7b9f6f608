/** Finding programs: shared by the Temporal CLI, browser and cluster setup scripts. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True when `path` exists and may be executed by this process. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folders of `PATH`, in order, empty entries dropped. */
export function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean);
}

/** The first executable `name` on `PATH`, or undefined. */
export function findOnPath(name: string): string | undefined {
  return pathDirs()
    .map((dir) => join(dir, name))
    .find(isExecutable);
}
