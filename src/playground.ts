/**
 * The GraphiQL playground, served from the gateway's own installed packages (graphiql's standalone
 * bundle with React's UMD builds), so it works offline: no CDN, no external font, favicon or script.
 * Apollo Server's default landing page loads from a CDN, hence this page instead.
 *
 * It opens with one tab per example operation, each with its header preset (the demo credentials in
 * demo mode; placeholders otherwise), so a newcomer can press run and see users from every provider.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';

export interface PlaygroundTab {
  /** Shown as the operation name in the tab. */
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface PlaygroundOptions {
  /** The GraphQL endpoint path the page queries, e.g. `/graphql`. */
  endpoint: string;
  tabs: PlaygroundTab[];
  /**
   * Keep header edits in the browser's storage across reloads. Only for the demo's credentials:
   * real tokens typed into the page should not outlive the tab.
   */
  persistHeaders: boolean;
}

export interface Playground {
  /** Serves the page or one of its assets; false when `pathname` is not the playground's. */
  serve(pathname: string, res: ServerResponse): boolean;
  /** The asset URL prefix (also under the endpoint, so one route serves everything). */
  readonly assetPrefix: string;
}

interface Asset {
  body: Buffer;
  type: string;
}

/** The files the page loads, from node_modules, read once at start. */
function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const dir = (pkg: string) => dirname(require.resolve(`${pkg}/package.json`));
  const files: Array<[string, string, string]> = [
    ['react.js', join(dir('react'), 'umd/react.production.min.js'), 'text/javascript; charset=utf-8'],
    ['react-dom.js', join(dir('react-dom'), 'umd/react-dom.production.min.js'), 'text/javascript; charset=utf-8'],
    ['graphiql.js', join(dir('graphiql'), 'graphiql.min.js'), 'text/javascript; charset=utf-8'],
    ['graphiql.css', join(dir('graphiql'), 'graphiql.min.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(files.map(([name, path, type]) => [name, { body: readFileSync(path), type }]));
}

/** JSON safe to embed in a <script> element (no `</script>` or HTML comment can close it). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function renderPage(options: PlaygroundOptions, assetPrefix: string): string {
  const tabs = options.tabs.map((t) => ({
    query: t.query,
    variables: t.variables ? JSON.stringify(t.variables, null, 2) : undefined,
    headers: t.headers ? JSON.stringify(t.headers, null, 2) : undefined,
  }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>usergraph playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetPrefix}graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the playground…</div>
<script src="${assetPrefix}react.js"></script>
<script src="${assetPrefix}react-dom.js"></script>
<script src="${assetPrefix}graphiql.js"></script>
<script>
  (function () {
    var tabs = ${scriptJson(tabs)};
    var endpoint = ${scriptJson(options.endpoint)};
    var persistHeaders = ${scriptJson(options.persistHeaders)};
    var fetcher = GraphiQL.createFetcher({ url: new URL(endpoint, window.location.href).toString() });
    var root = ReactDOM.createRoot(document.getElementById('graphiql'));
    root.render(React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      // GraphiQL fills the editors of the first tab (and of new tabs) from these, not from defaultTabs.
      defaultHeaders: tabs.length ? tabs[0].headers : undefined,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: persistHeaders,
      isHeadersEditorEnabled: true,
    }));
  })();
</script>
</body>
</html>
`;
}

export function createPlayground(options: PlaygroundOptions): Playground {
  const assets = loadAssets();
  const assetPrefix = `${options.endpoint.replace(/\/$/, '')}/playground/`;
  const page = Buffer.from(renderPage(options, assetPrefix), 'utf8');

  return {
    assetPrefix,
    serve(pathname, res) {
      if (pathname === options.endpoint) {
        send(res, 200, 'text/html; charset=utf-8', page, 'no-cache');
        return true;
      }
      if (!pathname.startsWith(assetPrefix)) return false;
      const asset = assets.get(pathname.slice(assetPrefix.length));
      if (!asset) return false;
      send(res, 200, asset.type, asset.body, 'public, max-age=86400');
      return true;
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, cacheControl: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** Whether a GET asks for a page rather than a GraphQL result (a browser, with no `query` parameter). */
export function wantsPlayground(method: string | undefined, accept: string | undefined, search: URLSearchParams): boolean {
  return method === 'GET' && !search.has('query') && (accept ?? '').includes('text/html');
}
