// The status panels: positions, the guard, the feeds. Pure functions of the status snapshot.
import { html } from '/console/preact-htm.js';

export const num = (value, digits = 2) =>
  value === null || value === undefined || value === '' || Number.isNaN(Number(value))
    ? '—'
    : Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const price = (value) => (value === null || value === undefined ? '—' : String(value));
export const signed = (value, digits = 2) =>
  value === null || value === undefined ? '—' : `${Number(value) > 0 ? '+' : ''}${num(value, digits)}`;
export const tone = (value) => (Number(value) > 0 ? 'up' : Number(value) < 0 ? 'down' : '');
export const time = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '—');

/** A duration as the largest two units: `3m 20s`, `2h 5m`. */
export function age(ms) {
  if (ms === null || ms === undefined || ms < 0) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

const distance = (pct, r) =>
  pct === null || pct === undefined
    ? ''
    : `${num(pct)}%${r === null || r === undefined ? '' : ` · ${num(r)}R`}`;

function Position({ position: p }) {
  return html`<article class="position" data-testid="position" data-symbol=${p.symbol}>
    <header>
      <strong>${p.symbol}</strong>
      <span class=${`side ${p.side}`}>${p.side}</span>
      <span class="muted">${p.owner}</span>
      <span class=${`pnl ${tone(p.unrealizedPnl)}`} data-testid="upnl">${signed(p.unrealizedPnl)}</span>
    </header>
    <dl>
      <div>
        <dt>Quantity</dt>
        <dd>${p.quantity}</dd>
      </div>
      <div>
        <dt>Entry</dt>
        <dd>${price(p.entryPrice)}</dd>
      </div>
      <div>
        <dt>Mark</dt>
        <dd>${price(p.markPrice)}</dd>
      </div>
      <div>
        <dt>Stop</dt>
        <dd data-testid="stop" class=${p.stopLoss ? '' : 'danger'}>
          ${p.stopLoss ?? 'none'} <small>${distance(p.stopDistancePct, p.stopDistanceR)}</small>
        </dd>
      </div>
      <div>
        <dt>Target</dt>
        <dd>${p.takeProfit ?? '—'} <small>${distance(p.targetDistancePct, p.targetDistanceR)}</small></dd>
      </div>
      <div>
        <dt>Leverage</dt>
        <dd>${p.leverage ? `${p.leverage}x` : '—'}</dd>
      </div>
      <div>
        <dt>Liquidation</dt>
        <dd>${price(p.liquidationPrice)}</dd>
      </div>
    </dl>
  </article>`;
}

export function Positions({ status }) {
  const positions = status.exchangePositions ?? [];
  return html`<section class="card" aria-labelledby="positions-title">
    <h2 id="positions-title">Positions <small class="muted">${positions.length} on the exchange</small></h2>
    ${
      positions.length === 0
        ? html`<p class="muted">Flat.</p>`
        : positions.map((position) => html`<${Position} key=${position.symbol} position=${position} />`)
    }
  </section>`;
}

export function Guard({ status }) {
  const risk = status.risk ?? {};
  const limits = risk.limits ?? {};
  const lossPct = (risk.realizedLossFraction ?? 0) * 100;
  const limitPct = (limits.dailyDrawdownPct ?? 0) * 100;
  const used = limitPct > 0 ? Math.min(100, (lossPct / limitPct) * 100) : 0;
  const now = status.marketTime ?? 0;
  const cooldownLeft = risk.cooldownEndsAt ? risk.cooldownEndsAt - now : 0;
  return html`<section class="card" aria-labelledby="guard-title">
    <h2 id="guard-title">
      RiskGuard
      <span class=${`state ${risk.tradingState}`} data-testid="trading-state"
        >${risk.tradingState ?? '—'}</span
      >
    </h2>
    ${
      risk.halt &&
      html`<p class="halt" data-testid="halt">
        Halted: <strong>${risk.halt.code}</strong> ${risk.halt.reason ?? ''}
        ${status.haltPlaybook && html` — playbook <code>${status.haltPlaybook}</code>`}
      </p>`
    }
    <dl>
      <div>
        <dt>Stop-loss streak</dt>
        <dd>${risk.stopLossStreak ?? 0} / ${limits.maxSlStreak ?? '—'}</dd>
      </div>
      <div>
        <dt>Cooldown left</dt>
        <dd>${cooldownLeft > 0 ? age(cooldownLeft) : 'none'}</dd>
      </div>
    </dl>
    <div class="bar-label">
      <span>Day's loss ${num(risk.realizedLoss)} (${num(lossPct)}%)</span><span>limit ${num(limitPct)}%</span>
    </div>
    <div
      class="bar"
      role="meter"
      aria-valuemin="0"
      aria-valuemax=${limitPct}
      aria-valuenow=${lossPct}
      aria-label="day's loss against its limit"
    >
      <div class=${used >= 80 ? 'fill danger' : 'fill'} style=${{ width: `${used}%` }}></div>
    </div>
  </section>`;
}

export function Feeds({ status }) {
  const feeds = status.feeds ?? {};
  const last = status.feedEvents ?? {};
  const now = status.marketTime ?? 0;
  return html`<section class="card" aria-labelledby="feeds-title">
    <h2 id="feeds-title">Feeds</h2>
    <dl>
      ${Object.entries(feeds).map(
        ([name, health]) =>
          html`<div>
            <dt>${name}</dt>
            <dd>
              <span class=${`state ${health}`}>${health}</span>
              <small class="muted">last event ${last[name] ? `${age(now - last[name])} ago` : '—'}</small>
            </dd>
          </div>`,
      )}
    </dl>
  </section>`;
}
