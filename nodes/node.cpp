#include "nodes/node.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sched.h>
#include <cstdio>
#include <memory>
#include <sstream>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/all.hpp"
#include "caf/io/middleman.hpp"

#include "actors/append_log.hpp"
#include "actors/book_writer.hpp"
#include "actors/diagnostics.hpp"
#include "actors/metrics.hpp"
#include "actors/news_feed.hpp"
#include "actors/oms.hpp"
#include "actors/price_feed.hpp"
#include "actors/strategy.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "nodes/entry.hpp"
#include "nodes/peer_link.hpp"
#include "nodes/results.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

constexpr const char* who = "node";

// -- setup ----------------------------------------------------------------------

void apply_caf_settings(const caf_section& c, caf::actor_system_config& sys_cfg) {
  using std::chrono::milliseconds;
  sys_cfg.set("scheduler.policy", caf::atom_from_string(c.scheduler_policy));
  sys_cfg.set("scheduler.max-threads", static_cast<std::int64_t>(c.max_threads));
  sys_cfg.set("middleman.workers", static_cast<std::int64_t>(c.middleman_workers));
  sys_cfg.set("middleman.heartbeat-interval",
              caf::timespan{milliseconds(c.heartbeat_interval_ms)});
  sys_cfg.set("middleman.connection-timeout",
              caf::timespan{milliseconds(c.connection_timeout_ms)});
  if (c.aggressive_polling) {
    // Workers spin instead of sleeping: lowest wake-up latency, a core each.
    sys_cfg.set("work-stealing.aggressive-poll-attempts",
                static_cast<std::int64_t>(100'000'000));
    sys_cfg.set("work-stealing.aggressive-steal-interval",
                static_cast<std::int64_t>(1));
  }
}

std::vector<std::string> symbols_of(const node_config& cfg) {
  std::vector<std::string> out;
  for (auto& entry : cfg.price_feed.symbols)
    out.push_back(entry.first);
  return out;
}

/// What must exist before any actor starts; failing here is fatal and clear.
struct node_resources {
  std::shared_ptr<shm::segment_writer> segment;
  std::unique_ptr<append_log> trades_log;
  std::unique_ptr<append_log> orders_log;
};

node_resources open_resources(const node_config& cfg) {
  node_resources r;
  if (cfg.hosts("book")) {
    r.segment = std::make_shared<shm::segment_writer>(cfg.book.shm_name,
                                                      symbols_of(cfg));
    if (r.segment->replaced_stale())
      diagnose(who, "replaced a stale shm segment " + cfg.book.shm_name
                      + " left by a dead writer");
  }
  if (cfg.hosts("oms"))
    r.trades_log = std::make_unique<append_log>(cfg.oms.trades_log);
  if (cfg.hosts("strategy"))
    r.orders_log = std::make_unique<append_log>(cfg.strategy.orders_log);
  return r;
}

// -- the actors of this node -----------------------------------------------------

struct hosted_actors {
  caf::actor price_feed;
  caf::actor news_feed;
  caf::actor book;
  caf::actor strategy;
  caf::actor oms;

  /// In the order the clean shutdown stops them: sources first, so everything
  /// downstream drains what is already under way.
  std::vector<caf::actor> in_stop_order() const {
    std::vector<caf::actor> out;
    for (auto& x : {price_feed, news_feed, strategy, oms, book})
      if (x)
        out.push_back(x);
    return out;
  }
};

hosted_actors spawn_hosted(caf::actor_system& sys, const node_config& cfg,
                           node_resources& res, node_metrics& m) {
  hosted_actors a;
  if (cfg.hosts("price_feed"))
    a.price_feed = spawn_price_feed(sys, cfg.price_feed, m.price_feed);
  if (cfg.hosts("news_feed"))
    a.news_feed = spawn_news_feed(sys, cfg.news_feed, m.news_feed);
  if (cfg.hosts("book"))
    a.book = spawn_book_writer(sys, cfg.book, res.segment, m.book);
  if (cfg.hosts("oms"))
    a.oms = spawn_oms(sys, cfg.oms, cfg.book, symbols_of(cfg), *res.trades_log,
                      m.oms);
  if (cfg.hosts("strategy"))
    a.strategy = spawn_strategy(sys, cfg.strategy, cfg.book, symbols_of(cfg),
                                *res.orders_log, m.strategy,
                                cfg.node.drain_timeout_ms);
  return a;
}

