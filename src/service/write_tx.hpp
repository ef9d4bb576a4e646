#pragma once
/// A write transaction for a use case that returns crema::Result: committed when the use
/// case returns a value, rolled back when it returns an error (nothing of a refused request
/// stays), retried like Pool::transact when the database asks for it.

#include <type_traits>
#include <utility>

#include "db/pool.hpp"
#include "util/error.hpp"

namespace crema::service {

/// Runs fn(tx) in a write transaction; fn returns crema::Result<T> and must be safe to run
/// again (it is, when it only touches the database through tx).
template <class Fn>
auto in_write_tx(db::Pool& pool, Fn&& fn) -> decltype(fn(std::declval<db::Transaction&>())) {
  for (int attempt = 0;; ++attempt) {
    try {
      db::Transaction tx(pool.write());
      auto out = fn(tx);
      if (out.ok()) tx.commit();
      return out;
    } catch (const db::Error& e) {
      if (e.kind() != db::Error::Kind::retryable || attempt >= 4) throw;
    }
  }
}

}  // namespace crema::service
