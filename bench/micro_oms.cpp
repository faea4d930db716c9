// Micro benchmarks of the OMS's journal (actors/execution_engine.hpp), without
// CAF and without messages: what writing an outcome before answering it costs in
// each `oms.fsync` mode, and how long the OMS takes to read its log back at start.
//
//   oms_journal_<mode>_batch1    submit + commit of one order (one write(2), plus
//                                one fdatasync under `every`)
//   oms_journal_<mode>_batch16   16 submits + one commit (group commit), per order
//   oms_recovery_<n>_lines       execution_engine::recover() over a trades log of
//                                n lines (1m; 100k with --quick), median of 3
//
// <mode> is none, every or interval (oms.fsync_interval_ms 100). The journal is a
// real file in a fresh directory under --journal_dir=DIR (default: the current
// directory; bench/run passes its output directory), so that fdatasync reaches
// the disk: the row's profile names the file system, and a tmpfs (where fdatasync
// costs nothing) is warned about. Every row carries `rates`: orders/s (one order
// over the mean time per order: what the journal sustains while orders are always
// waiting) or lines/s. --quick takes fewer samples and a 100 k-line log.
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "actors/append_log.hpp"
#include "actors/execution_engine.hpp"
#include "actors/latency_histogram.hpp"
#include "actors/oms.hpp"
#include "bench/bench_rows.hpp"
#include "messages/json.hpp"

namespace {

using namespace trading;
using namespace trading::bench;

row_collector rows;
std::vector<bench_row> recovery_rows; // built by hand: exact median of 3 runs
std::string journal_root = ".";

// Orders and busy time per journal row, for its orders/s.
struct totals {
  std::uint64_t orders = 0;
  std::int64_t busy_ns = 0;
};
std::map<std::string, totals> journal_totals;

// The benchmark profile's universe (configs/bench) and its prices.
const std::vector<std::pair<std::string, double>> universe{
  {"AAPL", 175.0}, {"MSFT", 330.0}, {"GOOGL", 140.0}, {"AMZN", 145.0}, {"META", 350.0}};

constexpr nanos_t interval_ns = 100'000'000; // oms.fsync_interval_ms = 100

const char* mode_name(fsync_policy p) {
  switch (p) {
    case fsync_policy::none:
      return "none";
    case fsync_policy::every:
      return "every";
    case fsync_policy::interval:
      return "interval";
  }
  return "?";
}

std::vector<std::string> symbols() {
  std::vector<std::string> out;
  for (auto& [symbol, price] : universe)
    out.push_back(symbol);
  return out;
}

quote top_at(double mid) {
  quote q;
  q.bid = to_price(mid - 0.01);
  q.ask = to_price(mid + 0.01);
  q.last = to_price(mid);
  q.bid_size = 300;
  q.ask_size = 500;
  return q;
}

// -- the journal's directory ------------------------------------------------------

std::string fs_name(const std::string& dir) {
  struct statfs s {};
  if (::statfs(dir.c_str(), &s) != 0)
    return "unknown file system";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x2FC12FC1:
      return "zfs";
    case 0x6969:
      return "nfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "fs type 0x%lx",
                    static_cast<unsigned long>(s.f_type));
      return hex;
    }
  }
}

/// A fresh directory under journal_root, removed (with its files) at the end.
class scratch_dir {
public:
  scratch_dir() {
    std::string pattern = journal_root + "/oms_bench_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
    char real[PATH_MAX];
    if (::realpath(path_.c_str(), real) != nullptr)
      path_ = real;
  }
  ~scratch_dir() {
    for (auto& f : files_) {
      std::remove(f.c_str());
      std::remove((f + ".torn").c_str());
    }
    ::rmdir(path_.c_str());
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  std::string file(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }
  const std::string& path() const {
    return path_;
  }
  /// "ext4 (/work/main/bench/results)": where the journal is.
  std::string where() const {
    auto parent = path_.substr(0, path_.rfind('/'));
    return fs_name(path_) + " (" + (parent.empty() ? "/" : parent) + ")";
  }

private:
  std::string path_;
  std::vector<std::string> files_;
};

// -- orders -------------------------------------------------------------------------

/// The strategy's orders as the benchmark profile sends them: its account, the
/// five symbols in turn, buying and selling 10 in turn, unique ids.
class order_source {
public:
  order_source() {
    char prefix[24];
    std::snprintf(prefix, sizeof prefix, "%016" PRIx64 "-",
                  static_cast<std::uint64_t>(wall_ns()));
    prefix_ = prefix;
  }

