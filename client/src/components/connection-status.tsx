import { useFeedState } from '../live/use-live-feed';

/** Says whether updates arrive live, or by polling because the event stream is down. */
export function ConnectionStatus() {
  const { state, pollIntervalMs } = useFeedState();
  if (state === 'live') {
    return (
      <p class="connection connection-live" role="status" data-connection="live">
        <span class="dot" aria-hidden="true" /> Live
      </p>
    );
  }
  if (state === 'connecting') {
    return (
      <p class="connection" role="status" data-connection="connecting">
        Connecting to live updates…
      </p>
    );
  }
  return (
    <p class="connection connection-polling" role="status" data-connection="polling">
      Live updates are interrupted; refreshing every {Math.round(pollIntervalMs / 1000)} seconds
      until they are back.
    </p>
  );
}
