// "Check your email", shown after any request for a magic link.
import { useEffect, useRef } from 'preact/hooks';

export function CheckEmail({ email, onAgain }: { email: string; onAgain?: () => void }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="panel" role="status">
      <h2 tabIndex={-1} ref={ref}>Check your email</h2>
      <p>
        If <strong>{email}</strong> can sign in here, a link is on its way. It works once, for 15 minutes,
        and only the newest link does. Open it in this browser; elsewhere you will also need the code
        printed under it in the email.
      </p>
      {onAgain && (
        <p>
          <button type="button" class="link-button" onClick={onAgain}>Use another email address</button>
        </p>
      )}
    </div>
  );
}
