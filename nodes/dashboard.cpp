#include "nodes/dashboard.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "actors/diagnostics.hpp"
#include "messages/types.hpp"
#include "nodes/live_view.hpp"

namespace trading {

namespace {

constexpr const char* who = "dashboard";

/// Frames kept for clients that are a little behind (max_backlog of them).
struct frame_ring {
  std::mutex mutex;
  std::condition_variable fresh;
  std::deque<std::shared_ptr<const std::string>> frames; // newest at the back
  std::uint64_t last_seq = 0;                             // of frames.back()
  bool stopping = false;
};

} // namespace

struct dashboard::impl {
  std::string host;
  int port = 0;
  std::int64_t max_clients = 0;
  httplib::Server server;
  frame_ring ring;
  std::atomic<std::int64_t> clients{0};
  std::thread listener;
  std::thread producer;

  // -- producer: one frame of every node on the host every frame_interval_ms --

  void produce() {
    host_view host;
    for (;;) {
      host.refresh();
      auto frame = nlohmann::json::object();
      frame["now_ms"] = mono_ns() / 1'000'000;
      frame["interval_ms"] = frame_interval_ms;
      auto& nodes = frame["nodes"] = nlohmann::json::array();
      for (auto& v : host.nodes())
        nodes.push_back(node_json(v, true));
      auto text = std::make_shared<const std::string>("data: " + frame.dump() + "\n\n");
      std::unique_lock<std::mutex> lock{ring.mutex};
      ring.frames.push_back(std::move(text));
      if (ring.frames.size() > max_backlog)
        ring.frames.pop_front();
      ++ring.last_seq;
      ring.fresh.notify_all();
      if (ring.fresh.wait_for(lock, std::chrono::milliseconds(frame_interval_ms),
                              [this] { return ring.stopping; }))
        return;
    }
  }

  // -- one client's stream (on its httplib pool thread) ----------------------

  /// Sends the frames after `*seen`; false ends the stream (stop, a write
  /// failed, or the client fell more than max_backlog frames behind).
  bool send_next(std::uint64_t* seen, httplib::DataSink& sink) {
    std::shared_ptr<const std::string> frame;
    {
      std::unique_lock<std::mutex> lock{ring.mutex};
      ring.fresh.wait_for(lock, std::chrono::seconds(1), [&] {
        return ring.stopping || ring.last_seq > *seen;
      });
      if (ring.stopping)
        return false;
      if (ring.last_seq == *seen) {
        lock.unlock();
        static const char keepalive[] = ": keepalive\n\n";
        return sink.write(keepalive, sizeof keepalive - 1);
      }
      auto behind = ring.last_seq - *seen;
      if (*seen != 0 && behind > max_backlog) {
        log_info(who, "dropped a client " + std::to_string(behind)
                        + " frames behind (its backlog is full)");
        return false;
      }
      // Each frame is the whole picture: the newest one is all a client needs.
      frame = ring.frames.back();
      *seen = ring.last_seq;
    }
    return sink.write(frame->data(), frame->size());
  }

  void routes() {
    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(dashboard_page, "text/html; charset=utf-8");
    });
    server.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
      if (clients.fetch_add(1) >= max_clients) {
        clients.fetch_sub(1);
        res.status = 503;
        res.set_content("too many dashboard clients (node.http_max_clients = "
                          + std::to_string(max_clients) + ")\n",
                        "text/plain");
        return;
      }
      res.set_header("Cache-Control", "no-cache");
      auto seen = std::make_shared<std::uint64_t>(0);
      res.set_chunked_content_provider(
        "text/event-stream",
        [this, seen](std::size_t, httplib::DataSink& sink) {
          return send_next(seen.get(), sink);
        },
        [this](bool success) {
          clients.fetch_sub(1);
          if (!success) // the provider ended it, or a write failed or timed out
            log_info(who, "a client's stream ended (closed, or dropped: it stopped "
                          "taking data)");
        });
    });
  }
};

dashboard::dashboard(const std::string& host, std::int64_t port, std::int64_t max_clients)
  : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.host = host;
  d.max_clients = max_clients;
  // One pool thread per open stream, plus two for the page and a refused client.
  auto threads = static_cast<std::size_t>(max_clients) + 2;
  d.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // A vanished browser's socket stops taking data: its write times out, it is dropped.
  d.server.set_write_timeout(2, 0);
  d.server.set_keep_alive_max_count(100);
  d.routes();
  if (port == 0) {
    d.port = d.server.bind_to_any_port(host);
  } else if (d.server.bind_to_port(host, static_cast<int>(port))) {
    d.port = static_cast<int>(port);
  }
  if (d.port <= 0)
    throw std::runtime_error("node.http_port: cannot listen on " + host + ":"
                             + std::to_string(port) + " (in use, or no such address)");
  d.producer = std::thread{[&d] { d.produce(); }};
  d.listener = std::thread{[&d] { d.server.listen_after_bind(); }};
}

dashboard::~dashboard() {
  auto& d = *impl_;
  {
    std::lock_guard<std::mutex> lock{d.ring.mutex};
    d.ring.stopping = true;
  }
  d.ring.fresh.notify_all();
  d.server.stop();
  d.listener.join();
  d.producer.join();
}

int dashboard::port() const {
  return impl_->port;
}

std::string dashboard::url() const {
  return "http://" + impl_->host + ":" + std::to_string(impl_->port) + "/";
}

} // namespace trading
