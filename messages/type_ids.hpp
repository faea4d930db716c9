// The single place where message types get CAF type IDs. The node and the tests call
// register_message_types() before building an actor_system; a type missing here
// fails only at run time, when it crosses the middleman.
#pragma once

#include "caf/fwd.hpp"
#include "caf/type_id.hpp"

#include "messages/interfaces.hpp"
#include "messages/market.hpp"
#include "messages/orders.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(trading, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(trading, (trading::quote))
  CAF_ADD_TYPE_ID(trading, (trading::tick))
  CAF_ADD_TYPE_ID(trading, (trading::tick_batch))
  CAF_ADD_TYPE_ID(trading, (trading::news))
  CAF_ADD_TYPE_ID(trading, (trading::order))
  CAF_ADD_TYPE_ID(trading, (trading::execution_report))
  CAF_ADD_TYPE_ID(trading, (trading::position))
  CAF_ADD_TYPE_ID(trading, (std::vector<trading::position>))
  CAF_ADD_TYPE_ID(trading, (trading::account_positions))
  // Typed handles cross the middleman in lookups and subscriptions.
  CAF_ADD_TYPE_ID(trading, (trading::quote_sink_actor))
  CAF_ADD_TYPE_ID(trading, (trading::quote_stream_actor))
  CAF_ADD_TYPE_ID(trading, (trading::sentiment_sink_actor))
  CAF_ADD_TYPE_ID(trading, (trading::sentiment_stream_actor))
  CAF_ADD_TYPE_ID(trading, (trading::order_entry_actor))
  CAF_ADD_TYPE_ID(trading, (trading::backtest_clock_actor))
  CAF_ADD_TYPE_ID(trading, (trading::order_batch))
  CAF_ADD_TYPE_ID(trading, (trading::execution_report_batch))

CAF_END_TYPE_ID_BLOCK(trading)

namespace trading {

/// Registers every message type above with `cfg` (call before actor_system).
void register_message_types(caf::actor_system_config& cfg);

} // namespace trading
