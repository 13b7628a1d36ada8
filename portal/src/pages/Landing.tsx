import { useTitle } from '../ui';

export default function Landing() {
  useTitle('');
  return (
    <section class="hero">
      <h1>Referloop</h1>
      <p class="lead">
        Referrals between medical practices, without the fax: partners refer a patient in two minutes,
        and everyone sees where each referral stands until the loop is closed.
      </p>
      <p class="actions">
        <a class="button" href="/signup">Sign up your practice</a>
        <a class="button secondary" href="/signin">Sign in</a>
      </p>
    </section>
  );
}
