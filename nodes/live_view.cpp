#include "nodes/live_view.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "messages/types.hpp"

namespace trading {

namespace {

using counter_kind = shm::counter_kind;

const char* event_name(shm::event_kind k) {
  switch (k) {
    case shm::event_kind::price: return "price";
    case shm::event_kind::order: return "order";
    case shm::event_kind::fill: return "fill";
    case shm::event_kind::reject: return "reject";
  }
  return "?";
}

bool is_symbol_group(const shm::counters_snapshot& s, const std::string& group) {
  return std::find(s.symbols.begin(), s.symbols.end(), group) != s.symbols.end();
}

std::string fmt(const char* format, double x) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

std::string duration_text(std::int64_t ns) {
  if (ns < 1'000'000)
    return fmt("%.1f us", static_cast<double>(ns) / 1e3);
  return fmt("%.2f ms", static_cast<double>(ns) / 1e6);
}

} // namespace

// -- host_view ------------------------------------------------------------------

void host_view::refresh() {
  auto names = shm::list_counters_segments();
  problems_.clear();
  // Forget segments whose name is gone (a clean exit unlinks it).
  open_.erase(std::remove_if(open_.begin(), open_.end(),
                             [&](auto& x) {
                               return !std::binary_search(names.begin(), names.end(),
                                                          x.first);
                             }),
              open_.end());
  for (auto& name : names) {
    auto known = std::find_if(open_.begin(), open_.end(),
                              [&](auto& x) { return x.first == name; });
    if (known != open_.end())
      continue;
    shm::open_status status;
    std::string reason;
    auto reader = shm::counters_reader::open(name, status, reason);
    if (reader)
      open_.emplace_back(name, open_segment{std::move(reader), nullptr});
    else if (status != shm::open_status::not_ready && status != shm::open_status::missing)
      problems_.push_back(reason);
  }
  std::sort(open_.begin(), open_.end(),
            [](auto& a, auto& b) { return a.first < b.first; });
  views_.clear();
  for (auto& [name, seg] : open_) {
    node_view v;
    v.now = seg.reader->snapshot(live_stale_after_ns);
    if (!only_.empty() && v.now.node_name != only_)
      continue;
    v.before = std::move(seg.last);
    seg.last = std::make_unique<shm::counters_snapshot>(v.now);
    views_.push_back(std::move(v));
  }
}

bool host_view::any_live() const {
  return std::any_of(views_.begin(), views_.end(), [](auto& v) {
    return v.now.status == shm::writer_status::live;
  });
}

// -- figures --------------------------------------------------------------------

double rate_of(const node_view& v, std::size_t i) {
  auto& c = v.now.counters[i];
  if (!v.before || c.kind != counter_kind::counter || i >= v.before->counters.size())
    return 0;
  auto dt = static_cast<double>(v.now.taken_mono_ns - v.before->taken_mono_ns) / 1e9;
  auto was = v.before->counters[i].value;
  return dt > 0 && c.value >= was ? static_cast<double>(c.value - was) / dt : 0;
}

std::int64_t live_percentile(const std::array<std::uint64_t, shm::histogram_buckets>& c,
                             double p) {
  std::uint64_t total = 0;
  for (auto n : c)
    total += n;
  if (total == 0)
    return 0;
  auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(p / 100.0 * total + 0.5));
  std::uint64_t seen = 0;
  for (std::uint32_t i = 0; i < shm::histogram_buckets; ++i) {
    seen += c[i];
    if (seen >= rank)
      return shm::live_bucket_lower(i);
  }
  return shm::live_bucket_lower(shm::histogram_buckets - 1);
}

