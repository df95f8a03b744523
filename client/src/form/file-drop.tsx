import { useState } from 'preact/hooks';
import { formatBytes } from '../lib/format';

export interface UploadItem {
  key: number;
  name: string;
  size: number;
  state: 'uploading' | 'done' | 'failed';
  progress: number;
  fileId?: string;
  error?: string;
}

/**
 * A drop zone that is also a labelled file input, so it works by mouse, keyboard and screen
 * reader alike. File names are shown as text.
 */
export function FileDrop({
  id,
  label,
  accept,
  multiple,
  items,
  error,
  onAdd,
  onRemove,
}: {
  id: string;
  label: string;
  accept: string;
  multiple: boolean;
  items: UploadItem[];
  error?: string;
  onAdd: (files: File[]) => void;
  onRemove: (key: number) => void;
}) {
  const [dragging, setDragging] = useState(false);
  const errorId = `${id}-error`;
  const noun = multiple ? 'files' : 'a file';
  return (
    <div class="field">
      <span class="label" id={`${id}-label`}>
        {label}
      </span>
      <div
        class={`dropzone${dragging ? ' dragging' : ''}${error ? ' invalid' : ''}`}
        data-dropzone={id}
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          const files = Array.from(event.dataTransfer?.files ?? []);
          if (files.length > 0) onAdd(multiple ? files : files.slice(0, 1));
        }}
      >
        <input
          type="file"
          id={id}
          class="file-input"
          accept={accept}
          multiple={multiple}
          aria-labelledby={`${id}-label ${id}-prompt`}
          aria-describedby={error ? errorId : undefined}
          aria-invalid={error ? true : undefined}
          onChange={(event) => {
            const input = event.currentTarget;
            const files = Array.from(input.files ?? []);
            input.value = '';
            if (files.length > 0) onAdd(files);
          }}
        />
        <label for={id} id={`${id}-prompt`} class="dropzone-prompt">
          Drop {noun} here, or <span class="like-link">choose {noun}</span>
        </label>
      </div>
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
      {items.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {items.map((item) => (
            <li key={item.key} class={`upload upload-${item.state}`}>
              <span class="file-name">{item.name}</span>
              <span class="muted"> {formatBytes(item.size)}</span>
              {item.state === 'uploading' && (
                <progress max={100} value={item.progress} aria-label={`Uploading ${item.name}`} />
              )}
              {item.state === 'done' && <span class="upload-state"> uploaded</span>}
              {item.state === 'failed' && (
                <span class="upload-state field-error" role="alert">
                  {' '}
                  Upload failed: {item.error}
                </span>
              )}
              <button
                type="button"
                class="link-button"
                aria-label={`Remove ${item.name}`}
                onClick={() => onRemove(item.key)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
