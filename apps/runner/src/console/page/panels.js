// The panels around the status: the token form, the commands, the equity curve, the decisions, the history.
import { html, useState } from '/console/preact-htm.js';
import { age, num, signed, time, tone } from '/console/views.js';

export function TokenForm({ onToken, problem }) {
  const [value, setValue] = useState('');
  const submit = (event) => {
    event.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return html`<form class="card token" onSubmit=${submit} data-testid="token-form">
    <h2>Operator token</h2>
    <p class="muted">
      Paste the token from the file the bot printed at start (<code>…/audit.operator-token</code>) or
      BOT_OPERATOR_TOKEN. It stays in this tab only.
    </p>
    ${problem && html`<p class="danger" role="alert" data-testid="token-problem">${problem}</p>`}
    <input
      type="password"
      autocomplete="off"
      aria-label="operator token"
      name="token"
      value=${value}
      onInput=${(event) => setValue(event.target.value)}
    />
    <button type="submit">Connect</button>
  </form>`;
}

const COMMANDS = [
  {
    path: '/halt',
    label: 'Halt',
    ask: 'Halt trading? No new entries until you resume; open positions keep their stops.',
  },
  { path: '/resume', label: 'Resume', ask: 'Resume trading? The guard may open new positions again.' },
  {
    path: '/flatten',
    label: 'Flatten',
    ask: 'Flatten? Every position is closed at market now.',
    danger: true,
  },
];

/** Halt, resume, flatten: each asks for confirmation first. */
export function Controls({ run }) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const act = async (command) => {
    if (!window.confirm(command.ask)) return;
    setBusy(true);
    setMessage(`${command.label}…`);
    try {
      await run(command.path);
      setMessage(`${command.label}: done`);
    } catch (error) {
      setMessage(`${command.label} failed: ${error.message}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="controls" aria-label="commands">
    ${COMMANDS.map(
      (command) =>
        html`<button
          type="button"
          class=${command.danger ? 'danger' : ''}
          disabled=${busy}
          data-testid=${`cmd-${command.path.slice(1)}`}
          onClick=${() => act(command)}
        >
          ${command.label}
        </button>`,
    )}
    <span class="muted" role="status" data-testid="command-result">${message}</span>
  </section>`;
}

/** The run's equity as an SVG line: no chart library for one line. */
export function Equity({ status }) {
  const curve = status.equity?.curve ?? [];
  const width = 600;
  const height = 120;
  if (curve.length < 2) {
    return html`<section class="card">
      <h2>Equity</h2>
      <p class="muted">${num(status.equity?.now)} — the curve starts with the next candles.</p>
    </section>`;
  }
  const values = curve.map(([, value]) => value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = high - low || 1;
  const first = curve[0][0];
  const last = curve[curve.length - 1][0];
  const points = curve
    .map(([at, value]) => {
      const x = ((at - first) / (last - first || 1)) * width;
      const y = height - ((value - low) / span) * (height - 8) - 4;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const change = values[values.length - 1] - values[0];
  return html`<section class="card" aria-labelledby="equity-title">
    <h2 id="equity-title">
      Equity <span class=${tone(change)}>${num(status.equity?.now)} (${signed(change)})</span>
    </h2>
    <svg
      viewBox=${`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      class="equity"
      role="img"
      aria-label=${`equity from ${num(values[0])} to ${num(values[values.length - 1])}`}
    >
      <polyline
        points=${points}
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        vector-effect="non-scaling-stroke"
      />
    </svg>
    <div class="bar-label muted">
      <span>${time(first)}</span><span>low ${num(low)} · high ${num(high)}</span><span>${time(last)}</span>
    </div>
  </section>`;
}

/** The last decisions of the audit trail with their why, denials included. */
export function Decisions({ status }) {
  const decisions = status.decisions ?? [];
  return html`<section class="card" aria-labelledby="decisions-title">
    <h2 id="decisions-title">Decisions</h2>
    ${decisions.length === 0 && html`<p class="muted">None yet.</p>`}
    <ol class="decisions">
      ${decisions.map(
        (decision) =>
          html`<li
            data-testid="decision"
            class=${decision.action === 'risk.deny' || decision.action === 'signal.skip' ? 'denied' : ''}
          >
            <span class="muted">${time(decision.ts)}</span> <code>${decision.action}</code>
            ${decision.symbol && html` <strong>${decision.symbol}</strong>`} ${decision.side ?? ''}
            <div class="why">${decision.why}</div>
          </li>`,
      )}
    </ol>
  </section>`;
}

/** Closed and open trades from the audit trail (`GET /trades`), newest first. */
export function History({ trades, error, onReload }) {
  return html`<section class="card" aria-labelledby="history-title">
    <h2 id="history-title">
      Trade history <button type="button" class="small" onClick=${onReload}>Reload</button>
    </h2>
    ${error && html`<p class="danger">${error}</p>`}
    ${
      trades &&
      (trades.length === 0
        ? html`<p class="muted">No trades in the audit trail.</p>`
        : html`<div class="scroll">
            <table data-testid="history">
              <thead>
                <tr>
                  <th>Symbol</th>
                  <th>Side</th>
                  <th>Entry</th>
                  <th>Exit</th>
                  <th>Reason</th>
                  <th>Fees</th>
                  <th>Funding</th>
                  <th>PnL</th>
                  <th>R</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                ${[...trades].reverse().map(
                  (trade) =>
                    html`<tr data-testid="trade">
                      <td>${trade.symbol}<br /><small class="muted">${time(trade.openedAt)}</small></td>
                      <td>${trade.side}</td>
                      <td>${trade.entryPrice ?? '—'}</td>
                      <td>
                        ${trade.exitPrice ?? '—'}<br /><small class="muted"
                          >${trade.closedAt ? age(trade.closedAt - trade.openedAt) : 'open'}</small
                        >
                      </td>
                      <td>${trade.reason ?? 'open'}</td>
                      <td>${num(trade.fees, 4)}</td>
                      <td>
                        ${trade.funding === null || trade.funding === undefined ? '—' : num(trade.funding, 4)}
                      </td>
                      <td class=${tone(trade.pnl)}>${signed(trade.pnl)}</td>
                      <td>
                        ${trade.rMultiple === null || trade.rMultiple === undefined ? '—' : signed(trade.rMultiple)}
                      </td>
                      <td class="why">${trade.why ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`)
    }
  </section>`;
}