/// Hands each consumer the producers it needs that live in this process.
void wire_local(const node_config& cfg, const hosted_actors& a) {
  auto hand = [](const caf::actor& consumer, caf::atom_value role,
                 const caf::actor& producer) {
    if (consumer && producer)
      caf::anon_send(consumer, peer_atom::value, role, producer);
  };
  hand(a.book, role::price_feed, a.price_feed);
  hand(a.strategy, role::news_feed, a.news_feed);
  hand(a.strategy, role::oms, a.oms);
  hand(a.strategy, role::book, a.book);
  if (cfg.oms.book_source == "actor")
    hand(a.oms, role::book, a.book);
}

// -- peers ---------------------------------------------------------------------

/// The entry actor peers ask for our actors; fatal only if our port is taken.
caf::expected<std::uint16_t> publish_entry(caf::actor_system& sys,
                                           const node_config& cfg,
                                           const hosted_actors& a,
                                           caf::actor& entry) {
  role_table roles{{role::price_feed, a.price_feed},
                   {role::news_feed, a.news_feed},
                   {role::book, a.book},
                   {role::strategy, a.strategy},
                   {role::oms, a.oms}};
  roles.erase(std::remove_if(roles.begin(), roles.end(),
                             [](auto& r) { return !r.second; }),
              roles.end());
  entry = spawn_entry(sys, cfg.node.name, std::move(roles));
  return sys.middleman().publish(entry, static_cast<std::uint16_t>(cfg.node.port),
                                 cfg.node.host.c_str(), true);
}

/// One link per remote node, carrying every role this node needs from it.
std::vector<caf::actor> spawn_links(caf::actor_system& sys, const node_config& cfg,
                                    const hosted_actors& a, link_metrics& m) {
  std::vector<peer_link_settings> links;
  auto want = [&](const caf::actor& consumer, const std::string& role_name,
                  caf::atom_value role, const endpoint& peer) {
    if (!consumer || cfg.hosts(role_name))
      return; // nothing consumes it here, or it is local (wired directly)
    auto same = [&](auto& l) { return l.host == peer.host && l.port == peer.port; };
    auto link = std::find_if(links.begin(), links.end(), same);
    if (link == links.end()) {
      peer_link_settings fresh;
      fresh.host = peer.host;
      fresh.port = static_cast<std::uint16_t>(peer.port);
      fresh.backoff_min_ms = cfg.node.reconnect_min_ms;
      fresh.backoff_max_ms = cfg.node.reconnect_max_ms;
      links.push_back(std::move(fresh));
      link = std::prev(links.end());
    }
    for (auto& r : link->roles)
      if (r.role == role) {
        r.consumers.push_back(consumer);
        return;
      }
    link->roles.push_back(wanted_role{role, {consumer}});
  };
  want(a.book, "price_feed", role::price_feed, cfg.peers.price_feed);
  want(a.strategy, "news_feed", role::news_feed, cfg.peers.news_feed);
  want(a.strategy, "oms", role::oms, cfg.peers.oms);
  if (cfg.strategy.book_source == "actor")
    want(a.strategy, "book", role::book, cfg.peers.book);
  if (cfg.oms.book_source == "actor")
    want(a.oms, "book", role::book, cfg.peers.book);
  std::vector<caf::actor> out;
  for (auto& l : links)
    out.push_back(spawn_peer_link(sys, std::move(l), m));
  return out;
}

void stop_in_order(caf::actor_system& sys, const hosted_actors& a,
                   const node_config& cfg) {
  caf::scoped_actor self{sys};
  auto timeout = std::chrono::milliseconds(cfg.node.drain_timeout_ms + 1000);
  for (auto& x : a.in_stop_order()) {
    self->request(x, timeout, stop_atom::value)
      .receive([](bool) {},
               [&](caf::error& err) {
                 diagnose(who, "an actor did not confirm its stop: "
                                 + sys.render(err));
               });
  }
  for (auto& x : a.in_stop_order())
    self->send_exit(x, caf::exit_reason::user_shutdown);
}

// -- stats ---------------------------------------------------------------------

std::string format_us(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1000.0);
  return buf;
}

