import { render } from 'preact';
import { App } from './app';
import { LiveFeed } from './live/live-feed';
import { LiveFeedContext } from './live/use-live-feed';
import './styles.css';

const feed = new LiveFeed('/api/events');
feed.start();

const root = document.getElementById('app');
if (!root) throw new Error('The page has no #app element');
root.textContent = '';
render(
  <LiveFeedContext.Provider value={feed}>
    <App />
  </LiveFeedContext.Provider>,
  root,
);
