#!/usr/bin/env python3
"""Merges the benchmark outputs in DIR into DIR/results.json, writes
DIR/latency_cdf.dat and DIR/latency_cdf.png (gnuplot), the same for the
durability rows (DIR/durability_cdf.*), DIR/results.md (the README's tables:
every row, the hops, every tick-to-trade row against its floor, throughput,
durability), and prints a table. With --readme FILE it also writes those tables
into FILE: the figures between its `<!-- bench:begin -->` and `<!-- bench:end -->`
lines, the durability table between `<!-- bench-durability:begin -->` and
`<!-- bench-durability:end -->`.

  bench/report.py DIR [--readme README.md]
"""
import datetime
import json
import os
import platform
import subprocess
import sys

ROW_KEYS = ("name", "unit", "count", "p50", "p90", "p99", "p999", "max",
            "payload_bytes", "profile", "method")
FSYNC_MODES = ("none", "every", "interval")

# A tick-to-trade row's floor: the micro rows of the same run that its three
# hops (feed -> book, book -> strategy, strategy -> OMS) would cost if each were
# nothing but its transport, summed at p50. The shm hop's floor is the
# spinning reader's (shm_cross_process), or the sleeping one's
# (shm_cross_process_futex) for rows whose strategy waits on the futex. In one
# process the profile's CAF worker spins: feed -> book is a message between two
# actors on it (actor_local_one_way_spinning), strategy -> OMS one from the
# strategy's own thread on the other CPU to it (actor_local_handoff_spinning).
FLOOR_HOPS = {"all_in_one_shm": ("actor_local_one_way_spinning", "shm",
                                 "actor_local_handoff_spinning"),
              "all_in_one_actor": ("actor_local_one_way_spinning", "actor_local_one_way",
                                   "actor_local_handoff_spinning"),
              "cluster_shm": ("actor_remote_one_way", "shm", "actor_remote_one_way"),
              "cluster_actor": ("actor_remote_one_way",) * 3}
# The same floor from the `_every_ms` micro rows, which send each hop once a
# millisecond (the stack's cadence), on caches that went cold in between. Where
# every hop has such a row: one process, the spinning wait. Not the goal's floor;
# it tells how much of a row's distance to its floor is its hops being cold.
CADENCE_FLOOR_HOPS = {"all_in_one_shm": ("actor_local_one_way_spinning_every_ms",
                                         "shm_cross_process_every_ms",
                                         "actor_local_handoff_spinning_every_ms")}
# The cluster's floor with each remote hop as caf.io_thread_roles makes it in
# the benchmark profile: feeds, book and OMS on their nodes' middleman threads,
# and the spinning strategy running its own node's loop. The feed sends from its
# I/O thread (the tick is stamped there, after the wake-up) and so does such a
# strategy: their hops are actor_remote_one_way_io_loop. A strategy that sleeps
# (futex, poll, book_source actor) sends from its own thread, which wakes its
# node's loop: "strategy_send" is the _io_thread hop for those. Book -> strategy
# as a message stays the plain hop: the strategy receives on its own thread.
# Not the goal's floor; it tells how much of a row's distance to its floor that
# setting could take, and what is left.
IO_THREAD_FLOOR_HOPS = {"cluster_shm": ("actor_remote_one_way_io_loop", "shm",
                                        "strategy_send"),
                        "cluster_actor": ("actor_remote_one_way_io_loop",
                                          "actor_remote_one_way", "strategy_send")}
# Each kind of floor: (its hops, the suffix of its keys in a row, how the tables
# name it, the waits it applies to; None: every row).
FLOORS = ((FLOOR_HOPS, "", "", None),
          (CADENCE_FLOOR_HOPS, "_every_ms", " against its hops once a millisecond",
           ("spin",)),
          (IO_THREAD_FLOOR_HOPS, "_io_thread", " against its hops on the I/O thread",
           None))
# Other rows read against a floor of the same run: (row, its floor).
RATIO_PAIRS = (("actor_remote_rtt", "tcp_loopback_rtt"),
               ("actor_remote_rtt_blocking", "tcp_loopback_rtt"),
               ("actor_local_rtt_blocking", "actor_local_rtt"),
               ("shm_cross_process_futex", "shm_cross_process"))


