#!/usr/bin/env python3
"""Runs `bench/run --quick --no-build` into a temporary directory and checks what it
wrote: every row, enough samples, ordered percentiles, a fresh date, both
throughput figures and the plot. It asserts no timing."""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

WAITS = ["spin", "poll", "futex"]
ROWS = ["shm_read", "shm_cross_process", "shm_cross_process_futex", "actor_local_one_way",
        "actor_local_one_way_spinning", "actor_local_handoff_spinning", "actor_local_rtt", "actor_local_rtt_blocking", "actor_remote_one_way",
        "actor_remote_rtt", "actor_remote_rtt_blocking", "tcp_loopback_rtt",
        "tick_to_trade_all_in_one_shm", "tick_to_trade_all_in_one_actor",
        "tick_to_trade_cluster_shm", "tick_to_trade_cluster_actor"]
ROWS += [f"tick_to_trade_{layout}_shm_{wait}" for layout in ("all_in_one", "cluster")
         for wait in WAITS]
# The same hops once a millisecond, the stack's cadence.
EVERY_MS = ["actor_local_one_way_spinning_every_ms", "shm_cross_process_every_ms",
            "actor_local_handoff_spinning_every_ms"]
ROWS += EVERY_MS
# The remote hop to an actor on its node's I/O thread (caf.io_thread_roles), and
# that hop sent by a thread that runs its own node's loop (the strategy there).
ROWS += ["actor_remote_one_way_io_thread", "actor_remote_one_way_io_loop"]
KEYS = ["name", "unit", "count", "p50", "p90", "p99", "p999", "max", "payload_bytes",
        "profile", "method"]
HOPS = ["feed_to_book", "book_to_strategy", "strategy_to_oms", "strategy_pass", "order_to_oms"]


def check(cond, what):
    if not cond:
        print(f"bench smoke test FAILED: {what}")
        sys.exit(1)


