// /practice/templates: the practice's outreach emails in its own words ({{first_name}} and
// {{practice}} only), and the automatic thank-you switches.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api';
import { TEMPLATE_LABEL } from '../outreach';
import type { Template, Templates as TemplatesData } from '../outreach';
import type { PageProps } from '../types';
import { Field, Status, useTitle } from '../ui';

export default function Templates(_: PageProps) {
  useTitle('Templates');
  const [data, setData] = useState<TemplatesData | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    api.get<TemplatesData>('/v1/templates').then(setData, (err) => setError(errorMessage(err)));
  }, []);

  return (
    <>
      <h1>Templates</h1>
      <p>
        The emails Referloop sends for you, in your words. Keep them short and about the other office. Use <code>{'{{first_name}}'}</code> for the
        recipient’s name and <code>{'{{practice}}'}</code> for yours; nothing else is filled in. Subject lines are set by Referloop, and your referral link is added
        under every email. Never put patient details here. Back to <a href="/practice/follow-ups">Follow-ups</a>.
      </p>
      {error && <p class="notice notice-bad" role="alert">{error}</p>}
      {!data && !error && <p class="loading" aria-live="polite">Loading…</p>}
      {data && <AutoThanks data={data} onSaved={setData} />}
      {data &&
        data.templates.map((t) => (
          <TemplateForm key={t.kind} template={t} onSaved={(nt) => setData((d) => d && { ...d, templates: d.templates.map((x) => (x.kind === nt.kind ? nt : x)) })} />
        ))}
    </>
  );
}

function AutoThanks({ data, onSaved }: { data: TemplatesData; onSaved: (d: TemplatesData) => void }) {
  const [first, setFirst] = useState(data.autoFirstReferral);
  const [seen, setSeen] = useState(data.autoSeen);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setStatus({ text: '', tone: 'ok' });
    try {
      const d = await api.put<TemplatesData>('/v1/templates', { autoFirstReferral: first, autoSeen: seen });
      onSaved(d);
      setStatus({ text: 'Saved.', tone: 'ok' });
    } catch (err) {
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="auto-h">
      <h2 id="auto-h">Automatic thank-yous</h2>
      <form onSubmit={submit} class="stack">
        <fieldset>
          <legend>Send a thank-you email to the referring provider, and log it as a touch:</legend>
          <label class="check">
            <input type="checkbox" checked={first} onChange={(e) => setFirst(e.currentTarget.checked)} /> after an office’s first referral
          </label>
          <label class="check">
            <input type="checkbox" checked={seen} onChange={(e) => setSeen(e.currentTarget.checked)} /> when their patient was seen (only where the patient agreed to
            share outcomes, and the office wants updates)
          </label>
        </fieldset>
        <p class="hint">Sent once per event, at most 2 outreach emails a day to one address. They never name the patient.</p>
        <Status tone={status.tone}>{status.text}</Status>
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
      </form>
    </section>
  );
}

function TemplateForm({ template, onSaved }: { template: Template; onSaved: (t: Template) => void }) {
  const [body, setBody] = useState(template.body);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState({ text: '', tone: 'ok' as 'ok' | 'bad' });
  const id = `tpl-${template.kind}`;
  const save = async (text: string) => {
    if (busy) return;
    setBusy(true);
    setError('');
    setStatus({ text: '', tone: 'ok' });
    try {
      const t = await api.put<Template>(`/v1/templates/${template.kind}`, { body: text });
      onSaved(t);
      setBody(t.body);
      setStatus({ text: t.custom ? 'Saved.' : 'Back to Referloop’s default.', tone: 'ok' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setError(err.errors.body ?? err.title);
      setStatus({ text: errorMessage(err), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel template" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{TEMPLATE_LABEL[template.kind] ?? template.kind}</h2>
      <p class="meta">
        {template.subject ? <>Subject: “{template.subject}”</> : <>Not emailed: a note for your front desk, cards and print.</>}
        {template.custom ? ' · your words' : ' · Referloop’s default'}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save(body);
        }}
        noValidate
        class="stack"
      >
        <Field path={id} label="Text" multiline maxLength={2000} value={body} onValue={setBody} error={error} />
        <Status tone={status.tone}>{status.text}</Status>
        <div class="button-row">
          <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
          {template.custom && (
            <button type="button" class="secondary" disabled={busy} onClick={() => save('')}>
              Use the default
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
