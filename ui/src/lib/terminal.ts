// "Use in a terminal" (issue 17): the exact `envdesk-cli run` command for an environment — its path of
// slugs, and the connection by name when it is not the local vault (docs/cli.md). Nothing secret.
import type { Connection, NodePath } from './types';

/** A word for a POSIX shell: as it is when it is plain, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The command that runs a program with `path`'s secrets, up to the `--` after which the program goes. */
export function runCommand(path: NodePath, conn: Connection | undefined): string {
  const env = [path.project, path.target, path.environment].filter(Boolean).join('/');
  const connection = conn && conn.id !== 'local' ? ` --conn ${shellWord(conn.name)}` : '';
  return `envdesk-cli run --env ${env}${connection} -- `;
}
