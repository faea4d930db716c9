// book_writer: keeps the top of book per symbol, writes every update into the shm
// segment under its slot's seqlock, and sends book_update to actor subscribers.
// Interface:
//   tick / tick_batch                 -> apply (sequence gaps counted; a new feed
//                                        incarnation is a reset, not a gap)
//   (subscribe_atom, actor)           -> send book_update to that actor
//   (peer_atom, role::price_feed, a)  -> subscribe to the price feed `a`
//   (stop_atom)                       -> replies true
#pragma once

#include <memory>

#include "caf/fwd.hpp"

namespace trading {

namespace shm {
class segment_writer;
}

struct book_section;
struct book_metrics;

/// The node creates the segment (a failure there is fatal before any actor
/// starts) and shares it; the segment is unlinked when the last owner lets go.
caf::actor spawn_book_writer(caf::actor_system& sys, const book_section& cfg,
                             std::shared_ptr<shm::segment_writer> segment,
                             book_metrics& metrics);

} // namespace trading
