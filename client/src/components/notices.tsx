import { createContext } from 'preact';
import { useCallback, useContext, useMemo, useState } from 'preact/hooks';

export interface Notice {
  id: number;
  text: string;
  tone: 'error' | 'info';
}

interface NoticeApi {
  /** Shows an error in the page (never only in the console). */
  reportError(context: string, error: unknown): void;
  inform(text: string): void;
}

const NoticeContext = createContext<NoticeApi>({
  reportError: () => undefined,
  inform: () => undefined,
});

export const useNotices = (): NoticeApi => useContext(NoticeContext);

const MAX_NOTICES = 5;
let nextNoticeId = 1;

export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Holds the page's notices; the newest stay, the oldest fall off past five. */
export function useNoticeState(): { notices: Notice[]; api: NoticeApi; dismiss(id: number): void } {
  const [notices, setNotices] = useState<Notice[]>([]);
  const push = useCallback((text: string, tone: Notice['tone']) => {
    setNotices((current) => {
      if (current.some((notice) => notice.text === text)) return current;
      return [...current, { id: nextNoticeId++, text, tone }].slice(-MAX_NOTICES);
    });
  }, []);
  const api = useMemo<NoticeApi>(
    () => ({
      reportError: (context, error) => push(`${context}: ${describeError(error)}`, 'error'),
      inform: (text) => push(text, 'info'),
    }),
    [push],
  );
  const dismiss = useCallback(
    (id: number) => setNotices((current) => current.filter((notice) => notice.id !== id)),
    [],
  );
  return { notices, api, dismiss };
}

export const NoticeProvider = NoticeContext.Provider;

export function NoticeList({
  notices,
  onDismiss,
}: {
  notices: Notice[];
  onDismiss: (id: number) => void;
}) {
  return (
    <section class="notices" aria-label="Messages">
      {notices.map((notice) => (
        <div
          key={notice.id}
          class={`notice notice-${notice.tone}`}
          role={notice.tone === 'error' ? 'alert' : 'status'}
        >
          <span class="notice-text">{notice.text}</span>
          <button type="button" class="link-button" onClick={() => onDismiss(notice.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}
