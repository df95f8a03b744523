import { render } from 'preact';
import { Root } from './auth/root';
import { LiveFeed } from './live/live-feed';
import './styles.css';

const feed = new LiveFeed('/api/events');

const root = document.getElementById('app');
if (!root) throw new Error('The page has no #app element');
root.textContent = '';
render(<Root feed={feed} />, root);
