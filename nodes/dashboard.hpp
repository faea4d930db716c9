// The node's dashboard (node.http_port): one self-contained page at `/` and a
// Server-Sent-Events stream at `/events`, served by cpp-httplib on threads of
// its own. It reads the counters segments of every node on this host (not this
// node's actors), so a slow or vanished browser can never slow a node: each
// client's backlog is bounded (frames it has not taken yet) and the client is
// dropped when it fills. httplib stays inside dashboard.cpp (it is heavy).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace trading {

class dashboard {
public:
  /// Binds host:port (0 picks a free one) and starts serving; throws
  /// std::runtime_error naming host and port when it cannot bind.
  dashboard(const std::string& host, std::int64_t port, std::int64_t max_clients);
  /// Stops serving and drops every client.
  ~dashboard();
  dashboard(const dashboard&) = delete;
  dashboard& operator=(const dashboard&) = delete;

  int port() const;
  /// "http://host:port/".
  std::string url() const;

  /// Frames sent every this often (and the page's view of "live").
  static constexpr std::int64_t frame_interval_ms = 250;
  /// Frames a client may be behind before it is dropped.
  static constexpr std::uint64_t max_backlog = 8;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The page (nodes/dashboard_page.cpp): HTML, CSS, JS and SVG, no external fetch.
extern const char* const dashboard_page;

} // namespace trading
