// TLS between nodes: CAF's OpenSSL module carries BASP when node.tls.* is set.
// CAF checks the key only on the first connection (and aborts the process on a
// bad one), so the files are checked here at start, with OpenSSL itself.
#pragma once

#include "caf/fwd.hpp"
#include "caf/io/middleman_actor.hpp"

#include <cstdint>

namespace trading {

struct tls_settings;

/// Loads the certificate, the key (with its passphrase) and the CA, checks that
/// the key matches the certificate and that the CA signed it. Throws
/// std::runtime_error naming the file and OpenSSL's reason.
void check_tls_files(const tls_settings& tls);

/// Loads CAF's OpenSSL module with `tls` (call after loading the middleman).
void enable_tls(const tls_settings& tls, caf::actor_system_config& sys_cfg);

/// A TLS connection whose handshake is not done after this is closed (and
/// logged; nodes/tls_guard.cpp).
void set_tls_handshake_timeout(std::int64_t ms);

/// Handshakes refused so far (a bad certificate, none, or too slow).
std::uint64_t tls_handshakes_refused();

/// The middleman actor peers are dialled through: the TLS one when TLS is on.
caf::io::middleman_actor connector(caf::actor_system& sys);

} // namespace trading
