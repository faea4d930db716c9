// The dashboard's one page: hand-written HTML, CSS and JS drawing SVG, with no
// file fetched from anywhere but this node (the page and its /events stream).
// Each SSE frame is the whole picture of every node on the host (see
// nodes/live_view.hpp node_json); the page keeps the recent events' history
// itself, so a reconnect only loses what the ring no longer holds.
#include "nodes/dashboard.hpp"

namespace trading {

const char* const dashboard_page = R"PAGE(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>trading-sim live</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;background:#10151c;color:#d8dee6}
header{padding:8px 14px;background:#18202b;display:flex;gap:18px;align-items:baseline}
h1{font-size:16px;margin:0}h2{font-size:13px;margin:0 0 6px;color:#8fa3b8;font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:10px;padding:10px}
.card{background:#18202b;border-radius:6px;padding:8px 10px}
table{border-collapse:collapse;width:100%}td,th{padding:2px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}th{color:#8fa3b8;font-weight:500}
.live{color:#4cc38a}.dead,.hung{color:#fff;background:#d93f3f;font-weight:700}
.exited{color:#8fa3b8}
.peer{display:inline-block;margin:1px 3px;padding:0 5px;border-radius:3px;font-size:11px}
.peer-up{background:#1f5f3f}.peer-down{background:#d93f3f;color:#fff;font-weight:700}
.big{font-size:20px;font-weight:600}.pos{color:#4cc38a}.neg{color:#e5534b}
svg{width:100%;height:auto;display:block}.muted{color:#8fa3b8}
#conn.ok{color:#4cc38a}#conn.bad{color:#e5534b}
</style></head><body>
<header><h1>trading-sim live</h1><span id="conn" class="bad">connecting</span>
<span class="muted">ticks <b id="tick-rate">0</b>/s</span>
<span class="muted">msgs <b id="msg-rate">0</b>/s</span>
<span class="muted">sentiment <b id="sentiment">-</b></span>
<span class="muted">orders <b id="orders-total">0</b></span>
<span class="muted">fills <b id="fills-total">0</b></span></header>
<div class="grid">
<div class="card" style="grid-column:1/-1"><h2>Nodes and peers</h2>
<table id="nodes"><thead><tr><th>node</th><th>pid</th><th>status</th><th>heartbeat</th>
<th>ticks/s</th><th>msgs in/s</th><th>out/s</th><th style="text-align:left">peers</th></tr></thead>
<tbody></tbody></table></div>
<div class="card"><h2>Positions and P&amp;L</h2>
<table id="positions"><thead><tr><th>symbol</th><th>pos</th><th>avg</th><th>last</th>
<th>realized</th><th>unrealized</th></tr></thead><tbody></tbody>
<tfoot><tr><th>total</th><th></th><th></th><th></th><th id="pnl-realized">0.00</th>
<th id="pnl-unrealized">0.00</th></tr></tfoot></table></div>
<div class="card"><h2>Tick-to-trade CDF <span id="t2t" class="muted"></span></h2>
<svg id="cdf" viewBox="0 0 340 150"></svg></div>
<div class="card"><h2>Recent fills</h2><table id="fill-list"><tbody></tbody></table></div>
</div>
<div class="grid" id="charts"></div>
<script>
"use strict";
const KEEP_MS = 120000, NS = "http://www.w3.org/2000/svg";
const series = {};   // "node/symbol" -> {node, symbol, prices:[[t,p]], orders:[[t,p,q]], fills:[[t,p,q]]}
const seen = {};     // segment -> last event seq taken
let fills = [];      // recent fills, newest first
const fmt = (x, d = 2) => Number(x).toFixed(d);
const el = (tag, attrs, text) => {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
};
const val = (n, g, k) => (n.counters[g] && n.counters[g][k]) || {value: 0, rate: 0};
// One chart per symbol and strategy node: two strategies' prices never mix.
function sym(node, s) {
  const key = node + "/" + s;
  return series[key] || (series[key] = {node, symbol: s, prices: [], orders: [], fills: []});
}
function take(n, now) {
  let last = seen[n.segment] || 0;
  for (const [seq, age, kind, s, price, qty] of n.events || []) {
    if (seq <= last) continue;
    last = seq;
    const t = now - age, x = sym(n.node, s);
    if (kind === "price") x.prices.push([t, price]);
    else if (kind === "order") x.orders.push([t, price, qty]);
    else if (kind === "fill") {
      x.fills.push([t, price, qty]);
      fills.unshift([t, s, price, qty, n.node]);
    }
  }
  seen[n.segment] = last;
  fills = fills.slice(0, 12);
}
function prune(now) {
  for (const s in series)
    for (const k of ["prices", "orders", "fills"])
      series[s][k] = series[s][k].filter(e => now - e[0] < KEEP_MS);
}
function renderNodes(nodes) {
  const body = document.querySelector("#nodes tbody");
  body.replaceChildren();
  for (const n of nodes) {
    const tr = document.createElement("tr");
    tr.dataset.node = n.node;
    tr.className = "node-" + n.status;
    const cells = [n.node, n.pid, n.status.toUpperCase(), fmt(n.heartbeat_age_ms / 1000, 1) + " s",
                   fmt(val(n, "feed", "ticks").rate || val(n, "book", "ticks").rate, 0),
                   fmt(val(n, "msgs", "in").rate, 0), fmt(val(n, "msgs", "out").rate, 0)];
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      td.textContent = c;
      if (i === 2) td.className = "status " + n.status;
      tr.appendChild(td);
    });
    const td = document.createElement("td");
    td.style.textAlign = "left";
    for (const p of n.peers) {
      const span = document.createElement("span");
      // A peer is down when its link is, or when this node itself is not live.
      const up = p.up && n.status === "live";
      span.className = "peer " + (up ? "peer-up" : "peer-down");
      span.textContent = p.peer + (up ? "" : " DOWN");
      td.appendChild(span);
    }
    tr.appendChild(td);
    body.appendChild(tr);
  }
}
function renderPositions(nodes) {
  const body = document.querySelector("#positions tbody");
  body.replaceChildren();
  let realized = 0, unrealized = 0;
  const multi = nodes.filter(n => n.status === "live" && n.symbols.length).length > 1;
  for (const n of nodes) {
    if (n.status !== "live") continue;
    for (const s of n.symbols) {
      const p = n.positions[s];
      if (!p) continue;
      realized += p.realized;
      unrealized += p.unrealized;
      const tr = document.createElement("tr");
      tr.dataset.symbol = s;
      tr.title = n.node;
      for (const [c, cls] of [[multi ? s + " @" + n.node : s, ""], [p.position, ""], [fmt(p.avg), ""], [fmt(p.last), "last"],
                              [fmt(p.realized), p.realized < 0 ? "neg" : "pos"],
                              [fmt(p.unrealized), p.unrealized < 0 ? "neg" : "pos"]]) {
        const td = document.createElement("td");
        td.textContent = c;
        td.className = cls;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }
  const r = document.getElementById("pnl-realized"), u = document.getElementById("pnl-unrealized");
  r.textContent = fmt(realized); r.className = realized < 0 ? "neg" : "pos";
  u.textContent = fmt(unrealized); u.className = unrealized < 0 ? "neg" : "pos";
}
function renderCdf(nodes) {
  const svg = document.getElementById("cdf");
  svg.replaceChildren();
  let h = null;
  for (const n of nodes) {  // the live OMS with the most orders
    const x = n.histograms.tick_to_trade_ns;
    if (x && n.status === "live" && (!h || x.count > h.count)) h = x;
  }
  if (!h || !h.count) { svg.appendChild(el("text", {x: 10, y: 80, fill: "#8fa3b8"}, "no orders yet")); return; }
  document.getElementById("t2t").textContent =
    `${h.count} orders, p50 ${fmt(h.p50_ns / 1000, 1)} us, p99 ${fmt(h.p99_ns / 1000, 1)} us`;
  const lo = Math.log10(Math.max(100, h.buckets[0][0])), hi = Math.log10(h.buckets[h.buckets.length - 1][0] * 1.2) + 0.1;
  const X = v => 30 + (Math.log10(Math.max(v, 1)) - lo) / (hi - lo) * 300, Y = f => 130 - f * 120;
  let cum = 0, d = `M ${X(h.buckets[0][0])} ${Y(0)}`;
  for (const [lower, count] of h.buckets) { cum += count; d += ` L ${X(lower)} ${Y(cum / h.count)}`; }
  svg.appendChild(el("path", {d, fill: "none", stroke: "#6cb6ff", "stroke-width": 2}));
  for (const f of [0, 0.5, 1]) svg.appendChild(el("text", {x: 0, y: Y(f) + 4, fill: "#8fa3b8", "font-size": 9}, f * 100 + "%"));
  for (let e = Math.ceil(lo); e < hi; e++)
    svg.appendChild(el("text", {x: X(10 ** e) - 10, y: 146, fill: "#8fa3b8", "font-size": 9},
                        e < 6 ? 10 ** (e - 3) + " us" : 10 ** (e - 6) + " ms"));
}
function renderCharts(now) {
  const box = document.getElementById("charts");
  for (const key of Object.keys(series).sort()) {
    const x = series[key];
    let card = box.querySelector(`[data-key="${key}"]`);
    if (!card) {
      card = document.createElement("div");
      card.className = "card symbol";
      card.dataset.key = key;
      card.dataset.symbol = x.symbol;
      card.dataset.node = x.node;
      card.innerHTML = `<h2>${x.symbol} <span class="last big"></span> <span class="muted counts"></span></h2>`;
      card.appendChild(el("svg", {viewBox: "0 0 340 140"}));
      box.appendChild(card);
    }
    const svg = card.querySelector("svg");
    svg.replaceChildren();
    if (!x.prices.length) continue;
    card.querySelector(".last").textContent = fmt(x.prices[x.prices.length - 1][1]);
    card.querySelector(".counts").textContent = `${x.node}: orders ${x.orders.length} fills ${x.fills.length}`;
    const all = x.prices.map(p => p[1]).concat(x.orders.map(o => o[1]), x.fills.map(f => f[1]));
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    // The time axis spans what the page has seen (10 s at least, 2 min at most).
    const t0 = Math.min(x.prices[0][0], now - 10000), span = now - t0;
    const X = t => 40 + (t - t0) / span * 295, Y = p => 130 - (p - lo) / (hi - lo) * 120;
    svg.appendChild(el("text", {x: 0, y: 14, fill: "#8fa3b8", "font-size": 9}, fmt(hi)));
    svg.appendChild(el("text", {x: 0, y: 132, fill: "#8fa3b8", "font-size": 9}, fmt(lo)));
    svg.appendChild(el("polyline", {points: x.prices.map(p => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(" "),
                                    fill: "none", stroke: "#6cb6ff", "stroke-width": 1.5}));
    for (const [t, p, q] of x.orders) {
      const cx = X(t), cy = Y(p), up = q > 0;
      svg.appendChild(el("path", {class: "order", d: up ? `M${cx - 4},${cy + 7} L${cx + 4},${cy + 7} L${cx},${cy + 1} Z`
                                                       : `M${cx - 4},${cy - 7} L${cx + 4},${cy - 7} L${cx},${cy - 1} Z`,
                                  fill: "#e0b341"}));
    }
    for (const [t, p, q] of x.fills)
      svg.appendChild(el("circle", {class: "fill", cx: X(t), cy: Y(p), r: 3.5, fill: q > 0 ? "#4cc38a" : "#e5534b",
                                    stroke: "#fff", "stroke-width": 0.8}));
  }
}
function renderFills() {
  const body = document.querySelector("#fill-list tbody");
  body.replaceChildren();
  for (const [t, s, p, q, node] of fills) {
    const tr = document.createElement("tr");
    tr.className = "fill-row";
    for (const c of [new Date(t).toLocaleTimeString(), node, s, q > 0 ? "BUY " + q : "SELL " + (-q), fmt(p)]) {
      const td = document.createElement("td"); td.textContent = c; tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}
function render(frame) {
  const now = Date.now(), nodes = frame.nodes;
  for (const n of nodes) take(n, now);
  prune(now);
  let ticks = 0, msgs = 0, orders = 0, fillCount = 0, sentiment = "-";
  for (const n of nodes) {
    if (n.status !== "live") continue;
    ticks += val(n, "feed", "ticks").rate;
    msgs += val(n, "msgs", "in").rate + val(n, "msgs", "out").rate;
    orders += val(n, "strategy", "orders").value;
    fillCount += val(n, "strategy", "fills").value;
    if (n.counters.strategy) sentiment = n.counters.strategy.sentiment.value;
  }
  document.getElementById("tick-rate").textContent = fmt(ticks, 0);
  document.getElementById("msg-rate").textContent = fmt(msgs, 0);
  document.getElementById("orders-total").textContent = orders;
  document.getElementById("fills-total").textContent = fillCount;
  document.getElementById("sentiment").textContent = sentiment;
  renderNodes(nodes); renderPositions(nodes); renderCdf(nodes); renderCharts(now); renderFills();
}
const conn = document.getElementById("conn");
const source = new EventSource("/events");
source.onopen = () => { conn.textContent = "live"; conn.className = "ok"; };
source.onerror = () => { conn.textContent = "reconnecting"; conn.className = "bad"; };
source.onmessage = e => render(JSON.parse(e.data));
</script></body></html>
)PAGE";

} // namespace trading
