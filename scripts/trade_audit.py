#!/usr/bin/env python3
"""Audits a run's orders log against its trades log: nothing lost, nothing doubled.

  scripts/trade_audit.py --orders F --trades F [--oms-output F] [--strategy-output F]

Checks
  - every trades-log line is JSON (a torn line belongs in <trades_log>.torn, which
    is counted, not failed) and none is a repeat ("repeat": true is never logged);
  - every order id of the orders log has exactly one final outcome in the trades
    log (an id logged again with "resend": true is still one order, and must be
    the same order), and no outcome is for an order the orders log lacks. An
    order's lines are its executions, one per price level (PARTIAL), and one
    final line: FILLED (the order is complete), REJECTED (nothing executed), or
    a PARTIAL with "leaves_quantity" (the rest was cancelled);
  - no order id FILLED twice or with two final lines or lines after its final
    one, executions adding up to its quantity (FILLED: all of it; PARTIAL final:
    all but leaves_quantity), no execution id twice, journal sequences (where
    present) strictly increasing;
  - positions summed from the executions (FILLED and PARTIAL lines) of account
    "strategy" (BUY +quantity, SELL -quantity) equal the OMS summary's
    `positions:` line and the strategy summary's `strategy positions:` line,
    when their outputs are given (a symbol at 0 may be left out on either side).

Prints the counts and every problem; exits 0 when there is none, 1 otherwise
(2 on bad arguments). As a module: audit(...) returns an AuditResult.
"""
import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict

ACCOUNT = "strategy"

SYMBOL = r"[A-Z0-9._-]{1,15}"
# `[oms] positions: AAPL +10 (realized 1.23) MSFT -10 (realized 0.00); realized P&L 1.23`
# or `positions: none; realized P&L 0.00`; never the strategy's line.
OMS_POSITIONS = re.compile(r"(?<!strategy )\bpositions: (?P<body>.*?); realized P&L")
OMS_POSITION = re.compile(rf"({SYMBOL}) ([+-]?\d+) \(realized [^)]*\)")
# `strategy positions: AAPL +10 MSFT -10` or `strategy positions: none`
STRATEGY_POSITIONS = re.compile(r"\bstrategy positions: (?P<body>.*)$")
STRATEGY_POSITION = re.compile(rf"({SYMBOL}) ([+-]?\d+)(?=\s|$|[;,])")


class Problem:
    """One finding: a short kind that names the invariant, and the detail."""

    def __init__(self, kind, detail):
        self.kind = kind
        self.detail = detail

    def __str__(self):
        return f"{self.kind}: {self.detail}"

    __repr__ = __str__


class AuditResult:
    """Counts and problems of one audit; ok when there is no problem."""

    def __init__(self):
        self.order_lines = 0        # lines of the orders log
        self.orders = 0             # distinct order ids
        self.resends = 0            # orders-log lines marked "resend"
        self.outcomes = 0           # trades-log lines that parsed
        self.fills = 0              # executions: FILLED and PARTIAL lines
        self.partials = 0           # of those, PARTIAL lines
        self.rejects = 0            # REJECTED lines
        self.missing = 0            # order ids without a final outcome line
        self.executed_twice = 0     # order ids with more than one final line
        self.filled_twice = 0       # of those, order ids FILLED more than once
        self.duplicate_execution_ids = 0
        self.unknown_orders = 0     # outcome lines for ids not in the orders log
        self.unlogged_tail = 0      # ... sent by a strategy killed before it logged them
        self.bad_lines = 0          # trades-log lines that are not JSON / lack fields
        self.torn_lines = 0         # lines in <trades_log>.torn (not a failure)
        self.positions = {}         # symbol -> net quantity from the fills (non-zero)
        self.oms_positions = None   # from the OMS output, when given and found
        self.strategy_positions = None
        self.problems = []

    @property
    def ok(self):
        return not self.problems

    def kinds(self):
        return {p.kind for p in self.problems}

    def add(self, kind, detail):
        self.problems.append(Problem(kind, detail))

    def counts_line(self):
        return (f"orders {self.orders} fills {self.fills} outcomes missing "
                f"{self.missing} executed twice {self.executed_twice}")


