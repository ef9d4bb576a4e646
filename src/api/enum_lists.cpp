#include "api/enum_lists.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "domain/order.hpp"
#include "domain/outbox.hpp"
#include "domain/statuses.hpp"

namespace crema::api {

namespace {

template <class Table>
EnumList all_of(const Table& table) {
  return EnumList(table.begin(), table.end());
}

// The order statuses a client may write: each name, and in-progress after preparing.
EnumList order_status_input() {
  EnumList out;
  for (auto name : domain::kOrderStatuses) {
    out.push_back(name);
    if (name == domain::order_status_name(domain::OrderStatus::preparing))
      out.push_back(domain::kInProgressAlias);
  }
  return out;
}

EnumList delivery_status_update() {
  EnumList out;
  for (auto name : domain::kDeliveryStatuses)
    if (name != domain::name(domain::DeliveryStatus::assigned)) out.push_back(name);
  return out;
}

}  // namespace

const std::vector<std::pair<std::string_view, EnumList>>& enum_lists() {
  static const std::vector<std::pair<std::string_view, EnumList>> lists = {
      {"order_type", all_of(domain::kOrderTypes)},
      {"order_status", all_of(domain::kOrderStatuses)},
      {"order_status_input", order_status_input()},
      {"order_payment_status", all_of(domain::kPaymentStatuses)},
      {"charge_status", all_of(domain::kChargeStatuses)},
      {"refund_status", all_of(domain::kRefundStatuses)},
      {"delivery_status", all_of(domain::kDeliveryStatuses)},
      {"delivery_status_update", delivery_status_update()},
      {"event_status", all_of(domain::kEventStatuses)},
      {"review_status", all_of(domain::kReviewStatuses)},
      {"outbox_status", all_of(domain::kOutboxStatuses)},
      {"notification_type", all_of(domain::kNotificationTypes)},
  };
  return lists;
}

const EnumList& enum_list(std::string_view name) {
  for (const auto& [n, list] : enum_lists())
    if (n == name) return list;
  throw std::logic_error("no enum list named " + std::string(name));
}

}  // namespace crema::api
