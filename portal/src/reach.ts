// Whether a patient's phone can get a text, as far as the form can tell before submitting: the
// server reads numbers with libphonenumber (pkg/phone) and texts only valid numbers of the
// countries texts go to; the form knows the North American plan's rules, which a US or Canadian
// practice's numbers follow, and says nothing it cannot know about other numbers.

const NANP = new Set(['US', 'CA']);

/** Why a typed number gets no text ('' when it may get one, or when the form cannot tell). */
export function noTextReason(typed: string, country = 'US'): string {
  const t = typed.trim();
  if (!t) return 'no phone number';
  if (/[^\d\s()+.\-/]/.test(t)) return 'the phone number is not a number';
  let digits = t.replace(/\D/g, '');
  const international = t.startsWith('+');
  if (international && !digits.startsWith('1')) return ''; // another country: the server decides
  if (!international && !NANP.has(country.toUpperCase())) return '';
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (digits.length !== 10) return 'the phone number needs 10 digits with its area code';
  const area = digits.slice(0, 3);
  const exchange = digits.slice(3, 6);
  if (area === '555') return '555 is not a real area code';
  if (/^[01]/.test(area) || /^.11$/.test(area)) return `${area} is not an area code`;
  if (/^[01]/.test(exchange)) return 'the phone number is not one in use';
  return '';
}

/** The sentence the form shows when the patient will get neither a text nor an email. */
export function unreachedNote(phone: string, email: string, country?: string): string {
  if (email.trim() || !phone.trim()) return '';
  const why = noTextReason(phone, country);
  return why ? `The patient will get neither a text nor an email with their status code (${why}). Add their email, or the practice will call them.` : '';
}