def main():
    started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    out = tempfile.mkdtemp(prefix="bench_smoke_")
    run = subprocess.run(["bench/run", "--quick", "--no-build", "--out", out],
                         capture_output=True, text=True, timeout=540)
    print(run.stdout[-6000:], run.stderr[-3000:])
    check(run.returncode == 0, f"bench/run exited {run.returncode}")
    doc = json.load(open(os.path.join(out, "results.json")))
    for key in ("cpu_model", "cores", "kernel"):
        check(key in doc["machine"], f"machine.{key} missing")
    date = datetime.datetime.strptime(doc["date"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    check(date >= started, f"date {doc['date']} is before the test started ({started})")
    rows = {r["name"]: r for r in doc["results"]}
    for name in ROWS:
        check(name in rows, f"row {name} missing")
        r = rows[name]
        for key in KEYS:
            check(key in r, f"{name}: key {key} missing")
        check(r["unit"] == "ns", f"{name}: unit {r['unit']}")
        # Micro rows run a fixed number of iterations; an end-to-end row counts the
        # orders the strategy chose to send in its window, which a loaded machine
        # thins out: enough for ordered percentiles is all a smoke test may ask.
        least = 100 if name.startswith("tick_to_trade") else 1000
        check(r["count"] >= least, f"{name}: count {r['count']} < {least}")
        check(0 < r["p50"] <= r["p90"] <= r["p99"] <= r["p999"] <= r["max"],
              f"{name}: percentiles not ordered: {r}")
        if name.startswith("tick_to_trade"):
            for hop in HOPS:
                check(hop in r.get("hops", {}), f"{name}: hop {hop} missing")
                check(0 < r["hops"][hop]["p50"] <= r["hops"][hop]["p99"],
                      f"{name}: hop {hop} not ordered")
            # Its floor from the same run's micro rows, and the ratio to it.
            floor = r.get("floor", {})
            check(floor.get("p50", 0) > 0 and len(floor.get("from", [])) == 3,
                  f"{name}: no floor from three hops: {floor}")
            check(all(f in rows for f in floor["from"]), f"{name}: floor from unknown rows")
            check(abs(r.get("ratio_to_floor", -1) - r["p50"] / floor["p50"]) < 0.01,
                  f"{name}: ratio_to_floor is not p50 / floor")
    # The one-process spinning row against its hops at the stack's cadence too.
    spin = rows["tick_to_trade_all_in_one_shm_spin"]
    check(spin.get("floor_every_ms", {}).get("from") == EVERY_MS,
          f"tick_to_trade_all_in_one_shm_spin: no floor every ms: {spin.get('floor_every_ms')}")
    check(abs(spin.get("ratio_to_floor_every_ms", -1)
              - spin["p50"] / spin["floor_every_ms"]["p50"]) < 0.01,
          "ratio_to_floor_every_ms is not p50 / floor_every_ms")
    check("floor_every_ms" not in rows["tick_to_trade_all_in_one_shm_futex"],
          "the futex row got a floor every ms (there is no futex row every ms)")
    # Every cluster row names its roles on the I/O thread and reads against those
    # hops too; no other row does. The feed sends from its I/O thread; the
    # strategy does only where it spins, and runs its node's loop there.
    for name in ROWS:
        floor = rows[name].get("floor_io_thread")
        if name.startswith("tick_to_trade_cluster"):
            spins = rows[name].get("wait") == "spin"
            check('book:caf.io_thread_roles=["book"]' in rows[name]["profile"],
                  f"{name}: its profile does not name the roles on the I/O thread")
            check(('strategy:caf.io_thread_roles=["strategy"]' in rows[name]["profile"])
                  == spins, f"{name}: the strategy runs its loop only where it spins")
            check(bool(re.search(r"strategy:strategy\.warm_us=[1-9]", rows[name]["profile"]))
                  == spins,
                  f"{name}: the strategy keeps its OMS warm only where it spins")
            order_hop = ("actor_remote_one_way_io_loop" if spins
                         else "actor_remote_one_way_io_thread")
            check(floor and floor["from"][0] == "actor_remote_one_way_io_loop"
                  and floor["from"][2] == order_hop,
                  f"{name}: no floor on the I/O thread: {floor}")
            check(abs(rows[name]["ratio_to_floor_io_thread"] - rows[name]["p50"]
                      / floor["p50"]) < 0.01,
                  f"{name}: ratio_to_floor_io_thread is not p50 / floor_io_thread")
        else:
            check(floor is None, f"{name}: a floor on the I/O thread outside the cluster")
    check("against its hops on the I/O thread" in open(os.path.join(out, "results.md")).read(),
          "results.md does not read the cluster against its hops on the I/O thread")
    # The cluster's sleeping waits run with their own placement, which each row names.
    for name in ("tick_to_trade_cluster_shm_poll", "tick_to_trade_cluster_shm_futex",
                 "tick_to_trade_cluster_actor"):
        check("strategy:node.cpus=[1]" in rows[name]["profile"]
              and "feeds:node.cpus=[0]" in rows[name]["profile"],
              f"{name}: its profile names no placement: {rows[name]['profile']}")
    # The spinning row has the configs' own (feeds beside the spinner), named too.
    spin_profile = rows["tick_to_trade_cluster_shm_spin"]["profile"]
    check("feeds:node.cpus=[1]" in spin_profile and "oms:node.cpus=[0]" in spin_profile
          and "feeds:node.cpus=[0]" not in spin_profile,
          f"the cluster's spinning row got another placement: {spin_profile}")
    for layout in ("all_in_one", "cluster"):
        chosen = rows[f"tick_to_trade_{layout}_shm"].get("wait")
        check(chosen in WAITS, f"tick_to_trade_{layout}_shm: no wait ({chosen})")
        check(rows[f"tick_to_trade_{layout}_shm_{chosen}"]["p50"]
              == rows[f"tick_to_trade_{layout}_shm"]["p50"],
              f"tick_to_trade_{layout}_shm is not its profile's wait row")
    md = open(os.path.join(out, "results.md")).read()
    check("| ratio |" in md and "tick_to_trade_cluster_shm_futex" in md,
          "results.md has no table of rows against their floors")
    # The quick ladder climbs to the goals' rates (whether they held is timing):
    # every run says at what rate, and in what batches, it was offered.
    for layout, goal in (("all_in_one", 1_000_000), ("cluster", 300_000)):
        runs = [r for r in doc.get("throughput_runs", []) if r["layout"] == layout]
        check(runs and all(r.get("batch_ticks", 0) > 0 for r in runs),
              f"throughput runs of {layout} missing or without their batch size")
        # The search stops at the first rate that fails all its attempts.
        held = {r["offered_per_s"] for r in runs if r["sustained"]}
        stopped_below = any(r["offered_per_s"] < goal and r["offered_per_s"] not in held
                            for r in runs)
        check(goal in {r["offered_per_s"] for r in runs} or stopped_below,
              f"the {layout} ladder never tried {goal:,}/s and did not stop below it")
    # Durability rows: the journal per fsync mode, recovery, the hop per mode.
    durability = [f"oms_journal_{mode}_batch{n}" for mode in ("none", "every", "interval")
                  for n in (1, 16)]
    durability += ["oms_recovery_100k_lines"]
    durability += [f"strategy_to_oms_fsync_{mode}" for mode in ("none", "every", "interval")]
    for name in durability:
        check(name in rows, f"row {name} missing")
        r = rows[name]
        check(0 < r["p50"] <= r["p99"] <= r["max"], f"{name}: percentiles not ordered")
        check(any(v > 0 for v in r.get("rates", {}).values()), f"{name}: no rate")
    # Whether a rate held is timing (0 when none did); that it was measured is not.
    for key in ("ticks_per_s_all_in_one", "ticks_per_s_cluster"):
        check(isinstance(doc["throughput"].get(key), (int, float)) and doc["throughput"][key] >= 0,
              f"throughput.{key} missing")
    png = os.path.join(out, "latency_cdf.png")
    check(os.path.getsize(png) > 1000 and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
          "latency_cdf.png is not a PNG")
    check(os.path.getsize(os.path.join(out, "latency_cdf.dat")) > 0, "empty latency_cdf.dat")
    print(f"bench smoke test passed: {len(ROWS)} rows, {len(durability)} durability rows, "
          "both throughput figures, the plot")


if __name__ == "__main__":
    main()