def _read_lines(path):
    """(line number, text) of the file's non-empty lines; [] if it is absent."""
    if not path or not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        if raw.strip():
            out.append((n, raw.decode("utf-8", errors="replace")))
    return out


def _short(text, n=120):
    return text if len(text) <= n else text[:n] + "..."


def _fmt_positions(p):
    return " ".join(f"{s} {q:+d}" for s, q in sorted(p.items()) if q) or "none"


def _nonzero(p):
    return {s: q for s, q in p.items() if q}


def parse_oms_positions(text):
    """Net quantity per symbol from the last OMS `positions:` line of `text`;
    None if there is no such line; raises ValueError if it does not parse."""
    found = None
    for line in text.splitlines():
        m = OMS_POSITIONS.search(line)
        if m:
            found = m.group("body").strip()
    if found is None:
        return None
    if found == "none":
        return {}
    pairs = OMS_POSITION.findall(found)
    if not pairs or OMS_POSITION.sub("", found).strip():
        raise ValueError(f"cannot read the OMS positions '{_short(found)}'")
    out = defaultdict(int)
    for sym, qty in pairs:
        out[sym] += int(qty)
    return dict(out)


def parse_strategy_positions(text):
    """Net quantity per symbol from the last `strategy positions:` line; None if
    there is none; raises ValueError if it does not parse."""
    found = None
    for line in text.splitlines():
        m = STRATEGY_POSITIONS.search(line)
        if m:
            found = m.group("body").strip()
    if found is None:
        return None
    if found == "none" or found.startswith("none "):
        return {}
    pairs = STRATEGY_POSITION.findall(found)
    if not pairs or not found.startswith(pairs[0][0]):
        raise ValueError(f"cannot read the strategy positions '{_short(found)}'")
    out = defaultdict(int)
    for sym, qty in pairs:
        out[sym] += int(qty)
    return dict(out)


def _read_text(path):
    with open(path, errors="replace") as f:
        return f.read()


def _compare_positions(result, who, theirs):
    ours = _nonzero(result.positions)
    theirs = _nonzero(theirs)
    if ours == theirs:
        return
    diff = []
    for sym in sorted(set(ours) | set(theirs)):
        if ours.get(sym, 0) != theirs.get(sym, 0):
            diff.append(f"{sym} {ours.get(sym, 0):+d} vs {theirs.get(sym, 0):+d}")
    result.add("positions mismatch",
               f"the fills sum to {_fmt_positions(ours)}, the {who} summary says "
               f"{_fmt_positions(theirs)} ({', '.join(diff)})")


