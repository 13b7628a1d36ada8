// What the team and referrer lists share: a person's invitation state in words.
import { formatDate } from '../format';
import type { PersonState } from '../types';

export interface Invited {
  state?: PersonState;
  invitation?: { sentAt: string; expiresAt: string; sends: number };
}

/** "invited Nov 30, link works until Dec 7", "invitation expired Dec 7", "deactivated", or nothing when active. */
export function stateWords(p: Invited): string {
  switch (p.state) {
    case 'pending':
      return `invited ${formatDate(p.invitation?.sentAt)}, not signed in yet (link works until ${formatDate(p.invitation?.expiresAt)})`;
    case 'expired':
      return `invitation expired ${formatDate(p.invitation?.expiresAt)}, never signed in`;
    case 'deactivated':
      return 'deactivated';
  }
  return '';
}

/** Whether the person's invitation can be resent or revoked. */
export const isPending = (p: Invited) => p.state === 'pending' || p.state === 'expired';
