#include "nodes/node.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/all.hpp"
#include "caf/io/middleman.hpp"

#include "actors/append_log.hpp"
#include "actors/backtest_clock.hpp"
#include "actors/diagnostics.hpp"
#include "actors/io_loop.hpp"
#include "messages/type_ids.hpp"
#include "nodes/counters_publisher.hpp"
#include "nodes/dashboard.hpp"
#include "nodes/results.hpp"
#include "nodes/signals.hpp"
#include "nodes/stats.hpp"
#include "nodes/tls.hpp"
#include "nodes/topology.hpp"
#include "nodes/wiring.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

constexpr const char* who = "node";

// -- setup ----------------------------------------------------------------------

bool strategy_runs_io_loop(const node_config& cfg) {
  return cfg.hosts("strategy") && cfg.strategy.home == actor_home::io_thread;
}

void apply_caf_settings(const node_config& cfg, caf::actor_system_config& sys_cfg) {
  using std::chrono::milliseconds;
  auto& c = cfg.caf;
  sys_cfg.set("scheduler.policy", caf::atom_from_string(c.scheduler_policy));
  sys_cfg.set("scheduler.max-threads", static_cast<std::int64_t>(c.max_threads));
  sys_cfg.set("middleman.workers", static_cast<std::int64_t>(c.middleman_workers));
  sys_cfg.set("middleman.heartbeat-interval",
              caf::timespan{milliseconds(c.heartbeat_interval_ms)});
  sys_cfg.set("middleman.connection-timeout",
              caf::timespan{milliseconds(c.connection_timeout_ms)});
  // The node runs the loop on a thread of its own, which hands it to the strategy.
  if (strategy_runs_io_loop(cfg))
    sys_cfg.set("middleman.manual-multiplexing", true);
  if (c.aggressive_polling) {
    // Workers spin instead of sleeping: lowest wake-up latency, a core each.
    sys_cfg.set("work-stealing.aggressive-poll-attempts",
                static_cast<std::int64_t>(100'000'000));
    sys_cfg.set("work-stealing.aggressive-steal-interval",
                static_cast<std::int64_t>(1));
  }
}

/// node.cpu_dma_latency_us: the kernel keeps the request while the descriptor is
/// open (until the run ends, or the process dies). Without the device or the
/// right to write it, the node runs on, with a warning.
class wake_latency_request {
public:
  explicit wake_latency_request(const std::optional<std::int64_t>& latency_us) {
    if (!latency_us)
      return;
    auto fd = ::open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      refuse("open");
      return;
    }
    auto value = static_cast<std::int32_t>(*latency_us);
    auto written = ::write(fd, &value, sizeof value);
    if (written != static_cast<ssize_t>(sizeof value)) {
      if (written >= 0)
        errno = EIO; // a short write sets no errno
      refuse("write");
      ::close(fd);
      return;
    }
    fd_ = fd;
    log_info(who, "holding /dev/cpu_dma_latency at " + std::to_string(value) + " us");
  }
  ~wake_latency_request() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  wake_latency_request(const wake_latency_request&) = delete;
  wake_latency_request& operator=(const wake_latency_request&) = delete;

private:
  static void refuse(const char* call) {
    log_warn(who, std::string{"node.cpu_dma_latency_us: cannot "} + call
                    + " /dev/cpu_dma_latency: " + std::strerror(errno)
                    + "; idle CPUs keep the kernel's default");
  }

  int fd_ = -1;
};