def audit(orders_path, trades_path, oms_output=None, strategy_output=None):
    """Audits the two logs (and the summaries, when their outputs are given)."""
    r = AuditResult()

    # -- the orders log: one order per id, a resend the same order -----------------
    orders = {}
    if not os.path.exists(orders_path):
        r.add("no orders log", orders_path)
    for n, text in _read_lines(orders_path):
        r.order_lines += 1
        try:
            o = json.loads(text)
            oid = o["order_id"]
            key = (o["symbol"], o["side"], o["quantity"])
        except (ValueError, KeyError, TypeError) as e:
            r.add("bad orders-log line", f"line {n}: {type(e).__name__}: {_short(text)}")
            continue
        if o.get("resend"):
            r.resends += 1
        if oid in orders:
            if orders[oid] != key:
                r.add("order id reused",
                      f"{oid} is {' '.join(map(str, orders[oid]))} and, on line {n}, "
                      f"{' '.join(map(str, key))}")
        else:
            orders[oid] = key
    r.orders = len(orders)

    # -- the trades log: every line parses, no repeat, outcomes per order -----------
    outcomes = defaultdict(list)   # order id -> [status, ...] in log order
    exec_ids = Counter()
    last_sequence = None
    fills_by_symbol = defaultdict(int)
    if not os.path.exists(trades_path):
        r.add("no trades log", trades_path)
    for n, text in _read_lines(trades_path):
        try:
            t = json.loads(text)
        except ValueError as e:
            r.bad_lines += 1
            r.add("torn line", f"trades log line {n} is not JSON ({e}): {_short(text)}")
            continue
        try:
            if not isinstance(t, dict):
                raise ValueError("not an object")
            oid, status = t["order_id"], t["status"]
            exec_id = t["execution_id"]
            if status not in ("FILLED", "PARTIAL", "REJECTED"):
                raise ValueError(f"status {status!r}")
        except (ValueError, KeyError, TypeError) as e:
            r.bad_lines += 1
            r.add("bad trades-log line", f"line {n} is not an outcome "
                  f"({type(e).__name__}: {e}): {_short(text)}")
            continue
        r.outcomes += 1
        if t.get("repeat"):
            r.add("repeat logged", f"line {n}, order {oid}: a repeated answer was logged")
        exec_ids[exec_id] += 1
        executed_qty = t.get("quantity") if status != "REJECTED" else 0
        final = status != "PARTIAL" or bool(t.get("leaves_quantity"))
        outcomes[oid].append((status, final, executed_qty, t.get("leaves_quantity") or 0))
        seq = t.get("sequence")
        if seq is not None:
            if not isinstance(seq, int) or isinstance(seq, bool):
                r.add("bad sequence", f"line {n}: sequence {seq!r}")
            elif last_sequence is not None and seq <= last_sequence:
                r.add("sequence not increasing",
                      f"line {n}: sequence {seq} after {last_sequence}")
                last_sequence = max(last_sequence, seq)
            else:
                last_sequence = seq
        if oid in orders:
            sym, side, qty = orders[oid]
            # A line's quantity is its own execution; the order's is order_quantity
            # (lines before partial fills: quantity).
            theirs = t.get("order_quantity", t.get("quantity"))
            if (t.get("symbol"), t.get("side"), theirs) != (sym, side, qty):
                r.add("outcome differs from order",
                      f"{oid}: ordered {side} {qty} {sym}, the trades log line {n} says "
                      f"{t.get('side')} {theirs} {t.get('symbol')}")
        if status != "REJECTED":
            r.fills += 1
            r.partials += status == "PARTIAL"
            if t.get("account", ACCOUNT) == ACCOUNT:
                try:
                    qty = int(t["quantity"])
                    sign = {"BUY": 1, "SELL": -1}[t["side"]]
                    fills_by_symbol[t["symbol"]] += sign * qty
                except (KeyError, TypeError, ValueError):
                    r.add("bad fill", f"line {n}: {_short(text)}")
        else:
            r.rejects += 1
    r.positions = _nonzero(fills_by_symbol)
    torn = trades_path + ".torn"
    r.torn_lines = len(_read_lines(torn))

    # (a) exactly one outcome per order; none for an order never logged
    missing = [oid for oid in orders if oid not in outcomes]
    r.missing = len(missing)
    for oid in missing:
        sym, side, qty = orders[oid]
        r.add("missing outcome", f"order {oid} ({side} {qty} {sym}) has no outcome line")
    # The strategy logs a round's orders after sending them (the log write stays
    # off the critical path), so a strategy killed in between leaves the last
    # orders of that incarnation executed but unlogged: tolerated, counted. An
    # unlogged order anywhere else is a fault.
    last_logged = {}
    for oid in orders:
        prefix, _, number = oid.rpartition("-")
        if number.isdigit():
            last_logged[prefix] = max(last_logged.get(prefix, 0), int(number))
    unknown = []
    for oid in outcomes:
        if oid in orders:
            continue
        prefix, _, number = oid.rpartition("-")
        if number.isdigit() and int(number) > last_logged.get(prefix, 0):
            r.unlogged_tail += 1
        else:
            unknown.append(oid)
    r.unknown_orders = len(unknown)
    for oid in unknown:
        r.add("outcome of an unlogged order",
              f"order {oid} ({'/'.join(x[0] for x in outcomes[oid])}) is not in the "
              "orders log")
    # (b) one final outcome per order id, after its executions; never two fills
    for oid, lines in outcomes.items():
        statuses = [x[0] for x in lines]
        finals = sum(1 for x in lines if x[1])
        if finals == 0:
            if oid in orders:  # an order never logged is reported above
                r.missing += 1
                r.add("missing outcome", f"order {oid} has executions "
                      f"({', '.join(statuses)}) but no final line")
            continue
        if finals > 1 or not lines[-1][1]:
            r.executed_twice += 1
            if statuses.count("FILLED") > 1:
                r.filled_twice += 1
                r.add("filled twice", f"order {oid} has {len(statuses)} outcome lines: "
                      + ", ".join(statuses))
            else:
                r.add("executed twice", f"order {oid} has {finals} final lines: "
                      + ", ".join(statuses))
            continue
        if oid not in orders:
            continue
        ordered = orders[oid][2]
        executed = sum(x[2] for x in lines if isinstance(x[2], int))
        last_status, _, _, leaves = lines[-1]
        expected = {"FILLED": ordered, "PARTIAL": ordered - leaves,
                    "REJECTED": 0}[last_status]
        if executed != expected:
            r.add("executions do not add up",
                  f"order {oid} of {ordered} executed {executed} over "
                  f"{', '.join(statuses)}; its final line says {expected}")
    # (c) execution ids unique
    for exec_id, count in exec_ids.items():
        if count > 1:
            r.duplicate_execution_ids += 1
            r.add("duplicate execution id", f"{exec_id} on {count} lines")

    # (e) positions: the fills against the summaries
    for who, path, parse, attr in (
            ("OMS", oms_output, parse_oms_positions, "oms_positions"),
            ("strategy", strategy_output, parse_strategy_positions, "strategy_positions")):
        if not path:
            continue
        if not os.path.exists(path):
            r.add("no summary", f"the {who} output {path} does not exist")
            continue
        try:
            theirs = parse(_read_text(path))
        except ValueError as e:
            r.add("no summary", f"{path}: {e}")
            continue
        if theirs is None:
            line = "strategy positions:" if who == "strategy" else "positions:"
            r.add("no summary", f"no '{line}' line in the {who} output {path}")
            continue
        setattr(r, attr, theirs)
        _compare_positions(r, who, theirs)
    return r


