// The node's signals. SIGINT and SIGTERM are blocked in every thread (CAF's
// included, as they inherit the mask) and taken by the main loop: one clean stop
// path. Once the stop has begun (by a signal, by --duration, or by a fatal error
// inside), a guard thread takes further signals: only a second signal during the
// shutdown cuts it short, exiting at once with code 130. An actor that hits a
// fatal error (the book's segment lost) calls request_fatal_stop().
#pragma once

#include <cstdint>
#include <string>

namespace trading {

enum class stop_cause { none, signal, duration, fatal, finished };

/// Blocks SIGINT, SIGTERM and the internal stop signal; call before any thread starts.
void block_stop_signals();

/// Waits up to `ns` for a stop signal; returns its cause (none on timeout).
stop_cause wait_for_stop_signal(std::int64_t ns);

/// From any thread: ends the node with exit code 1 after `why` is logged.
void request_fatal_stop(const std::string& why);

/// From any thread: the node's work is done (its replays ended); it drains and
/// exits 0 after `why` is reported.
void request_finish(const std::string& why);

/// The reason given to request_fatal_stop, or "".
std::string fatal_reason();

/// Starts the guard for the shutdown; `by_signal` says whether a signal began it
/// (then the next one is the second).
void guard_shutdown(bool by_signal);

} // namespace trading
