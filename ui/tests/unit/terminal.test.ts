import { describe, expect, it } from 'vitest';
import { runCommand, shellWord } from '../../src/lib/terminal';

describe('use in a terminal', () => {
  const path = { project: 'app', target: 'backend', environment: 'production' };
  it('names the environment, and a remote connection by its name', () => {
    expect(runCommand(path, { id: 'local', name: 'Local vault', url: 'local', organization: '' })).toBe('envdesk-cli run --env app/backend/production -- ');
    expect(runCommand(path, { id: 'c1', name: "Team's server", url: 'https://x', organization: 'O' })).toBe(`envdesk-cli run --env app/backend/production --conn 'Team'\\''s server' -- `);
  });
  it('quotes only what a shell would read otherwise', () => {
    expect(shellWord('team-1')).toBe('team-1');
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord('$(rm -rf ~)')).toBe("'$(rm -rf ~)'");
  });
});
