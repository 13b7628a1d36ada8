// "Check your email", shown after any request for a magic link.
import { useEffect, useRef } from 'preact/hooks';

export function CheckEmail({ email, practice, onAgain }: { email: string; practice?: string; onAgain?: () => void }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="panel" role="status">
      <h2 tabIndex={-1} ref={ref}>Check your email</h2>
      <p>
        {practice ? (
          <>
            If <strong>{email}</strong> can refer to this practice, or is new to it, a link is on its way. If you are new here, it
            asks who you are first.
          </>
        ) : (
          <>
            If <strong>{email}</strong> can sign in here, an email is on its way with a link for each practice you work with.
          </>
        )}{' '}
        Each link works once, for 15 minutes, and only the newest email’s do. Open it in this browser; elsewhere you will also
        need the code printed under it in the email.
      </p>
      {onAgain && (
        <p>
          <button type="button" class="link-button" onClick={onAgain}>Use another email address</button>
        </p>
      )}
    </div>
  );
}
