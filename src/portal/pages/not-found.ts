import { html } from 'htm/preact';
import { Empty } from '../components/notes.js';
import { Page } from '../components/page.js';
import { Link } from '../router.js';

export function NotFoundPage({ allowed }: { allowed: boolean }) {
  return html`<${Page} title=${allowed ? 'Not found' : 'Not for your role'}>
    <${Empty} title=${allowed ? 'There is no page here.' : 'Your role cannot open this page.'}>Go to <${Link} href="/connect">Connect</${Link}> or pick a page on the left.</${Empty}>
  </${Page}>`;
}
