#include "nodes/counters_publisher.hpp"

#include <unistd.h>

#include "actors/diagnostics.hpp"
#include "nodes/config.hpp"
#include "nodes/stats.hpp"

namespace trading {

namespace {

// Per symbol in the segment: "<symbol> position|last|avg|realized|unrealized".
constexpr const char* symbol_figures[] = {"position", "last", "avg", "realized",
                                          "unrealized"};
constexpr std::uint32_t per_symbol = 5;

} // namespace

counters_publisher::counters_publisher(const node_config& cfg,
                                       const node_metrics& metrics,
                                       const std::string& dashboard_url)
  : cfg_(cfg), m_(metrics) {
  node_figures(cfg_, m_, figures_);
  std::vector<shm::counter_label> labels;
  for (auto& f : figures_)
    labels.push_back({f.group, f.name, f.kind});
  peers_at_ = static_cast<std::uint32_t>(labels.size());
  for (std::size_t i = 0; i < m_.links.peer_count; ++i)
    labels.push_back({"peer", m_.links.peers[i].label, shm::counter_kind::gauge});
  symbols_at_ = static_cast<std::uint32_t>(labels.size());
  std::vector<std::string> symbols;
  if (cfg_.hosts("strategy")) {
    auto& all = cfg_.strategy.instruments;
    symbols.assign(all.begin(),
                   all.begin() + std::min<std::size_t>(all.size(), shm::max_symbols));
  }
  symbol_count_ = static_cast<std::uint32_t>(symbols.size());
  for (auto& s : symbols)
    for (auto name : symbol_figures)
      labels.push_back({s, name,
                        std::string_view{name} == "position" ? shm::counter_kind::gauge
                                                             : shm::counter_kind::price});
  std::vector<std::string> histograms;
  if (cfg_.hosts("oms")) {
    tick_to_trade_ = static_cast<int>(histograms.size());
    histograms.push_back("tick_to_trade_ns");
  }
  if (cfg_.hosts("strategy")) {
    tick_age_ = static_cast<int>(histograms.size());
    histograms.push_back("tick_age_ns");
  }
  // A predecessor of this name killed without a clean exit left its segment:
  // the restarted node removes it, so killed nodes do not pile up.
  auto own = shm::counters_name(cfg_.node.name, 0);
  own.resize(own.size() - 1); // "/trading_stat.<name>."
  for (auto& name : shm::list_counters_segments())
    if (name.rfind(own, 0) == 0 && name.find('.', own.size()) == std::string::npos
        && shm::remove_if_dead(name))
      log_info("node", "removed the counters segment " + name + " of a dead node");
  writer_ = std::make_unique<shm::counters_writer>(
    shm::counters_name(cfg_.node.name, static_cast<int>(::getpid())), cfg_.node.name,
    symbols, labels, histograms, interval_ns, dashboard_url);
  publish();
  thread_ = std::thread{[this] { run(); }};
}

counters_publisher::~counters_publisher() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  publish();
}

const std::string& counters_publisher::segment_name() const {
  return writer_->name();
}

void counters_publisher::run() {
  std::unique_lock<std::mutex> lock{mutex_};
  while (!wake_.wait_for(lock, std::chrono::nanoseconds(interval_ns),
                         [this] { return stop_; }))
    publish();
}

void counters_publisher::publish() {
  figures_.clear();
  node_figures(cfg_, m_, figures_);
  for (std::uint32_t i = 0; i < figures_.size() && i < peers_at_; ++i)
    writer_->set(i, figures_[i].value);
  for (std::uint32_t i = 0; i < m_.links.peer_count; ++i) {
    auto& p = m_.links.peers[i];
    writer_->set(peers_at_ + i, p.connected.load() >= p.expected ? 1 : 0);
  }
  for (std::uint32_t s = 0; s < symbol_count_; ++s) {
    auto& l = m_.strategy.live[s];
    auto quantity = l.quantity.load(std::memory_order_relaxed);
    auto last = l.last_price.load(std::memory_order_relaxed);
    auto average = l.average_price.load(std::memory_order_relaxed);
    auto at = symbols_at_ + s * per_symbol;
    writer_->set_signed(at, quantity);
    writer_->set_signed(at + 1, last);
    writer_->set_signed(at + 2, average);
    writer_->set_signed(at + 3, l.realized.load(std::memory_order_relaxed));
    writer_->set_signed(at + 4, quantity != 0 && last != 0 ? quantity * (last - average) : 0);
  }
  if (tick_to_trade_ >= 0)
    writer_->set_histogram(static_cast<std::uint32_t>(tick_to_trade_),
                           m_.oms.tick_to_trade_live);
  if (tick_age_ >= 0) {
    writer_->set_histogram(static_cast<std::uint32_t>(tick_age_),
                           m_.strategy.tick_age_live);
    events_seen_ = m_.strategy.events.read_since(
      events_seen_, [this](const shm::live_event& e) { writer_->push_event(e); });
  }
  writer_->heartbeat(mono_ns());
}

} // namespace trading