def floor_of(row, by_name, table=FLOOR_HOPS, waits=None):
    """{"p50": ns, "from": [micro rows]} for a tick-to-trade row, None for any
    other row, a row whose wait is not among `waits` (None: any), or when a
    micro row it needs is missing."""
    name = row["name"]
    if not name.startswith("tick_to_trade_"):
        return None
    key = name[len("tick_to_trade_"):]
    for wait in ("_spin", "_poll", "_futex"):
        key = key[:-len(wait)] if key.endswith(wait) else key
    hops = table.get(key)
    if hops is None or (waits is not None and row.get("wait") not in waits):
        return None
    wait = row.get("wait")
    placeholders = {"shm": ("shm_cross_process_futex" if wait == "futex"
                            else "shm_cross_process"),
                    "strategy_send": ("actor_remote_one_way_io_loop" if wait == "spin"
                                      else "actor_remote_one_way_io_thread")}
    parts = [placeholders.get(h, h) for h in hops]
    if any(p not in by_name for p in parts):
        return None
    return {"p50": sum(by_name[p]["p50"] for p in parts), "from": parts}


def add_floors(rows):
    """Each tick-to-trade row gets its floor and its p50's ratio to it, and
    where the micro rows have them, the other kinds of FLOORS."""
    by_name = {r["name"]: r for r in rows}
    for r in rows:
        for table, suffix, _, waits in FLOORS:
            floor = floor_of(r, by_name, table, waits)
            if floor:
                r["floor" + suffix] = floor
                r["ratio_to_floor" + suffix] = round(r["p50"] / max(floor["p50"], 1), 2)


def durability(row):
    """The rows of the OMS's journal: per fsync mode (micro and end to end), and
    its recovery. They get their own table and plot."""
    return row["name"].startswith(("oms_journal_", "oms_recovery_",
                                   "strategy_to_oms_fsync_"))


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpu_model": model, "cores": os.cpu_count(), "kernel": platform.release()}


def host_settings(out_dir):
    """What bench/run held for the run (host.json): the PM QoS wake latency."""
    path = os.path.join(out_dir, "host.json")
    if not os.path.exists(path):
        return {"cpu_dma_latency_us": None}
    with open(path) as f:
        return json.load(f)


def machine_text(m):
    held = m.get("cpu_dma_latency_us")
    driver = m.get("cpuidle_driver")
    if held is not None and driver == "none":
        # PM QoS acts through a cpuidle driver: without one, idle CPUs halt.
        idle = f"cpu_dma_latency {held} µs held, no effect (no cpuidle driver: idle CPUs halt)"
    elif held == 0:
        idle = "idle CPUs polling (cpu_dma_latency 0)"
    elif held is not None:
        idle = f"cpu_dma_latency {held} µs"
    else:
        idle = "idle CPUs as the kernel sets them"
    return f"{m['cpu_model']}, {m['cores']} cores, kernel {m['kernel']}, {idle}"


def load_rows(out_dir):
    rows = []
    for name in ("micro_shm.json", "micro_actor.json", "micro_oms.json"):
        path = os.path.join(out_dir, name)
        if name == "micro_oms.json" and not os.path.exists(path):
            continue  # a directory from before the OMS's journal was measured
        with open(path) as f:
            rows += json.load(f)
    with open(os.path.join(out_dir, "e2e.json")) as f:
        e2e = json.load(f)
    return rows + e2e["rows"], e2e


def write_cdf(out_dir, rows, stem="latency_cdf"):
    """One block per latency (gnuplot `index`), value in ns against percentile."""
    plotted = [r for r in rows if r.get("cdf")]
    with open(os.path.join(out_dir, stem + ".dat"), "w") as f:
        f.write("# one block per latency row: latency_ns percentile\n")
        for i, r in enumerate(plotted):
            f.write(("\n\n" if i else "") + f"# {r['name']}\n")
            for percent, value in r["cdf"]:
                f.write(f"{max(value, 1)} {percent}\n")
    return [r["name"] for r in plotted]