std::string stats_line(const node_config& cfg, const node_metrics& m,
                       double elapsed_s) {
  std::ostringstream os;
  char t[32];
  std::snprintf(t, sizeof t, "%.1fs", elapsed_s);
  os << t;
  if (cfg.hosts("price_feed"))
    os << " | feed ticks " << m.price_feed.ticks_sent.get();
  if (cfg.hosts("news_feed"))
    os << " | news " << m.news_feed.news_sent.get();
  if (cfg.hosts("book"))
    os << " | book ticks " << m.book.ticks_in.get() << " shm " << m.book.shm_writes.get()
       << " gaps " << m.book.gaps.get() << " resets " << m.book.resets.get()
       << " skipped " << m.book.skipped.get();
  if (cfg.hosts("strategy"))
    os << " | strategy prices " << m.strategy.book_events.get() << " sentiment "
       << m.strategy.sentiment.load() << " orders " << m.strategy.orders_sent.get()
       << " fills " << m.strategy.fills.get() << " rejects "
       << m.strategy.rejects.get() << " unknown "
       << m.strategy.outcome_unknown.get();
  if (cfg.hosts("oms"))
    os << " | oms orders " << m.oms.orders_in.get() << " fills " << m.oms.fills.get()
       << " rejects " << m.oms.rejects.get() << " dup " << m.oms.duplicates.get();
  auto in = m.book.ticks_in.get() + m.strategy.messages_in.get()
            + m.oms.orders_in.get() + m.oms.book_updates_in.get();
  auto out = m.price_feed.messages_out.get() + m.news_feed.messages_out.get()
             + m.book.updates_out.get() + m.strategy.orders_sent.get()
             + m.oms.fills.get() + m.oms.rejects.get();
  os << " | msgs in " << in << " out " << out;
  if (m.links.expected.load() > 0)
    os << " | peers " << m.links.connected.load() << "/" << m.links.expected.load()
       << " lost " << m.links.losses.load() << " reconnects "
       << m.links.reconnects.load();
  return os.str();
}

void print_summary(const node_config& cfg, node_metrics& m, double elapsed_s) {
  report("summary: " + stats_line(cfg, m, elapsed_s));
  if (!cfg.hosts("oms"))
    return;
  std::lock_guard<std::mutex> guard{m.oms.positions_mtx};
  double total = 0;
  std::ostringstream os;
  os << "positions:";
  for (auto& [symbol, p] : m.oms.positions) {
    char buf[128];
    std::snprintf(buf, sizeof buf, " %s %+" PRId64 " (realized %.2f)",
                  symbol.c_str(), p.quantity, p.realized_pnl);
    os << buf;
    total += p.realized_pnl;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "; realized P&L %.2f", total);
  os << (m.oms.positions.empty() ? " none" : "") << buf;
  report(os.str());
  auto s = summarize(m.oms.tick_to_trade);
  report("tick-to-trade: " + std::to_string(s.count) + " orders, p50 "
         + format_us(s.p50) + ", p99 " + format_us(s.p99) + ", max "
         + format_us(s.max));
}