def report(r, out=sys.stdout, limit=50):
    """Prints the counts and the problems (the first `limit` of them)."""
    print(f"audit: {r.orders} orders ({r.order_lines} orders-log lines, {r.resends} "
          f"resends); {r.outcomes} outcomes: {r.fills} executions ({r.partials} "
          f"partial), {r.rejects} rejected; "
          f"{r.torn_lines} torn line(s) set aside", file=out)
    print(f"audit: outcomes missing {r.missing}, executed twice {r.executed_twice} "
          f"(filled twice {r.filled_twice}), duplicate execution ids "
          f"{r.duplicate_execution_ids}, outcomes of unlogged orders {r.unknown_orders}, "
          f"bad trades-log lines {r.bad_lines}", file=out)
    print(f"audit: positions from the fills: {_fmt_positions(r.positions)}", file=out)
    if r.oms_positions is not None:
        print(f"audit: OMS summary positions: {_fmt_positions(r.oms_positions)}", file=out)
    if r.strategy_positions is not None:
        print(f"audit: strategy summary positions: "
              f"{_fmt_positions(r.strategy_positions)}", file=out)
    for p in r.problems[:limit]:
        print(f"  problem: {p}", file=out)
    if len(r.problems) > limit:
        print(f"  ... and {len(r.problems) - limit} more problem(s)", file=out)
    print("audit: " + ("PASS" if r.ok else f"FAIL ({len(r.problems)} problem(s))"), file=out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", required=True, help="the strategy's orders log")
    p.add_argument("--trades", required=True, help="the OMS's trades log")
    p.add_argument("--oms-output", help="the OMS node's output (with its summary)")
    p.add_argument("--strategy-output", help="the strategy node's output (its summary)")
    args = p.parse_args(argv)
    r = audit(args.orders, args.trades, args.oms_output, args.strategy_output)
    report(r)
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
