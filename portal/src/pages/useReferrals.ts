// Paged GET /v1/referrals, shared by the staff queue and "My referrals".
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import type { ReferralList, ReferralSummary } from '../types';

export const PAGE_SIZE = 25;

/** `filter`: extra query parameters, e.g. "status=received" or "overdue=true" ('' for all). */
export function useReferrals(filter: string) {
  const [items, setItems] = useState<ReferralSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const fetchPage = (after?: string) => {
    const q = new URLSearchParams(filter);
    q.set('limit', String(PAGE_SIZE));
    if (after) q.set('cursor', after);
    return api.get<ReferralList>(`/v1/referrals?${q}`);
  };

  useEffect(() => {
    let live = true;
    setItems(null);
    setError('');
    fetchPage().then(
      (p) => {
        if (!live) return;
        setItems(p.items ?? []);
        setCursor(p.nextCursor || undefined);
      },
      (err) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [filter]);

  const loadMore = async () => {
    if (!cursor || busy) return;
    setBusy(true);
    setError('');
    try {
      const p = await fetchPage(cursor);
      setItems((old) => {
        const seen = new Set((old ?? []).map((r) => r.id));
        return [...(old ?? []), ...(p.items ?? []).filter((r) => !seen.has(r.id))];
      });
      setCursor(p.nextCursor || undefined);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return { items, error, busy, hasMore: !!cursor, loadMore };
}