nlohmann::json node_json(const node_view& v, bool events) {
  auto& s = v.now;
  nlohmann::json j;
  j["segment"] = s.segment;
  j["node"] = s.node_name;
  j["pid"] = s.pid;
  j["status"] = to_string(s.status);
  j["heartbeat_age_ms"] = s.heartbeat_age_ns / 1'000'000;
  j["started_unix_ms"] = s.started_wall_ns / 1'000'000;
  if (!s.dashboard_url.empty())
    j["dashboard"] = s.dashboard_url;
  j["symbols"] = s.symbols;
  auto& counters = j["counters"] = nlohmann::json::object();
  auto& peers = j["peers"] = nlohmann::json::array();
  auto& positions = j["positions"] = nlohmann::json::object();
  for (std::size_t i = 0; i < s.counters.size(); ++i) {
    auto& c = s.counters[i];
    if (c.group == "peer") {
      peers.push_back({{"peer", c.name}, {"up", c.value == 1}});
    } else if (is_symbol_group(s, c.group)) {
      if (c.kind == counter_kind::price)
        positions[c.group][c.name] = to_double(c.as_signed());
      else
        positions[c.group][c.name] = c.as_signed();
    } else if (c.kind == counter_kind::counter) {
      counters[c.group][c.name] = {{"value", c.value}, {"rate", rate_of(v, i)}};
    } else {
      counters[c.group][c.name] = {{"value", c.as_signed()}};
    }
  }
  auto& hists = j["histograms"] = nlohmann::json::object();
  for (auto& h : s.histograms) {
    std::uint64_t count = 0;
    auto& buckets = hists[h.name]["buckets"] = nlohmann::json::array();
    for (std::uint32_t i = 0; i < shm::histogram_buckets; ++i) {
      count += h.counts[i];
      if (h.counts[i] != 0)
        buckets.push_back({shm::live_bucket_lower(i), h.counts[i]});
    }
    hists[h.name]["count"] = count;
    hists[h.name]["p50_ns"] = live_percentile(h.counts, 50);
    hists[h.name]["p99_ns"] = live_percentile(h.counts, 99);
  }
  if (events) {
    auto& out = j["events"] = nlohmann::json::array();
    for (auto& e : s.events)
      out.push_back({e.seq, (s.taken_mono_ns - e.mono_ns) / 1'000'000, event_name(e.kind),
                     s.symbols[e.symbol], to_double(e.price), e.quantity});
  }
  return j;
}

// -- text -----------------------------------------------------------------------

std::string host_text(const host_view& h) {
  std::ostringstream os;
  for (auto& p : h.problems())
    os << "unreadable: " << p << "\n";
  if (h.nodes().empty()) {
    if (h.only().empty())
      os << "no trading node is running on this host (no /dev/shm/trading_stat.* "
            "segment)\n";
    else
      os << "no trading node is running on this host (no /dev/shm/trading_stat.* "
            "segment of a node named " << h.only() << ")\n";
    return os.str();
  }
  for (auto& v : h.nodes()) {
    auto& s = v.now;
    os << "node " << s.node_name << "  pid " << s.pid << "  ";
    switch (s.status) {
      case shm::writer_status::live: os << "live"; break;
      case shm::writer_status::hung:
        os << "HUNG (no heartbeat for " << fmt("%.1f", s.heartbeat_age_ns / 1e9) << " s)";
        break;
      case shm::writer_status::exited: os << "exited"; break;
      case shm::writer_status::dead:
        os << "DEAD (process gone, last heartbeat "
           << fmt("%.1f", s.heartbeat_age_ns / 1e9)
           << " s ago; trading_stat --clean removes it)";
        break;
    }
    os << "  " << s.segment << (s.dashboard_url.empty() ? "" : "  " + s.dashboard_url)
       << "\n";
    std::string group;
    for (std::size_t i = 0; i < s.counters.size(); ++i) {
      auto& c = s.counters[i];
      if (c.group != group) {
        group = c.group;
        char head[40];
        std::snprintf(head, sizeof head, "%s  %-10s", i == 0 ? "" : "\n", group.c_str());
        os << head;
      }
      os << " " << c.name << " ";
      if (c.group == "peer")
        os << (c.value == 1 ? "up" : "DOWN");
      else if (c.kind == counter_kind::price)
        os << fmt("%.2f", to_double(c.as_signed()));
      else if (c.kind == counter_kind::gauge)
        os << c.as_signed();
      else
        os << c.value << (v.before ? " (" + fmt("%.0f", rate_of(v, i)) + "/s)" : "");
    }
    os << "\n";
    for (auto& hist : s.histograms) {
      std::uint64_t count = 0;
      for (auto n : hist.counts)
        count += n;
      os << "  " << hist.name << " count " << count << " p50 "
         << duration_text(live_percentile(hist.counts, 50)) << " p99 "
         << duration_text(live_percentile(hist.counts, 99)) << "\n";
    }
  }
  return os.str();
}

} // namespace trading
