#pragma once
/// The fixed lists of values a route accepts or answers with, made from the domain's name
/// tables (domain/name_table.hpp) — one place for the handler that checks a value and for the
/// OpenAPI document that lists it, so neither can drift from the enum.
///
/// A schema names a list instead of writing it: `"enum": "$delivery_status"` becomes the
/// array when OpenApi::add_schema (or an inline schema) is read; an unknown name throws.
///
///     auto s = in.one_of("status", Need::optional, enum_list("delivery_status_update"));
///     if (s) status = domain::kDeliveryStatuses.parse(*s);
///     // in a schema: "status": {"type": "string", "enum": "$delivery_status"}
///     {.name = "status", .values = enum_list("review_status")}   // a query parameter's enum

#include <string_view>
#include <utility>
#include <vector>

namespace crema::api {

using EnumList = std::vector<std::string_view>;

/// The list called `name`; std::logic_error for a name that has none. The lists:
/// order_type, order_status, order_status_input (every status and the alias in-progress),
/// order_payment_status, charge_status, refund_status, delivery_status,
/// delivery_status_update (what a driver sets: not assigned), event_status, review_status,
/// outbox_status, notification_type.
const EnumList& enum_list(std::string_view name);

/// Every list by name (the unit test compares them with the tables).
const std::vector<std::pair<std::string_view, EnumList>>& enum_lists();

}  // namespace crema::api
