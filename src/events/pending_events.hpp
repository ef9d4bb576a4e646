#pragma once
/// The events a use case collects while its transaction runs, published only once that
/// transaction has committed.
///
/// A service never publishes from inside a transaction: a rolled-back change must never be
/// announced, and a client told "order_created" must find the order when it asks. Services
/// do not use this list directly: their write transactions collect events on a
/// service::UnitOfWork (service/write_tx.hpp), which keeps them here and hands them to
/// Bus::publish only after the COMMIT (a fresh list for every retry of the transaction; on
/// an error or an exception the list is simply dropped).

#include <string>
#include <utility>
#include <vector>

#include "events/event.hpp"

namespace crema::events {

class PendingEvents {
 public:
  /// Records an event, stamped now. `topics` empty: Bus::default_topics(type).
  void add(std::string type, boost::json::value data, std::vector<std::string> topics = {});
  /// Records a prepared event (stamped now when its at_ms is 0).
  void add(Event event);

  bool empty() const noexcept { return events_.empty(); }
  std::size_t size() const noexcept { return events_.size(); }
  const std::vector<Event>& events() const noexcept { return events_; }
  /// Forgets everything collected (a transaction about to be retried).
  void clear() noexcept { events_.clear(); }
  /// Hands the events over, in the order they were added.
  std::vector<Event> take() && { return std::move(events_); }

 private:
  std::vector<Event> events_;
};

}  // namespace crema::events
