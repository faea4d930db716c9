#include "actors/strategy.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <pthread.h>
#include <sched.h>
#include <memory>
#include <unordered_map>

#include "caf/actor_system.hpp"
#include "caf/after.hpp"
#include "caf/blocking_actor.hpp"
#include "caf/others.hpp"
#include "caf/response_promise.hpp"
#include "caf/system_messages.hpp"

#include <nlohmann/json.hpp>

#include "actors/append_log.hpp"
#include "actors/actor_guard.hpp"
#include "actors/diagnostics.hpp"
#include "actors/execution_engine.hpp"
#include "actors/io_loop.hpp"
#include "actors/market_models.hpp"
#include "actors/recent_ids.hpp"
#include "actors/signals.hpp"
#include "messages/interfaces.hpp"
#include "messages/json.hpp"
#include "messages/type_ids.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

constexpr const char* who = "strategy";
/// strategy.wait = futex: the longest sleep on the segment, so that its
/// housekeeping (timeouts, heartbeat checks) runs even on a quiet book.
constexpr nanos_t futex_wait_bound_ns = 1'000'000;

void pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (auto err = pthread_setaffinity_np(pthread_self(), sizeof set, &set))
    log_warn(who, "cannot pin to CPU " + std::to_string(cpu) + ": "
                    + std::strerror(err));
}

// strategy.sched_policy = idle: a spinner at SCHED_IDLE gives its CPU to any
// thread woken there at once (a SCHED_OTHER spinner keeps it until the
// scheduler's next tick, milliseconds), so other threads can share that CPU.
void set_sched_policy(const std::string& policy) {
  if (policy != "idle")
    return;
  sched_param param{};
  if (auto err = pthread_setschedparam(pthread_self(), SCHED_IDLE, &param))
    log_warn(who, std::string{"cannot switch to SCHED_IDLE: "} + std::strerror(err));
  else
    log_info(who, "running at SCHED_IDLE");
}

/// What the strategy knows and holds for one symbol.
struct symbol_state {
  explicit symbol_state(std::string name, std::size_t window)
    : symbol(std::move(name)), prices(window) {
  }

  std::string symbol;
  int slot = -1; // in the shm segment, once attached
  price_window prices;
  std::uint64_t seen_incarnation = 0;
  std::uint64_t seen_sequence = 0;
  quote top;
  std::optional<std::int32_t> sentiment; // overrides the market-wide value
  quantity_t position = 0;               // moves only on fills
  trading::position pnl;                 // average cost and realized P&L (live view)
  std::size_t index = 0;                 // in cfg_.instruments
  nanos_t sampled_ns = 0;                // last price put in the live events
  quantity_t target = 0;
  std::optional<order> pending;          // sent, its outcome not yet known
  nanos_t pending_sent_ns = 0;           // its last (re)send; 0: not sent yet
  std::uint64_t pending_number = 0;      // order_count_ when it was first sent
  bool unknown = false;                  // past its timeout, still no outcome
  nanos_t retry_after_ns = 0;            // after a reject: no order before this
  nanos_t backoff_ns = 0;
};

/// A pending order to send (again): its symbol's index, its number.
struct outgoing {
  std::size_t book;
  std::uint64_t number;
  bool resend;
};

/// "<8 hex digits of a random incarnation id>-": order ids unique across runs
/// that, with the number after the prefix, fit std::string's inline buffer (15
/// chars) for the first million orders of a run, so that an order and its
/// copies (pending, on the wire, for the log) allocate nothing. With the earlier
/// 16-digit prefix a pass spent about 400 ns an order allocating the id, freed
/// later by the OMS's thread (measured in the one-process benchmark profile).
std::string new_order_prefix() {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%08" PRIx32 "-",
                static_cast<std::uint32_t>(new_incarnation_id()));
  return prefix;
}

/// The live view's price samples: one per symbol per 100 ms at most.
constexpr nanos_t live_sample_ns = 100'000'000;
constexpr nanos_t first_backoff_ns = 100'000'000; // 0.1 s after a first reject
constexpr nanos_t max_backoff_ns = 5'000'000'000;
/// The orders log's tail read at start for orders that may lack an outcome.
constexpr std::streamoff orders_log_tail = 8 << 20;

/// Where a price came from: the stamps that let the OMS split tick-to-trade.
struct price_event {
  quote top;
  std::uint64_t incarnation, sequence;
  nanos_t tick_created_ns, book_received_ns, seen_ns;
  nanos_t event_ns; // the market's time of it (tick::event_ns)
};

