// Runs one trading node: the actors its config hosts, until the duration ends or
// SIGINT/SIGTERM arrives, then the one clean shutdown path. Returns the exit code.
#pragma once

#include "nodes/config.hpp"

namespace trading {

/// `duration_s` <= 0 runs until a signal.
int run_node(const node_config& cfg, double duration_s);

} // namespace trading
