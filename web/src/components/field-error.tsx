import { useId, type ReactNode } from 'react';
import { errorIdOf, messagesAt, type FieldErrors } from './field-errors';

/** The API's messages for a field or a group of fields, shown under it. */
export function FieldError({ errors, path, nested }: { errors: FieldErrors; path: string; nested?: boolean }) {
  const messages = messagesAt(errors, path, { nested });
  if (messages.length === 0) return null;
  return (
    <span className="field-error" id={errorIdOf(path)} data-path={path}>
      {messages.join('; ')}
    </span>
  );
}

/** What a form control needs to be named by its label and described by its hint and the API's message. */
export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/**
 * A labelled control with its hint and the API's message for `path` below it; the hint and the message describe the control
 * rather than name it.
 * @example <FormField label="Subject" errors={errors} path="/subject">{(p) => <input {...p} value={v} onChange={…} />}</FormField>
 */
export function FormField({
  label,
  hint,
  errors,
  path,
  className,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  errors?: FieldErrors;
  path?: string;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const invalid = errors !== undefined && path !== undefined && messagesAt(errors, path).length > 0;
  const describedBy = [hint ? `${id}-hint` : null, invalid ? errorIdOf(path) : null].filter((v) => v !== null).join(' ');
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(invalid ? { 'aria-invalid': true } : {}) })}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {errors && path && <FieldError errors={errors} path={path} />}
    </div>
  );
}
