#pragma once

// Single-writer seqlock over a trivially copyable payload, for memory that is
// shared between processes (no pointers, no allocation, no locks).
//
// Modelled on xenium's seqlock (xenium/seqlock.hpp): the payload is copied as
// relaxed atomic 64-bit words, so a reader that races with the writer performs
// no data race, and two fences order the words against the sequence counter.
//
//   sequence even : slot is stable, `sequence / 2` writes have completed
//   sequence odd  : a write is in progress, readers must retry
//
// Ordering (the numbers are referenced by the comments in the code):
//
//   writer (store)                         reader (try_load)
//   --------------                         -----------------
//   (a) sequence = s + 1      relaxed      (1) s1 = sequence        acquire
//   (b) fence                 release      (2) words[i]             relaxed
//   (c) words[i] = new        relaxed      (3) fence                acquire
//   (d) sequence = s + 2      release      (4) s2 = sequence        relaxed
//                                          consistent iff s1 == s2 and s1 even
//
// - If (1) reads the value written by (d), (1) synchronizes-with (d): every word
//   of that write is visible to (2).
// - If any word read in (2) was written by a later (c), the acquire fence (3)
//   synchronizes-with the release fence (b), so (a) happens-before (4) and s2
//   differs from s1: the torn copy is discarded.
//
// There must be exactly one writer per slot at a time; the class does not
// arbitrate between writers.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <type_traits>

namespace trading::shm {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "seqlock words live in memory shared between processes and must "
              "be lock free");

template <class T>
struct seqlock_slot {
  static_assert(std::is_trivially_copyable_v<T>,
                "seqlock payload must be trivially copyable");
  static_assert(sizeof(T) % sizeof(std::uint64_t) == 0,
                "seqlock payload size must be a multiple of 8 bytes");
  static_assert(sizeof(T) > 0, "seqlock payload must not be empty");

  static constexpr std::size_t word_count = sizeof(T) / sizeof(std::uint64_t);

  std::atomic<std::uint64_t> sequence;
  std::atomic<std::uint64_t> words[word_count];

  // Single writer only. Never blocks.
  void store(const T& value) noexcept {
    store(value, nullptr, nullptr, 0);
  }

  // A payload in two parts under one sequence: `value` beside the sequence and
  // `tail_count` words of `tail_src` into `tail`, which may lie elsewhere (the
  // book's depth, in the cache lines after the top of book), so that a reader
  // of `value` alone never touches the tail's lines. Same ordering as store().
  void store(const T& value, std::atomic<std::uint64_t>* tail,
             const std::uint64_t* tail_src, std::size_t tail_count) noexcept {
    std::uint64_t buf[word_count];
    std::memcpy(buf, &value, sizeof(T));
    // Only this writer modifies `sequence`, so a relaxed load sees our own
    // latest value.
    const std::uint64_t s = sequence.load(std::memory_order_relaxed);
    // (a) mark the slot as being written (odd)
    sequence.store(s + 1, std::memory_order_relaxed);
    // (b) release fence synchronizes-with acquire fence (3): a reader that
    // sees any word of this write also sees (a)
    std::atomic_thread_fence(std::memory_order_release);
    // (c) the payload, as relaxed words
    for (std::size_t i = 0; i < word_count; ++i)
      words[i].store(buf[i], std::memory_order_relaxed);
    for (std::size_t i = 0; i < tail_count; ++i)
      tail[i].store(tail_src[i], std::memory_order_relaxed);
    // (d) release-store synchronizes-with acquire-load (1)
    sequence.store(s + 2, std::memory_order_release);
  }

  // One attempt. Returns false (and leaves `out` unspecified) if a write was in
  // progress or overlapped the copy.
  bool try_load(T& out) const noexcept {
    std::uint64_t last_word;
    return try_load(out, last_word);
  }

  // As try_load(out), also handing back the payload's last 64-bit word from
  // the local copy: a caller that tests it avoids reloading it from `out`
  // right after the wide copy-out stores (a store-forwarding stall, measured at
  // 2-3 ns a read here).
  bool try_load(T& out, std::uint64_t& last_word) const noexcept {
    return try_load(out, last_word, nullptr, nullptr, 0);
  }

  // As try_load(out, last_word), also copying `tail_count` words of a tail
  // written by the two-part store() into `tail_out`, checked by the same
  // sequence: payload and tail are one consistent snapshot.
  bool try_load(T& out, std::uint64_t& last_word,
                const std::atomic<std::uint64_t>* tail, std::uint64_t* tail_out,
                std::size_t tail_count) const noexcept {
    // (1) acquire-load synchronizes-with release-store (d)
    const std::uint64_t s1 = sequence.load(std::memory_order_acquire);
    if (s1 & 1u)
      return false;
    std::uint64_t buf[word_count];
    // (2) the payload, as relaxed words
    for (std::size_t i = 0; i < word_count; ++i)
      buf[i] = words[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < tail_count; ++i)
      tail_out[i] = tail[i].load(std::memory_order_relaxed);
    // (3) acquire fence synchronizes-with release fence (b)
    std::atomic_thread_fence(std::memory_order_acquire);
    // (4) ordered after (2) by the fence (3)
    const std::uint64_t s2 = sequence.load(std::memory_order_relaxed);
    if (s1 != s2)
      return false;
    last_word = buf[word_count - 1];
    std::memcpy(&out, buf, sizeof(T));
    return true;
  }

  // Retries until a consistent copy is obtained; returns the number of failed
  // attempts. Spins briefly, then yields so that a preempted writer (same
  // core) can finish its write.
  std::uint32_t load(T& out) const noexcept {
    std::uint32_t retries = 0;
    while (!try_load(out)) {
      ++retries;
      if (retries % 64 == 0)
        std::this_thread::yield();
      else
        cpu_relax();
    }
    return retries;
  }

  // The raw sequence: even when stable (2 * completed writes), odd while a
  // write is in progress.
  std::uint64_t version() const noexcept {
    return sequence.load(std::memory_order_acquire);
  }

private:
  static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
  }
};

} // namespace trading::shm