/// Restricts this thread, and so every thread CAF starts later, to `cpus`.
void pin_process(const std::vector<std::int64_t>& cpus) {
  if (cpus.empty())
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (auto cpu : cpus)
    CPU_SET(static_cast<int>(cpu), &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    diagnose(who, std::string{"cannot pin to node.cpus: "} + std::strerror(errno));
}

// -- signals ---------------------------------------------------------------------

/// SIGINT and SIGTERM are blocked in every thread (CAF's included, as they inherit
/// the mask) and taken by the main loop with sigtimedwait: one clean path.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

/// Waits up to `ns`; returns the signal number, or 0 on timeout.
int wait_for_signal(const sigset_t& set, std::int64_t ns) {
  if (ns <= 0)
    return 0;
  timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                   static_cast<long>(ns % 1'000'000'000)};
  auto sig = sigtimedwait(&set, nullptr, &timeout);
  return sig > 0 ? sig : 0;
}

// -- the main loop ---------------------------------------------------------------

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out;
}

/// The counters over the steady part of a run: after the warm-up, and before
/// the shutdown drain would inflate them.
struct run_window {
  nanos_t started_ns = 0;
  counter_snapshot begin;
  counter_snapshot end;
};

/// Prints the stats line every node.stats_interval_ms until a stop signal
/// arrives or the duration ends.
run_window wait_for_stop(const node_config& cfg, const node_metrics& metrics,
                         const sigset_t& stop_signals, double duration_s) {
  run_window window;
  auto start = window.started_ns = mono_ns();
  auto end = duration_s > 0 ? start + static_cast<nanos_t>(duration_s * 1e9) : 0;
  auto period = cfg.node.stats_interval_ms * 1'000'000;
  auto next_stats = start + period;
  auto warmup_end = start + cfg.node.warmup_ms * 1'000'000;
  auto warmed_up = cfg.node.warmup_ms == 0;
  window.begin = take_snapshot(metrics);
  for (;;) {
    auto now = mono_ns();
    auto until = end > 0 ? std::min(next_stats, end) : next_stats;
    if (!warmed_up)
      until = std::min(until, warmup_end);
    if (auto sig = wait_for_signal(stop_signals, until - now)) {
      report(std::string{"received "} + (sig == SIGINT ? "SIGINT" : "SIGTERM")
             + ": shutting down");
      break;
    }
    now = mono_ns();
    if (!warmed_up && now >= warmup_end) {
      window.begin = take_snapshot(metrics);
      warmed_up = true;
    }
    if (end > 0 && now >= end) {
      report("duration reached: shutting down");
      break;
    }
    if (now >= next_stats) {
      report(stats_line(cfg, metrics, static_cast<double>(now - start) / 1e9));
      next_stats += period;
    }
  }
  window.end = take_snapshot(metrics);
  return window;
}

} // namespace

int run_node(const node_config& cfg, double duration_s) {
  set_diagnostics_name(cfg.node.name);
  auto stop_signals = block_stop_signals();
  pin_process(cfg.node.cpus);
  node_resources res;
  try {
    res = open_resources(cfg);
  } catch (const std::exception& e) {
    diagnose(who, std::string{"fatal: "} + e.what());
    return 1;
  }
  node_metrics metrics; // outlives the actor system: actors write into it
  caf::actor_system_config sys_cfg;
  register_message_types(sys_cfg);
  sys_cfg.load<caf::io::middleman>();
  apply_caf_settings(cfg.caf, sys_cfg);
  double elapsed = 0;
  run_window window;
  {
    caf::actor_system sys{sys_cfg};
    // Latency histograms skip the warm-up, like the rates in the results file.
    metrics.strategy.record_from_ns = metrics.oms.record_from_ns
      = mono_ns() + cfg.node.warmup_ms * 1'000'000;
    auto actors = spawn_hosted(sys, cfg, res, metrics);
    wire_local(cfg, actors);
    caf::actor entry;
    if (cfg.node.listen) {
      auto port = publish_entry(sys, cfg, actors, entry);
      if (!port) {
        diagnose(who, "fatal: cannot listen on " + cfg.node.host + ":"
                        + std::to_string(cfg.node.port) + ": "
                        + sys.render(port.error()));
        stop_in_order(sys, actors, cfg);
        caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
        return 1;
      }
      report("listening on " + cfg.node.host + ":" + std::to_string(*port));
    }
    auto links = spawn_links(sys, cfg, actors, metrics.links);
    report("started: hosts " + joined(cfg.node.actors)
           + (cfg.hosts("book") ? "; shm segment " + cfg.book.shm_name : std::string{}));
    window = wait_for_stop(cfg, metrics, stop_signals, duration_s);
    // A second SIGINT/SIGTERM during the shutdown ends the process at once (a
    // connect to a peer that drops packets can hold the middleman for minutes);
    // every trade already acknowledged is in the log by then.
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
    for (auto& link : links)
      caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    stop_in_order(sys, actors, cfg);
    if (entry)
      caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
    elapsed = static_cast<double>(mono_ns() - window.started_ns) / 1e9;
    sys.await_all_actors_done();
  }
  res.segment.reset(); // unlinks the segment now that no actor writes it
  print_summary(cfg, metrics, elapsed);
  if (!cfg.node.results_file.empty()) {
    try {
      write_results(cfg.node.results_file, cfg, metrics, window.begin, window.end);
    } catch (const std::exception& e) {
      diagnose(who, e.what());
      return 1;
    }
  }
  return 0;
}

} // namespace trading
