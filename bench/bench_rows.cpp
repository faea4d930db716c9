#include "bench/bench_rows.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace trading::bench {

// -- rows ---------------------------------------------------------------------

bench_row make_row(std::string name, const latency_histogram& h,
                   std::string method, std::string profile,
                   std::size_t payload_bytes) {
  bench_row r;
  r.name = std::move(name);
  r.method = std::move(method);
  r.profile = std::move(profile);
  auto s = summarize(h);
  r.count = s.count;
  r.p50 = s.p50;
  r.p90 = s.p90;
  r.p99 = s.p99;
  r.p999 = s.p999;
  r.max = s.max;
  r.payload_bytes = payload_bytes;
  r.cdf = cdf_points(h);
  return r;
}

void write_rows(const std::vector<bench_row>& rows, std::ostream& out) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json j;
    j["name"] = r.name;
    j["unit"] = r.unit;
    j["count"] = r.count;
    j["p50"] = r.p50;
    j["p90"] = r.p90;
    j["p99"] = r.p99;
    j["p999"] = r.p999;
    j["max"] = r.max;
    j["payload_bytes"] = r.payload_bytes;
    j["profile"] = r.profile;
    j["method"] = r.method;
    j["cdf"] = r.cdf;
    if (!r.rates.empty()) {
      auto rates = nlohmann::ordered_json::object();
      for (const auto& [key, value] : r.rates)
        rates[key] = value;
      j["rates"] = std::move(rates);
    }
    arr.push_back(std::move(j));
  }
  out << arr.dump(2) << '\n';
}

bool emit_rows(const std::vector<bench_row>& rows, const std::string& path) {
  if (path.empty()) {
    write_rows(rows, std::cout);
    std::cout.flush();
    return static_cast<bool>(std::cout);
  }
  std::ofstream out{path, std::ios::trunc};
  if (out)
    write_rows(rows, out);
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write rows to %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return false;
  }
  return true;
}

void row_collector::add(const std::string& name, const latency_histogram& h,
                        const std::string& method, const std::string& profile,
                        std::size_t payload_bytes) {
  for (auto& e : entries_) {
    if (e.name == name) {
      e.hist->merge(h);
      e.method = method;
      e.profile = profile;
      e.payload_bytes = payload_bytes;
      return;
    }
  }
  auto copy = std::make_unique<latency_histogram>(h);
  entries_.push_back(entry{name, method, profile, payload_bytes, std::move(copy)});
}

std::vector<bench_row> row_collector::rows() const {
  std::vector<bench_row> result;
  for (const auto& e : entries_)
    if (e.hist->count() > 0)
      result.push_back(
        make_row(e.name, *e.hist, e.method, e.profile, e.payload_bytes));
  return result;
}

// -- flags ----------------------------------------------------------------------

bench_flags take_bench_flags(int& argc, char** argv) {
  bench_flags f;
  static constexpr char rows_out_eq[] = "--rows_out=";
  constexpr std::size_t rows_out_eq_len = sizeof(rows_out_eq) - 1;
  int out = 1;
  for (int in = 1; in < argc; ++in) {
    std::string arg = argv[in];
    if (arg == "--quick") {
      f.quick = true;
    } else if (arg == "--no_pin") {
      f.pin = false;
    } else if (arg.compare(0, rows_out_eq_len, rows_out_eq) == 0) {
      f.rows_out = arg.substr(rows_out_eq_len);
      if (f.rows_out.empty()) {
        std::fprintf(stderr, "--rows_out= needs a file name\n");
        f.ok = false;
      }
    } else if (arg == "--rows_out") {
      if (in + 1 >= argc) {
        std::fprintf(stderr, "--rows_out needs a file name\n");
        f.ok = false;
      } else {
        f.rows_out = argv[++in];
      }
    } else {
      argv[out++] = argv[in];
    }
  }
  for (int i = out; i < argc; ++i)
    argv[i] = nullptr;
  argc = out;
  return f;
}

// -- CPUs -----------------------------------------------------------------------

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0)
    return cpus;
  for (int i = 0; i < CPU_SETSIZE; ++i)
    if (CPU_ISSET(i, &set))
      cpus.push_back(i);
  return cpus;
}

bool pin_current_thread(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE)
    return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

namespace {

// The CPUs allowed at start-up (set_pinning runs before anything is pinned).
std::vector<int> pin_cpus;

} // namespace

void set_pinning(bool enabled) {
  pin_cpus = enabled ? allowed_cpus() : std::vector<int>{};
}

std::pair<int, int> cpu_pair() {
  if (pin_cpus.size() < 2)
    return {-1, -1};
  return {pin_cpus[0], pin_cpus[1]};
}

affinity_guard::affinity_guard() {
  CPU_ZERO(&saved_);
  valid_ = pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_) == 0;
}

affinity_guard::~affinity_guard() {
  if (valid_)
    pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
}

// -- processes ------------------------------------------------------------------

shared_region::shared_region(std::size_t bytes) : size_(bytes) {
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    throw std::runtime_error(std::string{"mmap(MAP_SHARED|MAP_ANONYMOUS): "}
                             + std::strerror(errno));
  data_ = p;
}

shared_region::~shared_region() {
  ::munmap(data_, size_);
}

void become_child(pid_t parent, int cpu, unsigned max_lifetime_s) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) // the parent died before prctl took effect
    ::_exit(3);
  ::alarm(max_lifetime_s); // default action of SIGALRM: terminate
  if (cpu >= 0)
    pin_current_thread(cpu);
}

int reap_child(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0)
    return -1;
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    if (r < 0 && errno != EINTR)
      return -1;
    if (std::chrono::steady_clock::now() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

} // namespace trading::bench
