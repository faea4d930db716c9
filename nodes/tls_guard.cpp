// The server side of TLS handshakes, watched. CAF 0.17's OpenSSL module keeps a
// connection that never finishes its handshake for ever (and spins on it: it
// retries SSL_accept each time the socket is writable), and says nothing when a
// peer's certificate is refused. CAF cannot be patched here, so this executable
// interposes SSL_accept (the module resolves it dynamically; ours comes first):
// the real one does the work, and we time the handshake, fail it past
// node.tls.handshake_timeout_ms (CAF then closes the connection), and log every
// refused handshake with the peer's address. SSL_read, SSL_write and SSL_connect
// are interposed too, to start each call with a clean error queue (below).
#include <arpa/inet.h>
#include <atomic>
#include <cstdint>
#include <dlfcn.h>
#include <mutex>
#include <string>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "actors/diagnostics.hpp"
#include "nodes/tls.hpp"

namespace trading {

namespace {

std::atomic<std::int64_t> handshake_timeout_ns{2'000'000'000};
std::atomic<std::uint64_t> refused_handshakes{0};

using accept_fn = int (*)(SSL*);

accept_fn real_accept() {
  static auto fn = reinterpret_cast<accept_fn>(dlsym(RTLD_NEXT, "SSL_accept"));
  return fn;
}

// When each server-side session first tried to accept, kept with the session.
int started_index() {
  static int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string peer_of(SSL* ssl) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(SSL_get_fd(ssl), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "an unknown peer";
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (addr.ss_family == AF_INET) {
    auto& in = reinterpret_cast<sockaddr_in&>(addr);
    inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
    port = ntohs(in.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
    port = ntohs(in6.sin6_port);
  }
  return std::string{host} + ":" + std::to_string(port);
}

void log_refusal(SSL* ssl, const std::string& why) {
  refused_handshakes.fetch_add(1, std::memory_order_relaxed);
  static std::mutex mtx;
  static log_limiter limiter;
  std::lock_guard<std::mutex> guard{mtx};
  // One line per reason and interval, with a count: a scan must not flood the log.
  limiter.log(log_level::warn, "tls", "refused-handshake:" + why,
              "refused a TLS handshake from " + peer_of(ssl) + ": " + why, mono_ns());
}

} // namespace

void set_tls_handshake_timeout(std::int64_t ms) {
  handshake_timeout_ns.store(ms * 1'000'000, std::memory_order_relaxed);
}

std::uint64_t tls_handshakes_refused() {
  return refused_handshakes.load(std::memory_order_relaxed);
}

} // namespace trading

namespace {

template <class Fn>
Fn real(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

} // namespace

// CAF's module clears OpenSSL's (per-thread) error queue only inside a log
// statement, which Debian's build compiles out: one failed connection would
// leave an error that makes SSL_get_error() fail the next call on any other
// connection of that thread. Each call starts with a clean queue.
extern "C" int SSL_read(SSL* ssl, void* buf, int num) {
  static auto fn = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return fn(ssl, buf, num);
}

extern "C" int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto fn = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return fn(ssl, buf, num);
}

extern "C" int SSL_connect(SSL* ssl) {
  static auto fn = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return fn(ssl);
}

extern "C" int SSL_accept(SSL* ssl) {
  using namespace trading;
  ERR_clear_error();
  auto now = mono_ns();
  auto index = started_index();
  auto started = reinterpret_cast<std::intptr_t>(SSL_get_ex_data(ssl, index));
  if (started == 0) {
    SSL_set_ex_data(ssl, index, reinterpret_cast<void*>(static_cast<std::intptr_t>(now)));
    started = now;
  } else if (now - started > handshake_timeout_ns.load(std::memory_order_relaxed)) {
    log_refusal(ssl, "no handshake within node.tls.handshake_timeout_ms");
    // An error on OpenSSL's queue makes SSL_get_error() say SSL_ERROR_SSL, which
    // CAF treats as a failed connection and closes.
    ERR_raise(ERR_LIB_SSL, SSL_R_UNEXPECTED_MESSAGE);
    return -1;
  }
  auto result = real_accept()(ssl);
  if (result <= 0) {
    auto err = SSL_get_error(ssl, result);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      char reason[256] = "the peer closed the connection";
      if (auto code = ERR_peek_last_error())
        ERR_error_string_n(code, reason, sizeof reason);
      log_refusal(ssl, reason);
    }
  }
  return result;
}
