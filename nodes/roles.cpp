#include "nodes/roles.hpp"

#include <array>
#include <atomic>
#include <optional>
#include <stdexcept>
#include <sys/stat.h>

#include "caf/actor.hpp"

#include "actors/append_log.hpp"
#include "actors/diagnostics.hpp"
#include "nodes/config.hpp"
#include "nodes/signals.hpp"
#include "nodes/topology.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

using counters = std::vector<std::pair<const char*, std::uint64_t>>;

// -- price_feed ------------------------------------------------------------------

const role_adapter price_feed_role{
  [](caf::actor_system& sys, const node_config& cfg, node_resources& res,
     node_metrics& m) {
    return spawn_price_feed(sys, cfg.price_feed, m.price_feed, res.prices);
  },
  [](figure_list& out, const node_metrics& m) {
    // Replay lines skipped by either feed (malformed, out of order, not traded).
    auto& f = m.price_feed;
    auto skipped = f.replay_skipped.get() + f.replay_unknown.get()
                   + m.news_feed.replay_skipped.get();
    out.insert(out.end(), {{"feed", "ticks", f.ticks_sent.get()},
                           {"feed", "replay_skipped", skipped,
                            shm::counter_kind::counter, "replay skipped"}});
  },
  [](const node_metrics& m) {
    return std::make_pair(std::uint64_t{0}, m.price_feed.messages_out.get());
  },
  [](const node_metrics& m) {
    return counters{{"feed_ticks", m.price_feed.ticks_sent.get()}};
  },
  [](const node_metrics& m) {
    return counters{{"feed_ticks", m.price_feed.ticks_sent.get()}};
  },
  [](const node_metrics& m) -> const guard_metrics& { return m.price_feed.guard; },
};

// -- news_feed -------------------------------------------------------------------

const role_adapter news_feed_role{
  [](caf::actor_system& sys, const node_config& cfg, node_resources& res,
     node_metrics& m) {
    return spawn_news_feed(sys, cfg.news_feed, m.news_feed, res.news);
  },
  [](figure_list& out, const node_metrics& m) {
    out.push_back({"news", "news", m.news_feed.news_sent.get(),
                   shm::counter_kind::counter, ""});
  },
  [](const node_metrics& m) {
    return std::make_pair(std::uint64_t{0}, m.news_feed.messages_out.get());
  },
  [](const node_metrics&) { return counters{}; },
  [](const node_metrics&) { return counters{}; },
  [](const node_metrics& m) -> const guard_metrics& { return m.news_feed.guard; },
};

// -- book ------------------------------------------------------------------------

const role_adapter book_role{
  [](caf::actor_system& sys, const node_config& cfg, node_resources& res,
     node_metrics& m) {
    return spawn_top_of_book(sys, cfg.book, res.segment, m.book, res.on_segment_lost);
  },
  [](figure_list& out, const node_metrics& m) {
    auto& b = m.book;
    out.insert(out.end(), {{"book", "ticks", b.ticks_in.get()},
                           {"book", "shm", b.shm_writes.get()},
                           {"book", "gaps", b.gaps.get()},
                           {"book", "resets", b.resets.get()},
                           {"book", "skipped", b.skipped.get()}});
  },
  [](const node_metrics& m) {
    return std::make_pair(m.book.ticks_in.get(), m.book.updates_out.get());
  },
  [](const node_metrics& m) {
    return counters{{"book_ticks", m.book.ticks_in.get()}, {"gaps", m.book.gaps.get()}};
  },
  [](const node_metrics& m) { return counters{{"book_ticks", m.book.ticks_in.get()}}; },
  [](const node_metrics& m) -> const guard_metrics& { return m.book.guard; },
};

// -- strategy --------------------------------------------------------------------

