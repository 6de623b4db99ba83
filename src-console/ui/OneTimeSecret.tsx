import type { ReactNode } from 'react';

/**
 * A secret the server shows once (a carrier key, a webhook signing secret, a reset password): "`what` for `owner`. Copy
 * it now…", then `children` (what to do with it), if any.
 */
export function OneTimeSecret({ what, owner, secret, children }: { what: string; owner: string; secret: string; children?: ReactNode }) {
  return (
    <div className="notice" role="status">
      <p>
        {what} for <strong>{owner}</strong>. Copy it now: it is not shown again.
      </p>
      <p>
        <code className="secret">{secret}</code>
      </p>
      {children}
    </div>
  );
}
