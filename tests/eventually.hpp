// Waiting for a condition in a test: a generous bound, never a fixed sleep.
#pragma once

#include <chrono>
#include <thread>

namespace trading::test_support {

/// Polls `condition` until it holds or `patience` passed; true if it held. With a
/// zero `poll` it yields between checks (for waits measured in microseconds),
/// else it sleeps that long (for counters another thread bumps).
template <class Condition>
bool eventually(Condition condition,
                std::chrono::nanoseconds patience = std::chrono::seconds(30),
                std::chrono::nanoseconds poll = std::chrono::nanoseconds::zero()) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    if (poll == poll.zero())
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(poll);
  }
  return true;
}

} // namespace trading::test_support
