// Order flow: a command (order) and the event that answers it (execution_report).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "messages/types.hpp"

namespace trading {

/// Place an order: the strategy's command to the OMS. It carries the timestamps of
/// the tick that caused it, so the OMS can split tick-to-trade into hops.
struct order {
  std::string order_id;
  /// Whose order: positions are kept per account at the OMS.
  std::string account = "strategy";
  /// The id an outside client (the edge gateway) gave the order, as the JSON text
  /// it sent (`7` or `"a-7"`); empty for the strategy's orders. Logged, not used.
  std::string client_order_id;
  std::string symbol;
  side dir = side::buy;
  quantity_t quantity = 0;
  price_t limit_price = no_price;
  /// CLOCK_REALTIME when the strategy created it (for logs).
  nanos_t timestamp_ns = 0;
  // CLOCK_MONOTONIC stamps along the path: feed -> book -> strategy -> OMS.
  nanos_t tick_created_ns = 0;
  nanos_t book_received_ns = 0;
  nanos_t strategy_seen_ns = 0;
  /// When the strategy sent it: seen -> sent is its own pass (reading the batch,
  /// deciding, building the orders), sent -> the OMS's receipt the message.
  nanos_t strategy_sent_ns = 0;
  /// Event time (tick::event_ns) of the market event the order answers: the
  /// stack's clock for anything time-based about orders (timeouts, order-rate
  /// limits, slippage), so a backtest decides the same way on every run. 0 =
  /// unknown (an edge client's order): use the receiver's own clock.
  nanos_t event_ns = 0;
  /// Sent again with the same id (no outcome yet): the OMS answers it from its
  /// journal if it has, and executes it otherwise.
  bool resend = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order& x) {
  return f(caf::meta::type_name("order"), x.order_id, x.account, x.client_order_id,
           x.symbol, x.dir, x.quantity, x.limit_price, x.timestamp_ns, x.tick_created_ns,
           x.book_received_ns, x.strategy_seen_ns, x.strategy_sent_ns, x.event_ns,
           x.resend);
}

/// The orders one strategy pass decided (a sentiment flip orders every symbol at
/// once): one message, so the OMS receives them together and journals them with
/// one write, instead of the later ones waiting behind the first one's commit.
/// Answered with one execution_report_batch, a report per order in this order.
struct order_batch {
  std::vector<order> orders;
};

/// The most orders one order_batch may carry: the OMS refuses a longer one
/// (its answer would wait for them all), and the strategy splits a pass's orders
/// into batches of at most this many.
constexpr std::size_t max_order_batch = 256;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_batch& x) {
  return f(caf::meta::type_name("order_batch"), x.orders);
}

/// FILLED: this line completes the order; PARTIAL: an execution that does not
/// (more lines follow, or, with leaves_quantity, the rest was cancelled:
/// immediate-or-cancel); REJECTED: nothing executed.
enum class exec_status : std::uint8_t { filled = 0, rejected = 1, partial = 2 };

inline const char* to_string(exec_status x) {
  switch (x) {
    case exec_status::filled:
      return "FILLED";
    case exec_status::partial:
      return "PARTIAL";
    default:
      return "REJECTED";
  }
}

/// An execution: a line that moved a position (FILLED or PARTIAL).
inline bool executed(exec_status x) {
  return x != exec_status::rejected;
}

/// One trades-log line: an execution at one price level, or a reject with its
/// reason. An order walks the book's levels within its limit, one line a level;
/// the OMS answers it with its last line (already logged when sent), whose
/// filled_quantity is what the whole order executed.
struct execution_report {
  std::string execution_id;
  std::string order_id;
  std::string account = "strategy";
  std::string client_order_id; // the order's, JSON text ("" = none)
  std::string symbol;
  side dir = side::buy;
  /// This line's executed quantity (a reject: the order's quantity).
  quantity_t quantity = 0;
  quantity_t order_quantity = 0;
  /// Executed by this line and the order's lines before it.
  quantity_t filled_quantity = 0;
  /// The last line of an order that did not complete: what was cancelled.
  quantity_t leaves_quantity = 0;
  /// This line's fee (oms.fee_per_share x quantity). In the trades log, not on
  /// the wire: inspect() leaves it out (with it, the report no longer crossed
  /// CAF 0.17's middleman: tests/messages_test.cpp, checked).
  double fee = 0;
  price_t order_price = no_price;
  price_t execution_price = no_price; // no_price on a reject
  exec_status status = exec_status::rejected;
  std::string reason; // empty on a fill
  /// CLOCK_REALTIME, whole microseconds (the log stores fractional seconds).
  nanos_t timestamp_ns = 0;
  /// The OMS journal's sequence: one per trades-log line, increasing across OMS
  /// restarts (0: not in the log, e.g. the log could not be written).
  std::uint64_t sequence = 0;
  /// The order id was answered before: this is that answer again, not a new
  /// execution (never written to the trades log twice).
  bool repeat = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_report& x) {
  return f(caf::meta::type_name("execution_report"), x.execution_id,
           x.order_id, x.account, x.client_order_id, x.symbol, x.dir, x.quantity,
           x.order_quantity, x.filled_quantity, x.leaves_quantity,
           x.order_price,
           x.execution_price, x.status, x.reason, x.timestamp_ns, x.sequence,
           x.repeat);
}

/// The answer to an order_batch: each order's report (its last line), in the
/// batch's order.
struct execution_report_batch {
  std::vector<execution_report> reports;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_report_batch& x) {
  return f(caf::meta::type_name("execution_report_batch"), x.reports);
}

/// One symbol's position at the OMS: average-cost, with the P&L it realized.
struct position {
  std::string symbol;
  quantity_t quantity = 0;  // signed: negative is short
  double average_price = 0; // of the open quantity
  double realized_pnl = 0;
  double last_price = 0;    // of the last fill
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, position& x) {
  return f(caf::meta::type_name("position"), x.symbol, x.quantity,
           x.average_price, x.realized_pnl, x.last_price);
}

/// One account's positions at the OMS, as of journal sequence `sequence`: every
/// execution up to it is included, none after it.
struct account_positions {
  std::string account;
  std::uint64_t sequence = 0;
  std::vector<position> positions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_positions& x) {
  return f(caf::meta::type_name("account_positions"), x.account, x.sequence,
           x.positions);
}

} // namespace trading