  order next() {
    ++count_;
    const auto& [symbol, price] = universe[count_ % universe.size()];
    order o;
    o.order_id = prefix_ + std::to_string(count_);
    o.account = "strategy";
    o.symbol = symbol;
    o.dir = (count_ / universe.size()) % 2 == 0 ? side::buy : side::sell;
    o.quantity = 10;
    o.limit_price = to_price(o.dir == side::buy ? price + 0.01 : price - 0.01);
    o.timestamp_ns = wall_ns();
    return o;
  }

private:
  std::string prefix_;
  std::uint64_t count_ = 0;
};

// -- oms_journal_<mode>_batch<n> ---------------------------------------------------

void bm_journal(benchmark::State& state, fsync_policy mode, std::size_t batch,
                std::size_t warmup) {
  auto name = std::string{"oms_journal_"} + mode_name(mode) + "_batch"
              + std::to_string(batch);
  scratch_dir dir;
  auto path = dir.file("trades.log");
  append_log log{path};
  auto metrics = std::make_unique<oms_metrics>(); // four histograms: off the stack
  oms_settings defaults;
  execution_engine engine{symbols(),
                          defaults.max_quantity,
                          static_cast<std::size_t>(defaults.dedup_window),
                          1,
                          log,
                          *metrics,
                          mode,
                          interval_ns};
  for (auto& [symbol, price] : universe)
    engine.on_quote(symbol, top_at(price));
  order_source source;
  std::vector<order> orders(batch);
  auto hist = std::make_unique<latency_histogram>();
  totals sum;
  // One sample: the orders in hand are decided and journaled, their answers ready.
  // Under `interval` the OMS's timer fdatasyncs between orders once one is due:
  // an order that arrives meanwhile waits for it, so a due sync is done (and
  // timed) at the start of the next sample.
  auto sample = [&](bool record) {
    for (auto& o : orders)
      o = source.next();
    auto t0 = mono_ns();
    if (engine.sync_pending() && t0 >= engine.sync_due_ns())
      engine.sync_now(t0);
    for (auto& o : orders)
      engine.submit(o);
    const auto& reports = engine.commit(mono_ns());
    auto t1 = mono_ns();
    benchmark::DoNotOptimize(reports.data());
    if (record) {
      auto per_order = (t1 - t0 + static_cast<nanos_t>(batch) / 2)
                       / static_cast<nanos_t>(batch);
      hist->record(std::max<nanos_t>(1, per_order));
      sum.orders += batch;
      sum.busy_ns += t1 - t0;
    }
  };
  for (std::size_t i = 0; i < warmup; ++i)
    sample(false);
  for (auto _ : state)
    sample(true);
  engine.sync_now(mono_ns());
  if (metrics->log_failures.get() != 0 || metrics->fills.get() == 0) {
    state.SkipWithError(("the trades log " + path + " could not be written").c_str());
    return;
  }
  struct stat st {};
  auto lines = metrics->fills.get() + metrics->rejects.get();
  auto line_bytes = ::stat(path.c_str(), &st) == 0 && lines > 0
                      ? static_cast<std::size_t>(st.st_size) / lines
                      : 0;
  state.SetItemsProcessed(static_cast<std::int64_t>(sum.orders));
  state.counters["p50_ns"] = static_cast<double>(hist->percentile(50.0));
  state.counters["p99_ns"] = static_cast<double>(hist->percentile(99.0));
  state.counters["orders_per_s"]
    = sum.busy_ns > 0 ? 1e9 * static_cast<double>(sum.orders)
                          / static_cast<double>(sum.busy_ns)
                      : 0.0;
  auto& t = journal_totals[name];
  t.orders += sum.orders;
  t.busy_ns += sum.busy_ns;
  std::string written = mode == fsync_policy::every
                          ? "one write(2), then one fdatasync"
                          : "one write(2)";
  std::string how
    = batch == 1
        ? "one order: submit + commit, its outcome journaled (" + written
            + ") before the answer"
        : "mean per order of one group commit of " + std::to_string(batch) + ": "
            + std::to_string(batch) + " submits + commit, the outcomes journaled ("
            + written + ") before the answers";
  if (mode == fsync_policy::interval)
    how += "; a due fdatasync (the OMS's timer, between orders) is timed in the"
           " sample it delays";
  rows.add(name, *hist, how,
           std::string{"oms.fsync "} + mode_name(mode)
             + (mode == fsync_policy::interval ? " (100 ms)" : "")
             + ", trades log on " + dir.where()
             + ", 5 symbols, dedup window "
             + std::to_string(defaults.dedup_window),
           line_bytes);
}

// -- oms_recovery_<n>_lines ----------------------------------------------------------

/// Writes a trades log of `lines` outcomes as the OMS writes them (to_log_line):
/// the five symbols on a random walk, the strategy's account (3 in 4) and a
/// client's, mostly fills and some rejects (no live book, a client's quantity
/// over the limit), an OMS restart every 200 k lines (a new execution id prefix),
/// journal sequences increasing.
struct written_log {
  std::uint64_t bytes = 0;
  std::uint64_t rejects = 0;
};

written_log write_log(const std::string& path, std::uint64_t lines) {
  std::mt19937_64 rng{42};
  std::uniform_real_distribution<double> step{-0.05, 0.05};
  std::uniform_int_distribution<int> percent{0, 99};
  std::uniform_int_distribution<quantity_t> client_quantity{1, 500};
  std::vector<double> prices;
  for (auto& [symbol, price] : universe)
    prices.push_back(price);
  std::vector<int> held(universe.size() * 2, 0); // per account and symbol: 0 flat
  std::string text;
  text.reserve(2 << 20);
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  nanos_t clock = (wall_ns() - 86'400'000'000'000) / 1000 * 1000;
  std::string exec_prefix;
  written_log written;
  for (std::uint64_t n = 1; n <= lines; ++n) {
    if (n % 200'000 == 1) {
      char prefix[24];
      std::snprintf(prefix, sizeof prefix, "%016" PRIx64 "-",
                    std::uint64_t{0x5eed000000000000} + n);
      exec_prefix = prefix;
    }
    auto s = static_cast<std::size_t>(rng() % universe.size());
    prices[s] = std::max(1.0, prices[s] + step(rng));
    bool client = percent(rng) < 25;
    execution_report r;
    r.sequence = n;
    r.execution_id = exec_prefix + std::to_string(n);
    r.account = client ? "client-7" : "strategy";
    r.order_id = (client ? "c7-" : "00000000feedbeef-") + std::to_string(n);
    r.symbol = universe[s].first;
    auto& h = held[s * 2 + (client ? 1 : 0)];
    r.dir = h > 0 ? side::sell : side::buy;
    r.quantity = client ? client_quantity(rng) : 10;
    r.order_price = to_price(r.dir == side::buy ? prices[s] + 0.01 : prices[s] - 0.01);
    clock += 1000 * (1 + static_cast<nanos_t>(rng() % 2000));
    r.timestamp_ns = clock;
    auto roll = percent(rng);
    if (roll < 3) {
      r.status = exec_status::rejected;
      r.reason = "no live book for " + r.symbol;
    } else if (roll < 5 && client) {
      r.status = exec_status::rejected;
      r.quantity = 250'000;
      r.reason = "quantity exceeds the limit of 100000";
    } else {
      r.status = exec_status::filled;
      r.execution_price = r.order_price;
      h = r.dir == side::buy ? 1 : 0;
    }
    written.rejects += r.status == exec_status::rejected ? 1 : 0;
    text += to_log_line(r);
    if (text.size() >= (1 << 20)) {
      out.write(text.data(), static_cast<std::streamsize>(text.size()));
      written.bytes += text.size();
      text.clear();
    }
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  written.bytes += text.size();
  out.close();
  if (!out)
    throw std::runtime_error("cannot write " + path);
  return written;
}

std::string lines_text(std::uint64_t lines) {
  if (lines % 1'000'000 == 0)
    return std::to_string(lines / 1'000'000) + "m";
  if (lines % 1000 == 0)
    return std::to_string(lines / 1000) + "k";
  return std::to_string(lines);
}

void bm_recovery(benchmark::State& state, std::uint64_t lines) {
  scratch_dir dir;
  auto path = dir.file("trades.log");
  written_log log_file;
  try {
    log_file = write_log(path, lines);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  oms_settings defaults;
  std::vector<nanos_t> runs;
  bool ok = true;
  for (auto _ : state) {
    // As the OMS starts (open_oms_engine): a new engine on the log, then recover().
    append_log log{path};
    auto metrics = std::make_unique<oms_metrics>();
    execution_engine engine{symbols(),
                            defaults.max_quantity,
                            static_cast<std::size_t>(defaults.dedup_window),
                            2,
                            log,
                            *metrics};
    auto t0 = mono_ns();
    auto summary = engine.recover();
    auto t1 = mono_ns();
    benchmark::DoNotOptimize(summary);
    runs.push_back(t1 - t0);
    ok = ok && summary.reports == lines && summary.malformed == 0
         && engine.sequence() == lines;
  }
  if (!ok || runs.empty()) {
    state.SkipWithError("recover() did not read back every line");
    return;
  }
  std::sort(runs.begin(), runs.end());
  bench_row r;
  r.name = "oms_recovery_" + lines_text(lines) + "_lines";
  r.method = "execution_engine::recover() of the whole log (parse every line, rebuild"
             " the dedup window, positions and journal sequence), as at the OMS's"
             " start; median of " + std::to_string(runs.size()) + " runs, the log in"
             " the page cache";
  char size[64];
  std::snprintf(size, sizeof size, "%.0f MB, %.1f %% rejects",
                static_cast<double>(log_file.bytes) / 1e6,
                100.0 * static_cast<double>(log_file.rejects)
                  / static_cast<double>(lines));
  r.profile = std::to_string(lines) + " lines (" + size + ") of to_log_line"
              " reports: 5 symbols, 2 accounts, dedup window "
              + std::to_string(defaults.dedup_window) + ", on " + dir.where();
  r.count = runs.size();
  r.p50 = runs[(runs.size() - 1) / 2];
  r.p90 = r.p99 = r.p999 = r.max = runs.back();
  r.payload_bytes = static_cast<std::size_t>(log_file.bytes / lines);
  r.rates.emplace_back("lines_per_s",
                       1e9 * static_cast<double>(lines) / static_cast<double>(r.p50));
  state.counters["median_s"] = static_cast<double>(r.p50) / 1e9;
  state.counters["lines_per_s"] = r.rates.back().second;
  recovery_rows.push_back(std::move(r));
}

} // namespace

int main(int argc, char** argv) {
  auto flags = take_bench_flags(argc, argv);
  if (!flags.ok)
    return 2;
  // Our own flag: --journal_dir=DIR (or --journal_dir DIR).
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--journal_dir=", 0) == 0) {
      journal_root = arg.substr(std::strlen("--journal_dir="));
    } else if (arg == "--journal_dir" && i + 1 < argc) {
      journal_root = argv[++i];
    } else {
      argv[kept++] = argv[i];
    }
  }
  for (int i = kept; i < argc; ++i)
    argv[i] = nullptr;
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 2;
  struct stat st {};
  if (journal_root.empty() || ::stat(journal_root.c_str(), &st) != 0
      || !S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "micro_oms: --journal_dir %s is not a directory\n",
                 journal_root.c_str());
    return 2;
  }
  if (fs_name(journal_root) == "tmpfs")
    std::fprintf(stderr,
                 "micro_oms: warning: %s is on tmpfs, where fdatasync costs nothing;"
                 " pass --journal_dir on a disk\n",
                 journal_root.c_str());

  auto n = [&](std::size_t full, std::size_t quick_n) {
    return static_cast<benchmark::IterationCount>(
      sample_count(flags, full, quick_n));
  };
  struct journal_case {
    fsync_policy mode;
    std::size_t batch;
    benchmark::IterationCount samples;
    std::size_t warmup;
  };
  // `every` pays a disk flush per sample: fewer samples, a shorter warm-up.
  const journal_case cases[] = {
    {fsync_policy::none, 1, n(200'000, 20'000), warmup_samples},
    {fsync_policy::none, 16, n(20'000, 2'000), warmup_samples},
    {fsync_policy::every, 1, n(3'000, 300), 50},
    {fsync_policy::every, 16, n(3'000, 300), 50},
    {fsync_policy::interval, 1, n(200'000, 20'000), warmup_samples},
    {fsync_policy::interval, 16, n(20'000, 2'000), warmup_samples},
  };
  for (const auto& c : cases) {
    auto name = std::string{"oms_journal_"} + mode_name(c.mode) + "_batch"
                + std::to_string(c.batch);
    benchmark::RegisterBenchmark(name.c_str(), bm_journal, c.mode, c.batch, c.warmup)
      ->Iterations(c.samples)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  }
  const std::uint64_t lines = flags.quick ? 100'000 : 1'000'000;
  benchmark::RegisterBenchmark(("oms_recovery_" + lines_text(lines) + "_lines").c_str(),
                               bm_recovery, lines)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  auto out = rows.rows();
  for (auto& r : out) {
    auto t = journal_totals.find(r.name);
    if (t != journal_totals.end() && t->second.busy_ns > 0)
      r.rates.emplace_back("orders_per_s",
                           1e9 * static_cast<double>(t->second.orders)
                             / static_cast<double>(t->second.busy_ns));
  }
  for (auto& r : recovery_rows)
    out.push_back(std::move(r));
  return emit_rows(out, flags.rows_out) ? 0 : 1;
}
