#include "nodes/tls.hpp"

#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/io/middleman.hpp"
#include "caf/openssl/manager.hpp"

#include "nodes/config.hpp"

namespace trading {

namespace {

// OpenSSL's reason for the last failure, and clear its queue.
std::string openssl_reason() {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

[[noreturn]] void fail(const std::string& key, const std::string& path,
                       const std::string& what) {
  throw std::runtime_error(key + " (" + path + "): " + what + ": " + openssl_reason());
}

int passphrase_cb(char* buf, int size, int, void* user) {
  auto& passphrase = *static_cast<const std::string*>(user);
  if (passphrase.empty() || static_cast<int>(passphrase.size()) >= size)
    return 0;
  passphrase.copy(buf, passphrase.size());
  return static_cast<int>(passphrase.size());
}

} // namespace

void check_tls_files(const tls_settings& tls) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()),
                                                        SSL_CTX_free};
  if (!ctx)
    throw std::runtime_error("TLS: cannot create an OpenSSL context: "
                             + openssl_reason());
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_cb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(),
                                         const_cast<std::string*>(&tls.passphrase));
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.certificate.c_str()) != 1)
    fail("node.tls.certificate", tls.certificate, "not a usable PEM certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
      fail("node.tls.key", tls.key, "does not match node.tls.certificate");
    fail("node.tls.key", tls.key,
         "not a usable PEM private key (or a wrong node.tls.passphrase)");
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    fail("node.tls.key", tls.key, "does not match node.tls.certificate");
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1)
    fail("node.tls.ca_file", tls.ca_file, "not a usable PEM CA certificate");
  // Peers verify us against the same CA: a certificate it did not sign would
  // only fail later, at every peer's handshake.
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> verify{
    X509_STORE_CTX_new(), X509_STORE_CTX_free};
  auto store = SSL_CTX_get_cert_store(ctx.get());
  auto cert = SSL_CTX_get0_certificate(ctx.get());
  if (!verify || X509_STORE_CTX_init(verify.get(), store, cert, nullptr) != 1)
    throw std::runtime_error("TLS: cannot verify node.tls.certificate: "
                             + openssl_reason());
  if (X509_verify_cert(verify.get()) != 1)
    throw std::runtime_error(
      "node.tls.certificate (" + tls.certificate + ") is not signed by node.tls.ca_file ("
      + tls.ca_file + "): "
      + X509_verify_cert_error_string(X509_STORE_CTX_get_error(verify.get())));
}

void enable_tls(const tls_settings& tls, caf::actor_system_config& sys_cfg) {
  sys_cfg.openssl_certificate = tls.certificate;
  sys_cfg.openssl_key = tls.key;
  sys_cfg.openssl_cafile = tls.ca_file;
  sys_cfg.openssl_passphrase = tls.passphrase;
  sys_cfg.load<caf::openssl::manager>();
  set_tls_handshake_timeout(tls.handshake_timeout_ms);
}

caf::io::middleman_actor connector(caf::actor_system& sys) {
  if (sys.has_openssl_manager())
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

} // namespace trading
