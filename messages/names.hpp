// The rules for names that cross components: symbols (config, book, shm slots, OMS)
// and shm segment names (config, shm writer and reader). One rule each, here, so a
// symbol the config accepts is one the OMS trades. No CAF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trading {

constexpr std::size_t max_symbol_length = 15; // an shm slot holds 16 bytes with NUL
constexpr std::size_t max_shm_name_length = 200;

/// Why `symbol` is not a valid symbol, or an empty string if it is one: 1 to 15
/// characters of A-Z, 0-9, '.', '-' or '_' (so it is printable, needs no quoting in
/// a log and fits an shm slot).
inline std::string symbol_problem(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > max_symbol_length)
    return "a symbol has 1 to " + std::to_string(max_symbol_length) + " characters";
  for (unsigned char c : symbol)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
          || c == '_'))
      return "a symbol has only the characters A-Z, 0-9, '.', '-' and '_'";
  return {};
}

constexpr std::size_t max_account_length = 64;

/// Why `account` is not a valid account name, or an empty string: 1 to 64
/// printable ASCII characters without spaces (it is a key in logs and positions).
inline std::string account_problem(std::string_view account) {
  if (account.empty() || account.size() > max_account_length)
    return "an account has 1 to " + std::to_string(max_account_length) + " characters";
  for (unsigned char c : account)
    if (c < 0x21 || c > 0x7e)
      return "an account has only printable ASCII characters, no spaces";
  return {};
}

/// Why `name` is not a POSIX shm name we use, or an empty string: '/' then 1 to 199
/// characters of A-Z, a-z, 0-9, '.', '-' or '_' (no other '/').
inline std::string shm_name_problem(std::string_view name) {
  if (name.size() < 2 || name.size() > max_shm_name_length || name[0] != '/')
    return "an shm name is '/' then 1 to " + std::to_string(max_shm_name_length - 1)
           + " characters";
  for (unsigned char c : name.substr(1))
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == '_'))
      return "an shm name has only the characters A-Z, a-z, 0-9, '.', '-' and '_' "
             "after its '/'";
  if (name == "/." || name == "/..")
    return "an shm name cannot be '.' or '..'";
  return {};
}

} // namespace trading
