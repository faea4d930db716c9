// What the node does per role of the topology (nodes/topology.hpp): spawn its
// actor, and name its counters for the stats line and the results file. One adapter
// per role, in the topology's order (a static_assert keeps the two in step).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/replay_file.hpp"
#include "nodes/node_metrics.hpp"
#include "shm/counters_segment.hpp"

namespace trading {

class io_loop;

struct node_config;
class append_log;
class execution_engine;
struct node_metrics;

namespace shm {
class segment_writer;
}

/// What must exist before any actor starts; failing here is fatal and clear.
struct node_resources {
  std::shared_ptr<shm::segment_writer> segment;
  std::unique_ptr<append_log> trades_log;
  std::shared_ptr<execution_engine> oms_engine; // recovered from the trades log
  std::unique_ptr<append_log> orders_log;
  void (*on_segment_lost)(const std::string& why) = nullptr;
  /// The node's I/O loop when its strategy runs it (caf.io_thread_roles =
  /// strategy): set once the actor system runs, owned by the node.
  io_loop* io = nullptr;
  /// The replays this node plays (price_feed.replay, news_feed.replay), opened and
  /// checked (a missing file or a wrong header is fatal here, before any actor).
  replay_plan<price_replay> prices;
  replay_plan<news_replay> news;
};

/// Called by a feed (or, in a backtest, the clock) when its replay has ended;
/// when every replay of the node has, the node drains and exits 0.
void replay_ended();

/// Opens what the hosted roles need; throws std::runtime_error (or the segment's
/// error) naming the resource.
node_resources open_resources(const node_config& cfg, node_metrics& metrics);

/// One figure of the stats line: " | <group> <shown> <value> ...". The counters
/// segment labels it group + name (name is shown unless `shown` says otherwise,
/// e.g. edge "frames out" is shown as "out" after "frames in").
struct figure {
  const char* group;
  const char* name;
  std::uint64_t value;
  shm::counter_kind kind = shm::counter_kind::counter;
  const char* shown = nullptr;
};
using figure_list = std::vector<figure>;

struct role_adapter {
  /// Spawns the role's actor.
  caf::actor (*spawn)(caf::actor_system&, const node_config&, node_resources&,
                      node_metrics&);
  /// Appends its figures: its part of the stats line (" | news 14") and of the
  /// counters segment.
  void (*figures)(figure_list&, const node_metrics&);
  /// Messages it took in and sent out (the stats line's "msgs in/out").
  std::pair<std::uint64_t, std::uint64_t> (*messages)(const node_metrics&);
  /// Its counters in the results file: (name, value), rates and totals.
  std::vector<std::pair<const char*, std::uint64_t>> (*totals)(const node_metrics&);
  /// Counters whose rates the results file reports over the steady window.
  std::vector<std::pair<const char*, std::uint64_t>> (*rated)(const node_metrics&);
  /// Private messages it refused and messages it dropped.
  const guard_metrics& (*guard)(const node_metrics&);
};

/// The adapter of topology::roles[i].
const role_adapter& adapter_of(std::size_t role_index);

} // namespace trading
