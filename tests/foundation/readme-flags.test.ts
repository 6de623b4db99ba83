import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src-main/config';
import { parseLauncherArgs } from '../../src-main/deploy/launcher';

/**
 * The README cannot drift from the parsers (red-team finding 9: it said `--serial-port`, the flag is `--serial-path`).
 * Every `--flag` in its code (fenced blocks and inline code) is checked against the real parser of the entry point
 * the command names: `npm start` and a kiosk's options (after `npm run kiosk -- … --`, a `systemctl edit` line) go
 * to the kiosk's loadConfig, `npm run kiosk` to the launcher's, `npm run server [restore-mark|create-admin]` and
 * `npm run board-sim` to those processes. A flag mentioned on its own must be accepted by at least one of them.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const env = { ...process.env, KIOSK_LOG_LEVEL: 'warn' };

type Entry = 'kiosk' | 'launcher' | 'server' | 'restore-mark' | 'create-admin' | 'board-sim';
/** Flags that belong to other programs the README quotes (Node's inspector, vitest, Chromium, useradd). */
const FOREIGN = new Set(['--inspect', '--project', '--system', '--no-create-home', '--groups', '--now', '--help']);

/** Code in the README: each fenced block's lines and each inline span (which may wrap across lines). */
function codeSnippets(md: string): string[] {
  const fenced = [...md.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
  const inline = [...md.replace(/```[a-z]*\n[\s\S]*?```/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\s+/g, ' '));
  return [...fenced, ...inline];
}

const flagsIn = (text: string): string[] => [...text.matchAll(/(?<![\w-])--[a-zA-Z](?:[\w.-]*[a-zA-Z0-9])?/g)].map((m) => m[0]).filter((f) => !FOREIGN.has(f));

/** Which entry point each flag of one snippet belongs to; `null` for a flag quoted on its own. */
function attribute(snippet: string): Array<{ flag: string; entry: Entry | null }> {
  const s = snippet.replace(/#.*systemctl edit/, 'systemctl edit');
  if (/systemctl edit locker-kiosk(?!-browser)/.test(s)) return flagsIn(s.split('systemctl edit')[1]!).map((flag) => ({ flag, entry: 'kiosk' }));
  const at = (cmd: string) => s.indexOf(cmd);
  // A unit's or drop-in's ExecStart: host.js is the kiosk, deploy.js the launcher.
  const exec = /out\/main\/(host|deploy)\.js(.*)$/.exec(s);
  if (exec) return flagsIn(exec[2]!).map((flag) => ({ flag, entry: exec[1] === 'host' ? 'kiosk' : 'launcher' }));
  if (at('npm run kiosk') >= 0) {
    const rest = s.slice(at('npm run kiosk') + 'npm run kiosk'.length).replace(/^\s*--\s/, ' ');
    const [own, kiosk = ''] = rest.split(/\s--\s/);
    return [...flagsIn(own!).map((flag) => ({ flag, entry: 'launcher' as const })), ...flagsIn(kiosk).map((flag) => ({ flag, entry: 'kiosk' as const }))];
  }
  const sub = /npm run server -- (restore-mark|create-admin)/.exec(s);
  if (sub) return flagsIn(s.slice(sub.index + sub[0].length)).map((flag) => ({ flag, entry: sub[1] as Entry }));
  if (at('npm run server') >= 0) return flagsIn(s.slice(at('npm run server'))).map((flag) => ({ flag, entry: 'server' }));
  if (at('npm run board-sim') >= 0) return flagsIn(s.slice(at('npm run board-sim'))).map((flag) => ({ flag, entry: 'board-sim' }));
  if (at('npm start') >= 0) return flagsIn(s.slice(at('npm start'))).map((flag) => ({ flag, entry: 'kiosk' }));
  if (/\bnpx (vitest|playwright|tsx)\b|npm run (bench|pin-hash|build)/.test(s)) return [];
  return flagsIn(s).map((flag) => ({ flag, entry: null }));
}

/** The flags a process entry point's --help lists, each then confirmed by its parser (see beforeAll). */
const listed = new Map<Entry, Set<string>>();
const PROCESS_ENTRIES: Record<Exclude<Entry, 'kiosk' | 'launcher'>, string[]> = {
  server: [path.join(root, 'src-server', 'main.ts')],
  'restore-mark': [path.join(root, 'src-server', 'main.ts'), 'restore-mark'],
  'create-admin': [path.join(root, 'src-server', 'main.ts'), 'create-admin'],
  'board-sim': [path.join(root, 'src-main', 'hardware', 'sim', 'cli.ts')],
};

/** Whether the kiosk's or the launcher's parser knows `flag` (a bad value is fine: only "unknown" counts). */
function acceptedInProcess(entry: 'kiosk' | 'launcher', flag: string): boolean {
  try {
    if (entry === 'kiosk') loadConfig([`${flag}=true`], {});
    else parseLauncherArgs([`${flag}=true`]);
    return true;
  } catch (err) {
    const m = (err as Error).message;
    if (entry === 'kiosk' && err instanceof ConfigError) return !m.startsWith(`unknown option ${flag}`);
    return !m.startsWith(`Unknown option '${flag}'`);
  }
}

const accepts = (entry: Entry, flag: string): boolean =>
  entry === 'kiosk' || entry === 'launcher' ? acceptedInProcess(entry, flag) : (listed.get(entry)?.has(flag) ?? false);

describe('every flag the README shows is one its entry point accepts', () => {
  beforeAll(() => {
    for (const [entry, cmd] of Object.entries(PROCESS_ENTRIES) as [Exclude<Entry, 'kiosk' | 'launcher'>, string[]][]) {
      const help = spawnSync(tsx, [...cmd, '--help'], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
      expect(help.status, help.stderr).toBe(0);
      // The server's usage also shows its subcommands' lines: those flags are theirs.
      const own = help.stdout.split('\n').filter((l) => entry !== 'server' || !/restore-mark|create-admin/.test(l));
      const flags = new Set(flagsIn(own.join('\n')));
      // Kept only what the parser itself takes: all the flags at once, then one it cannot know; parseArgs names the
      // first unknown flag, so a usage line mentioning another program's flag drops out here and the probe goes on.
      for (;;) {
        const probe = spawnSync(tsx, [...cmd, ...[...flags].map((f) => `${f}=true`), '--zz-readme-probe'], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
        const unknown = /Unknown option '(--[^']+)'/.exec(probe.stderr)?.[1];
        expect(unknown, `${entry}: ${probe.stderr}`).toBeDefined();
        if (unknown === '--zz-readme-probe' || !flags.delete(unknown!)) break;
      }
      listed.set(entry, flags);
    }
  }, 600_000);

  it('finds the README\'s flags (the extraction itself works)', () => {
    const all = codeSnippets(readme).flatMap(attribute);
    expect(all.length).toBeGreaterThan(30);
    expect(all).toContainEqual({ flag: '--undelivered-days', entry: null });
    expect(all).toContainEqual({ flag: '--enrollment-token', entry: 'kiosk' });
    expect(all).toContainEqual({ flag: '--password-stdin', entry: 'create-admin' });
  });

  it('each flag is accepted by the entry point whose command shows it, or by one of them when quoted alone', () => {
    const wrong: string[] = [];
    for (const { flag, entry } of codeSnippets(readme).flatMap(attribute)) {
      const ok = entry ? accepts(entry, flag) : (['kiosk', 'launcher', 'server', 'restore-mark', 'create-admin', 'board-sim'] as const).some((e) => accepts(e, flag));
      if (!ok) wrong.push(`${flag} (${entry ?? 'any entry point'})`);
    }
    expect(wrong).toEqual([]);
  });

  it('the systemctl edit drop-in resets ExecStart= before giving a new one (systemd refuses a second ExecStart otherwise)', () => {
    const blocks = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const dropIns = blocks.filter((b) => /^\s*ExecStart=\S/m.test(b) && /\[Service\]/.test(b));
    expect(dropIns.length, 'a drop-in example with [Service] and ExecStart=').toBeGreaterThan(0);
    for (const b of dropIns) {
      const lines = b.split('\n').map((l) => l.trim());
      const first = lines.findIndex((l) => l.startsWith('ExecStart='));
      expect(lines[first], b).toBe('ExecStart=');
      expect(lines.slice(first + 1).some((l) => /^ExecStart=\S/.test(l)), b).toBe(true);
    }
    // And the text that sends people to `systemctl edit` shows such a drop-in.
    expect(readme).toMatch(/systemctl edit locker-kiosk/);
  });
});
