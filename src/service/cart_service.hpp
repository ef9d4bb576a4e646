#pragma once
/// A customer's cart (SPEC §6): the lines kept as given, priced with the current prices and
/// stock whenever it is read; `use_cart: true` on POST /orders takes it (and empties it).

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "service/order_service.hpp"
#include "util/error.hpp"

namespace crema::service {

class CartService {
 public:
  CartService(db::Pool& pool, OrderSettings settings)
      : pool_(pool), settings_(std::move(settings)) {}

  /// The cart priced now: `{items: [...], subtotal, tax_amount, total_amount, currency,
  /// updated_at}`; a line whose product is gone shows `available: false` and is not counted.
  boost::json::object get(const std::string& user_id);
  /// Replaces the cart (every line checked: 422 listing each bad one); answers as get().
  crema::Result<boost::json::object> replace(const std::string& user_id,
                                             const std::vector<OrderLine>& lines);
  /// Empties the cart.
  void clear(const std::string& user_id);

 private:
  db::Pool& pool_;
  OrderSettings settings_;
};

}  // namespace crema::service
