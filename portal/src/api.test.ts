import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, errorMessage, parseProblem, readCookie, request, requestTagged } from './api';

const problem = JSON.stringify({
  type: 'https://referloop.dev/problems/validation',
  title: 'Some fields need attention',
  status: 422,
  detail: '2 fields need attention',
  errors: [
    { field: 'patient.dateOfBirth', detail: 'must be a past date, YYYY-MM-DD' },
    { field: 'conditions.2', detail: 'must not be empty' },
    { field: 'conditions.2', detail: 'is too long' },
  ],
});

describe('parseProblem', () => {
  it('reads problem+json into a typed error with field errors', () => {
    const e = parseProblem(422, 'application/problem+json', problem);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(422);
    expect(e.type).toBe('https://referloop.dev/problems/validation');
    expect(e.title).toBe('Some fields need attention');
    expect(e.detail).toBe('2 fields need attention');
    expect(e.errors).toEqual({ 'patient.dateOfBirth': 'must be a past date, YYYY-MM-DD', 'conditions.2': 'must not be empty; is too long' });
  });

  it('copes with non-JSON and empty bodies', () => {
    const e = parseProblem(502, 'text/html', '<html>Bad gateway</html>');
    expect(e.status).toBe(502);
    expect(e.title).toMatch(/went wrong/);
    expect(e.errors).toEqual({});
    expect(parseProblem(404, 'application/problem+json', '').title).toBe('Not found');
    expect(parseProblem(400, 'application/json', '{not json').title).toMatch(/not understood/);
  });

  it('ignores malformed errors entries', () => {
    const e = parseProblem(422, 'application/problem+json', JSON.stringify({ title: 'x', errors: [null, 3, { field: 'a' }, { detail: 'whole body' }] }));
    expect(e.errors).toEqual({ a: 'is not valid', '': 'whole body' });
  });

  it('reads Retry-After on 429', () => {
    const e = parseProblem(429, 'application/problem+json', JSON.stringify({ title: 'Too many requests', status: 429 }), '30');
    expect(e.retryAfter).toBe(30);
    expect(errorMessage(e)).toMatch(/30 s/);
  });

  it('says which daily limit was reached, and when it lifts', () => {
    const body = JSON.stringify({ title: 'Too many requests', status: 429, detail: 'you can send this practice 30 referrals a day' });
    expect(errorMessage(parseProblem(429, 'application/problem+json', body, '36000'))).toBe('you can send this practice 30 referrals a day (try again in 10 h)');
    expect(errorMessage(parseProblem(429, 'application/problem+json', body, '600'))).toBe('Too many requests (try again in 10 min)');
  });
});

describe('parseProblem: illegal transitions', () => {
  it('keeps the allowed statuses', () => {
    const body = JSON.stringify({ type: 'https://referloop.dev/problems/illegal-transition', title: 'This move is not allowed now', status: 422, allowed: ['accepted', 7, 'cancelled'] });
    expect(parseProblem(422, 'application/problem+json', body).allowed).toEqual(['accepted', 'cancelled']);
    expect(parseProblem(422, 'application/problem+json', '{"title":"x"}').allowed).toBeUndefined();
  });
});

describe('parseProblem: magic-link codes', () => {
  it('keeps how many tries a link has left', () => {
    const body = JSON.stringify({ type: 'https://referloop.dev/problems/wrong-code', title: 'That code is not right', status: 401, triesLeft: 3 });
    const err = parseProblem(401, 'application/problem+json', body);
    expect(err.type).toBe('https://referloop.dev/problems/wrong-code');
    expect(err.triesLeft).toBe(3);
    expect(parseProblem(401, 'application/problem+json', '{"title":"x","triesLeft":"3"}').triesLeft).toBeUndefined();
  });
});

describe('readCookie', () => {
  it('finds a cookie by name', () => {
    expect(readCookie('rl_csrf', 'a=1; rl_csrf=abc%3D%3D; b=2')).toBe('abc==');
    expect(readCookie('rl_csrf', 'xrl_csrf=1')).toBeUndefined();
    expect(readCookie('rl_csrf', '')).toBeUndefined();
  });
});

describe('request', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('sends JSON with same-origin credentials and the CSRF token on writes', async () => {
    vi.stubGlobal('document', { cookie: 'rl_csrf=tok123' });
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: 1 }), { status: 201, headers: { 'Content-Type': 'application/json' } }));
    vi.stubGlobal('fetch', fetch);
    const out = await request('POST', '/v1/partners', { body: { name: 'x' }, headers: { 'Idempotency-Key': 'K' } });
    expect(out).toEqual({ ok: 1 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/v1/partners');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"name":"x"}');
    const h = init.headers as Record<string, string>;
    expect(h['X-CSRF-Token']).toBe('tok123');
    expect(h['Content-Type']).toBe('application/json');
    expect(h['Idempotency-Key']).toBe('K');
  });

  it('sends no CSRF header on GET and throws ApiError on problems', async () => {
    vi.stubGlobal('document', { cookie: 'rl_csrf=tok123' });
    const fetch = vi.fn(async () => new Response(problem, { status: 422, headers: { 'Content-Type': 'application/problem+json' } }));
    vi.stubGlobal('fetch', fetch);
    await expect(request('GET', '/v1/x')).rejects.toMatchObject({ status: 422, errors: { 'patient.dateOfBirth': expect.any(String) } });
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('turns a network failure into status 0', async () => {
    vi.stubGlobal('document', { cookie: '' });
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    await expect(request('GET', '/v1/me')).rejects.toMatchObject({ status: 0 });
  });

  it('returns undefined for 204', async () => {
    vi.stubGlobal('document', { cookie: 'rl_csrf=t' });
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    await expect(request('DELETE', '/v1/auth/sessions/current')).resolves.toBeUndefined();
  });

  it('returns the ETag with the body', async () => {
    vi.stubGlobal('document', { cookie: '' });
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"id":"r1","version":3}', { status: 200, headers: { 'Content-Type': 'application/json', ETag: '"3"' } })));
    await expect(requestTagged('GET', '/v1/referrals/r1')).resolves.toEqual({ data: { id: 'r1', version: 3 }, etag: '"3"' });
  });
});