const role_adapter strategy_role{
  [](caf::actor_system& sys, const node_config& cfg, node_resources& res,
     node_metrics& m) {
    return spawn_strategy(sys, cfg.strategy, *res.orders_log, m.strategy, res.io);
  },
  [](figure_list& out, const node_metrics& m) {
    auto& s = m.strategy;
    auto gauge = shm::counter_kind::gauge;
    out.insert(out.end(),
               {{"strategy", "prices", s.book_events.get()},
                {"strategy", "sentiment", static_cast<std::uint64_t>(s.sentiment.load()),
                 gauge},
                {"strategy", "orders", s.orders_sent.get()},
                {"strategy", "fills", s.fills.get()},
                {"strategy", "rejects", s.rejects.get()},
                {"strategy", "unknown", static_cast<std::uint64_t>(s.unknown_now.load()),
                 gauge},
                {"strategy", "resent", s.resent.get()}});
  },
  [](const node_metrics& m) {
    return std::make_pair(m.strategy.messages_in.get(), m.strategy.orders_sent.get());
  },
  [](const node_metrics& m) {
    return counters{{"strategy_prices", m.strategy.book_events.get()},
                    {"orders", m.strategy.orders_sent.get()},
                    {"outcome_unknown", m.strategy.outcome_unknown.get()},
                    {"unknown_at_exit",
                     static_cast<std::uint64_t>(m.strategy.unknown_now.load())},
                    {"resent", m.strategy.resent.get()},
                    {"repeats", m.strategy.repeats.get()},
                    {"reconciled", m.strategy.reconciled.get()}};
  },
  [](const node_metrics& m) {
    return counters{{"strategy_prices", m.strategy.book_events.get()},
                    {"orders", m.strategy.orders_sent.get()}};
  },
  [](const node_metrics& m) -> const guard_metrics& { return m.strategy.guard; },
};

// -- oms -------------------------------------------------------------------------

const role_adapter oms_role{
  [](caf::actor_system& sys, const node_config& cfg, node_resources& res,
     node_metrics& m) {
    if (cfg.oms.home == actor_home::io_thread && cfg.oms.fsync != "none")
      log_warn("oms", "caf.io_thread_roles has oms with oms.fsync=" + cfg.oms.fsync
                        + ": every journal sync holds up this node's networking (a "
                          "stall past caf.connection_timeout_ms drops its peers)");
    return spawn_oms(sys, cfg.oms, res.oms_engine, m.oms);
  },
  [](figure_list& out, const node_metrics& m) {
    auto& o = m.oms;
    out.insert(out.end(), {{"oms", "orders", o.orders_in.get()},
                           {"oms", "fills", o.fills.get()},
                           {"oms", "rejects", o.rejects.get()},
                           {"oms", "dup", o.duplicates.get()},
                           {"oms", "writes", o.log_writes.get()},
                           {"oms", "risk", o.risk_rejects.get()}});
  },
  [](const node_metrics& m) {
    return std::make_pair(m.oms.orders_in.get() + m.oms.book_updates_in.get(),
                          m.oms.fills.get() + m.oms.rejects.get());
  },
  [](const node_metrics& m) {
    return counters{{"fills", m.oms.fills.get()},
                    {"rejects", m.oms.rejects.get()},
                    {"risk_rejects", m.oms.risk_rejects.get()},
                    {"repeats", m.oms.duplicates.get()},
                    {"log_writes", m.oms.log_writes.get()},
                    {"warm_messages", m.oms.warm_messages.get()}};
  },
  [](const node_metrics&) { return counters{}; },
  [](const node_metrics& m) -> const guard_metrics& { return m.oms.guard; },
};

// -- edge ------------------------------------------------------------------------

const role_adapter edge_role{
  [](caf::actor_system& sys, const node_config& cfg, node_resources&,
     node_metrics& m) {
    auto edge = spawn_edge(sys, cfg.edge, m.edge);
    // Listening at start, like node.port: a port in use is fatal (exit 1).
    try {
      for (auto& line : open_edge_listeners(sys, edge))
        report("edge listening: " + line);
    } catch (const std::exception& e) {
      log_error("node", std::string{"fatal: "} + e.what());
      request_fatal_stop(e.what());
    }
    return edge;
  },
  [](figure_list& out, const node_metrics& m) {
    auto& e = m.edge;
    auto counter = shm::counter_kind::counter;
    out.insert(out.end(),
               {{"edge", "clients", static_cast<std::uint64_t>(e.clients.load()),
                 shm::counter_kind::gauge},
                {"edge", "frames in", e.frames_in.get()},
                {"edge", "frames out", e.frames_out.get(), counter, "out"},
                {"edge", "orders", e.orders.get()},
                {"edge", "rejects", e.rejects.get()},
                {"edge", "drops", e.drops.get()},
                {"edge", "bytes in", e.bytes_in.get()}}); // last: the stats line's fields stay
  },
  [](const node_metrics& m) {
    return std::make_pair(m.edge.frames_in.get(), m.edge.frames_out.get());
  },
  [](const node_metrics& m) {
    return counters{{"edge_connections", m.edge.connections.get()},
                    {"edge_bytes_in", m.edge.bytes_in.get()},
                    {"edge_frames_in", m.edge.frames_in.get()},
                    {"edge_frames_out", m.edge.frames_out.get()},
                    {"edge_orders", m.edge.orders.get()},
                    {"edge_rejects", m.edge.rejects.get()},
                    {"edge_drops", m.edge.drops.get()}};
  },
  [](const node_metrics& m) {
    return counters{{"edge_frames_out", m.edge.frames_out.get()}};
  },
  [](const node_metrics& m) -> const guard_metrics& { return m.edge.guard; },
};

