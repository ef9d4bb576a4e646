import { render } from 'preact';
import './styles.css';
import { App } from './app';
import { restore } from './session';
import { feed } from './realtime';

render(<App />, document.getElementById('root')!);
void restore();
// A handle for the browser tests and for debugging from the console.
(window as unknown as { __crema: unknown }).__crema = { feed };
