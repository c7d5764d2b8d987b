import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { BrokersPage } from './pages/brokers.js';
import { ConfigsPage } from './pages/configs.js';
import { GroupsPage } from './pages/groups.js';
import { MessagesPage } from './pages/messages.js';
import { ProducePage } from './pages/produce.js';
import { TopicsPage } from './pages/topics.js';

const PAGES = ['brokers', 'topics', 'messages', 'produce', 'groups', 'configs'] as const;
type Page = (typeof PAGES)[number];

/** The page and its query from the location hash, `#/page?query`. */
function route(): { page: Page; query: URLSearchParams } {
  const [path = '', search = ''] = window.location.hash.replace(/^#\/?/, '').split('?');
  const page = PAGES.find((p) => p === path) ?? 'brokers';
  return { page, query: new URLSearchParams(search) };
}

function App() {
  const [current, setCurrent] = useState(route);
  useEffect(() => {
    const onHash = (): void => setCurrent(route());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const navigate = (page: Page) => (query: URLSearchParams) => {
    window.location.hash = `#/${page}?${query.toString()}`;
  };
  const { page, query } = current;
  return (
    <>
      <header>
        <h1>Quill console</h1>
        <nav>
          {PAGES.map((p) => (
            <a key={p} href={`#/${p}`} class={p === page ? 'active' : ''}>
              {p}
            </a>
          ))}
        </nav>
      </header>
      <main>
        {page === 'brokers' && <BrokersPage />}
        {page === 'topics' && <TopicsPage />}
        {page === 'messages' && <MessagesPage query={query} navigate={navigate('messages')} />}
        {page === 'produce' && <ProducePage query={query} />}
        {page === 'groups' && <GroupsPage />}
        {page === 'configs' && <ConfigsPage query={query} navigate={navigate('configs')} />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