// One adapter per role, in the topology's order.
const std::array<const role_adapter*, 6> adapters{
  &price_feed_role, &news_feed_role, &book_role, &strategy_role, &oms_role, &edge_role};
static_assert(adapters.size() == topology::roles.size(),
              "every role of the topology needs its adapter here");
static_assert(topology::role_index("price_feed") == 0
                && topology::role_index("news_feed") == 1
                && topology::role_index("book") == 2
                && topology::role_index("strategy") == 3
                && topology::role_index("oms") == 4
                && topology::role_index("edge") == 5,
              "the adapters follow the topology's order");

} // namespace

const role_adapter& adapter_of(std::size_t role_index) {
  return *adapters.at(role_index);
}

namespace {

std::atomic<int> replays_running{0};

// A backtest must start from no positions: the OMS would recover the last run's
// from its trades log (and the strategy resend its last orders from its log).
void refuse_nonempty(const std::string& path, const char* key) {
  struct stat info{};
  if (::stat(path.c_str(), &info) == 0 && info.st_size > 0)
    throw std::runtime_error(
      "node.backtest: " + std::string{key} + " " + path + " is not empty (a backtest "
      "starts from no positions; recovery would carry the last run's into it): "
      "remove it or name another file");
}

// Opens both replays (fatal if one cannot be played) and paces them from the
// earlier of their first timestamps, so prices and news stay in step.
void open_replays(const node_config& cfg, node_resources& r) {
  auto& prices = cfg.price_feed.replay;
  auto& news = cfg.news_feed.replay;
  if (cfg.hosts("price_feed") && !prices.empty()) {
    r.prices.source
      = std::make_shared<price_replay>(prices, logged_problems("price_feed"));
    r.prices.source->only(cfg.price_feed.instruments);
  }
  if (cfg.hosts("news_feed") && !news.empty())
    r.news.source = std::make_shared<news_replay>(news, logged_problems("news_feed"));
  std::optional<nanos_t> origin;
  auto earliest = [&](auto& plan) {
    if (plan.source)
      if (auto head = plan.source->peek(); head && (!origin || head->timestamp_ns < *origin))
        origin = head->timestamp_ns;
  };
  earliest(r.prices);
  earliest(r.news);
  r.prices.origin_ns = r.news.origin_ns = origin.value_or(0);
  // Outside a backtest each feed says when its file has ended; in one, the clock.
  int running = (r.prices.source != nullptr) + (r.news.source != nullptr);
  if (cfg.node.backtest) {
    running = 1;
  } else {
    r.prices.on_end = r.news.on_end = replay_ended;
  }
  replays_running = running;
}

} // namespace

void replay_ended() {
  if (--replays_running == 0)
    request_finish("replay ended");
}

node_resources open_resources(const node_config& cfg, node_metrics& metrics) {
  node_resources r;
  if (cfg.node.backtest) {
    refuse_nonempty(cfg.oms.trades_log, "oms.trades_log");
    refuse_nonempty(cfg.strategy.orders_log, "strategy.orders_log");
  }
  open_replays(cfg, r);
  if (cfg.hosts("book")) {
    r.segment = std::make_shared<shm::segment_writer>(cfg.book.shm_name,
                                                      cfg.price_feed.instruments);
    if (r.segment->replaced_stale())
      log_warn("node", "replaced a stale shm segment " + cfg.book.shm_name
                         + " left by a dead writer");
  }
  if (cfg.hosts("oms")) {
    r.trades_log = std::make_unique<append_log>(cfg.oms.trades_log);
    r.oms_engine = open_oms_engine(cfg.oms, *r.trades_log, metrics.oms);
  }
  if (cfg.hosts("strategy"))
    r.orders_log = std::make_unique<append_log>(cfg.strategy.orders_log);
  return r;
}

} // namespace trading
