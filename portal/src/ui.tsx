// Small shared pieces for forms and lists. Each page imports only what it uses.
import type { ComponentChildren, Ref } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { statusLabel } from './format';

/** "patient.dateOfBirth" → "f-patient-dateOfBirth": the element id of a field, by its body path. */
export const fieldId = (path: string) => 'f-' + path.replace(/[^A-Za-z0-9_-]/g, '-');

interface FieldProps {
  type?: 'text' | 'email' | 'tel';
  inputMode?: 'text' | 'numeric' | 'tel' | 'email';
  autoComplete?: string;
  maxLength?: number;
  placeholder?: string;
  pattern?: string;
  required?: boolean;
  class?: string;
  /** the body path this field fills; its errors are keyed the same way */
  path: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string;
  value: string;
  onValue: (v: string) => void;
  multiline?: boolean;
  inputRef?: Ref<HTMLInputElement>;
}

export function Field({ path, label, hint, error, value, onValue, multiline, inputRef, class: cls, type = 'text', ...rest }: FieldProps) {
  const id = fieldId(path);
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: path,
    value,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
    onInput: (e: Event) => onValue((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={`field${error ? ' field-error' : ''}${cls ? ' ' + cls : ''}`}>
      <label for={id}>{label}</label>
      {hint && <div id={`${id}-hint`} class="hint">{hint}</div>}
      {error && <FieldError id={`${id}-error`} message={error} />}
      {multiline ? (
        <textarea {...common} rows={4} maxLength={rest.maxLength} />
      ) : (
        <input {...rest} {...common} type={type as 'text'} ref={inputRef} />
      )}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} class="error-text">
      <span class="visually-hidden">Error: </span>
      {message}
    </p>
  );
}

/**
 * The list of problems shown above a form after a failed submit. It takes focus when it
 * appears (each time `focusKey` changes) and links to each field.
 */
export function ErrorSummary({ errors, labels, focusKey }: { errors: Record<string, string>; labels?: Record<string, string>; focusKey: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const entries = Object.entries(errors);
  useEffect(() => {
    if (entries.length && focusKey) ref.current?.focus();
  }, [focusKey]);
  if (!entries.length) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={ref} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">There {entries.length === 1 ? 'is a problem' : `are ${entries.length} problems`}</h2>
      <ul>
        {entries.map(([path, msg]) => (
          <li key={path}>
            <a
              href={`#${fieldId(path)}`}
              onClick={(e) => {
                const el = document.getElementById(fieldId(path)) ?? document.querySelector<HTMLElement>(`[data-path="${path}"] input, [data-path="${path}"]`);
                if (el) {
                  e.preventDefault();
                  el.focus();
                  el.scrollIntoView({ block: 'center' });
                }
              }}
            >
              {labels?.[path] ? `${labels[path]}: ` : ''}
              {msg}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{statusLabel(status)}</span>;
}

/** A polite live region for "Saved", "Invitation sent" and the like. */
export function Status({ children, tone = 'ok' }: { children?: ComponentChildren; tone?: 'ok' | 'bad' }) {
  return (
    <p role={tone === 'bad' ? 'alert' : 'status'} class={children ? `notice notice-${tone}` : 'visually-hidden'}>
      {children}
    </p>
  );
}

/** Sets the page title. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Referloop` : 'Referloop';
  }, [title]);
}
