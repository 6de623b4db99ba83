/** A secret the server shows once (a carrier key, a webhook signing secret): "`what` for `owner`. Copy it now…". */
export function OneTimeSecret({ what, owner, secret }: { what: string; owner: string; secret: string }) {
  return (
    <div className="notice" role="status">
      <p>
        {what} for <strong>{owner}</strong>. Copy it now: it is not shown again.
      </p>
      <p>
        <code className="secret">{secret}</code>
      </p>
    </div>
  );
}
