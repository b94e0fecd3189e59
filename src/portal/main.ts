import 'uplot/dist/uPlot.min.css';
import './portal.css';
import { html, render } from 'htm/preact';
import { App } from './app.js';

render(html`<${App} />`, document.getElementById('app')!);
