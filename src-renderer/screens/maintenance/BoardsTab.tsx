import { useSelector } from '@xstate/react';
import { useT } from '../../ui/i18n';
import type { MaintenanceRef } from './types';

/**
 * Each board's raw bits and frame counters. Live: the machine re-reads the overview every BOARDS_POLL_MS while this
 * tab is open, so the counters move as the boards are polled (they used to stand still until a button was pressed).
 */
export function BoardsTab({ actor }: { actor: MaintenanceRef }) {
  const t = useT();
  const overview = useSelector(actor, (s) => s.context.overview);
  const selfTest = useSelector(actor, (s) => s.context.selfTest);
  const cleared = useSelector(actor, (s) => s.context.codeLockoutCleared);
  return (
    <>
      <ul className="list" data-testid="boards" aria-live="off">
        {overview?.boards.map((b) => (
          <li key={b.board} data-board={b.board}>
            <span>
              <strong>{t('tech.board', { board: b.board })}</strong> · {b.online ? t('tech.boardOnline') : t('tech.boardOffline')}
              <br />
              <code>{t('tech.bits', { lock: b.lockBits, ir: b.irBits })}</code>
              <br />
              <span data-testid="board-frames">{t('tech.frames', { sent: b.framesSent, bad: b.framesBad, timeouts: b.timeouts })}</span>
            </span>
          </li>
        ))}
      </ul>
      {overview ? (
        <p className="muted">
          {overview.lockBitMeansClosed ? t('tech.polarityClosed') : t('tech.polarityOpen')} · {t('tech.boardsLive')}
        </p>
      ) : null}
      <button type="button" className="btn primary" onClick={() => actor.send({ type: 'SELF_TEST' })}>
        {t('tech.selfTest')}
      </button>
      {/* ADR 0008: a hardened pickup keypad (code + check code) can be set back to code alone; audited, the fleet is told. */}
      <button type="button" className="btn" onClick={() => actor.send({ type: 'CLEAR_CODE_LOCKOUT' })}>
        {t('tech.clearCodeLockout')}
      </button>
      {cleared ? (
        <p role="status" data-testid="code-lockout-cleared">
          {t('tech.codeLockoutCleared', { count: cleared.keypadFailures })}
        </p>
      ) : null}
      {selfTest ? (
        <div role="status" data-testid="self-test" style={{ width: 'min(900px, 100%)' }}>
          <ul className="list">
            {selfTest.boards.map((b) => (
              <li key={b.board}>{b.ok ? t('tech.selfTestOk', { board: b.board }) : t('tech.selfTestFail', { board: b.board, detail: b.detail })}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}
