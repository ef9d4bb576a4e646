#pragma once
/// Catering event requests (SPEC §11). Customers ask (a future date, items from the
/// catalogue); managers and admins quote, assign, confirm, decline, complete. Confirming
/// creates the linked order (type event, the customer's, stock reserved, total = the quote)
/// in the same transaction; cancelling a confirmed event cancels that order and releases
/// its stock. Creation notifies the admins (outbox) and publishes `event_request_created`.
/// SPEC §15.5: the customer hears of every move (outbox + `event_updated`), accepts or
/// cancels a quote; staff+ enter phone-in requests and edit open ones.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "repo/event_repo.hpp"
#include "repo/keyset.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"
#include "util/error.hpp"

namespace crema::events {
class Bus;
}

namespace crema::service {

class OrderService;

struct EventItem {
  std::string product_id;
  std::int64_t qty = 1;
};

struct EventInput {
  std::string event_type;
  std::string date;  ///< YYYY-MM-DD, checked for shape
  std::int64_t guests = 1;
  std::string theme;
  std::vector<EventItem> items;
  std::string notes;
  std::optional<boost::json::object> customer_info;
};

/// PUT /events/{id}: a partial edit; what is not given keeps its value.
struct EventEdit {
  std::optional<std::string> date;  ///< YYYY-MM-DD, checked for shape
  std::optional<std::int64_t> guests;
  std::optional<std::string> theme;  ///< "" clears it
  std::optional<std::vector<EventItem>> items;
  std::optional<std::string> notes;  ///< "" clears it
  std::optional<std::int64_t> expected_version;
};

struct EventStatusChange {
  domain::EventStatus status = domain::EventStatus::requested;
  std::optional<std::int64_t> quote_amount;  ///< minor units
  std::optional<std::string> assigned_admin;
  std::optional<std::int64_t> expected_version;
};

/// The EventRequest resource.
boost::json::object event_json(const repo::EventRow& e, std::string_view currency);

class EventService {
 public:
  EventService(db::Pool& pool, const events::Bus& bus, OrderService& orders)
      : pool_(pool), bus_(bus), orders_(orders) {}

  /// POST /events: a customer's own request, or one staff+ enter for a phone-in customer
  /// (`customer_info` required: the request has no account). 422 for a date not in the
  /// future or unknown products.
  crema::Result<repo::EventRow> create(const Actor& actor, const EventInput& in);
  /// PUT /events/{id} (staff+, the owner; another customer: 404): a partial edit while
  /// requested or quoted (otherwise 409 invalid_transition); an edit of a quoted request
  /// returns it to requested and clears the quote. 409 version_conflict.
  crema::Result<repo::EventRow> edit(const Actor& actor, const std::string& id,
                                     const EventEdit& edit);
  /// GET /events: managers and admins all, customers their own.
  Page<repo::EventRow, repo::Keyset> list(const Actor& actor, repo::EventFilter filter);
  /// GET /events/{id}: managers, admins, the owner; 404 otherwise.
  crema::Result<repo::EventRow> get(const Actor& actor, const std::string& id);
  /// PUT /events/{id}/status: the flow of SPEC §11 (anything else 409 invalid_transition).
  /// The owner may accept a quote (quoted → confirmed: the linked order, as when a manager
  /// confirms) or cancel while requested or quoted; any other move by the owner is 403.
  /// Quoting notifies the customer (`event_quoted`), declining, confirming, completing and
  /// cancelling too (`event_status_changed`), through the outbox; every change is an
  /// `event_updated` on the customer's socket and the staff's `orders` topic.
  crema::Result<repo::EventRow> change_status(const Actor& actor, const std::string& id,
                                              const EventStatusChange& change);

  const std::string& currency() const;

 private:
  db::Pool& pool_;
  const events::Bus& bus_;
  OrderService& orders_;
};

}  // namespace crema::service
