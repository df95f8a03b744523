import type { FieldSpec } from './field-specs';

/** One labelled input for a task parameter, with its hint and the API's message for it. */
export function FormField({
  field,
  value,
  error,
  onChange,
}: {
  field: FieldSpec;
  value: string | boolean;
  error?: string;
  onChange: (value: string | boolean) => void;
}) {
  const id = `field-${field.name}`;
  const hintId = field.hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
  };
  const text = typeof value === 'string' ? value : '';

  let control;
  switch (field.kind) {
    case 'checkbox':
      control = (
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(event) => onChange(event.currentTarget.checked)}
        />
      );
      break;
    case 'select':
      control = (
        <select {...common} value={text} onChange={(event) => onChange(event.currentTarget.value)}>
          {(field.options ?? []).map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    case 'textarea':
      control = (
        <textarea
          {...common}
          rows={field.name === 'recipients' ? 4 : 3}
          placeholder={field.placeholder}
          value={text}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
      );
      break;
    case 'integer':
    case 'number':
      control = (
        <input
          {...common}
          type="number"
          inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          min={field.min}
          max={field.max}
          step={field.kind === 'integer' ? 1 : field.step}
          value={text}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
      );
      break;
    default: {
      const textProps = {
        ...common,
        placeholder: field.placeholder,
        value: text,
        onInput: (event: Event) => onChange((event.currentTarget as HTMLInputElement).value),
      };
      control =
        field.kind === 'email' ? (
          <input {...textProps} type="email" />
        ) : (
          <input {...textProps} type="text" />
        );
    }
  }

  return (
    <div class={`field${field.kind === 'checkbox' ? ' checkbox' : ''}`} data-field={field.name}>
      {field.kind === 'checkbox' ? (
        <>
          {control}
          <label for={id}>{field.label}</label>
        </>
      ) : (
        <>
          <label for={id}>{field.label}</label>
          {control}
        </>
      )}
      {field.hint && (
        <p class="hint" id={hintId}>
          {field.hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
