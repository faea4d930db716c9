#include "nodes/signals.hpp"

#include <atomic>
#include <csignal>
#include <ctime>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include "actors/diagnostics.hpp"

namespace trading {

namespace {

// SIGUSR1 is ours: an actor's fatal error wakes the main loop like a stop signal;
// SIGUSR2 likewise for the end of the node's work (its replays).
constexpr int fatal_signal = SIGUSR1;
constexpr int finish_signal = SIGUSR2;

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, fatal_signal);
  sigaddset(&set, finish_signal);
  return set;
}

std::mutex fatal_mtx;
std::string fatal_text;
std::string finish_text;

const char* name_of(int sig) {
  return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

} // namespace

void block_stop_signals() {
  auto set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

stop_cause wait_for_stop_signal(std::int64_t ns) {
  if (ns <= 0)
    return stop_cause::none;
  auto set = stop_set();
  timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                   static_cast<long>(ns % 1'000'000'000)};
  auto sig = sigtimedwait(&set, nullptr, &timeout);
  if (sig <= 0)
    return stop_cause::none;
  if (sig == fatal_signal) {
    report("fatal: " + fatal_reason() + ": shutting down");
    return stop_cause::fatal;
  }
  if (sig == finish_signal) {
    std::lock_guard<std::mutex> guard{fatal_mtx};
    report(finish_text + ": shutting down");
    return stop_cause::finished;
  }
  report(std::string{"received "} + name_of(sig) + ": shutting down");
  return stop_cause::signal;
}

void request_fatal_stop(const std::string& why) {
  {
    std::lock_guard<std::mutex> guard{fatal_mtx};
    if (!fatal_text.empty())
      return;
    fatal_text = why;
  }
  kill(getpid(), fatal_signal);
}

void request_finish(const std::string& why) {
  {
    std::lock_guard<std::mutex> guard{fatal_mtx};
    if (!finish_text.empty())
      return;
    finish_text = why;
  }
  kill(getpid(), finish_signal);
}

std::string fatal_reason() {
  std::lock_guard<std::mutex> guard{fatal_mtx};
  return fatal_text;
}

void guard_shutdown(bool by_signal) {
  // A detached thread that only waits: every acknowledged trade is in the log by
  // the time a second signal could cut the drain short.
  std::thread{[by_signal] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    auto seen = by_signal ? 1 : 0;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0)
        continue;
      if (++seen >= 2) {
        report(std::string{"received "} + name_of(sig)
               + " again during the shutdown: exiting at once");
        _exit(130);
      }
      report(std::string{"received "} + name_of(sig)
             + " during the shutdown: finishing it (a second signal exits at once)");
    }
  }}.detach();
}

} // namespace trading