class strategy_actor : public caf::blocking_actor {
public:
  strategy_actor(caf::actor_config& cfg, strategy_settings settings,
                 append_log* orders_log, strategy_metrics* metrics, io_loop* io)
    : caf::blocking_actor(cfg),
      cfg_(std::move(settings)),
      io_(io),
      orders_log_(*orders_log),
      metrics_(*metrics),
      guard_(who, metrics->guard),
      timed_out_(static_cast<std::size_t>(cfg_.timed_out_window)),
      drain_timeout_ns_(cfg_.drain_timeout_ms * 1'000'000),
      order_prefix_(new_order_prefix()) {
    for (auto& s : cfg_.instruments) {
      index_.emplace(s, books_.size());
      books_.emplace_back(s, static_cast<std::size_t>(cfg_.long_window));
      books_.back().index = books_.size() - 1;
    }
    // At most one order per symbol is pending (a resend is the same order).
    outbox_.reserve(books_.size());
    sent_.reserve(books_.size());
    threshold_rule_ = cfg_.kind == "threshold";
  }

  const char* name() const override {
    return who;
  }

  // A message for a strategy asleep on the segment's futex wakes it (the kernel
  // does not know our mailbox). A wake that races the sleep's start is missed
  // and waits at most futex_wait_bound_ns.
  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) override {
    caf::blocking_actor::enqueue(std::move(ptr), eu);
    if (auto word = sleeping_on_.load(std::memory_order_seq_cst))
      shm::wake_waiters(word);
  }

  void act() override {
    // Named, so that top, perf and /proc tell the spinner from CAF's threads.
    pthread_setname_np(pthread_self(), who);
    if (cfg_.cpu >= 0)
      pin_this_thread(static_cast<int>(cfg_.cpu));
    set_sched_policy(cfg_.sched_policy);
    auto shm_mode = cfg_.book_source == "shm";
    auto wait = shm_mode ? std::chrono::microseconds(cfg_.poll_us)
                         : std::chrono::microseconds(10'000);
    if (futex_mode_) // without a segment (yet), it waits on its mailbox this long
      wait = std::chrono::microseconds(futex_wait_bound_ns / 1000);
    recover_pending_orders();
    // caf.io_thread_roles = strategy: from here until it returns (or throws),
    // this thread serves its node's connections, between its looks at the book.
    io_loop_lease io{io_};
    if (io_ && io.held_here()) // said from where it runs, as io_thread_actor does
      log_info(who, "strategy runs on the middleman's I/O thread (its own: it runs the loop)");
    else if (io_)
      log_error(who, "strategy should run on the middleman's I/O thread but does not");
    while (!done_) {
      if (shm_mode)
        poll_book();
      send_outbox();
      io.run_ready(); // an order just sent goes out; what peers sent comes in
      log_sent_orders();
      if (futex_mode_ && reader_ && !stale_)
        sleep_on_segment();
      else if (mailbox().empty() && wait.count() > 0)
        await_data(std::chrono::high_resolution_clock::now() + wait);
      while (!mailbox().empty() && !done_) {
        receive_one();
        send_outbox();
      }
      log_sent_orders();
      housekeeping();
      send_outbox();
    }
    log_sent_orders();
    guard_.flush();
    rejects_.flush(mono_ns());
  }

  // At most one order per symbol is pending at any time, so of an earlier run's
  // orders only the last per symbol can lack an outcome: each is sent again once
  // the OMS is linked (answered from the journal if it was executed), unless so
  // many orders followed it that the OMS's dedup window may have forgotten it.
  void recover_pending_orders() {
    std::ifstream in{orders_log_.path(), std::ios::binary | std::ios::ate};
    if (!in)
      return;
    auto size = static_cast<std::streamoff>(in.tellg());
    auto from = std::max<std::streamoff>(0, size - orders_log_tail);
    in.seekg(from);
    std::string line;
    if (from > 0)
      std::getline(in, line); // a partial line
    std::vector<std::pair<std::uint64_t, order>> last(books_.size());
    std::uint64_t count = 0;
    while (std::getline(in, line)) {
      if (line.empty())
        continue;
      order o;
      try {
        o = nlohmann::json::parse(line).get<order>();
      } catch (const std::exception&) {
        continue; // a torn last line: that order was never sent
      }
      ++count;
      auto sb = find(o.symbol);
      if (sb != nullptr && o.account == cfg_.account)
        last[static_cast<std::size_t>(sb - books_.data())] = {count, std::move(o)};
    }
    std::size_t recovered = 0;
    for (std::size_t i = 0; i < books_.size(); ++i) {
      auto& [number, o] = last[i];
      if (number == 0
          || count - number >= static_cast<std::uint64_t>(cfg_.oms_dedup_window))
        continue;
      books_[i].pending = std::move(o);
      books_[i].pending_sent_ns = decision_now(); // resent at the link, or on timeout
      ++recovered;
    }
    if (recovered > 0)
      log_info(who, std::to_string(recovered) + " orders of an earlier run (the last "
                      "per symbol in " + orders_log_.path() + ") are sent again once "
                      "the OMS is linked, in case their outcome was lost");
  }

private:
  // -- messages ---------------------------------------------------------------

  // What a peer may send: news, quotes (actor mode) and the answers to its
  // orders. Hand-overs and stop only from its node; anything else is dropped,
  // counted and logged, so nothing stays in the mailbox to be scanned again.
  void receive_one() {
    metrics_.messages_in.add();
    receive(
      // Each stream only from the producer its node handed over.
      [this](const news& n) {
        if (guard_.from_ok(this, news_feed_, "news"))
          on_news(n);
      },
      [this](const tick& t) {
        if (cfg_.book_source == "actor" && guard_.from_ok(this, book_, "quote"))
          on_tick(t);
      },
      [this](const tick_batch& batch) {
        if (cfg_.book_source == "actor" && guard_.from_ok(this, book_, "quote"))
          for (auto& t : batch.ticks)
            on_tick(t);
      },
      [this](const execution_report& r) {
        if (guard_.from_ok(this, oms_ptr(), "execution report"))
          on_report(r);
      },
      [this](const execution_report_batch& batch) {
        if (guard_.from_ok(this, oms_ptr(), "execution report"))
          for (auto& r : batch.reports)
            on_report(r);
      },
      [this](account_positions& p) {
        if (guard_.from_ok(this, oms_ptr(), "positions"))
          on_positions(p);
      },
      [this](peer_atom, order_entry_actor& x) {
        if (!guard_.private_ok(this, "peer"))
          return;
        oms_ = x;
        auto use = oms_ ? warm_use_for(cfg_) : warm_use::off;
        warm_oms_ = use == warm_use::on;
        if (!oms_)
          return;
        if (!warm_refusal_logged_ && use == warm_use::refused_backtest) {
          warm_refusal_logged_ = true;
          log_info(who, "strategy.warm_us: not used in a backtest");
        }
        // Positions first: the answers to the resends that follow are then
        // either in them (older journal sequence) or after them.
        send(oms_, positions_atom::value, cfg_.account);
        auto now = decision_now();
        for (auto& sb : books_)
          if (sb.pending)
            resend(sb, now);
      },
      [this](peer_atom, sentiment_stream_actor& x) {
        if (!guard_.private_ok(this, "peer"))
          return;
        news_feed_ = caf::actor_cast<caf::strong_actor_ptr>(x);
        if (x)
          send(x, subscribe_atom::value, caf::actor_cast<sentiment_sink_actor>(this));
      },
      [this](peer_atom, quote_stream_actor& x) {
        if (!guard_.private_ok(this, "peer"))
          return;
        book_ = caf::actor_cast<caf::strong_actor_ptr>(x);
        if (x && cfg_.book_source == "actor")
          send(x, subscribe_atom::value, caf::actor_cast<quote_sink_actor>(this));
      },
      [this](peer_atom, backtest_clock_actor& x) {
        if (!guard_.private_ok(this, "peer"))
          return;
        clock_ = x;
      },
      [this](stop_atom) {
        if (!guard_.private_ok(this, "stop"))
          return;
        draining_ = true;
        drain_deadline_ns_ = mono_ns() + drain_timeout_ns_;
        stop_promise_ = make_response_promise();
      },
      [this](caf::exit_msg& x) {
        if (!guard_.exit_ok(this))
          return;
        // Asked to quit without a drain: answers still due count as unknown.
        log_info(who, "exit requested (" + to_string(x.reason) + ")");
        finish();
        done_ = true;
      },
      caf::others >> [this](caf::message_view& x) -> caf::result<caf::message> {
        guard_.note_dropped(x.content().stringify());
        return caf::message{};
      },
      caf::after(std::chrono::seconds(0)) >> [] {});
  }

  void on_news(const news& n) {
    metrics_.news_in.add();
    on_event(n.event_ns);
    if (n.symbol.empty()) {
      market_sentiment_ = n.sentiment;
      metrics_.sentiment.store(n.sentiment, std::memory_order_relaxed);
    } else if (auto sb = find(n.symbol)) {
      sb->sentiment = n.sentiment;
    }
  }

  void on_tick(const tick& t) {
    on_event(t.event_ns);
    if (auto sb = find(t.symbol))
      on_price(*sb, price_event{t.top, t.feed_incarnation, t.sequence, t.created_ns,
                                t.book_received_ns, mono_ns(), t.event_ns});
  }

  // -- event time and the backtest clock --------------------------------------

  void on_event(nanos_t event_ns) {
    metrics_.market_events.add();
    ++events_;
    if (event_ns > event_now_)
      event_now_ = event_ns;
  }

  /// The clock of its timeouts and back-offs: event time in a backtest (so a
  /// loaded host cannot change a decision), else CLOCK_MONOTONIC.
  nanos_t decision_now() const {
    return cfg_.backtest ? event_now_ : mono_ns();
  }

  // Backtest: tells the clock how many events it has handled once every order
  // they caused has its outcome; the first time (0 events) once every producer
  // is linked and subscribed, which starts the replay.
  void tell_clock() {
    if (!cfg_.backtest || !clock_ || !oms_ || !book_ || !news_feed_)
      return;
    if (told_ && events_ == told_events_)
      return;
    for (auto& sb : books_)
      if (sb.pending)
        return;
    send(clock_, handled_atom::value, events_);
    told_ = true;
    told_events_ = events_;
  }

  void on_report(const execution_report& r) {
    auto sb = find(r.symbol);
    if (sb == nullptr)
      return;
    if (r.repeat)
      metrics_.repeats.add();
    if (sb->pending && sb->pending->order_id == r.order_id) {
      if (sb->unknown) {
        metrics_.unknown_now.fetch_sub(1, std::memory_order_relaxed);
        log_info(who, "outcome of order " + r.order_id + " now known: "
                        + to_string(r.status) + (r.repeat ? " (answered before)" : ""));
      }
      sb->pending.reset();
      sb->unknown = false;
    } else if (timed_out_.erase(r.order_id)) {
      log_info(who, "late outcome for order " + r.order_id + " (given up on): "
                      + to_string(r.status));
    } else if (r.repeat) {
      return; // the answer to a resend whose original answer came first
    } else {
      log_warn(who, "ignored an execution report for unknown order " + r.order_id);
      return;
    }
    auto now = decision_now();
    if (executed(r.status)) {
      metrics_.fills.add();
      sb->backoff_ns = 0;
      // The answer is the order's last line: filled_quantity is all it executed
      // (a partial fill too; the rest was cancelled). A fill the adopted
      // positions already hold must not count twice.
      auto whole = r;
      whole.quantity = r.filled_quantity;
      if (r.sequence == 0 || r.sequence > adopted_sequence_) {
        sb->position += r.dir == side::buy ? r.filled_quantity : -r.filled_quantity;
        // Priced at the last level's price: exact for an order filled at one
        // level, close otherwise (the OMS's report prices every level).
        add_fill(sb->pnl, whole);
        publish_position(*sb);
      }
      record_event(*sb, shm::event_kind::fill, r.execution_price, r.dir, r.filled_quantity,
                   mono_ns());
    } else {
      metrics_.rejects.add();
      record_event(*sb, shm::event_kind::reject, r.order_price, r.dir, r.quantity, mono_ns());
      sb->backoff_ns = sb->backoff_ns == 0 ? first_backoff_ns
                                           : std::min(2 * sb->backoff_ns, max_backoff_ns);
      sb->retry_after_ns = now + sb->backoff_ns;
      rejects_.log(log_level::warn, who, "reject:" + r.reason,
                   "order rejected: " + r.reason, mono_ns());
    }
  }

  // The OMS's positions for our account: where they differ from ours, theirs are
  // right (the journal holds every execution, ours may have missed answers).
  void on_positions(const account_positions& p) {
    if (p.account != cfg_.account)
      return;
    std::size_t differences = 0;
    for (auto& sb : books_) {
      quantity_t theirs = 0;
      for (auto& x : p.positions) {
        if (x.symbol == sb.symbol) {
          theirs = x.quantity;
          sb.pnl = x; // the OMS's average cost and realized P&L too
          publish_position(sb);
        }
      }
      if (theirs == sb.position)
        continue;
      ++differences;
      metrics_.reconciled.add();
      auto text = "position in " + sb.symbol + " was " + std::to_string(sb.position)
                  + ", the OMS says " + std::to_string(theirs) + ": adopting the OMS's";
      // With an order of it pending, the OMS may simply know its outcome first.
      if (sb.pending)
        log_info(who, text + " (order " + sb.pending->order_id + " is pending)");
      else
        log_warn(who, text);
      sb.position = theirs;
    }
    adopted_sequence_ = p.sequence;
    log_info(who, "positions reconciled with the OMS at journal sequence "
                    + std::to_string(p.sequence) + ": "
                    + (differences == 0 ? std::string{"no difference"}
                                        : std::to_string(differences) + " adopted"));
  }

  // -- the book ---------------------------------------------------------------

  void poll_book() {
    if (!reader_)
      return;
    auto counter = reader_->change_counter();
    if (counter == last_change_)
      return;
    last_change_ = counter;
    auto now = mono_ns();
    for (auto& sb : books_) {
      if (sb.slot < 0)
        continue;
      try {
        reader_->read(static_cast<std::uint32_t>(sb.slot), entry_);
      } catch (const shm::segment_error& e) {
        // The writer died in the middle of a write: this segment is finished.
        log_warn(who, std::string{e.what()} + ": re-attaching");
        reader_.reset();
        return;
      }
      if (entry_.feed_sequence == sb.seen_sequence
          && entry_.feed_incarnation == sb.seen_incarnation)
        continue;
      // The segment carries no event time: the moment it is read stands in.
      on_price(sb, price_event{entry_.top, entry_.feed_incarnation,
                               entry_.feed_sequence, entry_.tick_created_ns,
                               entry_.book_received_ns, now, wall_ns()});
    }
  }

  // strategy.wait = futex: until the segment changes, a message arrives or the
  // bound passes. (1) announce the word before (2) the last look at the
  // mailbox; enqueue() pushes, then reads the word: one of us sees the other.
  void sleep_on_segment() {
    sleeping_on_.store(reader_->futex_word(), std::memory_order_seq_cst);
    if (mailbox().empty())
      reader_->wait_for_change(last_change_, cfg_.spin_us * 1000, futex_wait_bound_ns);
    sleeping_on_.store(nullptr, std::memory_order_seq_cst);
  }

  // Attaches to the segment (waiting for it if it is not there yet), notices a
  // dead writer (heartbeat stops) and a replaced segment (book node restarted).
  void check_segment(nanos_t now) {
    if (!reader_) {
      auto result = shm::attach_reader(cfg_.book_shm_name,
                                       futex_mode_ ? shm::reader_access::waiter
                                                   : shm::reader_access::read_only);
      if (!result.reader) {
        if (result.error != last_attach_error_)
          log_info(who, "waiting for the book: " + result.error);
        last_attach_error_ = result.error;
        return;
      }
      reader_ = std::move(result.reader);
      last_attach_error_.clear();
      last_change_ = 0;
      for (auto& sb : books_)
        sb.slot = reader_->slot_of(sb.symbol);
      metrics_.attaches.add();
      // A segment left by a dead writer is no book to trade on.
      stale_ = !reader_->writer_alive(now, cfg_.book_stale_after_ms * 1'000'000);
      log_info(who, "attached to shm segment " + cfg_.book_shm_name
                      + (stale_ ? " (its writer is not alive: waiting)" : ""));
      return;
    }
    auto health = reader_->health(now, cfg_.book_stale_after_ms * 1'000'000);
    if (health != shm::segment_health::healthy
        && health != shm::segment_health::writer_stopped) {
      // Removed, replaced, shrunk: whatever it holds now is no book to trade on.
      log_warn(who, reader_->describe(health) + ": trading paused, re-attaching");
      reader_.reset();
      return;
    }
    auto alive = health == shm::segment_health::healthy;
    if (!alive && !stale_) {
      stale_ = true;
      metrics_.stale_pauses.add();
      log_warn(who, "book writer stopped heartbeating: trading paused");
    } else if (alive && stale_) {
      stale_ = false;
      log_info(who, "book writer is back: trading resumed");
    }
  }

  void on_price(symbol_state& sb, const price_event& e) {
    metrics_.book_events.add();
    if (e.seen_ns >= metrics_.record_from_ns) {
      metrics_.tick_age.record(e.seen_ns - e.tick_created_ns);
      metrics_.tick_age_live.record(e.seen_ns - e.tick_created_ns);
    }
    if (sb.index < metrics_.live.size()) {
      metrics_.live[sb.index].last_price.store(e.top.last, std::memory_order_relaxed);
      if (e.seen_ns - sb.sampled_ns >= live_sample_ns) {
        sb.sampled_ns = e.seen_ns;
        metrics_.events.push({0, e.seen_ns, shm::event_kind::price,
                              static_cast<std::uint32_t>(sb.index), e.top.last, 0,
                              e.top.bid});
      }
    }
    sb.seen_incarnation = e.incarnation;
    sb.seen_sequence = e.sequence;
    sb.top = e.top;
    sb.prices.push(to_double(e.top.last));
    if (stale_ || draining_)
      return;
    auto sentiment = sb.sentiment ? sb.sentiment : market_sentiment_;
    if (!sentiment)
      return; // no news yet: sentiment unknown, so no agreement possible
    auto long_window = static_cast<std::size_t>(cfg_.long_window);
    auto price = threshold_rule_
                   ? move_signal(sb.prices, long_window, cfg_.threshold_pct)
                   : price_signal(sb.prices, static_cast<std::size_t>(cfg_.short_window),
                                  long_window);
    auto combined = combine(price, sentiment_signal(*sentiment,
                                                    static_cast<int>(cfg_.buy_above),
                                                    static_cast<int>(cfg_.sell_below)));
    sb.target = target_position(combined, sb.target, cfg_.quantity);
    auto decision = decide_order(sb.position, sb.target, sb.pending.has_value());
    auto now = cfg_.backtest ? e.event_ns : e.seen_ns;
    if (decision && oms_ && now >= sb.retry_after_ns)
      send_order(sb, *decision, e);
  }

  // Builds the order in place as the symbol's pending one; send_outbox() sends a
  // copy. All of it is on the tick-to-trade path: nothing here allocates (id,
  // account and symbol fit std::string's inline buffer), and the live view's
  // event is recorded after the send.
  void send_order(symbol_state& sb, const order_decision& d, const price_event& e) {
    auto& o = sb.pending.emplace();
    set_order_id(o, ++order_count_);
    o.account = cfg_.account;
    o.symbol = sb.symbol;
    o.dir = d.dir;
    o.quantity = d.quantity;
    o.limit_price = limit_with_tolerance(d.dir, d.dir == side::buy ? sb.top.ask : sb.top.bid,
                                         cfg_.limit_tolerance_bps);
    o.timestamp_ns = wall_ns();
    o.tick_created_ns = e.tick_created_ns;
    o.book_received_ns = e.book_received_ns;
    o.strategy_seen_ns = e.seen_ns;
    o.event_ns = e.event_ns;
    metrics_.orders_sent.add();
    sb.pending_sent_ns = decision_now();
    sb.pending_number = order_count_;
    outbox_.push_back({sb.index, order_count_, false});
  }

  // The orders decided since the last send, as one message: a single order as
  // itself, several (one price pass can make every symbol order) as one
  // order_batch, which the OMS receives at once and journals with one write.
  // Without an OMS (lost since) they stay pending and go at the next link.
  // What happens after the send (the orders log's copies, the live view's
  // events) is off the tick-to-trade path.
  void send_outbox() {
    // An entry whose order has its outcome by now (or was replaced) is dropped.
    outbox_.erase(std::remove_if(outbox_.begin(), outbox_.end(),
                                 [this](const outgoing& x) {
                                   auto& sb = books_[x.book];
                                   return !sb.pending || sb.pending_number != x.number;
                                 }),
                  outbox_.end());
    if (outbox_.empty())
      return;
    auto now = mono_ns();
    next_warm_ns_ = now + cfg_.warm_us * 1000;
    if (oms_ && outbox_.size() == 1) {
      send(oms_, as_sent(outbox_.front(), now));
    } else if (oms_) {
      for (std::size_t i = 0; i < outbox_.size(); i += max_order_batch) {
        order_batch batch;
        batch.orders.reserve(std::min(max_order_batch, outbox_.size() - i));
        for (auto j = i; j < outbox_.size() && j < i + max_order_batch; ++j)
          batch.orders.push_back(as_sent(outbox_[j], now));
        send(oms_, std::move(batch));
      }
    }
    for (auto& x : outbox_) {
      auto& o = sent_.emplace_back(as_sent(x, now));
      if (!x.resend)
        record_event(books_[x.book], shm::event_kind::order, o.limit_price, o.dir,
                     o.quantity, o.strategy_seen_ns);
    }
    outbox_.clear();
  }

  // "<prefix><number>" written in place: to_chars into a stack buffer measured
  // about 150 ns an order less than prefix + std::to_string in the pass (the
  // pass runs once a millisecond, with cold caches).
  void set_order_id(order& o, std::uint64_t number) const {
    char text[40];
    std::memcpy(text, order_prefix_.data(), order_prefix_.size());
    auto end = std::to_chars(text + order_prefix_.size(), text + sizeof text, number).ptr;
    o.order_id.assign(text, static_cast<std::size_t>(end - text));
  }

  // A copy of the pending order as it was sent at `now`: the message's, and
  // the orders log's.
  order as_sent(const outgoing& x, nanos_t now) const {
    order sent = *books_[x.book].pending;
    sent.strategy_sent_ns = now;
    sent.resend = x.resend;
    return sent;
  }

  // -- live view (read by the node's counters publisher; stores only) ----------

  void publish_position(const symbol_state& sb) {
    if (sb.index >= metrics_.live.size())
      return;
    auto& l = metrics_.live[sb.index];
    l.quantity.store(sb.pnl.quantity, std::memory_order_relaxed);
    l.average_price.store(to_price(sb.pnl.average_price), std::memory_order_relaxed);
    l.realized.store(to_price(sb.pnl.realized_pnl), std::memory_order_relaxed);
  }

  void record_event(const symbol_state& sb, shm::event_kind kind, price_t price,
                  side dir, quantity_t quantity, nanos_t now) {
    if (sb.index < metrics_.live.size())
      metrics_.events.push({0, now, kind, static_cast<std::uint32_t>(sb.index), price,
                            dir == side::buy ? quantity : -quantity, 0});
  }

  // The same order, the same id: the OMS executes it once whatever the count.
  void resend(symbol_state& sb, nanos_t now) {
    metrics_.resent.add(); // before the send: whoever gets it may read the count
    sb.pending_sent_ns = now;
    outbox_.push_back({sb.index, sb.pending_number, true});
  }

  // The orders log is written once a round's orders are all sent: one price
  // event can make every symbol order, and each line costs a format and a
  // write(2) that the next symbol's order should not wait for.
  void log_sent_orders() {
    for (auto& o : sent_)
      if (auto err = orders_log_.append(to_log_line(o)); !err.empty())
        log_error(who, "orders log: " + err);
    sent_.clear();
  }

  // -- timers -----------------------------------------------------------------

  // strategy.warm_us: a message, nothing else, at most once per loop pass (so
  // a poll or futex wait stretches the period to its own). Between two orders
  // (about a millisecond apart) the path of the next one leaves the caches of
  // both threads: the hand-over to the OMS's worker cost 1.6-5.5 us p50 at that
  // cadence in runs on one host, against 1.0-1.3 us back to back
  // (actor_local_handoff_spinning_every_ms). To an OMS in another process it
  // keeps that node's receiving side warm (its loop, BASP's decoding, the OMS):
  // a cluster's order message took 17.6-17.9 us p50 with it every 300 us
  // against 25.4-26.2 us without, in probes on one host. An order resets the
  // period, since it warmed the path itself.
  void keep_order_path_warm(nanos_t now) {
    if (!warm_oms_ || now < next_warm_ns_)
      return;
    send(oms_, warm_atom::value);
    next_warm_ns_ = now + cfg_.warm_us * 1000;
  }

  void housekeeping() {
    tell_clock();
    auto now = mono_ns();
    keep_order_path_warm(now);
    if (now < next_housekeeping_ns_)
      return;
    next_housekeeping_ns_ = now + 10'000'000; // every 10 ms
    if (cfg_.book_source == "shm")
      check_segment(now);
    // Order timeouts on the decision clock: in a backtest event time, which
    // stands still while the clock waits for an outcome, so none times out there.
    auto mono = now;
    now = decision_now();
    auto in_flight = false;
    for (auto& sb : books_) {
      if (!sb.pending)
        continue;
      in_flight = true;
      if (now - sb.pending_sent_ns <= cfg_.order_timeout_ms * 1'000'000)
        continue;
      if (!sb.unknown) {
        sb.unknown = true;
        metrics_.outcome_unknown.add();
        metrics_.unknown_now.fetch_add(1, std::memory_order_relaxed);
        log_warn(who, "order " + sb.pending->order_id + ": no outcome after "
                        + std::to_string(cfg_.order_timeout_ms) + " ms: outcome unknown, "
                        + (oms_ ? "sending it again" : "sent again when the OMS is back"));
      }
      if (order_count_ - sb.pending_number
          >= static_cast<std::uint64_t>(cfg_.oms_dedup_window)) {
        give_up(sb);
      } else if (oms_) {
        resend(sb, now);
      }
    }
    if (draining_ && (!in_flight || mono > drain_deadline_ns_)) {
      finish();
      stop_promise_.deliver(true);
      done_ = true;
    }
    metrics_.checks.add(); // last: a check counted has done all of the above
  }

  // So many orders followed it that the OMS may have forgotten its id: a resend
  // could execute twice. The OMS's positions tell what became of it.
  void give_up(symbol_state& sb) {
    log_error(who, "order " + sb.pending->order_id
                     + ": still no outcome and outside the OMS's dedup window: no "
                       "longer sent again; positions are taken from the OMS");
    timed_out_.insert(sb.pending->order_id);
    sb.pending.reset();
    sb.unknown = false;
    metrics_.unknown_now.fetch_sub(1, std::memory_order_relaxed);
    if (oms_)
      send(oms_, positions_atom::value, cfg_.account);
  }

  // Leaving: what still has no outcome is unknown (the next start sends it
  // again), and the positions go to the node's summary.
  void finish() {
    std::string ids;
    for (auto& sb : books_) {
      if (sb.pending && !sb.unknown) {
        sb.unknown = true;
        metrics_.outcome_unknown.add();
        metrics_.unknown_now.fetch_add(1, std::memory_order_relaxed);
      }
      if (sb.pending)
        ids += " " + sb.pending->order_id;
    }
    if (!ids.empty())
      log_warn(who, "orders without an outcome at exit (sent again at the next "
                    "start):" + ids);
    metrics_.final_positions.clear();
    for (auto& sb : books_)
      metrics_.final_positions.emplace_back(sb.symbol, sb.position);
  }

  caf::strong_actor_ptr oms_ptr() const {
    return caf::actor_cast<caf::strong_actor_ptr>(oms_);
  }

  symbol_state* find(const std::string& symbol) {
    auto i = index_.find(symbol);
    return i == index_.end() ? nullptr : &books_[i->second];
  }

  strategy_settings cfg_;
  io_loop* io_; // its node's I/O loop, which it runs (else null)
  append_log& orders_log_;
  strategy_metrics& metrics_;
  actor_guard guard_;
  log_limiter rejects_;    // a reject storm is one line per interval
  recent_ids timed_out_;   // orders given up on, bounded
  nanos_t drain_timeout_ns_;
  std::vector<symbol_state> books_;
  std::unordered_map<std::string, std::size_t> index_;
  std::optional<std::int32_t> market_sentiment_;
  order_entry_actor oms_;
  backtest_clock_actor clock_;      // node.backtest: handed over by its node
  std::uint64_t events_ = 0;        // ticks and news handled
  nanos_t event_now_ = 0;           // the latest event time seen
  bool told_ = false;               // the clock has heard from it
  std::uint64_t told_events_ = 0;
  bool threshold_rule_ = false;     // strategy.kind = threshold
  caf::strong_actor_ptr book_;      // the quote stream handed over (actor mode)
  caf::strong_actor_ptr news_feed_; // the sentiment stream handed over
  std::unique_ptr<shm::segment_reader> reader_;
  bool futex_mode_ = cfg_.book_source == "shm" && cfg_.wait == "futex";
  // While it sleeps on the segment's futex: the word, for enqueue() to wake.
  std::atomic<const std::uint32_t*> sleeping_on_{nullptr};
  shm::slot_entry entry_{};
  std::uint64_t last_change_ = 0;
  std::string last_attach_error_;
  bool stale_ = false;
  std::string order_prefix_;
  std::uint64_t order_count_ = 0;
  std::uint64_t adopted_sequence_ = 0; // journal sequence of the adopted positions
  std::vector<outgoing> outbox_; // decided, not yet sent (send_outbox)
  bool warm_oms_ = false;  // strategy.warm_us applies (not a backtest)
  bool warm_refusal_logged_ = false;
  nanos_t next_warm_ns_ = 0;
  std::vector<order> sent_;   // sent this round, not yet in the orders log
  nanos_t next_housekeeping_ns_ = 0;
  bool draining_ = false;
  nanos_t drain_deadline_ns_ = 0;
  caf::response_promise stop_promise_;
  bool done_ = false;
};

} // namespace

warm_use warm_use_for(const strategy_settings& cfg) {
  if (cfg.warm_us <= 0)
    return warm_use::off;
  // A backtest keeps event time: wall-clock paced messages would only add
  // interleavings to its replay.
  if (cfg.backtest)
    return warm_use::refused_backtest;
  return warm_use::on;
}

caf::actor spawn_strategy(caf::actor_system& sys, const strategy_settings& cfg,
                          append_log& orders_log, strategy_metrics& metrics,
                          io_loop* io) {
  return sys.spawn<strategy_actor>(cfg, &orders_log, &metrics, io);
}

} // namespace trading
