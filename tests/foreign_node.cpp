// A CAF node that is not a trading node: it publishes an actor that only
// understands strings, on the port given as argv[1], and runs until killed.
// The integration tests point a trading node's peer at it to check the
// "wrong actor interface" error.
#include <iostream>
#include <string>
#include <unistd.h>

#include "caf/all.hpp"
#include "caf/io/middleman.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: foreign_node PORT\n";
    return 2;
  }
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto echo = sys.spawn([]() -> caf::behavior {
    return {[](const std::string& text) { return text; }};
  });
  auto port = sys.middleman().publish(echo, static_cast<std::uint16_t>(std::stoi(argv[1])),
                                      "127.0.0.1", true);
  if (!port) {
    std::cerr << "foreign_node: " << sys.render(port.error()) << "\n";
    caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
    return 1;
  }
  std::cout << "listening on " << *port << std::endl;
  for (;;)
    ::pause(); // until the test kills it
}
