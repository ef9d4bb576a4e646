#pragma once
/// Write transactions of the use cases, and their unit of work.
///
/// A use case that changes something runs it in in_write_tx: committed when the use case
/// returns a value, rolled back when it returns an error (nothing of a refused request
/// stays), retried like Pool::transact when the database asks for it. What the change means
/// for the rest of the system — bus events, stock effects, a menu to rebuild, any other
/// step that must follow the commit — is collected on the UnitOfWork while the transaction
/// runs and done only once it has committed: a rolled-back change is never announced, and a
/// retried attempt starts from an empty unit (nothing is announced twice).
///
///   auto out = in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<Order> {
///     auto& tx = work.tx();
///     ... write the change through repo:: with tx ...
///     work.publish("order_updated", domain::to_json(o), OrderService::watchers(o));
///     work.stock_changed(std::move(effects));   // inventory_low + menu_updated
///     work.menu_changed(product_id);             // menu_updated (merged with stock's)
///     work.after_commit([id] { ... });           // anything else, after the events
///     return o;
///   });
///
/// After the commit, in this order: the events in the order they were added; the stock's
/// `inventory_low` events; one `menu_updated` for every product the unit touched; the
/// after_commit steps in the order they were added. The transaction's connection is given
/// back first. A step that throws is logged and skipped: the change is committed, so the
/// caller still gets its answer.
///
/// A use case with nothing to announce uses the plain form, in_write_tx(pool, fn(tx)).

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "db/pool.hpp"
#include "events/pending_events.hpp"
#include "service/stock.hpp"
#include "util/error.hpp"

namespace crema::events {
class Bus;
}

namespace crema::service {

/// What a committed change leaves to do. Filled through UnitOfWork; run by in_write_tx.
class AfterCommit {
 public:
  void publish(events::Event event) { events_.add(std::move(event)); }
  void publish(std::string type, boost::json::value data, std::vector<std::string> topics) {
    events_.add(std::move(type), std::move(data), std::move(topics));
  }
  void stock_changed(StockEffects effects) { stock_.merge(std::move(effects)); }
  void menu_changed(std::string product_id);
  void after_commit(std::function<void()> step) { steps_.push_back(std::move(step)); }

  bool empty() const noexcept {
    return events_.empty() && stock_.low_alerts.empty() && stock_.product_ids.empty() &&
           steps_.empty();
  }
  /// Forgets everything (an attempt about to be retried).
  void clear() noexcept;
  /// Publishes and runs everything collected, once; call only after the commit.
  void run(const events::Bus& bus) &&;

 private:
  events::PendingEvents events_;
  StockEffects stock_;
  std::vector<std::function<void()>> steps_;
};

/// A write transaction and what its change leaves to do after the commit.
class UnitOfWork {
 public:
  UnitOfWork(db::Transaction& tx, AfterCommit& after) noexcept : tx_(tx), after_(after) {}
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;
  UnitOfWork(UnitOfWork&&) = delete;
  UnitOfWork& operator=(UnitOfWork&&) = delete;
  ~UnitOfWork() = default;

  db::Transaction& tx() const noexcept { return tx_; }
  db::Connection& conn() const { return tx_.connection(); }

  /// A bus event, published after the commit. `topics` empty: Bus::default_topics(type).
  void publish(std::string type, boost::json::value data, std::vector<std::string> topics = {}) {
    after_.publish(std::move(type), std::move(data), std::move(topics));
  }
  void publish(events::Event event) { after_.publish(std::move(event)); }
  /// A stock change's effects (service/stock.hpp): its `inventory_low` alerts and the
  /// products whose availability may have changed (one `menu_updated` for all of them).
  void stock_changed(StockEffects effects) { after_.stock_changed(std::move(effects)); }
  /// The menu shows this product differently: its cache is rebuilt (`menu_updated`).
  void menu_changed(std::string product_id) { after_.menu_changed(std::move(product_id)); }
  /// Any other step that must follow the commit (never run when the change rolls back).
  void after_commit(std::function<void()> step) { after_.after_commit(std::move(step)); }

 private:
  db::Transaction& tx_;
  AfterCommit& after_;
};

namespace detail {

/// Runs attempt() again (at most 5 times in all) when the database says the transaction
/// may succeed if retried (a serialisation failure, a deadlock, SQLITE_BUSY).
template <class Attempt>
auto with_retries(Attempt&& attempt) -> decltype(attempt()) {
  for (int n = 0;; ++n) {
    try {
      return attempt();
    } catch (const db::Error& e) {
      if (e.kind() != db::Error::Kind::retryable || n >= 4) throw;
    }
  }
}

}  // namespace detail

/// Runs fn(work) in a write transaction; fn returns crema::Result<T> and must be safe to
/// run again (it is, when it only touches the database through work.tx() and collects its
/// effects on work). What it collected is done after the commit, and only then.
template <class Fn>
auto in_write_tx(db::Pool& pool, const events::Bus& bus, Fn&& fn)
    -> decltype(fn(std::declval<UnitOfWork&>())) {
  AfterCommit after;
  auto out = detail::with_retries([&] {
    after.clear();
    db::Transaction tx(pool.write());
    UnitOfWork work(tx, after);
    auto result = fn(work);
    if (result.ok()) tx.commit();
    return result;
  });
  if (out.ok()) std::move(after).run(bus);
  return out;
}

/// Runs fn(tx) in a write transaction, for a use case with nothing to do after its commit.
template <class Fn>
auto in_write_tx(db::Pool& pool, Fn&& fn) -> decltype(fn(std::declval<db::Transaction&>())) {
  return detail::with_retries([&] {
    db::Transaction tx(pool.write());
    auto result = fn(tx);
    if (result.ok()) tx.commit();
    return result;
  });
}

}  // namespace crema::service
