#pragma once
/// What the outbox workers hand a message to: something that tries to send it once.

#include "service/outbox.hpp"

namespace crema::notify {

/// The result of one try.
struct Delivery {
  service::AttemptOutcome outcome;
  /// True when trying again cannot help (no such webhook any more): `failed` at once.
  bool permanent = false;
};

/// Sends one outbox message (one try, with its own timeouts). Called by several worker
/// threads at once: implementations are thread-safe. Never throws for a delivery problem;
/// a throw is treated as a failed try.
class Deliverer {
 public:
  virtual ~Deliverer() = default;
  virtual Delivery deliver(const service::OutboxMessage& message) = 0;
  /// Shutdown: sends in progress give up as soon as they can (their rows are handed back,
  /// not counted as tries), and later calls fail at once. Thread-safe.
  virtual void abort_in_flight() noexcept {}
};

}  // namespace crema::notify
