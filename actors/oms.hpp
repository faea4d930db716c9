// oms: executes orders against the book it is subscribed to and answers each with
// an execution_report (already in the trades log when it is sent). Interface:
//   order                        -> execution_report (fill, or reject + reason)
//   book_update                  -> new top of book for one symbol (book_source
//                                   actor; with shm the OMS reads the segment's
//                                   slot when the order arrives)
//   (peer_atom, role::book, a)   -> subscribe to book writer `a`
//   (stop_atom)                  -> replies true
#pragma once

#include <string>
#include <vector>

#include "caf/fwd.hpp"

namespace trading {

struct oms_section;
struct book_section;
struct oms_metrics;
class append_log;

/// `book` names the segment (and its staleness bound) for oms.book_source shm.
caf::actor spawn_oms(caf::actor_system& sys, const oms_section& cfg,
                     const book_section& book, std::vector<std::string> symbols,
                     append_log& trades_log, oms_metrics& metrics);

} // namespace trading
