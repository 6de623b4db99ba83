import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * Issue 11: the kiosk and the fleet server share only src-shared and src-common; the kiosk reaches the demo's
 * in-process server through src-server/embedded.ts from src-main/sync/embedded.ts and nowhere else; the server
 * never imports the kiosk. The rule is ESLint's (eslint.config.js): this test runs the project's own config over
 * small sources placed at the paths that matter, and over the real tree.
 */
const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, filePath) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const use = (from: string) => `import * as x from '${from}';\nexport const y = x;\n`;

describe('import boundary between kiosk and fleet server', () => {
  it('the kiosk cannot import server code, not even the signing helpers it used to take from src-server/auth', async () => {
    expect(await restricted('src-main/services/boundary-probe.ts', use('../../src-server/auth/badges'))).toHaveLength(1);
    expect(await restricted('src-main/sync/boundary-probe.ts', use('../../src-server/http/auth'))).toHaveLength(1);
    expect(await restricted('src-main/store/boundary-probe.ts', use('../../src-server/store/db'))).toHaveLength(1);
    // The shared module is fine.
    expect(await restricted('src-main/sync/boundary-probe.ts', use('../../src-common/signing'))).toEqual([]);
  });

  it('the narrow entry: only src-main/sync/embedded.ts may import src-server/embedded, and nothing else there', async () => {
    expect(await restricted('src-main/sync/embedded.ts', use('../../src-server/embedded'))).toEqual([]);
    expect(await restricted('src-main/sync/embedded.ts', use('../../src-server/app'))).toHaveLength(1);
    expect(await restricted('src-main/sync/embedded.ts', use('../../src-server/log'))).toHaveLength(1);
    expect(await restricted('src-main/sync/client.ts', use('../../src-server/embedded'))).toHaveLength(1);
    expect(await restricted('src-main/core.ts', use('../src-server/embedded'))).toHaveLength(1);
  });

  it('the server never imports the kiosk', async () => {
    expect(await restricted('src-server/services/boundary-probe.ts', use('../../src-main/services/pickup'))).toHaveLength(1);
    expect(await restricted('src-server/boundary-probe.ts', use('../src-main/sync/http'))).toHaveLength(1);
    expect(await restricted('src-server/boundary-probe.ts', use('../src-main/store/repos'))).toHaveLength(1);
    expect(await restricted('src-server/store/boundary-probe.ts', use('../../src-main/store/sqlite'))).toHaveLength(1);
    expect(await restricted('src-server/http/boundary-probe.ts', use('../../src-common/signing'))).toEqual([]);
  });

  it('src-common imports neither side', async () => {
    expect(await restricted('src-common/boundary-probe.ts', use('../src-server/keys'))).toHaveLength(1);
    expect(await restricted('src-common/boundary-probe.ts', use('../src-main/clock'))).toHaveLength(1);
    expect(await restricted('src-common/boundary-probe.ts', use('electron'))).toHaveLength(1);
    expect(await restricted('src-common/boundary-probe.ts', use('node:crypto'))).toEqual([]);
  });

  it('the tree as it stands keeps the rule', async () => {
    const results = await eslint.lintFiles(['src-main/**/*.ts', 'src-server/**/*.ts', 'src-common/**/*.ts']);
    const broken = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(broken).toEqual([]);
  }, 120_000);
});