/// Restricts this thread, and so every thread CAF starts later, to `cpus`.
void pin_process(const std::vector<std::int64_t>& cpus) {
  if (cpus.empty())
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (auto cpu : cpus)
    CPU_SET(static_cast<int>(cpu), &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
    log_warn(who, std::string{"cannot pin to node.cpus: "} + std::strerror(errno));
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out;
}

// -- the main loop ---------------------------------------------------------------

/// The counters over the steady part of a run: after the warm-up, and before
/// the shutdown drain would inflate them.
struct run_window {
  nanos_t started_ns = 0;
  counter_snapshot begin;
  counter_snapshot end;
  stop_cause cause = stop_cause::none;
};

/// Prints the stats line every node.stats_interval_ms until a stop signal
/// arrives or the duration ends.
run_window wait_for_stop(const node_config& cfg, const node_metrics& metrics,
                         double duration_s) {
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
    if (auto cause = wait_for_stop_signal(until - now); cause != stop_cause::none) {
      window.cause = cause;
      break;
    }
    now = mono_ns();
    if (!warmed_up && now >= warmup_end) {
      window.begin = take_snapshot(metrics);
      warmed_up = true;
    }
    if (end > 0 && now >= end) {
      report("duration reached: shutting down");
      window.cause = stop_cause::duration;
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

void on_segment_lost(const std::string& why) {
  request_fatal_stop(why);
}

// node.backtest: the clock that merges the replays and paces them by the
// strategy's acknowledgements (actors/backtest_clock.hpp); the strategy gets it
// after its producers, so its first acknowledgement follows its subscriptions.
caf::actor start_backtest_clock(caf::actor_system& sys, const hosted_actors& a,
                                node_metrics& metrics) {
  auto role = [&](const char* name) { return a.by_role[topology::role_index(name)]; };
  auto clock = spawn_backtest_clock(sys, role("news_feed"), role("price_feed"),
                                    metrics.backtest_clock, replay_ended);
  caf::scoped_actor self{sys};
  self->send(role("strategy"), peer_atom::value,
             caf::actor_cast<backtest_clock_actor>(clock));
  return clock;
}

} // namespace

int run_node(const node_config& cfg, double duration_s) {
  set_diagnostics_name(cfg.node.name);
  log_level level = log_level::info;
  parse_log_level(cfg.node.log_level, level); // validated by the config
  set_log_level(level);
  block_stop_signals();
  pin_process(cfg.node.cpus);
  wake_latency_request wake_latency{cfg.node.cpu_dma_latency_us};
  node_metrics metrics; // outlives the actor system: actors write into it
  std::unique_ptr<counters_publisher> counters; // reads metrics: ends before them
  std::unique_ptr<dashboard> board;             // reads counters segments only
  node_resources res;
  try {
    res = open_resources(cfg, metrics);
  } catch (const std::exception& e) {
    log_error(who, std::string{"fatal: "} + e.what());
    return 1;
  }
  res.on_segment_lost = on_segment_lost;
  caf::actor_system_config sys_cfg;
  register_message_types(sys_cfg);
  sys_cfg.load<caf::io::middleman>();
  apply_caf_settings(cfg, sys_cfg);
  if (cfg.node.tls.enabled()) {
    try {
      check_tls_files(cfg.node.tls);
    } catch (const std::exception& e) {
      log_error(who, std::string{"fatal: "} + e.what());
      return 1;
    }
    enable_tls(cfg.node.tls, sys_cfg);
  }
  double elapsed = 0;
  run_window window;
  std::vector<position> positions;
  {
    caf::actor_system sys{sys_cfg};
    // Declared after the system, so it ends first: once every actor is done.
    std::unique_ptr<io_loop> loop;
    if (strategy_runs_io_loop(cfg)) {
      loop = std::make_unique<io_loop>(sys);
      res.io = loop.get();
    }
    // Latency histograms skip the warm-up, like the rates in the results file.
    metrics.strategy.record_from_ns = metrics.oms.record_from_ns
      = mono_ns() + cfg.node.warmup_ms * 1'000'000;
    auto actors = spawn_hosted(sys, cfg, res, metrics);
    wire_local(sys, cfg, actors);
    caf::actor clock;
    if (cfg.node.backtest)
      clock = start_backtest_clock(sys, actors, metrics);
    caf::actor entry;
    if (cfg.node.listen) {
      auto port = publish_entry(sys, cfg, actors, entry);
      if (!port) {
        log_error(who, "fatal: cannot listen on " + cfg.node.host + ":"
                         + std::to_string(cfg.node.port) + ": "
                         + sys.render(port.error()));
        stop_in_order(sys, actors, cfg);
        caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
        return 1;
      }
      report("listening on " + cfg.node.host + ":" + std::to_string(*port));
    }
    auto links = spawn_links(sys, cfg, actors, metrics.links);
    if (cfg.node.http_port) {
      try {
        board = std::make_unique<dashboard>(cfg.node.host, *cfg.node.http_port,
                                            cfg.node.http_max_clients);
        report("dashboard: " + board->url());
      } catch (const std::exception& e) {
        log_error(who, std::string{"fatal: "} + e.what());
        for (auto& link : links)
          caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
        stop_in_order(sys, actors, cfg);
        if (entry)
          caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
        return 1;
      }
    }
    if (cfg.node.counters) {
      try {
        counters = std::make_unique<counters_publisher>(
          cfg, metrics, board ? board->url() : std::string{});
        report("counters: " + counters->segment_name());
      } catch (const std::exception& e) {
        // The live view is an extra: the node runs on without it, and says why.
        log_warn(who, std::string{"no counters segment: "} + e.what());
      }
    }
    report("started: hosts " + joined(cfg.node.actors)
           + (cfg.hosts("book") ? "; shm segment " + cfg.book.shm_name : std::string{}));
    window = wait_for_stop(cfg, metrics, duration_s);
    // From here on a signal no longer starts the stop; a second one ends it.
    guard_shutdown(window.cause == stop_cause::signal);
    for (auto& link : links)
      caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    if (clock) { // no further events: the stack drains what it has
      caf::scoped_actor self{sys}; // its node, not an anonymous sender
      self->send_exit(clock, caf::exit_reason::user_shutdown);
    }
    positions = stop_in_order(sys, actors, cfg);
    if (entry)
      caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
    elapsed = static_cast<double>(mono_ns() - window.started_ns) / 1e9;
    sys.await_all_actors_done();
  }
  res.io = nullptr; // ended with its system
  res.segment.reset(); // unlinks the segment now that no actor writes it
  board.reset();       // drops its clients
  counters.reset();    // marks the counters segment exited and removes it
  print_summary(cfg, metrics, positions, elapsed);
  auto code = window.cause == stop_cause::fatal ? 1 : 0;
  if (code != 0)
    log_error(who, "exiting 1: " + fatal_reason());
  if (!cfg.node.results_file.empty()) {
    try {
      write_results(cfg.node.results_file, cfg, metrics, window.begin, window.end);
    } catch (const std::exception& e) {
      log_error(who, e.what());
      return 1;
    }
  }
  return code;
}

} // namespace trading
