/**
 * Files the commands write (--out, --plot): their folder must exist. A mistyped folder is an
 * error naming it, before any work is done, rather than a tree of folders made in silence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CliError } from './args.js';

/** Checks that `file`'s folder exists and is a folder; `option` names the option in the error. */
export function checkOutputFolder(file: string, option: string): void {
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    st = undefined;
  }
  if (st === undefined) throw new CliError(`${option} ${file}: the directory ${path.dirname(file)} does not exist (create it first)`);
  if (!st.isDirectory()) throw new CliError(`${option} ${file}: ${path.dirname(file)} is not a directory`);
}
