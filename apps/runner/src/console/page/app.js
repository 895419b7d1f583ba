// The operator console: asks for the token, then shows the status stream and the trade history.
import { html, render, useCallback, useEffect, useState } from '/console/preact-htm.js';
import { call, streamStatus, token } from '/console/api.js';
import { Controls, Decisions, Equity, History, TokenForm } from '/console/panels.js';
import { Feeds, Guard, Positions, num } from '/console/views.js';

function Header({ status, connection }) {
  const build = status?.build ?? {};
  return html`<header class="top">
    <h1>bot</h1>
    ${
      status &&
      html`<span class="badge">${status.mode}</span
        ><span class="badge">tier ${build.tier ?? status.risk?.tier ?? '—'}</span>
        <span class=${`state ${status.risk?.tradingState}`}>${status.risk?.tradingState}</span>`
    }
    <span class=${connection.connected ? 'live' : 'offline'} data-testid="connection">
      ${connection.connected ? 'live' : (connection.error ?? 'offline')}
    </span>
  </header>`;
}

function BuildCard({ build }) {
  if (!build) return null;
  // One string: htm drops the whitespace where a line of the template breaks.
  const title = `Build card: ${build.version} (${String(build.commit).slice(0, 12)}) · ${build.timeframe} · ${(build.symbols ?? []).join(', ')}`;
  return html`<details class="card">
    <summary>${title}</summary>
    <pre>${JSON.stringify(build, null, 2)}</pre>
  </details>`;
}

function footer(status) {
  const time = new Date(status.marketTime ?? 0).toISOString();
  return `Market time ${time} · realized PnL ${num(status.summary?.realizedPnl)}`;
}

function App() {
  const [hasToken, setHasToken] = useState(Boolean(token.get()));
  const [problem, setProblem] = useState('');
  const [status, setStatus] = useState(undefined);
  const [connection, setConnection] = useState({ connected: false });
  const [trades, setTrades] = useState(undefined);
  const [tradesError, setTradesError] = useState('');

  const loadTrades = useCallback(() => {
    call('GET', '/trades')
      .then((body) => {
        setTrades(body.trades);
        setTradesError('');
      })
      .catch((error) => setTradesError(`trade history: ${error.message}`));
  }, []);

  useEffect(() => {
    if (!hasToken) return undefined;
    const close = streamStatus({
      onStatus: setStatus,
      onState: (state) => {
        setConnection(state);
        if (state.status === 401 || state.status === 403) {
          token.clear();
          setProblem(`The API refused the token (${state.status}: ${state.error}).`);
          setHasToken(false);
          setStatus(undefined);
        }
      },
    });
    loadTrades();
    return close;
  }, [hasToken]);

  const run = async (path) => {
    setStatus(await call('POST', path).then((body) => body.status ?? body));
  };

  if (!hasToken) {
    return html`<${Header} status=${undefined} connection=${connection} />
      <${TokenForm}
        problem=${problem}
        onToken=${(value) => {
          token.set(value);
          setProblem('');
          setHasToken(true);
        }}
      />`;
  }
  return html`<${Header} status=${status} connection=${connection} />
    <${Controls} run=${run} />
    ${
      status
        ? html`<div class="grid" data-testid="status">
              <${Positions} status=${status} />
              <${Guard} status=${status} />
              <${Equity} status=${status} />
              <${Feeds} status=${status} />
              <${Decisions} status=${status} />
              <${BuildCard} build=${status.build} />
            </div>
            <p class="muted">${footer(status)}</p>`
        : html`<p class="muted">Waiting for the status…</p>`
    }
    <${History} trades=${trades} error=${tradesError} onReload=${loadTrades} />`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading" line: Preact adds to what it finds
render(html`<${App} />`, root);
