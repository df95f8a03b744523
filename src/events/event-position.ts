/**
 * Where an event sits in the event stream: the stream entry (one published batch) and its
 * index in that batch. It is the SSE `id` of the event, so a client that reconnects with
 * `Last-Event-ID` names the last event it holds.
 */
export interface EventPosition {
  entryId: string;
  index: number;
}

const POSITION = /^(\d{1,20})-(\d{1,20})\/(\d{1,6})$/;

export function formatPosition(position: EventPosition): string {
  return `${position.entryId}/${position.index}`;
}

/** The position an SSE id names, or undefined for anything else (a client's own id, say). */
export function parsePosition(text: string | undefined): EventPosition | undefined {
  const match = text === undefined ? null : POSITION.exec(text.trim());
  if (!match) return undefined;
  return { entryId: `${match[1]}-${match[2]}`, index: Number(match[3]) };
}

/** Negative when `a` comes before `b`, 0 when they are the same, positive after. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  const [aTime, aSeq] = a.entryId.split('-').map(BigInt);
  const [bTime, bSeq] = b.entryId.split('-').map(BigInt);
  if (aTime !== bTime) return aTime < bTime ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return a.index - b.index;
}