def plot(out_dir, names, title, stem="latency_cdf"):
    script = f"""
set terminal pngcairo size 1400,800 noenhanced
set output '{os.path.join(out_dir, stem + ".png")}'
set title '{title}'
set logscale x
set xtics ('10 ns' 10, '100 ns' 100, '1 us' 1e3, '10 us' 1e4, '100 us' 1e5, \
           '1 ms' 1e6, '10 ms' 1e7, '100 ms' 1e8)
set xlabel 'latency (ns, log scale)'
set ylabel 'percentile'
set yrange [0:100]
set grid
set key outside right
names = "{' '.join(names)}"
plot for [i=0:{len(names) - 1}] '{os.path.join(out_dir, stem + ".dat")}' \\
  index i using 1:2 with linespoints pointsize 0.6 title word(names, i+1)
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def fmt(ns):
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1_000:
        return f"{ns / 1e3:.1f} us"
    return f"{ns} ns"


def table(doc):
    lines = [f"machine: {machine_text(doc['machine'])}; {doc['date']}",
             f"{'row':34} {'count':>8} {'p50':>10} {'p90':>10} {'p99':>10} "
             f"{'p99.9':>10} {'max':>10}"]
    for r in doc["results"]:
        lines.append(f"{r['name']:34} {r['count']:>8} " + " ".join(
            f"{fmt(r[k]):>10}" for k in ("p50", "p90", "p99", "p999", "max")))
        for hop, v in r.get("hops", {}).items():
            lines.append(f"  {hop:32} {'':>8} {fmt(v['p50']):>10} {'':>10} "
                         f"{fmt(v['p99']):>10}")
        for key, v in r.get("rates", {}).items():
            lines.append(f"  {key.replace('_per_s', '/s'):32} {v:>19,.0f}")
        for _, suffix, _, _ in FLOORS:
            label = "floor" + suffix.replace("_", " ")
            if "floor" + suffix in r:
                floor = r["floor" + suffix]
                lines.append(f"  {label + ' (' + ' + '.join(floor['from']) + ')':60} "
                             f"{fmt(floor['p50']):>10}  ratio "
                             f"{r['ratio_to_floor' + suffix]:.1f}x")
    t = doc["throughput"]
    lines.append(f"throughput: all-in-one {t['ticks_per_s_all_in_one']:,.0f} ticks/s, "
                 f"cluster {t['ticks_per_s_cluster']:,.0f} ticks/s (sustained)")
    return "\n".join(lines)


def fmt_md(ns):
    return fmt(ns).replace(" us", " µs")


def fmt_rate(v):
    if v >= 10_000:
        return f"{v / 1000:,.0f} k"
    return f"{v:,.0f}"


def lines_of(name):
    """oms_recovery_1m_lines -> 1000000, oms_recovery_100k_lines -> 100000."""
    n = name[len("oms_recovery_"):-len("_lines")]
    scale = {"m": 1_000_000, "k": 1000}.get(n[-1:], 1)
    return int(n.rstrip("mk")) * scale


def durability_md(rows):
    """The cost of each oms.fsync mode, and the recovery time."""
    by_name = {r["name"]: r for r in rows}

    def cell(name, rate_key):
        r = by_name.get(name)
        if r is None:
            return "–"
        rate = r.get("rates", {}).get(rate_key)
        return (f"{fmt_md(r['p50'])} / {fmt_md(r['p99'])}"
                + (f", {fmt_rate(rate)}/s" if rate is not None else ""))

    out = ["", "| `oms.fsync` | journal, one order: p50 / p99, orders/s "
           "| journal, 16 per commit: p50 / p99 per order, orders/s "
           "| strategy → OMS end to end: p50 / p99, orders/s |",
           "| --- | --- | --- | --- |"]
    for mode in FSYNC_MODES:
        if not any(n in by_name for n in (f"oms_journal_{mode}_batch1",
                                          f"strategy_to_oms_fsync_{mode}")):
            continue
        label = f"`{mode}`" + (" (100 ms)" if mode == "interval" else "")
        out.append(f"| {label} | {cell(f'oms_journal_{mode}_batch1', 'orders_per_s')} | "
                   f"{cell(f'oms_journal_{mode}_batch16', 'orders_per_s')} | "
                   f"{cell(f'strategy_to_oms_fsync_{mode}', 'orders_per_s')} |")
    if len(out) == 3:
        out = []
    for r in rows:
        if r["name"].startswith("oms_recovery_"):
            lines = lines_of(r["name"])
            out += ["", f"Recovery (`{r['name']}`): {lines:,} lines read back in "
                    f"{r['p50'] / 1e9:.2f} s (median of {r['count']}, slowest "
                    f"{r['max'] / 1e9:.2f} s), "
                    f"{fmt_rate(r.get('rates', {}).get('lines_per_s', 0))} lines/s."]
    return out


def floors_md(rows):
    """Every tick-to-trade row against its floor, and the other ratios."""
    by_name = {r["name"]: r for r in rows}
    out = ["", "| row | p50 | its floor (same run: the sum of its hops' micro rows at p50) "
           "| ratio |", "| --- | ---: | --- | ---: |"]
    for _, suffix, label, _ in FLOORS:
        for r in rows:
            if "floor" + suffix in r:
                floor = r["floor" + suffix]
                parts = " + ".join(f"`{p}`" for p in floor["from"])
                out.append(f"| `{r['name']}`{label} | {fmt_md(r['p50'])} | "
                           f"{fmt_md(floor['p50'])} ({parts}) | "
                           f"{r['ratio_to_floor' + suffix]:.1f}x |")
    for name, floor in RATIO_PAIRS:
        if name in by_name and floor in by_name:
            a, b = by_name[name]["p50"], by_name[floor]["p50"]
            out.append(f"| `{name}` | {fmt_md(a)} | {fmt_md(b)} (`{floor}`) | "
                       f"{a / max(b, 1):.1f}x |")
    return out if len(out) > 3 else []


def throughput_md(runs):
    """The highest sustained rate per layout, with the batch it was offered in."""
    out = []
    for layout in ("all_in_one", "cluster"):
        ok = [r for r in runs if r["layout"] == layout and r["sustained"]]
        if ok and "interval_us" in ok[-1]:
            r = max(ok, key=lambda x: x["offered_per_s"])
            out.append(f"{layout.replace('_', ' ')}: {r['offered_per_s']:,.0f} ticks/s "
                       f"as {r['batch_ticks']} ticks every {r['interval_us']} µs, tick "
                       f"age at the strategy p99 {fmt_md(r['tick_age_p99_ns'])}.")
    return ["", " ".join(out)] if out else []


def markdown(doc):
    """The README's tables, from the same numbers (no hand copying)."""
    m = doc["machine"]
    out = [f"Run of {doc['date']} on {machine_text(m)}.", "",
           "| row | count | p50 | p90 | p99 | p99.9 | max |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in doc["results"]:
        if durability(r):
            continue
        out.append(f"| `{r['name']}` | {r['count']} | " + " | ".join(
            fmt_md(r[k]) for k in ("p50", "p90", "p99", "p999", "max")) + " |")
    out += ["", "| tick-to-trade row | feed → book | book → strategy | strategy → OMS "
            "| of which: the strategy's pass | the order message |",
            "| --- | --- | --- | --- | --- | --- |"]
    for r in doc["results"]:
        if "hops" in r:
            out.append(f"| `{r['name']}` | " + " | ".join(
                f"{fmt_md(r['hops'][h]['p50'])} / {fmt_md(r['hops'][h]['p99'])}"
                if h in r["hops"] else "-"
                for h in ("feed_to_book", "book_to_strategy", "strategy_to_oms",
                          "strategy_pass", "order_to_oms")) + " |")
    out += floors_md(doc["results"])
    t = doc["throughput"]
    out += ["", f"Throughput: {t['ticks_per_s_all_in_one']:,.0f} ticks/s in one process, "
            f"{t['ticks_per_s_cluster']:,.0f} ticks/s across the cluster."]
    out += throughput_md(doc.get("throughput_runs", []))
    return "\n".join(out) + "\n"


def update_readme(path, sections):
    """Replaces what is between each pair of the README's markers
    `<!-- NAME:begin -->` / `<!-- NAME:end -->` with sections[NAME]."""
    with open(path) as f:
        text = f.read()
    for name, md in sections.items():
        first, last = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        begin, end = text.find(first), text.find(last)
        if begin < 0 or end < begin:
            raise SystemExit(f"report: {path} has no {first} ... {last} section")
        begin += len(first)
        text = text[:begin] + "\n" + md.strip("\n") + "\n" + text[end:]
    with open(path, "w") as f:
        f.write(text)


def main():
    args = sys.argv[1:]
    readme = None
    if "--readme" in args:
        i = args.index("--readme")
        if i + 1 >= len(args):
            raise SystemExit("report: --readme needs a file")
        readme = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        raise SystemExit("usage: bench/report.py DIR [--readme README.md]")
    out_dir = args[0]
    rows, e2e = load_rows(out_dir)
    add_floors(rows)
    names = write_cdf(out_dir, [r for r in rows if not durability(r)])
    durability_names = write_cdf(out_dir, [r for r in rows if durability(r)],
                                 "durability_cdf")
    doc = {"machine": {**machine(), **host_settings(out_dir)},
           "date": datetime.datetime.now(datetime.timezone.utc).strftime(
               "%Y-%m-%dT%H:%M:%SZ"),
           "results": [{**{k: r[k] for k in ROW_KEYS},
                        **{k: r[k] for k in ("wait", "hops", "rates",
                                             *(p + suffix for _, suffix, _, _ in FLOORS
                                               for p in ("floor", "ratio_to_floor")))
                           if k in r}}
                       for r in rows],
           "throughput": e2e["throughput"],
           "throughput_runs": e2e.get("throughput_runs", [])}
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    md = markdown(doc)
    durability_text = "\n".join(durability_md(doc["results"])) + "\n"
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(md + durability_text)
    if readme:
        update_readme(readme, {"bench": md, "bench-durability": durability_text})
    plot(out_dir, names, f"latency CDFs, {doc['machine']['cpu_model']}, {doc['date']}")
    if durability_names:
        plot(out_dir, durability_names, "OMS journal per oms.fsync mode, "
             f"{doc['machine']['cpu_model']}, {doc['date']}", "durability_cdf")
    print(table(doc))


if __name__ == "__main__":
    main()
